"""Campaign runner: pacing (at most C calls in flight, at most R new calls per second), retries, pause/resume,
switch outages, signals and crash reconciliation. Closing attempts (a call's outcome, crash reconciliation) is in
robot.campaign.closing; the run's state, waiting and switch outages in robot.campaign.runner_state.

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
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from robot.campaign.closing import AttemptClosing
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
from robot.campaign.rules import NumberHistory, legal_earliest, next_allowed_at
from robot.campaign.runner_state import _local
from robot.campaign.store import AttemptRecord, CampaignCounts, CampaignStatus, ContactNext, ContactRecord, NumberTimes

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

HANGUP_WAIT_S = 15.0  # after hanging the calls up (stop), how long their outcomes may take to come back


class CampaignRunner(AttemptClosing):
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
