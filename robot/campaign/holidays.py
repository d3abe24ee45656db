"""French public holidays (metropolitan list of the Code du travail, art. L3133-1), computed for any year.

Fixed dates: 1 January, 1 May, 8 May, 14 July, 15 August, 1 November, 11 November, 25 December.
Movable (from Easter Sunday, Gregorian computus): Easter Monday (+1), Ascension (+39), Whit Monday (+50).
Alsace-Moselle extras (Good Friday, 26 December) are not included.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

_FIXED = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, a.k.a. Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    movable = (easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50))
    return frozenset([date(year, m, d) for m, d in _FIXED] + list(movable))


def is_french_public_holiday(day: date) -> bool:
    return day in french_public_holidays(day.year)
