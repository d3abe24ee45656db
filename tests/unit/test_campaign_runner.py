"""Pacing, retries, pause and crash reconciliation of the campaign runner, on virtual time (ManualClock).

The Dialer is the other end here: a scripted one that answers from a per-number script."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from robot.campaign.contacts import Contact
from robot.campaign.runner import AttemptRequest, CallOutcome, CampaignRunner, RunPolicy, TokenBucket
from robot.campaign.sqlite_store import SqliteStore
from robot.campaign.store import AttemptResult, CampaignRecord, ContactNext
from robot.clock import ManualClock
from robot.errors import EslConnectionError, StoreError
from robot.events import AmdResult

pytestmark = pytest.mark.unit

SETTINGS: dict[str, Any] = {
    "concurrency": 3,
    "cps": 1000.0,
    "dial_template": "sofia/gateway/op/{number}",
    "max_attempts": 3,
    "retry_delay_s": {"USER_BUSY": 600.0, "NO_ANSWER": 1800.0, "UNKNOWN_CRASH": 0.0, "DIALER_ERROR": 300.0},
    "legal_max_attempts": 4,
    "legal_window_days": 30,
    "refusal_quiet_days": 60,
    "idle_poll_s": 1_000_000.0,
    "lease_ttl_s": 30.0,
}
HUMAN = ("ANSWERED",)


class ScriptedDialer:
    """Answers each number from its script (last entry repeats); `hold` keeps calls open until the runner sleeps."""

    def __init__(self, clock: ManualClock, scripts: dict[str, list[str]], *, hold: bool = False) -> None:
        self.clock, self.scripts, self.hold = clock, scripts, hold
        self.calls: list[tuple[float, float, AttemptRequest]] = []
        self.active = 0
        self.max_active = 0
        self.pending: list[asyncio.Future[None]] = []
        self.on_dial: Callable[[AttemptRequest], None] | None = None

    def release_all(self) -> None:
        for fut in self.pending:
            if not fut.done():
                fut.set_result(None)
        self.pending.clear()

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        self.calls.append((self.clock.monotonic(), self.clock.wall(), attempt))
        if self.on_dial:
            self.on_dial(attempt)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.hold:
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self.pending.append(fut)
                await fut
        finally:
            self.active -= 1
        script = self.scripts[attempt.contact.number]
        step = script[min(attempt.attempt_no - 1, len(script) - 1)]
        if step == "ESL_DOWN":
            raise EslConnectionError("ESL connection lost")
        if step in ("ANSWERED", "REFUSED", "MACHINE"):
            amd = AmdResult.MACHINE if step == "MACHINE" else AmdResult.HUMAN
            return CallOutcome(attempt.call_uuid, True, "NORMAL_CLEARING", 16, amd, refusal=step == "REFUSED")
        return CallOutcome(attempt.call_uuid, False, step)


def make(
    tmp_path: Path, phones: list[str], *, prospecting: bool = False, **overrides: Any
) -> tuple[SqliteStore, CampaignRecord, RunPolicy]:
    store = SqliteStore(tmp_path / "robot.sqlite")
    campaign = store.create_campaign(
        name="c1",
        scenario="demo",
        prospecting=prospecting,
        legal_basis="consent",
        settings={**SETTINGS, **overrides},
        contacts=[Contact(line=i + 2, phone=p, consent_ref="c") for i, p in enumerate(phones)],
        skipped=[],
        now=0.0,
    )
    return store, campaign, RunPolicy.for_campaign(campaign)


def virtual_sleep(clock: ManualClock, dialer: ScriptedDialer | None = None) -> Callable[[float], Any]:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if dialer is not None:
            dialer.release_all()

    return sleep


def phones(n: int) -> list[str]:
    return [f"+3361234{i:04d}" for i in range(n)]


def test_token_bucket() -> None:
    clock = ManualClock()
    bucket = TokenBucket(2.0, 2.0, clock)
    assert [bucket.try_take(), bucket.try_take()] == [0.0, 0.0]
    assert bucket.try_take() == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.try_take() == 0.0
    with pytest.raises(ValueError):
        TokenBucket(0, 1, clock)


async def test_concurrency_cap_is_reached_never_exceeded(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    numbers = phones(10)
    store, campaign, policy = make(tmp_path, numbers)
    dialer = ScriptedDialer(clock, {p: list(HUMAN) for p in numbers}, hold=True)
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock, dialer))
    assert await runner.run() == "done"
    assert dialer.max_active == 3
    assert sorted(c[2].contact.number for c in dialer.calls) == numbers
    assert store.get_campaign("c1").status == "done"
    assert store.counts(campaign.id).results == {"ANSWERED": 10}


async def test_async_progress_hook_is_awaited_in_order(tmp_path: Path) -> None:
    """An async progress hook (the CLI's reads the store off the loop) is awaited, one update at a time."""
    clock = ManualClock(start_wall=100.0)
    numbers = phones(4)
    store, campaign, policy = make(tmp_path, numbers)
    dialer = ScriptedDialer(clock, {p: list(HUMAN) for p in numbers}, hold=True)
    seen: list[int] = []
    inside = 0

    async def on_progress(record: CampaignRecord, counts: Any) -> None:
        nonlocal inside
        inside += 1
        assert inside == 1  # never two updates at once
        await asyncio.sleep(0)
        seen.append(counts.by_state.get("done", 0))
        inside -= 1

    runner = CampaignRunner(
        store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock, dialer), on_progress=on_progress
    )
    assert await runner.run() == "done"
    assert seen and seen == sorted(seen) and seen[-1] == 4


