"""Campaign runner: pacing (at most C calls in flight, at most R new calls per second), retries, pause/resume,
switch outages, signals and crash reconciliation.

The dialer side (AttemptRequest, CallOutcome, NotDialled and the optional SwitchLink / OutcomeLookup / Hangup
features) is described in robot.campaign.dialing.

Stop (`request_stop`, from SIGINT/SIGTERM): no new call; calls in flight get `grace_s` to finish, then they are
hung up and their outcomes recorded (at most `HANGUP_WAIT_S` more); the campaign is marked paused. A second
`request_stop(now=True)` hangs up at once. Pause: the campaign status is read from the store between dials; once
not `running`, no new call starts, the calls in flight finish, and `run` returns the status. Time comes from the
injected clock and `sleep`.

Alone (default), the runner holds the campaign's lease; as one of several workers (`worker=True`, `robot campaign
run --worker`) it holds none: it claims due contacts (leases renewed with its heartbeat every lease_ttl_s / 3),
dials a claimed contact only once the store, in the transaction that commits the attempt, found the number within
the legal caps, takes over the calls of workers that are gone at each renewal, and leaves the campaign `done` only
once no contact is pending or being dialled by anyone (robot.campaign.store, "Workers").
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from robot.campaign.dialing import (
    AttemptRequest,
    CallOutcome,
    ContactRef,
    Dialer,
    Hangup,
    NotDialled,
    OutcomeLookup,
    SwitchLink,
    TokenBucket,
    build_dial_string,
)
from robot.campaign.policy import RunPolicy
from robot.campaign.progress import ProgressFeed, ProgressHook
from robot.campaign.rules import (
    STOPPED,
    NumberHistory,
    decide_after_attempt,
    legal_earliest,
    next_allowed_at,
    outcome_key,
)
from robot.campaign.store import (
    AttemptRecord,
    AttemptResult,
    CampaignCounts,
    CampaignRecord,
    CampaignStatus,
    CampaignStore,
    ContactNext,
    ContactRecord,
    NumberTimes,
    owner_is_dead,
    process_owner,
)
from robot.clock import Clock
from robot.errors import AttemptNotInFlight, RobotError
from robot.events import AmdResult
from robot.metrics import RobotMetrics

__all__ = [
    "AttemptRequest",
    "CallOutcome",
    "CampaignRunner",
    "ContactRef",
    "Dialer",
    "Hangup",
    "NotDialled",
    "OutcomeLookup",
    "RunPolicy",
    "SwitchLink",
    "TokenBucket",
    "build_dial_string",
]

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
HANGUP_WAIT_S = 15.0  # after hanging the calls up (stop), how long their outcomes may take to come back
CRASH_CAUSE = "UNKNOWN_CRASH"
LOOKUP_TRIES = 3  # asking the switch about a call left by a crash, in a row
UNREACHABLE_WAIT_S = 900.0  # a call whose server cannot be asked is asked again (each renewal) this long, then unknown
LOST = "ROBOT_ESL_LOST"  # the call ended (or was given up) while the ESL link was down (robot.calls.session)
UNFINISHED = "answered_unfinished"
UNDECIDED = (None, AmdResult.UNKNOWN, AmdResult.NO_ANSWER)  # AMD without audio: what a lost link leaves


def _local(ts: float, tz: ZoneInfo | None = None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %b %H:%M")


NoticeHook = Callable[[str], None]


class CampaignRunner:
    def __init__(
        self,
        store: CampaignStore,
        dialer: Dialer,
        campaign: CampaignRecord,
        policy: RunPolicy,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        on_progress: ProgressHook | None = None,
        on_notice: NoticeHook | None = None,
        metrics: RobotMetrics | None = None,
        owner: str | None = None,
        worker: bool = False,
    ) -> None:
        self.store, self.dialer, self.campaign, self.policy = store, dialer, campaign, policy
        self.clock, self._sleep, self.metrics = clock, sleep, metrics
        self._on_notice = on_notice or (lambda text: log.info("%s", text))
        self.owner = owner or process_owner()
        self.worker = worker  # one of several processes on the campaign: no exclusive lease (robot.campaign.store)
        self.bucket = TokenBucket(policy.cps, max(1.0, policy.cps), clock)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._dnc: set[str] = set()
        self._lease_renewed_at = float("-inf")
        self._wake = asyncio.Event()
        self._stop_at: float | None = None  # monotonic deadline of the grace period once stopping
        self._hangup_sent_at: float | None = None
        self.waiting_since: float | None = None  # wall time the switch was found down
        self.held_lease = False
        self._idle_announced: float | None = None
        self.max_in_flight_seen = 0
        self._unresolved: dict[int, tuple[AttemptRecord, float]] = {}  # crash calls no server could be asked about
        self._progress_feed = None if on_progress is None else ProgressFeed(on_progress, self._counts)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def _counts(self) -> tuple[CampaignRecord, CampaignCounts]:
        return self.campaign, await self._db(self.store.counts, self.campaign.id)

    def request_stop(self, *, now: bool = False) -> None:
        """Stop dialling; calls in flight get the grace period (or none with `now`, as a second signal)."""
        deadline = self.clock.monotonic() + (0.0 if now else self.policy.grace_s)
        self._stop_at = deadline if self._stop_at is None else min(self._stop_at, deadline)
        if now:
            self._notice(f"stopping now: hanging up {len(self._in_flight)} call(s)")
        else:
            self._notice(
                f"stopping: no new calls; {len(self._in_flight)} call(s) in flight get {self.policy.grace_s:g} s "
                "to finish (signal again to hang up now)"
            )
        self._wake.set()

    async def run(self) -> str:
        """Dial until every contact is final ("done") or the campaign stops running (returns its status)."""
        cid = self.campaign.id
        await self._renew_lease(force=True)
        self.held_lease = True
        try:
            self._dnc = await self._db(self.store.dnc_numbers)
            if not await self._reconcile(await self._orphans()):
                return await self._paused()
            return await self._loop(cid)
        finally:
            if self._in_flight:  # cancelled: the attempts stay `dialing` and are reconciled next run
                for task in self._in_flight:
                    task.cancel()
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            if not self.worker:
                await self._db(self.store.set_note, cid, None)
                await self._db(self.store.release_lease, cid, self.owner)
            await self._db(self.store.leave, cid, self.owner)
            if self._progress_feed is not None:
                await self._progress_feed.flush()

    async def _paused(self) -> str:
        """After a stop: paused, or done when the stop came as the last contact became final."""
        counts: CampaignCounts = await self._db(self.store.counts, self.campaign.id)
        status: CampaignStatus = "paused" if counts.by_state.get("pending") or counts.in_flight else "done"
        if self.worker:  # the others go on: this worker only leaves
            return status
        await self._db(self.store.set_status, self.campaign.name, status)
        self._progress()
        return status

    async def _loop(self, cid: int) -> str:
        while True:
            await self._renew_lease()
            if self._stop_at is not None:
                if not self._in_flight:
                    return await self._paused()
                if not await self._stopping():
                    return await self._paused()
                continue
            status = (await self._db(self.store.get_campaign, self.campaign.name)).status
            if status != "running":
                if not self._in_flight:
                    self._progress()
                    return str(status)
                await self._wait(self.policy.idle_poll_s)
                continue
            if not await self._switch_up():
                continue
            free = self.policy.concurrency - len(self._in_flight)
            if free > 0:
                now = self.clock.wall()
                # no more than pacing lets this worker dial before its next renewal: the others may have the rest
                batch = min(free, max(1, int(self.policy.cps * self.policy.lease_ttl_s / 3)))
                due: list[ContactRecord] = await self._db(
                    self.store.claim_due, cid, self.owner, now, batch, now + self.policy.lease_ttl_s
                )
                if due:
                    for contact in due:
                        await self._renew_lease()  # pacing through a batch never lets this worker's leases lapse
                        if not await self._start(contact):
                            break
                    continue
            if not self._in_flight:
                next_due = await self._db(self.store.next_due_at, cid)
                if next_due is None and await self._db(self.store.finish_if_done, cid):
                    self._progress()
                    return "done"
                if next_due is None:  # another worker still has calls in flight (a retry may come back)
                    await self._wait(self.policy.idle_poll_s)
                    continue
                await self._announce_idle(next_due)
                await self._wait(min(self.policy.idle_poll_s, max(0.0, next_due - self.clock.wall())))
            else:
                await self._wait(self.policy.idle_poll_s)

    async def _announce_idle(self, next_due: float) -> None:
        """Say once why nothing is dialled now and when the next call is due (not silent for hours)."""
        if next_due <= self.clock.wall() + self.policy.idle_poll_s or next_due == self._idle_announced:
            return
        self._idle_announced = next_due
        groups = await self._db(self.store.waiting, self.campaign.id)
        why = next((g.reason for g in groups if g.next_at == next_due and g.reason), "")
        self._notice(f"nothing to dial before {_local(next_due)}" + (f": {why}" if why else ""))
        self._progress()

    async def _stopping(self) -> bool:
        """One step of a stop with calls in flight; False when giving up on them (they stay to reconcile)."""
        assert self._stop_at is not None
        now = self.clock.monotonic()
        if self._hangup_sent_at is None and now >= self._stop_at:
            self._hangup_sent_at = now
            if isinstance(self.dialer, Hangup):
                self._notice(f"grace period over: hanging up {len(self._in_flight)} call(s)")
                await self.dialer.hangup_all("MANAGER_REQUEST")
        if self._hangup_sent_at is not None:
            left = self._hangup_sent_at + HANGUP_WAIT_S - now
            if left <= 0:
                self._notice(f"{len(self._in_flight)} call(s) did not end: left to reconcile on resume")
                return False
            await self._wait(min(self.policy.idle_poll_s, left))
        else:
            await self._wait(min(self.policy.idle_poll_s, self._stop_at - now))
        return True

    async def _switch_up(self) -> bool:
        """True when calls may be placed; else notes the outage, waits a little and returns False."""
        down = self.dialer.switch_down_since() if isinstance(self.dialer, SwitchLink) else None
        if down is None:
            if self.waiting_since is not None:
                gone = self.clock.wall() - self.waiting_since
                self._notice(f"FreeSWITCH is back after {gone:.1f} s: dialling again")
                self.waiting_since = None
                await self._db(self.store.set_note, self.campaign.id, None)
            return True
        if self.waiting_since is None:
            self.waiting_since = down
            text = f"waiting for FreeSWITCH (since {_local(down)})"
            self._notice(f"{text}: no new calls until it is back")
            await self._db(self.store.set_note, self.campaign.id, text)
        await self._wait(min(self.policy.idle_poll_s, 1.0))
        return False

    async def _wait(self, seconds: float) -> None:
        """Until a call ends, a stop is requested or `seconds` pass (injected sleep)."""
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait({sleeper, woken, *self._in_flight}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()
        self._wake.clear()
        for task in done:
            if task is not sleeper and task is not woken:
                self._in_flight.discard(task)
                task.result()  # a bug in _call must not pass silently

    async def _renew_lease(self, *, force: bool = False) -> None:
        """Every ttl/3: the campaign lease (alone) or the worker heartbeat, and the contacts' leases; a worker then
        takes over the calls of workers that are gone and closes them by the crash rules."""
        now = self.clock.wall()
        if force or now - self._lease_renewed_at >= self.policy.lease_ttl_s / 3:
            if not self.worker:
                await self._db(self.store.acquire_lease, self.campaign.id, self.owner, now, self.policy.lease_ttl_s)
            await self._db(self.store.heartbeat, self.campaign.id, self.owner, now, now + self.policy.lease_ttl_s)
            self._lease_renewed_at = now
            if not force:
                stale = (await self._orphans()) if self.worker else []
                await self._reconcile(stale + [a for a, _ in self._unresolved.values()])

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

    def _allowed(self, contact: ContactRecord, now: float) -> ContactNext | None:
        """None when the contact may be dialled now, else where it goes instead (later, or done) and why."""
        return self._decide(contact, now, self.store.number_times(contact.phone))

    def _decide(self, contact: ContactRecord, now: float, times: NumberTimes) -> ContactNext | None:
        if contact.attempts >= self.policy.max_attempts:
            return ContactNext(None, f"max {self.policy.max_attempts} attempts reached")
        if contact.phone in self._dnc:
            return ContactNext(None, "DNC")
        history = NumberHistory(
            attempts=tuple(datetime.fromtimestamp(t, UTC) for t in times.attempts),
            refusals=tuple(datetime.fromtimestamp(t, UTC) for t in times.refusals),
        )
        now_dt = datetime.fromtimestamp(now, UTC)
        tz = ZoneInfo(contact.timezone)
        allowed = next_allowed_at(now_dt, tz, history, window=self.policy.window, caps=self.policy.caps)
        if allowed is None:
            return ContactNext(None, "no calling window within a year")
        if allowed.timestamp() <= now + 1e-6:
            return None
        legal = legal_earliest(now_dt, history, self.policy.caps) if self.policy.caps else now_dt
        if legal > now_dt:
            why = f"legal cap (attempts in 30 days / refusal quiet period) until {_local(legal.timestamp(), tz)}"
        else:
            why = f"outside calling hours in {contact.timezone}; next window {_local(allowed.timestamp(), tz)}"
        return ContactNext(allowed.timestamp(), why)

    async def _start(self, contact: ContactRecord) -> bool:
        """Start one call (after pacing); False when the campaign stopped running meanwhile."""
        blocked = await self._db(self._allowed, contact, self.clock.wall())
        if blocked is not None:
            await self._db(self.store.reschedule, contact.id, blocked)
            return True
        while (wait := self.bucket.try_take()) > 0:
            await self._sleep(wait)
        status = (await self._db(self.store.get_campaign, self.campaign.name)).status
        if status != "running" or self._stop_at is not None:
            return False
        call_uuid, now = str(uuid.uuid4()), self.clock.wall()
        # the caps again, in the transaction that locks the number: authoritative across workers and campaigns
        attempt = await self._db(
            self.store.begin_claimed,
            contact.id,
            call_uuid,
            now,
            self.owner,
            now + self.policy.lease_ttl_s,
            functools.partial(self._decide, contact, now),
        )
        if not isinstance(attempt, AttemptRecord):  # another worker has it, or a cap was reached meanwhile
            return True
        writes: list[asyncio.Task[Any]] = []

        def on_answer() -> None:
            writes.append(asyncio.create_task(self._db(self.store.mark_answered, attempt.id)))

        def on_refusal() -> None:
            writes.append(asyncio.create_task(self._db(self.store.record_refusal, attempt.id, self.clock.wall())))

        request = AttemptRequest(
            attempt_id=attempt.id,
            attempt_no=contact.attempts + 1,
            campaign=self.campaign.name,
            scenario=self.campaign.scenario,
            contact=ContactRef(contact.phone, contact.name, contact.timezone, contact.consent_ref, contact.variables),
            dial_string=build_dial_string(self.policy.dial_template, contact.phone),
            call_uuid=call_uuid,
            on_answer=on_answer,
            on_refusal=on_refusal,
        )
        task = asyncio.create_task(self._call(request, writes), name=f"call-{call_uuid}")
        self._in_flight.add(task)
        self.max_in_flight_seen = max(self.max_in_flight_seen, len(self._in_flight))
        if self.metrics:
            self.metrics.calls_in_flight.inc()
        self._progress()
        return True

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

    def _notice(self, text: str) -> None:
        self._on_notice(f"campaign {self.campaign.name}: {text}")

    def _progress(self) -> None:
        if self._progress_feed is not None:
            self._progress_feed.ask()
