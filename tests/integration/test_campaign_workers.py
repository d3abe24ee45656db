"""Three `robot campaign run --worker` processes on one PostgreSQL campaign against the simulator (its originate
ledger is the ground truth): nothing dialled twice beyond the rules, nothing lost, the attempt cap held; the same
with one worker killed -9 mid-run, and with one of two FreeSWITCH servers killed mid-run."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.integration.workers_kit import run_workers

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

    run = await run_workers(
        tmp_path, pg_dsn, contacts=120, workers=3, cps=40, concurrency=8, while_running=status, timeout_s=60
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
