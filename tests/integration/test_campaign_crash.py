"""Crash-safety proof on the real call path: `robot sim` and `robot campaign run --dialer
robot.calls.dialer:make_dialer` as subprocesses, kill -9 of the campaign while calls are up, `robot campaign
resume`, then every contact was dialled exactly as the rules allow, and the calls the dead robot left on the switch
were found (uuid_exists / uuid_getvar endpoint_disposition) and hung up.

Ground truth of what was dialled is the SIMULATOR's originate ledger (`robot sim --originate-log`, one JSON line
per originate received, flushed per line), not anything the robot says about itself. The store says what the
robot recorded. The two must agree: nothing dialled without a committed attempt (same call uuid), no contact lost,
no contact dialled beyond the retry rules: a cut call that had been answered is a reached contact (never redialled);
an unanswered one is closed as UNKNOWN_CRASH, counts as an attempt, and is redialled per the rules (UNKNOWN_CRASH
retry delay 0 here; USER_BUSY retried to max_attempts).

`LedgerDialer` / `make_dialer` below are a stand-in far end (no simulator, no model) that
tests/integration/test_campaign_cli.py uses through `--dialer tests.integration.test_campaign_crash:make_dialer`.
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
from robot.errors import ConfigError
from robot.esl.connection import EslClient
from robot.events import AmdResult
from robot.settings import EslSettings, SimSettings
from robot.sim import SimServer
from tests.integration.campaign_faults_kit import (
    SCENARIO,
    live_channels,
    progress,
    read_ledger,
    robot_env,
    seconds_until_no_channel,
    simulator,
)

pytestmark = pytest.mark.integration
LIVE_DIALER = "robot.calls.dialer:make_dialer"
DIAL_TEMPLATE = "sofia/gateway/sim/{number}"
MAX_ATTEMPTS = 3
CONCURRENCY = 4
# number suffix -> callee script: machine = the built-in voicemail (AMD says MACHINE after ~2 s, not retried);
# slow_machine rings 1.5 s first (so the kill can also cut a call that is still ringing); busy = USER_BUSY at once
# (retried with delay 0 up to MAX_ATTEMPTS).
SUFFIX_SCRIPTS = {"04": "machine", "50": "slow_machine", "07": "busy"}
CONTACT_SUFFIXES = ["04", "50", "04", "07", "04", "50", "04", "04", "50", "04", "07", "04", "50", "04"]
SLOW_MACHINE_YAML = """\
description: Voicemail that rings 1.5 s, then the built-in greeting.
outcome: answer
answer_delay_ms: 1500
hangup_after_ms: 60000
timeline:
  - {at_ms: 0, say: machine_greeting.wav}
