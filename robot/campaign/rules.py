"""Pure dialing rules: calling windows, the French prospecting rules (Code de la consommation D223-9) and retries.

Every function takes the current instant as an argument (an aware datetime); nothing here reads a clock.

- `CallingWindow`: allowed weekdays + local time periods (+ optionally no French public holidays), evaluated in the
  contact's time zone. `FRENCH_PROSPECTING_WINDOW` is D223-9: Monday-Friday, not on public holidays,
  10:00-13:00 and 14:00-20:00 local time.
- `LegalCaps`: at most N attempts per number within a rolling window (4 per 30 days) and a quiet period after a
  refusal (60 days). They count attempts to the number from every campaign of the store ("same professional").
- `next_allowed_at`: the earliest instant >= now at which a number may be called under all of the above.
- `decide_after_attempt`: what to do after an attempt: final (with why) or retry after a delay, by hangup cause /
  AMD result, with `retry_delay_s` from the settings (causes not listed are final) and a max attempt count.
  ROBOT_STOPPED (a ringing call the robot cancelled while stopping) is always retried at once, within the cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from robot.campaign.holidays import is_french_public_holiday
from robot.events import AmdResult

# Network causes that say the number itself is wrong: never retried whatever retry_delay_s says.
FINAL_CAUSES = frozenset(
    {
        "UNALLOCATED_NUMBER",
        "NO_ROUTE_DESTINATION",
        "NO_ROUTE_TRANSIT_NET",
        "INVALID_NUMBER_FORMAT",
        "NUMBER_CHANGED",
        "INCOMPATIBLE_DESTINATION",
    }
)
ANSWERED = "ANSWERED"
REFUSED = "REFUSED"
STOPPED = "ROBOT_STOPPED"  # the robot itself hung up a call still ringing because it was stopping (signal)
_SEARCH_DAYS = 400


@dataclass(frozen=True, slots=True)
class CallingWindow:
    weekdays: frozenset[int]  # 0 = Monday
    periods: tuple[tuple[time, time], ...]  # local [start, end) periods, start < end
    skip_french_holidays: bool = False

    def __post_init__(self) -> None:
        if not self.weekdays or not self.periods:
            raise ValueError("a calling window needs at least one weekday and one period")
        for start, end in self.periods:
            if not start < end:
                raise ValueError(f"calling period {start}-{end}: start must be before end")

    def open_on(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        return not (self.skip_french_holidays and is_french_public_holiday(day))


FRENCH_PROSPECTING_WINDOW = CallingWindow(
    weekdays=frozenset(range(5)),
    periods=((time(10, 0), time(13, 0)), (time(14, 0), time(20, 0))),
    skip_french_holidays=True,
)


@dataclass(frozen=True, slots=True)
class LegalCaps:
    max_attempts: int = 4
    window: timedelta = timedelta(days=30)
    refusal_quiet: timedelta = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class NumberHistory:
    """Past attempts and refusals of one number (all campaigns), aware datetimes."""

    attempts: tuple[datetime, ...] = ()
    refusals: tuple[datetime, ...] = ()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} is a naive datetime; rules need aware datetimes")
    return moment.astimezone(UTC)


def window_next_open(now: datetime, tz: ZoneInfo, window: CallingWindow) -> datetime | None:
    """Earliest instant >= now inside `window` in time zone `tz` (UTC), or None if none within ~a year."""
    now_utc = _utc(now)
    today = now_utc.astimezone(tz).date()
    for offset in range(_SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if not window.open_on(day):
            continue
        for start, end in window.periods:
            # Comparisons in UTC: aware datetimes sharing a tzinfo compare wall times, which lies across DST.
            start_utc = datetime.combine(day, start, tz).astimezone(UTC)
            end_utc = datetime.combine(day, end, tz).astimezone(UTC)
            if now_utc < end_utc:
                return max(now_utc, start_utc)
    return None


def legal_earliest(now: datetime, history: NumberHistory, caps: LegalCaps) -> datetime:
    """Earliest instant >= now allowed by the attempt cap and the refusal quiet period."""
    moment = _utc(now)
    if history.refusals:
        moment = max(moment, max(_utc(r) for r in history.refusals) + caps.refusal_quiet)
    recent = sorted(a for a in (_utc(x) for x in history.attempts) if a > moment - caps.window)
    excess = len(recent) - caps.max_attempts
    if excess >= 0:
        # Wait until enough of the oldest recent attempts leave the rolling window.
        moment = max(moment, recent[excess] + caps.window)
    return moment


def next_allowed_at(
    now: datetime,
    tz: ZoneInfo,
    history: NumberHistory,
    *,
    window: CallingWindow | None,
    caps: LegalCaps | None,
) -> datetime | None:
    """Earliest instant >= now when the number may be called (UTC), None when no window opens within a year.

    The legal constraints only get looser as time goes on, so applying the caps then the window is exact.
    """
    moment = _utc(now)
    if caps is not None:
        moment = legal_earliest(moment, history, caps)
    if window is not None:
        return window_next_open(moment, tz, window)
    return moment


def outcome_key(*, answered: bool, hangup_cause: str, amd_result: AmdResult | None, refusal: bool) -> str:
    """The key retry_delay_s is looked up with: REFUSED, MACHINE/NO_ANSWER/OPERATOR (AMD), ANSWERED, or the cause."""
    if refusal:
        return REFUSED
    if answered:
        if amd_result in (AmdResult.MACHINE, AmdResult.NO_ANSWER, AmdResult.OPERATOR):
            return str(amd_result)
        return ANSWERED
    return hangup_cause


@dataclass(frozen=True, slots=True)
class RetryDecision:
    final: bool
    reason: str
    retry_after_s: float = 0.0


def decide_after_attempt(
    key: str, *, attempts_done: int, max_attempts: int, retry_delay_s: Mapping[str, float]
) -> RetryDecision:
    """Final or retry, from the outcome key (see `outcome_key`) and how many attempts this contact has had."""
    if key in (ANSWERED, REFUSED) or key in FINAL_CAUSES:
        return RetryDecision(True, key)
    delay = 0.0 if key == STOPPED else retry_delay_s.get(key)
    if delay is None:
        return RetryDecision(True, f"{key} (not retried)")
    if attempts_done >= max_attempts:
        return RetryDecision(True, f"{key} (max {max_attempts} attempts reached)")
    return RetryDecision(False, key, float(delay))