async def test_calls_per_second_pacing(tmp_path: Path) -> None:
    clock = ManualClock(start_monotonic=0.0, start_wall=100.0)
    numbers = phones(6)
    store, campaign, policy = make(tmp_path, numbers, cps=2.0, concurrency=100)
    dialer = ScriptedDialer(clock, {p: list(HUMAN) for p in numbers})
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    starts = [round(c[0], 6) for c in dialer.calls]
    assert starts == [0.0, 0.0, 0.5, 1.0, 1.5, 2.0]


async def test_retries_by_cause_with_delays_and_max_attempts(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    busy_then_ok, unallocated, never = phones(3)
    store, campaign, policy = make(tmp_path, [busy_then_ok, unallocated, never])
    scripts = {busy_then_ok: ["USER_BUSY", "ANSWERED"], unallocated: ["UNALLOCATED_NUMBER"], never: ["NO_ANSWER"]}
    dialer = ScriptedDialer(clock, scripts)
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    walls: dict[str, list[float]] = {}
    for _, wall, req in dialer.calls:
        walls.setdefault(req.contact.number, []).append(wall)
    assert len(walls[busy_then_ok]) == 2 and walls[busy_then_ok][1] - walls[busy_then_ok][0] >= 600.0
    assert len(walls[unallocated]) == 1
    assert len(walls[never]) == 3 and walls[never][2] - walls[never][1] >= 1800.0
    rows = {r["phone"]: r["contact_result"] for r in store.export_rows(campaign.id)}
    assert rows == {
        busy_then_ok: "ANSWERED",
        unallocated: "UNALLOCATED_NUMBER",
        never: "NO_ANSWER (max 3 attempts reached)",
    }


async def test_dialer_error_counts_and_retries(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number])
    dialer = ScriptedDialer(clock, {number: ["ESL_DOWN", "ANSWERED"]})
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    results = [r["result"] for r in store.export_rows(campaign.id)]
    assert results[0].startswith("DIALER_ERROR") and results[1] == "ANSWERED"


async def test_pause_from_elsewhere_then_resume(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    numbers = phones(5)
    store, campaign, policy = make(tmp_path, numbers, concurrency=1, cps=1.0)
    dialer = ScriptedDialer(clock, {p: list(HUMAN) for p in numbers})
    other = SqliteStore(tmp_path / "robot.sqlite")  # `robot campaign pause` in another process
    dialer.on_dial = lambda req: other.set_status("c1", "paused") if req.contact.number == numbers[1] else None
    assert await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run() == "paused"
    assert [c[2].contact.number for c in dialer.calls] == numbers[:2]
    other.set_status("c1", "running")
    dialer.on_dial = None
    assert await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run() == "done"
    assert sorted(c[2].contact.number for c in dialer.calls) == numbers


@pytest.mark.parametrize(("max_attempts", "dials"), [(3, 1), (1, 0)])
async def test_crashed_in_flight_attempt_counts(tmp_path: Path, max_attempts: int, dials: int) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], max_attempts=max_attempts)
    contact = store.due_contacts(campaign.id, 100.0, 10)[0]
    store.begin_attempt(contact.id, "crashed-uuid", 50.0)  # a run died after committing, maybe after dialing
    dialer = ScriptedDialer(clock, {number: list(HUMAN)})
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    assert len(dialer.calls) == dials
    rows = store.export_rows(campaign.id)
    assert rows[0]["call_uuid"] == "crashed-uuid" and rows[0]["result"] == "UNKNOWN_CRASH"
    assert len(rows) == 1 + dials
    if dials:
        assert dialer.calls[0][2].attempt_no == 2


async def test_prospecting_waits_for_the_legal_window(tmp_path: Path) -> None:
    christmas_noon = datetime(2026, 12, 25, 11, 0, tzinfo=UTC).timestamp()  # Friday, holiday
    clock = ManualClock(start_wall=christmas_noon)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], prospecting=True)
    dialer = ScriptedDialer(clock, {number: ["REFUSED"]})
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    (call,) = dialer.calls
    assert datetime.fromtimestamp(call[1], UTC) == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)  # Monday 10:00 Paris
    assert store.number_times(number).refusals == (call[1],)


async def test_second_runner_is_refused_while_first_holds_the_lease(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    store, campaign, policy = make(tmp_path, phones(1))
    store.acquire_lease(campaign.id, "otherhost:1", 100.0, 30.0)
    dialer = ScriptedDialer(clock, {})
    with pytest.raises(StoreError, match="being run by otherhost:1"):
        await CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock)).run()
    assert dialer.calls == []


async def test_a_call_another_worker_closed_does_not_stop_the_run(tmp_path: Path) -> None:
    """This worker's lease lapsed and another worker took the call over and closed its attempt: when the call
    ends here, its outcome is not written over that record, and the run goes on with the other contacts."""
    clock = ManualClock(start_wall=100.0)
    numbers = phones(3)
    store, campaign, policy = make(tmp_path, numbers)
    dialer = ScriptedDialer(clock, {p: list(HUMAN) for p in numbers})

    def taken_over(attempt: AttemptRequest) -> None:
        if attempt.contact.number == numbers[0]:
            closed = AttemptResult("answered_unfinished", "ROBOT_TAKEN_OVER", answered=True)
            store.finish_attempt(attempt.attempt_id, closed, ContactNext(None, "answered_unfinished"), clock.wall())

    dialer.on_dial = taken_over
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=virtual_sleep(clock))
    assert await runner.run() == "done"
    assert sorted(c[2].contact.number for c in dialer.calls) == numbers  # no redial, nothing skipped
    results = {r["phone"]: r["result"] for r in store.export_rows(campaign.id)}
    assert results == {numbers[0]: "answered_unfinished", numbers[1]: "ANSWERED", numbers[2]: "ANSWERED"}
