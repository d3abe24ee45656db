"""How the campaign runner closes attempts: when a call ends (its outcome, then a retry or a final state by
robot.campaign.rules) and after a crash (reconciliation).

Calls left `dialing` by a crashed run, or by a worker that is gone, are closed by asking the switch first when the
dialer can (robot.campaign.dialing.OutcomeLookup); a call no server can be asked about stays in flight and is asked
about again at each lease renewal, for UNREACHABLE_WAIT_S at most.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from robot.campaign.dialing import AttemptRequest, CallOutcome, NotDialled, OutcomeLookup
from robot.campaign.rules import STOPPED, decide_after_attempt, outcome_key
from robot.campaign.runner_state import RunnerState
from robot.campaign.store import AttemptRecord, AttemptResult, ContactNext, owner_is_dead
from robot.errors import AttemptNotInFlight, RobotError
from robot.events import AmdResult

log = logging.getLogger(__name__)
CRASH_CAUSE = "UNKNOWN_CRASH"
LOOKUP_TRIES = 3  # asking the switch about a call left by a crash, in a row
UNREACHABLE_WAIT_S = 900.0  # a call whose server cannot be asked is asked again (each renewal) this long, then unknown
LOST = "ROBOT_ESL_LOST"  # the call ended (or was given up) while the ESL link was down (robot.calls.session)
UNFINISHED = "answered_unfinished"
UNDECIDED = (None, AmdResult.UNKNOWN, AmdResult.NO_ANSWER)  # AMD without audio: what a lost link leaves


class AttemptClosing(RunnerState):
    """Closing attempts: a call's outcome, and the calls a crash (or a worker that is gone) left in flight."""

    async def _orphans(self) -> list[AttemptRecord]:
        """Calls left in flight by a process that is gone. Alone (campaign lease held), every other owner is gone;
        as a worker, those whose leases expired or whose process on this host is dead."""
        now = self.clock.wall()

        def gone(owner: str) -> bool:
            return True if not self.worker else owner_is_dead(owner)

        taken: list[AttemptRecord] = await self._db(
            self.store.take_orphans, self.campaign.id, self.owner, now, now + self.policy.lease_ttl_s, gone
        )
        return taken

    async def _call(self, request: AttemptRequest, writes: list[asyncio.Task[Any]]) -> None:
        try:
            outcome = await self.dialer.dial(request)
        except NotDialled as err:
            log.info("call %s to %s was not placed: %s", request.call_uuid, request.contact.number, err)
            outcome = None
        except RobotError as err:
            log.warning("call %s to %s: dialer error: %s", request.call_uuid, request.contact.number, err)
            outcome = CallOutcome(request.call_uuid, False, "DIALER_ERROR", disposition=f"DIALER_ERROR: {err}")
        finally:
            if self.metrics:
                self.metrics.calls_in_flight.dec()
        for result in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(result, BaseException):
                log.error("call %s: storing answer/refusal failed: %s", request.call_uuid, result)
        try:
            await self._record(request, outcome)
        except AttemptNotInFlight as err:
            # another worker took the call over (this one's lease lapsed) and closed the attempt: its record stands
            cause = None if outcome is None else outcome.hangup_cause
            log.warning(
                "call %s: %s (closed by another worker); outcome %s not recorded", request.call_uuid, err, cause
            )
        self._progress()

    async def _record(self, request: AttemptRequest, outcome: CallOutcome | None) -> None:
        if outcome is None:
            # due again a moment later (not in a tight loop if the dialer keeps failing before the switch)
            again = self.clock.wall() + min(self.policy.idle_poll_s, 1.0)
            await self._db(self.store.cancel_attempt, request.attempt_id, again)
        else:
            if self._hangup_sent_at is not None and not outcome.answered:  # we cancelled it while it rang
                outcome = CallOutcome(request.call_uuid, False, STOPPED, outcome.q850, disposition=STOPPED)
            elif outcome.answered and outcome.hangup_cause == LOST and outcome.amd_result in UNDECIDED:
                # answered, then the switch was lost before AMD could tell: a reached contact, as after a crash
                outcome = CallOutcome(request.call_uuid, True, LOST, ring_s=outcome.ring_s, disposition=UNFINISHED)
            if self.metrics:
                self.metrics.originate_results.inc(cause=outcome.hangup_cause or "UNKNOWN")
            await self._close(request.attempt_id, request.attempt_no, outcome)

    async def _close(self, attempt_id: int, attempts_done: int, outcome: CallOutcome) -> None:
        key = outcome_key(
            answered=outcome.answered,
            hangup_cause=outcome.hangup_cause,
            amd_result=outcome.amd_result,
            refusal=outcome.refusal,
        )
        decision = decide_after_attempt(
            key,
            attempts_done=attempts_done,
            max_attempts=self.policy.max_attempts,
            retry_delay_s=self.policy.retry_delay_s,
        )
        now = self.clock.wall()
        nxt = ContactNext(None, decision.reason) if decision.final else ContactNext(now + decision.retry_after_s, key)
        result = AttemptResult(
            result=outcome.disposition or key,
            hangup_cause=outcome.hangup_cause,
            q850=outcome.q850,
            amd_result=str(outcome.amd_result) if outcome.amd_result else None,
            intent=outcome.intent,
            answered=outcome.answered,
            refusal=outcome.refusal,
            ring_s=outcome.ring_s,
            talk_s=outcome.talk_s,
        )
        await self._db(self.store.finish_attempt, attempt_id, result, nxt, now)

    async def _reconcile(self, stale: list[AttemptRecord]) -> bool:
        """Close the attempts a crashed run (or a worker that is gone) left `dialing`, asking the switch first
        when the dialer can.

        Waits for the switch while it is down (False: a stop was requested meanwhile). With several servers, one
        that may hold the call can be down while others are up: the attempt then stays in flight (this process
        holds its lease) and is asked about again at each lease renewal, for UNREACHABLE_WAIT_S at most."""
        for attempt in stale:
            seen: CallOutcome | None = None  # None: the switch knows nothing of it
            if isinstance(self.dialer, OutcomeLookup):
                asked = False
                for _ in range(LOOKUP_TRIES):
                    while not await self._switch_up():
                        if self._stop_at is not None:
                            return False
                    try:
                        seen, asked = await self.dialer.lookup(attempt.call_uuid), True
                        break
                    except RobotError as err:  # the link dropped meanwhile: ask again once it is back
                        log.warning("call %s: asking the switch failed: %s", attempt.call_uuid, err)
                        await self._wait(min(self.policy.idle_poll_s, 1.0))
                if not asked and self._defer(attempt):
                    continue
                self._unresolved.pop(attempt.id, None)
            answered = attempt.answered or (seen is not None and seen.answered)
            cause = seen.hangup_cause if seen is not None else CRASH_CAUSE
            label = UNFINISHED if answered else (seen.disposition if seen is not None else CRASH_CAUSE)
            outcome = CallOutcome(attempt.call_uuid, answered, cause, disposition=label)
            done = await self._db(self.store.attempts_of_contact, attempt.contact_id)
            self._notice(f"call {attempt.call_uuid} ({attempt.phone}) was in flight at a crash: {outcome.disposition}")
            await self._close(attempt.id, int(done), outcome)
        return True

    def _defer(self, attempt: AttemptRecord) -> bool:
        """True while a call no server could be asked about is kept in flight, to be asked about again."""
        now = self.clock.wall()
        first = self._unresolved.get(attempt.id, (attempt, now))[1]
        if now - first >= UNREACHABLE_WAIT_S:
            self._unresolved.pop(attempt.id, None)
            return False
        if attempt.id not in self._unresolved:
            self._notice(
                f"call {attempt.call_uuid} ({attempt.phone}) was in flight at a crash; its server cannot be "
                "asked now: kept in flight, asked again once it is back"
            )
        self._unresolved[attempt.id] = (attempt, first)
        return True
