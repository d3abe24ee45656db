"""Fault injection on the real call path (`robot campaign` + `robot sim` as subprocesses, loopback, tiny model):
FreeSWITCH killed and restarted mid-campaign, FreeSWITCH absent at start, SIGTERM with calls in flight.

Ground truth of what was dialled is the simulator's originate ledger. After each fault: every contact is accounted
for, the store's attempts are exactly the originates the simulator received, no reached contact is dialled again,
and no channel is left alive on the simulator (within a bound). Each test prints its figures (pytest -s)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.integration.campaign_faults_kit import (
    DIAL_TEMPLATE,
    LIVE_DIALER,
    SCENARIO,
    Campaign,
    free_port,
    live_channels,
    read_ledger,
    robot_env,
    seconds_until_no_channel,
    simulator,
    store_view,
    until_dialled,
    write_contacts,
)

pytestmark = pytest.mark.integration


async def until_answered(tmp_path: Path, name: str, number: str, bound_s: float = 20.0) -> None:
    """Poll the store (written by the campaign process) until `number`'s call is recorded as answered."""
    async with asyncio.timeout(bound_s):
        while not any(a[0] == number and a[5] for a in store_view(tmp_path, name).attempts):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def run_args(csv_path: Path, name: str, concurrency: int) -> list[str]:
    return [
        "run", str(csv_path), "--name", name, "--scenario", SCENARIO, "--no-prospecting",
        "--concurrency", str(concurrency), "--cps", "50", "--dial-template", DIAL_TEMPLATE, "--dialer", LIVE_DIALER,
    ]  # fmt: skip


async def test_switch_killed_and_restarted_mid_campaign(tmp_path: Path, tiny_model_dir: Path) -> None:
    csv_path, numbers = write_contacts(tmp_path, ["60", "60", "00", "60", "60"])
    loop = asyncio.get_running_loop()
    async with simulator(tmp_path, {"60": "ring_long", "00": "human"}, tag="sim1") as (sim1, port, ledger_path):
        env = robot_env(tmp_path, port, tiny_model_dir, {"ROBOT_ESL_LOST": 0.0, "NO_ANSWER": 0.0})
        run = Campaign(tmp_path, env, "run")
        await run.start(*run_args(csv_path, "outage", 3))
        try:
            await until_dialled(run, 3, ledger_path)
            await until_answered(tmp_path, "outage", numbers[2])  # on a loaded machine the answer can lag the dial
            sim1.kill()  # FreeSWITCH dies with 2 calls ringing and 1 answered
            killed_at = loop.time()
            await run.until("waiting for FreeSWITCH")
            waiting_after = loop.time() - killed_at
            await asyncio.sleep(1.0)  # the switch stays down a while: nothing may be dialled or counted meanwhile
            down = store_view(tmp_path, "outage")
            assert len(down.attempts) == 3, down  # nothing dialled or counted while the switch is down
            async with simulator(tmp_path, {"60": "machine", "00": "machine"}, port=port, tag="sim2") as (_, _, _):
                restarted_at = loop.time()
                assert await run.wait(90) == 0, run.stderr()[-3000:]
                finished_after = loop.time() - restarted_at
                drained_s = await seconds_until_no_channel(port, 5.0)
        finally:
            await run.kill()
    view, ledger = store_view(tmp_path, "outage"), read_ledger(ledger_path)
    assert view.status == "done" and view.contacts == {n: "done" for n in numbers}
    assert view.uuids == {d["uuid"] for d in ledger} and len(ledger) == len(view.attempts) == 7
    for number in numbers[:2]:  # ringing when the switch died: an attempt, retried once it is back
        assert view.results[number] == ["robot_esl_lost", "machine"], view.results
    human = [a for a in view.attempts if a[0] == numbers[2]]
    assert [(a[3], a[5]) for a in human] == [("answered_unfinished", 1)]  # answered before the outage: reached
    for number in numbers[3:]:
        assert view.results[number] == ["machine"], view.results
    assert "already started" not in run.stderr() and "Traceback" not in run.stderr()
    print(
        f"\nFAULT esl-killed: contacts={len(numbers)} attempts={len(view.attempts)} originates={len(ledger)} "
        f"waiting-notice-after={waiting_after:.2f}s done-after-restart={finished_after:.1f}s "
        f"channels-0-after={drained_s}s results={view.results}"
    )


async def test_switch_absent_at_start_then_started(tmp_path: Path, tiny_model_dir: Path) -> None:
    csv_path, numbers = write_contacts(tmp_path, ["04", "04", "04"])
    port = free_port()
    env = robot_env(tmp_path, port, tiny_model_dir, {})
    loop = asyncio.get_running_loop()
    run = Campaign(tmp_path, env, "run")
    await run.start(*run_args(csv_path, "late", 2))
    try:
        probe = await run.until("not reachable")
        await run.until("waiting for FreeSWITCH")
        await asyncio.sleep(1.0)  # the switch is still absent: nothing may be dialled or counted
        early = store_view(tmp_path, "late")
        assert early.attempts == [] and early.status == "running", early
        status = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "campaign", "status", "late",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        shown = (await asyncio.wait_for(status.communicate(), timeout=30))[0].decode()
        assert "state: waiting for FreeSWITCH (since" in shown and "(heartbeat" in shown, shown
        assert "pending: 3 (never called 3, retry scheduled 0)" in shown, shown
        async with simulator(tmp_path, {"04": "machine"}, port=port) as (_, _, ledger_path):
            started_at = loop.time()
            assert await run.wait(90) == 0, run.stderr()[-3000:]
            finished_after = loop.time() - started_at
            drained_s = await seconds_until_no_channel(port, 5.0)
    finally:
        await run.kill()
    view, ledger = store_view(tmp_path, "late"), read_ledger(ledger_path)
    assert view.status == "done" and view.contacts == {n: "done" for n in numbers}
    assert view.uuids == {d["uuid"] for d in ledger} and len(ledger) == len(view.attempts) == 3
    assert "already started" not in run.stderr() and "Traceback" not in run.stderr()
    print(
        f"\nFAULT switch-absent: contacts={len(numbers)} attempts-while-absent=0 attempts={len(view.attempts)} "
        f"originates={len(ledger)} done-after-start={finished_after:.1f}s channels-0-after={drained_s}s "
        f"probe={probe!r}"
    )


