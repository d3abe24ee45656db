"""The campaign runner under faults, on virtual time (ManualClock, no sleeps): switch outages, originates that never
reached the switch, stop with a grace period (signals), crash reconciliation with the switch's view, refusals stored
the moment they are heard; and the store, export and status pieces those rely on."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from robot.campaign.progress import lease_line, waiting_lines
from robot.campaign.runner import AttemptRequest, CallOutcome, CampaignRunner, NotDialled
from robot.campaign.sqlite_store import SqliteStore
from robot.campaign.store import AttemptResult, ContactNext, Lease, Waiting
from robot.clock import ManualClock
from robot.commands.campaign_export import neutralise_cell, write_export
from robot.errors import EslConnectionError
from robot.esl.commands import originate
from robot.events import AmdResult
from robot.settings import Settings
from robot.sim.api import split_originate_target
from tests.unit.test_campaign_runner import make, phones

pytestmark = pytest.mark.unit
UUID = "8a8a1b52-3e0c-4d3b-9a57-6f0c8d3c2b11"


class FakeSwitchDialer:
    """A dialer in front of a switch that can be down; calls end when `finish` (or `hangup_all`) says so."""

    def __init__(self, clock: ManualClock, *, down: tuple[float, float] | None = None, hold: bool = False) -> None:
        self.clock, self.down, self.hold = clock, down, hold
        self.calls: list[tuple[float, AttemptRequest]] = []
        self.open: dict[str, asyncio.Future[CallOutcome]] = {}
        self.hangups: list[float] = []
        self.not_dialled_once: set[str] = set()
        self.before_return: Callable[[AttemptRequest], Any] | None = None
        self.answer: set[str] = set()  # numbers that answer

    def switch_down_since(self) -> float | None:
        if self.down is None:
            return None
        start, end = self.down
        return start if start <= self.clock.wall() < end else None

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        if self.switch_down_since() is not None:
            raise NotDialled("no ESL link")
        if attempt.contact.number in self.not_dialled_once:
            self.not_dialled_once.discard(attempt.contact.number)
            raise NotDialled("link lost before the originate was written")
        self.calls.append((self.clock.wall(), attempt))
        answered = attempt.contact.number in self.answer
        if answered:
            attempt.on_answer()
        if self.before_return is not None:
            await self.before_return(attempt)
        if self.hold:
            fut: asyncio.Future[CallOutcome] = asyncio.get_running_loop().create_future()
            self.open[attempt.call_uuid] = fut
            return await fut
        return CallOutcome(attempt.call_uuid, answered, "NORMAL_CLEARING" if answered else "USER_BUSY")

    async def hangup_all(self, cause: str) -> None:
        self.hangups.append(self.clock.wall())
        for uuid, fut in self.open.items():
            number = next(a.contact.number for _, a in self.calls if a.call_uuid == uuid)
            answered = number in self.answer
            fut.set_result(CallOutcome(uuid, answered, cause, amd_result=AmdResult.HUMAN if answered else None))
        self.open.clear()


def sleeper(clock: ManualClock, hook: Callable[[], None] | None = None) -> Callable[[float], Any]:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if hook is not None:
            hook()
        await asyncio.sleep(0)

    return sleep


def attempts_by_number(store: SqliteStore, cid: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in store.export_rows(cid):
        out.setdefault(row["phone"], []).extend([row] if row["call_uuid"] else [])
    return out


async def test_no_call_while_the_switch_is_down_then_it_goes_on(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    numbers = phones(4)
    store, campaign, policy = make(tmp_path, numbers, idle_poll_s=1.0)
    dialer = FakeSwitchDialer(clock, down=(95.0, 160.0))
    dialer.answer = set(numbers)
    notices: list[str] = []
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock), on_notice=notices.append)
    assert await runner.run() == "done"
    assert min(wall for wall, _ in dialer.calls) >= 160.0
    assert any("waiting for FreeSWITCH" in n for n in notices)
    assert any("back after 65.0 s" in n for n in notices)
    assert store.counts(campaign.id).attempts == 4  # the outage cost no attempt


async def test_an_originate_that_never_reached_the_switch_is_no_attempt(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], max_attempts=1)
    dialer = FakeSwitchDialer(clock)
    dialer.answer, dialer.not_dialled_once = {number}, {number}
    assert await CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock)).run() == "done"
    (call,) = dialer.calls
    assert call[1].attempt_no == 1  # max_attempts=1 and still dialled: the withdrawn one did not count
    assert [r["result"] for r in attempts_by_number(store, campaign.id)[number]] == ["ANSWERED"]
    assert len(store.number_times(number).attempts) == 1  # nor toward the legal cap


async def test_stop_gives_calls_the_grace_period_then_hangs_up_and_pauses(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    numbers = phones(4)
    store, campaign, policy = make(tmp_path, numbers, concurrency=2, idle_poll_s=1.0, grace_s=30.0)
    dialer = FakeSwitchDialer(clock, hold=True)
    dialer.answer = {numbers[0]}
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock))
    stop_at: list[float] = []

    def stop_when_both_ring() -> None:
        if len(dialer.open) == 2 and not stop_at:
            stop_at.append(clock.wall())
            runner.request_stop()

    runner._sleep = sleeper(clock, stop_when_both_ring)
    assert await runner.run() == "paused"
    assert store.get_campaign("c1").status == "paused"
    assert len(dialer.calls) == 2 and dialer.hangups == [pytest.approx(stop_at[0] + 30.0, abs=1.0)]
    got = attempts_by_number(store, campaign.id)
    assert [r["contact_state"] for r in got[numbers[0]]] == ["done"]  # answered: reached, never redialled
    assert [(r["contact_state"], r["result"]) for r in got[numbers[1]]] == [("pending", "ROBOT_STOPPED")]
    assert got[numbers[2]] == got[numbers[3]] == []  # never called, still pending
    assert store.counts(campaign.id).by_state == {"done": 1, "pending": 3}


async def test_second_stop_hangs_up_at_once(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    store, campaign, policy = make(tmp_path, phones(1), idle_poll_s=1.0, grace_s=30.0)
    dialer = FakeSwitchDialer(clock, hold=True)
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock))

    async def stop_twice(attempt: AttemptRequest) -> None:
        runner.request_stop()
        runner.request_stop(now=True)

    dialer.before_return = stop_twice
    assert await runner.run() == "paused"
    assert dialer.hangups == [100.0]


async def test_crash_reconciliation_asks_the_switch_and_never_redials_a_reached_contact(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    answered_gone, ringing_alive, answered_alive, unknown = phones(4)
    store, campaign, policy = make(tmp_path, [answered_gone, ringing_alive, answered_alive, unknown])
    uuids = {}
    for contact in store.due_contacts(campaign.id, 100.0, 10):
        uuids[contact.phone] = store.begin_attempt(contact.id, f"u-{contact.phone}", 50.0)
    store.mark_answered(uuids[answered_gone].id)  # the crashed run had stored the answer

    killed: list[str] = []
    flaky = [f"u-{unknown}"]  # the first question about it fails (link dropped): asked again

    class CrashLookup(FakeSwitchDialer):
        async def lookup(self, call_uuid: str) -> CallOutcome | None:
            if call_uuid in flaky:
                flaky.remove(call_uuid)
                raise EslConnectionError("ESL connection lost")
            if call_uuid in (f"u-{ringing_alive}", f"u-{answered_alive}"):
                killed.append(call_uuid)
                return CallOutcome(call_uuid, call_uuid.endswith(answered_alive), "UNKNOWN_CRASH", disposition="x")
            return None

    dialer = CrashLookup(clock)
    dialer.answer = {answered_gone, ringing_alive, answered_alive, unknown}
    assert await CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock)).run() == "done"
    assert sorted(killed) == sorted([f"u-{ringing_alive}", f"u-{answered_alive}"]) and flaky == []
    assert sorted(a.contact.number for _, a in dialer.calls) == sorted([ringing_alive, unknown])
    got = attempts_by_number(store, campaign.id)
    assert [r["result"] for r in got[answered_gone]] == ["answered_unfinished"]
    assert [r["result"] for r in got[answered_alive]] == ["answered_unfinished"]
    assert got[ringing_alive][0]["result"] == "x" and len(got[ringing_alive]) == 2
    assert got[unknown][0]["result"] == "UNKNOWN_CRASH" and len(got[unknown]) == 2


async def test_refusal_is_stored_while_the_call_is_still_up(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number])
    dialer = FakeSwitchDialer(clock)
    dialer.answer = {number}
    seen_during_call: list[tuple[float, ...]] = []
    loop, stored = asyncio.get_running_loop(), asyncio.Event()
    record = store.record_refusal

    def record_and_tell(attempt_id: int, now: float) -> None:  # runs in the runner's worker thread
        record(attempt_id, now)
        loop.call_soon_threadsafe(stored.set)

    store.record_refusal = record_and_tell  # type: ignore[method-assign]

    async def refuse(attempt: AttemptRequest) -> None:
        attempt.on_refusal()
        await stored.wait()
        seen_during_call.append(store.number_times(number).refusals)

    dialer.before_return = refuse
    await CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock)).run()
    assert seen_during_call == [(100.0,)]
    assert store.number_times(number).refusals == (100.0,)


async def test_outside_calling_hours_the_runner_says_why_and_until_when(tmp_path: Path) -> None:
    christmas = datetime(2026, 12, 25, 11, 0, tzinfo=UTC).timestamp()  # Friday, public holiday
    clock = ManualClock(start_wall=christmas)
    numbers = phones(2)
    store, campaign, policy = make(tmp_path, numbers, prospecting=True, idle_poll_s=3600.0)
    dialer = FakeSwitchDialer(clock)
    dialer.answer = set(numbers)
    notices: list[str] = []
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock), on_notice=notices.append)
    assert await runner.run() == "done"
    idle = [n for n in notices if "nothing to dial" in n]
    assert len(idle) == 1, notices  # said once, not at every poll
    assert idle[0].endswith("outside calling hours in Europe/Paris; next window Mon 28 Dec 10:00")


def test_waiting_reason_names_the_zone_and_the_next_window(tmp_path: Path) -> None:
    christmas = datetime(2026, 12, 25, 11, 0, tzinfo=UTC).timestamp()
    clock = ManualClock(start_wall=christmas)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], prospecting=True)
    runner = CampaignRunner(store, FakeSwitchDialer(clock), campaign, policy, clock)
    contact = store.due_contacts(campaign.id, christmas, 1)[0]
    blocked = runner._allowed(contact, christmas)
    assert blocked is not None
    assert blocked.result == "outside calling hours in Europe/Paris; next window Mon 28 Dec 10:00"


def test_store_withdraws_marks_and_groups_waiting_contacts(tmp_path: Path) -> None:
    store, campaign, _ = make(tmp_path, phones(3))
    first, second, third = store.due_contacts(campaign.id, 0.0, 3)
    attempt = store.begin_attempt(first.id, "u-1", 1.0)
    store.cancel_attempt(attempt.id, 5.0)
    assert store.counts(campaign.id).attempts == 0 and store.number_times(first.phone).attempts == ()
    busy = store.begin_attempt(second.id, "u-2", 1.0)
    store.finish_attempt(busy.id, AttemptResult("USER_BUSY"), ContactNext(601.0, "USER_BUSY"), 1.0)
    store.reschedule(third.id, ContactNext(900.0, "outside calling hours in Europe/Paris; next window X"))
    groups = store.waiting(campaign.id)
    assert {(g.reason, g.contacts, g.never_called) for g in groups} == {
        ("", 1, True), ("USER_BUSY", 1, False), ("outside calling hours in Europe/Paris; next window X", 1, True)
    }  # fmt: skip
    answered = store.begin_attempt(first.id, "u-3", 2.0)
    store.mark_answered(answered.id)
    store.record_refusal(answered.id, 3.0)
    store.record_refusal(answered.id, 4.0)  # heard twice: stored once
    assert store.in_flight_attempts(campaign.id)[0].answered
    assert store.number_times(first.phone).refusals == (3.0,)


def test_personal_data_files_are_private(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "var" / "robot.sqlite")
    store.close()
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    for name in os.listdir(tmp_path / "var"):
        assert stat.S_IMODE((tmp_path / "var" / name).stat().st_mode) == 0o600, name


def test_export_neutralises_formula_cells_but_not_phone_numbers() -> None:
    assert neutralise_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    for text in ("+SUM(A1)", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(text) == "'" + text
    assert [neutralise_cell(v) for v in ("+33612345678", "-1.5", "Zoé", 3, None)] == [
        "+33612345678", "-1.5", "Zoé", 3, None
    ]  # fmt: skip
    out = io.StringIO()
    write_export([{"phone": "+33612345678", "name": "=HYPERLINK(1)", "variables": {}}], "csv", out)
    assert out.getvalue().splitlines()[1].startswith(",+33612345678,'=HYPERLINK(1)")


def test_status_lines_say_who_holds_the_campaign_and_why_contacts_wait() -> None:
    now = 1_000_000.0
    assert lease_line(Lease("h:1", now + 25.0), 30.0, now, True) == "process: h:1 (heartbeat 5 s ago)"
    assert "crashed or killed" in lease_line(Lease("h:1", now - 1.0), 30.0, now, True)
    assert "crashed or killed" in lease_line(Lease("h:1", now + 25.0), 30.0, now, False)
    lines = waiting_lines(
        [
            Waiting("", 2, now - 5, True),
            Waiting("USER_BUSY", 1, now + 600, False),
            Waiting("outside x", 3, now + 9, True),
        ],
        now,
    )
    assert lines[0] == "pending: 6 (never called 5, retry scheduled 1)"
    assert lines[1] == "  2 never called: due now"
    assert lines[2].startswith("  1 to retry: retry at ") and lines[2].endswith(" after USER_BUSY")
    assert lines[3] == "  3 never called: outside x"


def test_media_secret_has_no_working_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBOT_MEDIA__SECRET", raising=False)
    first, second = Settings(_env_file=None), Settings(_env_file=None)  # type: ignore[call-arg]
    assert first.media.secret.get_secret_value() != second.media.secret.get_secret_value()
    assert len(first.media.secret.get_secret_value()) >= 32
    for weak in ("change-me-audio-stream-secret", "short"):
        monkeypatch.setenv("ROBOT_MEDIA__SECRET", weak)
        with pytest.raises(ValueError, match="placeholder or shorter"):
            Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("ROBOT_MEDIA__SECRET", "")
    assert len(Settings(_env_file=None).media.secret.get_secret_value()) >= 32  # type: ignore[call-arg]


def test_originate_carries_a_switch_side_cap_that_the_simulator_parses_like_freeswitch() -> None:
    line = originate("sofia/gateway/op/+33612345678", UUID, {"robot_campaign": "c1"}, max_call_s=900)
    arg = line.removeprefix("originate ")
    target, app = split_originate_target(arg)
    assert target == (
        f"{{origination_uuid={UUID},execute_on_answer='sched_hangup +900 ALLOTTED_TIMEOUT',robot_campaign=c1}}"
        "sofia/gateway/op/+33612345678"
    )
    assert app == "&park()"


async def test_a_stop_as_the_last_call_ends_leaves_the_campaign_done(tmp_path: Path) -> None:
    clock = ManualClock(start_wall=100.0)
    (number,) = phones(1)
    store, campaign, policy = make(tmp_path, [number], idle_poll_s=1.0, grace_s=30.0)
    dialer = FakeSwitchDialer(clock)
    dialer.answer = {number}
    runner = CampaignRunner(store, dialer, campaign, policy, clock, sleep=sleeper(clock))

    async def stop_during_the_last_call(attempt: AttemptRequest) -> None:
        runner.request_stop()

    dialer.before_return = stop_during_the_last_call
    assert await runner.run() == "done"
    assert store.get_campaign("c1").status == "done"
