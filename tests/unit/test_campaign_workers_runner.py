"""Runners as workers on one store, on virtual time: two workers share the contacts, a worker takes over the calls
of one that is gone, and a crash call whose server cannot be asked stays in flight until it can."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from robot.campaign.contacts import Contact
from robot.campaign.runner import CallOutcome, CampaignRunner, RunPolicy
from robot.campaign.sqlite_store import SqliteStore
from robot.campaign.store import AttemptRecord, ContactNext, NumberTimes
from robot.clock import ManualClock
from robot.esl.connection import EslNotConnectedError
from tests.unit.test_campaign_faults import FakeSwitchDialer, attempts_by_number, sleeper
from tests.unit.test_campaign_runner import make, phones

pytestmark = pytest.mark.unit


def allow(times: NumberTimes) -> ContactNext | None:
    return None


async def test_two_workers_share_the_contacts_and_dial_each_once(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    numbers = phones(12)
    store, campaign, policy = make(tmp_path, numbers, idle_poll_s=0.5)
    other = SqliteStore(tmp_path / "robot.sqlite")  # the second worker's own connection
    dialers = [FakeSwitchDialer(clock), FakeSwitchDialer(clock)]
    for d in dialers:
        d.answer = set(numbers)
    runners = [
        CampaignRunner(s, d, campaign, policy, clock, sleep=sleeper(clock), owner=f"host:{i}", worker=True)
        for i, (s, d) in enumerate(zip((store, other), dialers, strict=True))
    ]
    assert await asyncio.gather(*(r.run() for r in runners)) == ["done", "done"]
    dialled = [a.contact.number for d in dialers for _, a in d.calls]
    assert sorted(dialled) == sorted(numbers)
    assert store.get_campaign("c1").status == "done" and store.workers(campaign.id) == []


async def test_a_worker_takes_over_the_calls_of_one_that_is_gone(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    reached, ringing = phones(2)
    store, campaign, policy = make(tmp_path, [reached, ringing], idle_poll_s=1.0, lease_ttl_s=9.0)
    store.heartbeat(campaign.id, "far:1", 100.0, 109.0)  # a worker on another machine, then it stops beating
    for contact in store.claim_due(campaign.id, "far:1", 100.0, 2, 109.0):
        attempt = store.begin_claimed(contact.id, f"u-{contact.phone}", 100.0, "far:1", 109.0, allow)
        assert isinstance(attempt, AttemptRecord)
        if contact.phone == reached:
            store.mark_answered(attempt.id)
    asked: list[tuple[float, str]] = []

    class Lookup(FakeSwitchDialer):
        async def lookup(self, call_uuid: str) -> CallOutcome | None:
            asked.append((self.clock.wall(), call_uuid))
            return None  # both channels are gone

    dialer = Lookup(clock)
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock), owner="here:2", worker=True)
    assert await runner.run() == "done"
    assert {u for _, u in asked} == {f"u-{reached}", f"u-{ringing}"}
    assert min(t for t, _ in asked) > 109.0  # not before far:1's leases expired
    got = attempts_by_number(store, campaign.id)
    assert [r["result"] for r in got[reached]] == ["answered_unfinished"]  # reached: never dialled again
    assert [r["result"] for r in got[ringing]] == ["UNKNOWN_CRASH", "USER_BUSY", "USER_BUSY"]  # retried by the rules
    assert [a.contact.number for _, a in dialer.calls] == [ringing, ringing]


async def test_a_crash_call_on_a_server_that_is_down_waits_for_it(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], idle_poll_s=1.0, lease_ttl_s=3.0)
    [contact] = store.due_contacts(campaign.id, 100.0, 1)
    store.begin_attempt(contact.id, "u-1", 50.0)  # a run crashed with this call on a server now down

    class PartlyDown(FakeSwitchDialer):
        async def lookup(self, call_uuid: str) -> CallOutcome | None:
            if self.clock.wall() < 160.0:  # that server is back at 160
                raise EslNotConnectedError("ESL 10.0.0.2:8021: not connected")
            return CallOutcome(call_uuid, True, "UNKNOWN_CRASH", disposition="orphan_hung_up")

    dialer = PartlyDown(clock)
    notices: list[str] = []
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock), on_notice=notices.append)
    assert await runner.run() == "done"
    assert clock.wall() >= 160.0 and dialer.calls == []  # answered: reconciled once back, never redialled
    assert [r["result"] for r in attempts_by_number(store, campaign.id)[number]] == ["answered_unfinished"]
    assert sum("cannot be asked now" in n for n in notices) == 1


async def test_the_legal_cap_holds_across_campaigns_and_workers_dialling_one_number(tmp_path: Path) -> None:
    """Two campaigns, two workers each, one number busy every time, retried at once: 4 attempts in 30 days in all."""
    clock = ManualClock(start_wall=1_796_117_400.0)  # Tue 1 Dec 2026 10:30 in Paris: inside the prospecting window
    (number,) = phones(1)
    store, first, _ = make(tmp_path, [number], prospecting=True, max_attempts=10, idle_poll_s=5.0, lease_ttl_s=3600.0)
    second = store.create_campaign(
        name="c2", scenario="demo", prospecting=True, legal_basis="consent", settings=first.settings,
        contacts=[Contact(line=2, phone=number, consent_ref="c")], skipped=[], now=0.0,
    )  # fmt: skip
    runners: list[CampaignRunner] = []
    start = clock.wall()

    def stop_a_minute_later() -> None:
        """Each virtual sleep: stop every worker once a minute has passed, 4 attempts were made and each campaign's
        contact was looked at. The four workers share the virtual clock: while one waits for its store thread, the
        others' sleeps move it on, so a minute alone may pass before the cap is reached (a broken cap still fails:
        more than 4 attempts, a reason other than the cap, or no stop at all)."""
        if clock.wall() < start + 60 or len(store.number_times(number).attempts) < 4:
            return
        if all(g.reason for c in (first, second) for g in store.waiting(c.id)):
            for r in runners:
                r.request_stop(now=True)

    for i, campaign in enumerate((first, second, first, second)):
        dialer = FakeSwitchDialer(clock)  # every call: USER_BUSY, retried after 0 s
        policy = RunPolicy.for_campaign(campaign, {"retry_delay_s": {"USER_BUSY": 0.0}})
        own = SqliteStore(tmp_path / "robot.sqlite")  # each worker its own connection
        sleep = sleeper(clock, stop_a_minute_later)
        runners.append(CampaignRunner(own, dialer, campaign, policy, clock, sleep=sleep, owner=f"w{i}", worker=True))
    async with asyncio.timeout(60):
        await asyncio.gather(*(r.run() for r in runners))
    assert len(store.number_times(number).attempts) == 4
    waiting = [g.reason for c in (first, second) for g in store.waiting(c.id)]
    assert waiting and all("legal cap" in reason for reason in waiting), waiting
