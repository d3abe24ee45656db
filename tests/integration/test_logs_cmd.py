"""`robot logs` as a subprocess on a real call log; `-f` follows appended lines."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from robot.calllog import CallLogWriter
from robot.clock import ManualClock

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _env(path: Path) -> dict[str, str]:
    return {**os.environ, "ROBOT_LOG__CALL_LOG": str(path), "PYTHONPATH": str(REPO), "ROBOT_LOG__FOLLOW_POLL_S": "0.05"}


def _log(path: Path) -> CallLogWriter:
    writer = CallLogWriter(path, ManualClock(start_wall=1_790_000_000.0))
    writer.write("originate", "aaaa1111-x", campaign="c1", contact="+33612345678")
    writer.write("hangup", "aaaa1111-x", campaign="c1", cause="NORMAL_CLEARING")
    writer.write("hangup", "bbbb2222-y", campaign="c2", cause="USER_BUSY")
    return writer


async def test_filters_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    _log(path).close()
    with path.open("a") as raw:
        raw.write("garbage\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "logs", "--event", "hangup", "--campaign", "c1",
        env=_env(path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    lines = out.decode().splitlines()
    assert proc.returncode == 0 and len(lines) == 1
    assert "aaaa1111" in lines[0] and "hangup" in lines[0] and "cause=NORMAL_CLEARING" in lines[0]
    assert f"{path}:4: not JSON" in err.decode()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "logs", "--json", "--call", "bbbb", env=_env(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert [json.loads(x)["cause"] for x in out.decode().splitlines()] == ["USER_BUSY"]


async def test_follow_prints_new_lines(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    writer = _log(path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "logs", "-f", "--event", "intent", env=_env(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        writer.write("intent", "cccc3333-z", campaign="c1", intent="refus")
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        assert b"cccc3333" in line and b"-> refus" in line, "an answer reads as one line"
    finally:
        proc.kill()
        await proc.wait()
        writer.close()