"""
LINE_TIMEOUT_S = 30.0


# ---- stand-in dialer (used by test_campaign_cli.py) ----


class LedgerDialer:
    """Appends every dial to a ledger file (fsync'd) and "talks" for CALL_S seconds."""

    CALL_S = 0.3

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
        await asyncio.sleep(self.CALL_S)  # the far end talking, inside the robot process (not a test wait)
        return CallOutcome(attempt.call_uuid, True, "NORMAL_CLEARING", 16, AmdResult.HUMAN, talk_s=self.CALL_S)


def make_dialer(settings: Any) -> LedgerDialer:
    return LedgerDialer(Path(os.environ["ROBOT_TEST_LEDGER"]))


# ---- helpers ----


def _robot_env(tmp_path: Path, esl_port: int, model_dir: Path) -> dict[str, str]:
    retry = {"UNKNOWN_CRASH": 0.0, "USER_BUSY": 0.0}
    return robot_env(tmp_path, esl_port, model_dir, retry, ROBOT_CAMPAIGN__MAX_ATTEMPTS=str(MAX_ATTEMPTS))


def _dialing_uuids(db_path: Path) -> set[str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return {r[0] for r in db.execute("SELECT call_uuid FROM attempts WHERE state = 'dialing'")}


async def _run_until_calls_are_up(tmp_path: Path, env: dict[str, str], csv_path: Path, ledger: Path) -> None:
    """Start `campaign run`; at each progress line, check whether the kill point is reached; then kill -9."""
    with (tmp_path / "run.stderr").open("wb") as err:
        run = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "campaign", "run", str(csv_path), "--name", "crash",
            "--scenario", SCENARIO, "--no-prospecting",
            "--concurrency", str(CONCURRENCY), "--cps", "50", "--dial-template", DIAL_TEMPLATE,
            "--dialer", LIVE_DIALER,
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=err,
        )  # fmt: skip
    try:
        assert run.stdout is not None
        while True:
            line = await asyncio.wait_for(run.stdout.readline(), timeout=LINE_TIMEOUT_S)
            if not line:
                pytest.fail(
                    "campaign run ended before a call the simulator received was in flight (does the originate "
                    "carry the committed call uuid?); its stderr ends with:\n"
                    + (tmp_path / "run.stderr").read_text()[-2000:]
                )
            seen = progress(line.decode())
            if int(seen.get("done", 0)) < 3 or int(seen.get("in_flight", 0)) < 2:
                continue
            # kill point: a call the simulator really received is still up (its attempt is still `dialing`)
            dialled = {d["uuid"] for d in read_ledger(ledger)}
            if dialled & _dialing_uuids(tmp_path / "var" / "robot.sqlite"):
                break
        run.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(run.wait(), timeout=10) == -signal.SIGKILL
    finally:
        if run.returncode is None:
            run.kill()
            await run.wait()


# ---- the test ----


async def test_kill_9_mid_campaign_then_resume_dials_each_contact_as_the_rules_allow(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    numbers = [f"+336{i:06d}{suffix}" for i, suffix in enumerate(CONTACT_SUFFIXES)]
    csv_path = tmp_path / "contacts.csv"
    csv_path.write_text("phone,name\n" + "".join(f"{n},c{i}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    db_path = tmp_path / "var" / "robot.sqlite"

    scripts = {"slow_machine": SLOW_MACHINE_YAML}
    async with simulator(tmp_path, SUFFIX_SCRIPTS, scripts_yaml=scripts) as (_, port, ledger_path):
        env = _robot_env(tmp_path, port, tiny_model_dir)
        await _run_until_calls_are_up(tmp_path, env, csv_path, ledger_path)
        with sqlite3.connect(db_path) as db:
            cut = {r[0]: r[1] for r in db.execute("SELECT call_uuid, phone FROM attempts WHERE state = 'dialing'")}
            marked = {r[0] for r in db.execute("SELECT call_uuid FROM attempts WHERE state = 'dialing' AND answered")}
            done_before = {r[0] for r in db.execute("SELECT phone FROM contacts WHERE state = 'done'")}
        cut_dialled = set(cut) & {d["uuid"] for d in read_ledger(ledger_path)}
        assert cut_dialled and len(done_before) >= 3, (cut, done_before)
        orphans = await live_channels(port)  # the switch keeps the calls of a dead robot
        assert orphans > 0

        loop = asyncio.get_running_loop()
        with (tmp_path / "resume.stderr").open("wb") as err:
            resumed_at = loop.time()
            resume = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "robot", "campaign", "resume", "crash", "--dialer", LIVE_DIALER,
                cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:
            orphans_gone_s = await _seconds_until_gone(port, set(cut_dialled), 20.0, resumed_at)
            code = await asyncio.wait_for(resume.wait(), timeout=90)
        finally:
            if resume.returncode is None:
                resume.kill()
                await resume.wait()
        assert code == 0, (tmp_path / "resume.stderr").read_text()[-3000:]
        drained_s = await seconds_until_no_channel(port, 5.0)
        ledger = read_ledger(ledger_path)

    with sqlite3.connect(db_path) as db:
        status = db.execute("SELECT status FROM campaigns WHERE name = 'crash'").fetchone()[0]
        contacts = dict(db.execute("SELECT phone, state FROM contacts").fetchall())
        attempts = db.execute(
            "SELECT phone, call_uuid, state, result, hangup_cause, answered FROM attempts ORDER BY id"
        ).fetchall()
    assert status == "done"
    by_uuid = {a[1]: a for a in attempts}
    ledger_uuids = [d["uuid"] for d in ledger]

    # 1. nothing dialled without a record: each originate the simulator received carries the uuid of a committed
    #    attempt, for that attempt's number, and no uuid was originated twice; each carries the switch-side cap
    assert len(ledger_uuids) == len(set(ledger_uuids))
    for dial in ledger:
        assert dial["uuid"] in by_uuid, dial
        assert dial["dial"] == DIAL_TEMPLATE.format(number=by_uuid[dial["uuid"]][0]), dial
        assert dial["variables"]["execute_on_answer"].startswith("sched_hangup +"), dial
        assert dial["variables"]["robot_campaign"] == "crash" and dial["variables"]["robot_attempt"], dial
    # 2. no call lost: every contact is done, no attempt is left in flight, and every attempt that was not cut by
    #    the kill was really dialled (a cut one may have died between its commit and its originate)
    assert contacts == {n: "done" for n in numbers}
    assert all(a[2] == "done" for a in attempts)
    assert {a[1] for a in attempts} - set(ledger_uuids) <= set(cut)
    # 3. the cut calls were reconciled with the switch: answered ones (answer stored before the kill, or the switch
    #    says ANSWER) are reached; the others are UNKNOWN_CRASH (gone) or orphan_hung_up (still ringing on the switch,
    #    hung up by the resume); nothing else carries those labels
    reconciled = {a[1]: a for a in attempts if a[1] in cut}
    labels = ("answered_unfinished", "UNKNOWN_CRASH", "orphan_hung_up")
    assert {a[1] for a in attempts if a[3] in labels} == set(cut)
    for uuid in marked:
        assert reconciled[uuid][3] == "answered_unfinished" and reconciled[uuid][5] == 1
    reached = {a[0] for a in reconciled.values() if a[5]}
    # 4. no contact dialled beyond the rules: a contact finished before the kill, or reached by a cut call, is never
    #    dialled again; retries only after a retried result (UNKNOWN_CRASH, USER_BUSY), at most MAX_ATTEMPTS
    dials = Counter(by_uuid[u][0] for u in ledger_uuids)
    for number in numbers:
        mine = [a for a in attempts if a[0] == number]
        retried = [(a[4] == "UNKNOWN_CRASH" and not a[5]) or a[4] == "USER_BUSY" for a in mine]
        assert 1 <= len(mine) <= MAX_ATTEMPTS and dials[number] <= len(mine), (number, mine)
        assert all(retried[:-1]), (number, mine)
        assert not retried[-1] or len(mine) == MAX_ATTEMPTS, (number, mine)
        if number in done_before:
            assert number not in cut.values() and len(mine) == dials[number], (number, mine)
        if number in reached:
            assert mine[-1][1] in cut, (number, mine)  # the reached cut call is its last attempt
        elif number.endswith("07"):
            assert len(mine) == MAX_ATTEMPTS and all(a[4] in ("USER_BUSY", "UNKNOWN_CRASH") for a in mine)
        else:
            completed = [a for a in mine if a[1] not in cut]
            assert len(completed) == 1 and completed[0][5] == 1, (number, mine)
    print(
        f"\nFAULT kill-9: contacts={len(numbers)} cut={len(cut)} (originated {len(cut_dialled)}, answer stored "
        f"{len(marked)}, reached {len(reached)}) legs-alive-after-kill={orphans} orphans-gone-after-resume="
        f"{orphans_gone_s}s channels-0-after-resume-exit={drained_s}s attempts={len(attempts)} "
        f"originates={len(ledger)} recorded-not-originated={len({a[1] for a in attempts} - set(ledger_uuids))}"
    )


async def _seconds_until_gone(port: int, uuids: set[str], bound_s: float, since: float) -> float:
    """Poll uuid_exists on the simulator until none of `uuids` exists; seconds since `since`."""
    loop = asyncio.get_running_loop()
    client = EslClient(EslSettings(host="127.0.0.1", port=port))
    await client.start()
    try:
        while True:
            alive = [u for u in uuids if (await client.api(f"uuid_exists {u}")).strip() == "true"]
            if not alive:
                return round(loop.time() - since, 2)
            assert loop.time() - since < bound_s, f"{len(alive)} orphan(s) alive {bound_s} s after resume"
            await asyncio.sleep(0.1)  # polling a live process: not timing logic
    finally:
        await client.close()


async def test_originate_log_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    log_path = tmp_path / "no-such-dir" / "originates.jsonl"
    server = SimServer(SimSettings.model_validate({"port": 0, "originate_log": log_path}))
    with pytest.raises(ConfigError, match=r"sim\.originate_log .*no-such-dir/originates\.jsonl"):
        await server.start()
    await server.close()
