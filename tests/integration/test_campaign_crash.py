"""Crash-safety proof: `robot campaign run` as a subprocess, kill -9 mid-campaign, `robot campaign resume`,
then every contact was dialled exactly as the rules allow (no loss, no duplicate, no dial without a record).

The dialer is selected with `--dialer`. Until the lead's simulator-backed dialer exists, `make_dialer` below is a
stand-in for the far end: it appends every dial to a ledger file (fsync'd) and "talks" for CALL_S seconds.
To use the real path, point DIALER at `robot.calls.dialer:make_dialer` with the simulator's settings in ENV.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from robot.campaign.runner import AttemptRequest, CallOutcome
from robot.events import AmdResult

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DIALER = "tests.integration.test_campaign_crash:make_dialer"
CALL_S = 0.3
CONTACTS = 12


class LedgerDialer:
    def __init__(self, ledger: Path) -> None:
        self.ledger = ledger

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        line = json.dumps({"uuid": attempt.call_uuid, "number": attempt.contact.number, "no": attempt.attempt_no})
        fd = os.open(self.ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        await asyncio.sleep(CALL_S)  # the far end talking, inside the robot process (not a test wait)
        return CallOutcome(attempt.call_uuid, True, "NORMAL_CLEARING", 16, AmdResult.HUMAN, talk_s=CALL_S)


def make_dialer(settings: Any) -> LedgerDialer:
    return LedgerDialer(Path(os.environ["ROBOT_TEST_LEDGER"]))


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ROBOT_CAMPAIGN__DB_PATH=str(tmp_path / "robot.sqlite"),
        ROBOT_CAMPAIGN__METRICS_PORT="0",
        ROBOT_CAMPAIGN__RETRY_DELAY_S=json.dumps({"UNKNOWN_CRASH": 0.0, "USER_BUSY": 600.0}),
        ROBOT_TEST_LEDGER=str(tmp_path / "ledger.jsonl"),
        PYTHONPATH=str(REPO),
    )
    return env


def _progress(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


async def test_kill_9_then_resume_dials_each_contact_as_the_rules_allow(tmp_path: Path) -> None:
    csv_path = tmp_path / "contacts.csv"
    numbers = [f"+3361000{i:04d}" for i in range(CONTACTS)]
    csv_path.write_text("phone,name\n" + "".join(f"{n},n{i}\n" for i, n in enumerate(numbers)))
    env = _env(tmp_path)
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "campaign", "run", str(csv_path), "--name", "crash", "--scenario", "demo",
        "--no-prospecting", "--concurrency", "3", "--cps", "50", "--dialer", DIALER,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert run.stdout is not None
    seen: dict[str, str] = {}
    while not (int(seen.get("attempts", 0)) >= 5 and int(seen.get("in_flight", 0)) >= 1):
        line = await asyncio.wait_for(run.stdout.readline(), timeout=30)
        assert line, "runner exited before the kill point"
        seen = _progress(line.decode())
    run.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(run.wait(), timeout=10) == -signal.SIGKILL

    db = sqlite3.connect(tmp_path / "robot.sqlite")
    in_flight_at_kill = {r[0] for r in db.execute("SELECT phone FROM attempts WHERE state = 'dialing'")}
    finished_at_kill = {r[0] for r in db.execute("SELECT phone FROM attempts WHERE state = 'done'")}
    assert in_flight_at_kill and finished_at_kill

    resume = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "campaign", "resume", "crash", "--dialer", DIALER,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(resume.communicate(), timeout=60)
    assert resume.returncode == 0, err.decode()

    ledger = [json.loads(x) for x in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    attempts = db.execute("SELECT phone, call_uuid, state, result FROM attempts ORDER BY id").fetchall()
    recorded = {a[1] for a in attempts}
    # 1. no call was ever placed without being recorded first
    assert {d["uuid"] for d in ledger} <= recorded
    # 2. no loss: every contact is done with an answered call
    states = db.execute("SELECT phone, state, result FROM contacts").fetchall()
    assert sorted(s[0] for s in states) == numbers
    assert {(s[1], s[2]) for s in states} == {("done", "ANSWERED")}
    assert all(a[2] == "done" for a in attempts)
    # 3. no duplicate: a contact finished before the kill was never redialled; one in flight was closed as
    #    UNKNOWN_CRASH (it counts) and redialled once (UNKNOWN_CRASH retry delay 0 here)
    dials = Counter(d["number"] for d in ledger)
    per_number = Counter(a[0] for a in attempts)
    for number in numbers:
        results = [a[3] for a in attempts if a[0] == number]
        if number in in_flight_at_kill:
            assert results == ["UNKNOWN_CRASH", "ANSWERED"], (number, results)
            assert dials[number] in (1, 2)  # 1 if it was killed between the commit and the originate
        else:
            assert results == ["ANSWERED"], (number, results)
            assert dials[number] == 1
        assert per_number[number] <= 3
    status = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "robot", "campaign", "status", "crash",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    text = (await asyncio.wait_for(status.communicate(), timeout=30))[0].decode()
    assert "crash: done" in text and "result UNKNOWN_CRASH" in text
