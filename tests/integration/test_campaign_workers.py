"""Three `robot campaign run --worker` processes on one PostgreSQL campaign against the simulator (its originate
ledger is the ground truth): nothing dialled twice beyond the rules, nothing lost, the attempt cap held; the same
with one worker killed -9 mid-run, and with one of two FreeSWITCH servers killed mid-run."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.integration.campaign_faults_kit import SCENARIO, read_ledger, simulator
from tests.integration.workers_kit import SIM_DIALER, run_workers, start_worker, store_rows, worker_env, write_contacts

pytestmark = pytest.mark.integration


def check(run: object) -> None:
    figures = run.figures()  # type: ignore[attr-defined]
    print(f"\nWORKERS {figures}")
    assert figures["exit_codes"] == [0] * len(figures["exit_codes"]) or figures["killed"], figures
    assert figures["double_dialled"] == 0 and figures["lost"] == 0, figures
    assert figures["cap_exceeded"] == 0 and figures["reached_redialled"] == 0, figures
    assert figures["final_status"] == "done", figures


async def test_three_workers_share_one_campaign_and_status_shows_them(tmp_path: Path, pg_dsn: str) -> None:
    shown: list[str] = []

    async def status(env: dict[str, str]) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "campaign", "status", "bench",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        shown.append(out.decode())

    # 5 calls/s per worker (15 for the three): the campaign's ~216 attempts last ~14 s, so the status (a fresh `robot`
    # process: 2-3 s to start on a quiet box, more on a loaded one) is taken while it runs; at 40/s per worker the
    # campaign ended ~2 s after the status was asked and loaded CI runs saw it done
    run = await run_workers(
        tmp_path, pg_dsn, contacts=120, workers=3, cps=5, concurrency=8, while_running=status, timeout_s=90
    )
    check(run)
    assert run.originates >= 120
    [text] = shown
    assert "bench: running," in text and "workers: 3 alive of 3" in text, text
    assert text.count(": alive, heartbeat") == 3 and "s3cret" not in text, text


async def test_a_worker_killed_minus_9_loses_nothing(tmp_path: Path, pg_dsn: str) -> None:
    run = await run_workers(
        tmp_path, pg_dsn, contacts=120, workers=3, cps=40, concurrency=8, kill_after_originates=40, timeout_s=60
    )
    check(run)
    assert run.exit_codes[1:] == [0, 0] and sum(run.taken_over.values()) >= 1, run.figures()


async def test_one_switch_down_does_not_stop_the_campaign(tmp_path: Path, pg_dsn: str) -> None:
    run = await run_workers(
        tmp_path, pg_dsn, contacts=80, workers=2, cps=40, concurrency=8, switches=2, stop_switch_after_originates=30,
        timeout_s=60,
    )  # fmt: skip
    check(run)
    assert len(run.per_switch) == 2, run.figures()


async def test_calls_on_a_switch_that_is_down_are_reconciled_when_it_returns(tmp_path: Path, pg_dsn: str) -> None:
    """A worker is killed -9 while one of the two switches is down: the survivor keeps dialling on the other one,
    keeps the dead worker's calls on the down switch in flight, and closes them once that switch is back."""
    numbers = write_contacts(tmp_path / "contacts.csv", 40)
    hold = {f"{d}{u}": "hold" for d in range(10) for u in range(10)}
    scripts = {"hold": "outcome: answer\nanswer_delay_ms: 100\nhangup_after_ms: 3000\n"}
    async with (
        simulator(tmp_path, hold, tag="sim0", scripts_yaml=scripts) as (_, port0, ledger),
        simulator(tmp_path, hold, tag="sim1", scripts_yaml=scripts) as (sim1, port1, _),
    ):
        env = worker_env(pg_dsn, [port0, port1])
        args = [
            "run", str(tmp_path / "contacts.csv"), "--name", "bench", "--scenario", SCENARIO, "--no-prospecting",
            "--worker", "--concurrency", "6", "--cps", "40", "--dial-template", "sofia/gateway/sim/{number}",
            "--dialer", SIM_DIALER,
        ]  # fmt: skip
        workers = [await start_worker(tmp_path, f"w{i}", env, args) for i in range(2)]
        try:
            async with asyncio.timeout(30):
                while len(read_ledger(ledger)) < 12:  # noqa: ASYNC110 (a file another process writes)
                    await asyncio.sleep(0.05)
            workers[0].kill()
            sim1.kill()
            await asyncio.sleep(4.0)  # the survivor goes on with the other switch meanwhile
            assert workers[1].returncode is None, "the campaign must wait for the switch holding calls"
            out = (tmp_path / "w1.out").read_text(encoding="utf-8")
            async with simulator(tmp_path, hold, port=port1, tag="sim1b", scripts_yaml=scripts):
                async with asyncio.timeout(40):
                    assert await workers[1].wait() == 0
        finally:
            for w in workers:
                if w.returncode is None:
                    w.kill()
                    await w.wait()
    contacts, attempts, status = store_rows(pg_dsn, "bench")
    ledger_lines = read_ledger(ledger)
    assert status == "done" and {p for p, s in contacts if s == "done"} == set(numbers)
    assert {d["uuid"] for d in ledger_lines} <= {a[1] for a in attempts}
    assert all(a[2] == "done" for a in attempts)
    assert "cannot be asked now" in out, out[-2000:]
    reached = [a[0] for a in attempts if a[4]]
    assert len(reached) == len(set(reached)) == len(numbers)  # every number reached once, never redialled after
