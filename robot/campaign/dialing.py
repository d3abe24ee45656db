"""What the campaign runner and a dialer exchange (robot.campaign.runner drives it; robot.calls.dialer is the live
dialer).

The live call path plugs in through one protocol:

    class Dialer(Protocol):
        async def dial(self, attempt: AttemptRequest) -> CallOutcome

- `AttemptRequest`: the attempt's store id and number (1-based), campaign name, scenario, the contact
  (E.164 number, name, IANA time zone, consent reference, call variables), the dial string built from the
  template, and the `call_uuid` chosen by the runner and COMMITTED in the store (state `dialing`) before `dial` is
  called: use it as `origination_uuid`. `on_answer()` / `on_refusal()`: call them the moment the call is answered /
  the callee refuses further calls; the runner stores both at once (a crash later still knows).
- `CallOutcome`: what happened: answered?, hangup cause (+ Q.850 code), AMD result, intent, whether the callee
  refused further calls (`refusal`: recorded, 60-day quiet period for prospecting), a final disposition label and
  ring/talk durations. `dial` returns once the call is over (hung up). It raises `NotDialled` when the originate
  never reached the switch (ESL down): the attempt is withdrawn, counts toward no cap and is dialled again once
  the switch is back. Any other `RobotError` counts as an attempt with cause DIALER_ERROR. A call answered and then
  lost with the switch (ROBOT_ESL_LOST) before AMD decided is a reached contact (`answered_unfinished`).

Optional dialer features (checked with isinstance on the runtime-checkable protocols below):
- `SwitchLink`: `switch_down_since()` (wall time the switch was lost, None while up). While down, the runner
  starts no call and reports "waiting for FreeSWITCH since ..."; it goes on when the link is back.
- `OutcomeLookup.lookup(call_uuid)`: after a crash, the attempts left `dialing` are asked about first (the dialer
  asks the switch, hangs a surviving channel up and says whether it was answered). Unanswered unknowns close as
  UNKNOWN_CRASH (an attempt, retried by the rules); answered ones (the switch says so, or `on_answer` was stored)
  close as reached: a human who answered is never redialled because of a crash.
- `Hangup.hangup_all(cause)`: used when stopping (signal) after the grace period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from robot.clock import Clock
from robot.errors import ConfigError, RobotError
from robot.events import AmdResult


class NotDialled(RobotError):
    """The originate never reached the switch (ESL down): the attempt did not happen."""


@dataclass(frozen=True, slots=True)
class ContactRef:
    number: str
    name: str = ""
    timezone: str = "Europe/Paris"
    consent_ref: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class AttemptRequest:
    attempt_id: int
    attempt_no: int
    campaign: str
    scenario: str
    contact: ContactRef
    dial_string: str
    call_uuid: str
    on_answer: Callable[[], None] = _nothing
    on_refusal: Callable[[], None] = _nothing


@dataclass(frozen=True, slots=True)
class CallOutcome:
    call_uuid: str
    answered: bool
    hangup_cause: str
    q850: int | None = None
    amd_result: AmdResult | None = None
    intent: str | None = None
    refusal: bool = False
    disposition: str = ""
    ring_s: float = 0.0
    talk_s: float = 0.0


class Dialer(Protocol):
    async def dial(self, attempt: AttemptRequest) -> CallOutcome: ...


@runtime_checkable
class OutcomeLookup(Protocol):
    async def lookup(self, call_uuid: str) -> CallOutcome | None: ...


@runtime_checkable
class SwitchLink(Protocol):
    def switch_down_since(self) -> float | None: ...


@runtime_checkable
class Hangup(Protocol):
    async def hangup_all(self, cause: str) -> None: ...


class TokenBucket:
    """`rate` tokens per second, at most `burst` stored; time from the injected clock."""

    def __init__(self, rate: float, burst: float, clock: Clock) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = burst
        self._at = clock.monotonic()

    def try_take(self) -> float:
        """Take a token and return 0.0, or return the seconds to wait before one is available."""
        now = self._clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


def build_dial_string(template: str, number: str) -> str:
    if template.count("{number}") != 1:
        raise ConfigError(f"dial template {template!r} must contain {{number}} exactly once")
    return template.replace("{number}", number)
