"""Calling windows, French holidays, D223-9 caps and retry decisions, with fixed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from robot.campaign.holidays import easter_sunday, french_public_holidays, is_french_public_holiday
from robot.campaign.rules import (
    FRENCH_PROSPECTING_WINDOW,
    CallingWindow,
    LegalCaps,
    NumberHistory,
    decide_after_attempt,
    legal_earliest,
    next_allowed_at,
    outcome_key,
    window_next_open,
)
from robot.events import AmdResult

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")
DELAYS = {"USER_BUSY": 600.0, "NO_ANSWER": 1800.0, "MACHINE": 3600.0}


def paris(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "easter"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
                         (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))]
)  # fmt: skip
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_french_holidays_2026() -> None:
    days = french_public_holidays(2026)
    assert len(days) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 12, 25), date(2026, 7, 14)} <= days
    assert not is_french_public_holiday(date(2026, 4, 5))  # Easter Sunday itself is a Sunday anyway, not listed


def test_christmas_friday_moves_to_monday_morning() -> None:
    got = window_next_open(paris(2026, 12, 25, 11), PARIS, FRENCH_PROSPECTING_WINDOW)
    assert got == paris(2026, 12, 28, 10).astimezone(UTC)


def test_ascension_thursday_moves_to_friday() -> None:
    got = window_next_open(paris(2026, 5, 14, 9), PARIS, FRENCH_PROSPECTING_WINDOW)
    assert got == utc(2026, 5, 15, 8)  # 10:00 CEST


def test_inside_window_is_now_and_lunch_break_waits() -> None:
    now = paris(2026, 6, 3, 11, 30)
    assert window_next_open(now, PARIS, FRENCH_PROSPECTING_WINDOW) == now.astimezone(UTC)
    assert window_next_open(paris(2026, 6, 3, 13), PARIS, FRENCH_PROSPECTING_WINDOW) == paris(2026, 6, 3, 14)
    assert window_next_open(paris(2026, 6, 3, 20), PARIS, FRENCH_PROSPECTING_WINDOW) == paris(2026, 6, 4, 10)
    assert window_next_open(paris(2026, 6, 5, 19, 59), PARIS, FRENCH_PROSPECTING_WINDOW) == paris(2026, 6, 5, 19, 59)
    assert window_next_open(paris(2026, 6, 6, 12), PARIS, FRENCH_PROSPECTING_WINDOW) == paris(2026, 6, 8, 10)


def test_dst_changes_keep_local_hours() -> None:
    # 2026-03-29: clocks go forward; Friday before is CET (UTC+1), Monday after is CEST (UTC+2).
    assert window_next_open(utc(2026, 3, 27, 5), PARIS, FRENCH_PROSPECTING_WINDOW) == utc(2026, 3, 27, 9)
    assert window_next_open(utc(2026, 3, 27, 20), PARIS, FRENCH_PROSPECTING_WINDOW) == utc(2026, 3, 30, 8)
    # 2026-10-25: clocks go back; Monday 26 is CET again.
    assert window_next_open(utc(2026, 10, 23, 18, 30), PARIS, FRENCH_PROSPECTING_WINDOW) == utc(2026, 10, 26, 9)
    # 19:30 CEST on Friday 23 October = 17:30 UTC is inside the window.
    assert window_next_open(utc(2026, 10, 23, 17, 30), PARIS, FRENCH_PROSPECTING_WINDOW) == utc(2026, 10, 23, 17, 30)


def test_window_uses_contact_time_zone() -> None:
    reunion = ZoneInfo("Indian/Reunion")  # UTC+4, no DST
    # 07:00 UTC Monday = 11:00 in La Réunion (open) but 09:00 in Paris (closed).
    now = utc(2026, 6, 1, 7)
    assert window_next_open(now, reunion, FRENCH_PROSPECTING_WINDOW) == now
    assert window_next_open(now, PARIS, FRENCH_PROSPECTING_WINDOW) == utc(2026, 6, 1, 8)


def test_window_validation() -> None:
    with pytest.raises(ValueError, match="start must be before end"):
        CallingWindow(frozenset({0}), ((time(13), time(10)),))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        window_next_open(datetime(2026, 6, 1, 10), PARIS, FRENCH_PROSPECTING_WINDOW)


def test_four_attempts_in_30_days_cap() -> None:
    caps = LegalCaps()
    base = utc(2026, 6, 1, 9)
    tries = tuple(base + timedelta(days=d) for d in (0, 2, 5, 9))
    now = base + timedelta(days=10)
    assert legal_earliest(now, NumberHistory(attempts=tries[:3]), caps) == now
    assert legal_earliest(now, NumberHistory(attempts=tries), caps) == base + timedelta(days=30)
    # an attempt 31 days ago does not count
    old = (base - timedelta(days=21), *tries[1:])
    assert legal_earliest(now, NumberHistory(attempts=old), caps) == now


def test_refusal_quiet_period() -> None:
    refused = utc(2026, 6, 1, 9)
    history = NumberHistory(refusals=(refused,))
    assert legal_earliest(refused + timedelta(days=1), history, LegalCaps()) == refused + timedelta(days=60)


def test_next_allowed_combines_caps_and_window() -> None:
    refused = utc(2026, 10, 2, 9)  # +60 days = Tuesday 1 December 2026 09:00 UTC = 10:00 Paris
    got = next_allowed_at(
        refused, PARIS, NumberHistory(refusals=(refused,)), window=FRENCH_PROSPECTING_WINDOW, caps=LegalCaps()
    )
    assert got == utc(2026, 12, 1, 9)
    now = utc(2026, 12, 25, 3)
    assert next_allowed_at(now, PARIS, NumberHistory(), window=None, caps=None) == now


def test_outcome_keys() -> None:
    assert outcome_key(answered=True, hangup_cause="NORMAL_CLEARING", amd_result=AmdResult.HUMAN, refusal=False) == (
        "ANSWERED"
    )
    assert outcome_key(answered=True, hangup_cause="NORMAL_CLEARING", amd_result=AmdResult.MACHINE, refusal=False) == (
        "MACHINE"
    )
    assert outcome_key(answered=True, hangup_cause="X", amd_result=AmdResult.HUMAN, refusal=True) == "REFUSED"
    assert outcome_key(answered=False, hangup_cause="USER_BUSY", amd_result=None, refusal=False) == "USER_BUSY"


def test_retry_decisions() -> None:
    busy = decide_after_attempt("USER_BUSY", attempts_done=1, max_attempts=3, retry_delay_s=DELAYS)
    assert not busy.final and busy.retry_after_s == 600.0
    assert decide_after_attempt("USER_BUSY", attempts_done=3, max_attempts=3, retry_delay_s=DELAYS).final
    assert decide_after_attempt("ANSWERED", attempts_done=1, max_attempts=3, retry_delay_s=DELAYS).final
    assert decide_after_attempt("REFUSED", attempts_done=1, max_attempts=3, retry_delay_s=DELAYS).final
    # final network causes stay final even if someone lists them
    unalloc = decide_after_attempt(
        "UNALLOCATED_NUMBER", attempts_done=1, max_attempts=3, retry_delay_s={**DELAYS, "UNALLOCATED_NUMBER": 5.0}
    )
    assert unalloc.final and unalloc.reason == "UNALLOCATED_NUMBER"
    other = decide_after_attempt("CALL_REJECTED", attempts_done=1, max_attempts=3, retry_delay_s=DELAYS)
    assert other.final and "not retried" in other.reason