async def test_sigterm_with_calls_in_flight(tmp_path: Path, tiny_model_dir: Path) -> None:
    csv_path, numbers = write_contacts(tmp_path, ["00", "60", "00", "60", "00", "60"])
    loop = asyncio.get_running_loop()
    async with simulator(tmp_path, {"60": "ring_long", "00": "human"}) as (_, port, ledger_path):
        env = robot_env(tmp_path, port, tiny_model_dir, {}, ROBOT_CAMPAIGN__GRACE_S="1")
        run = Campaign(tmp_path, env, "run")
        await run.start(*run_args(csv_path, "term", 4))
        try:
            await until_dialled(run, 4, ledger_path)
            alive_at_signal = await live_channels(port)
            assert run.proc is not None
            run.proc.send_signal(signal.SIGTERM)
            signalled_at = loop.time()
            code = await run.wait(30)
            exit_after = loop.time() - signalled_at
            drained_s = await seconds_until_no_channel(port, 5.0)
        finally:
            await run.kill()
    assert code == 0, run.stderr()[-3000:]
    view, ledger = store_view(tmp_path, "term"), read_ledger(ledger_path)
    assert view.status == "paused"
    assert all(a[2] == "done" for a in view.attempts)  # every outcome recorded
    assert view.uuids == {d["uuid"] for d in ledger} and len(ledger) == 4
    dialled = {a[0] for a in view.attempts}
    for number in numbers:
        mine = [a for a in view.attempts if a[0] == number]
        if number not in dialled:
            assert view.contacts[number] == "pending"  # never called: waits for resume
        elif mine[0][5]:
            assert view.contacts[number] == "done", mine  # answered: reached, not to be dialled again
        else:
            assert view.contacts[number] == "pending" and mine[0][4] == "ROBOT_STOPPED", mine
    assert any("stopping" in line for line in run.lines)
    reached = {number for number in numbers if view.contacts[number] == "done"}

    async with simulator(tmp_path, {"60": "machine", "00": "machine"}, tag="sim2") as (_, port2, _):
        resume = Campaign(tmp_path, robot_env(tmp_path, port2, tiny_model_dir, {}), "resume")
        await resume.start("resume", "term", "--dialer", LIVE_DIALER)
        try:
            assert await resume.wait(90) == 0, resume.stderr()[-3000:]
        finally:
            await resume.kill()
    after, ledger = store_view(tmp_path, "term"), read_ledger(ledger_path)
    assert after.status == "done" and set(after.contacts.values()) == {"done"}
    assert after.uuids == {d["uuid"] for d in ledger}
    for number in reached:
        assert len(after.results[number]) == 1, after.results  # reached before the stop: never redialled
    print(
        f"\nFAULT sigterm: contacts={len(numbers)} in-flight-at-signal=4 legs-alive-at-signal={alive_at_signal} "
        f"exit-after={exit_after:.1f}s (grace 1 s) channels-0-after-exit={drained_s}s attempts={len(view.attempts)} "
        f"contacts-after-stop={view.contacts} results-after-resume={after.results} attempts-after-resume="
        f"{len(after.attempts)} originates-after-resume={len(ledger)}"
    )


async def test_second_sigint_hangs_up_at_once(tmp_path: Path, tiny_model_dir: Path) -> None:
    csv_path, numbers = write_contacts(tmp_path, ["60", "60", "60"])
    loop = asyncio.get_running_loop()
    async with simulator(tmp_path, {"60": "ring_long"}) as (_, port, ledger_path):
        env = robot_env(tmp_path, port, tiny_model_dir, {}, ROBOT_CAMPAIGN__GRACE_S="60")
        run = Campaign(tmp_path, env, "run")
        await run.start(*run_args(csv_path, "int", 2))
        try:
            await until_dialled(run, 2, ledger_path)
            assert run.proc is not None
            run.proc.send_signal(signal.SIGINT)  # Ctrl-C: grace period of 60 s...
            await run.until("stopping: no new calls")
            run.proc.send_signal(signal.SIGINT)  # ... cut short by a second Ctrl-C
            second_at = loop.time()
            code = await run.wait(30)
            exit_after = loop.time() - second_at
            drained_s = await seconds_until_no_channel(port, 5.0)
        finally:
            await run.kill()
    assert code == 0 and exit_after < 10.0, (code, exit_after, run.stderr()[-2000:])
    view, ledger = store_view(tmp_path, "int"), read_ledger(ledger_path)
    assert view.status == "paused" and view.uuids == {d["uuid"] for d in ledger} and len(ledger) == 2
    assert sorted(view.contacts.values()) == ["pending"] * 3
    assert [a[4] for a in view.attempts] == ["ROBOT_STOPPED", "ROBOT_STOPPED"]
    print(
        f"\nFAULT double-sigint: contacts={len(numbers)} in-flight=2 grace=60s exit-after-second-signal="
        f"{exit_after:.1f}s channels-0-after={drained_s}s attempts={len(view.attempts)} originates={len(ledger)}"
    )
