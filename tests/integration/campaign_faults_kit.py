"""Shared pieces of the campaign fault-injection tests: `robot sim` and `robot campaign` as subprocesses on
loopback, the simulator's originate ledger (ground truth of what was dialled), its live channel count (`api status`
over ESL), and the store read-only."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.errors import EslError
from robot.esl.connection import EslClient
from robot.settings import EslSettings

REPO = Path(__file__).resolve().parents[2]
SCENARIO = str(REPO / "scenarios" / "demo_fr.yaml")
DIAL_TEMPLATE = "sofia/gateway/sim/{number}"
LIVE_DIALER = "robot.calls.dialer:make_dialer"
RING_LONG_YAML = "description: Rings 30 s then NO_ANSWER.\noutcome: noanswer\nring_ms: 30000\n"
LINE_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBOT_")}
    env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **extra)
    return env


def robot_env(tmp_path: Path, esl_port: int, model_dir: Path, retry: dict[str, float], **extra: str) -> dict[str, str]:
    return base_env(
        ROBOT_ESL__HOST="127.0.0.1",
        ROBOT_ESL__PORT=str(esl_port),
        ROBOT_ESL__RECONNECT_MAX_S="0.5",
        ROBOT_MEDIA__HOST="127.0.0.1",
        ROBOT_MEDIA__PORT="0",
        ROBOT_MEDIA__PUBLIC_URL="ws://127.0.0.1:0",
        ROBOT_ASR__MODEL=str(model_dir),
        ROBOT_ASR__LOCAL_FILES_ONLY="1",
        ROBOT_CAMPAIGN__DB_PATH=str(tmp_path / "var" / "robot.sqlite"),
        ROBOT_CAMPAIGN__METRICS_PORT="0",
        ROBOT_CAMPAIGN__RETRY_DELAY_S=json.dumps(retry),
        ROBOT_LOG__CALL_LOG=str(tmp_path / "var" / "calls.jsonl"),
        **extra,
    )


@asynccontextmanager
async def simulator(
    tmp_path: Path,
    suffix_scripts: dict[str, str],
    *,
    port: int = 0,
    tag: str = "sim",
    scripts_yaml: dict[str, str] | None = None,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int, Path]]:
    """`robot sim` with the originate ledger (shared by every simulator of the test) and extra callee scripts
    (name -> YAML; `ring_long` always); yields (process, port, ledger)."""
    scripts = tmp_path / "sim-scripts"
    scripts.mkdir(exist_ok=True)
    for name, text in {"ring_long": RING_LONG_YAML, **(scripts_yaml or {})}.items():
        (scripts / f"{name}.yaml").write_text(text, encoding="utf-8")
    ledger = tmp_path / "originates.jsonl"
    env = base_env(ROBOT_SIM__NUMBER_SUFFIX_SCRIPTS=json.dumps(suffix_scripts))
    with (tmp_path / f"{tag}.stderr").open("ab") as err:
        sim = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "sim", "--host", "127.0.0.1", "--port", str(port),
            "--scripts-dir", str(scripts), "--originate-log", str(ledger),
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=err,
        )  # fmt: skip
    try:
        assert sim.stdout is not None
        first = await asyncio.wait_for(sim.stdout.readline(), timeout=LINE_TIMEOUT_S)
        found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", first)
        assert found, (first, (tmp_path / f"{tag}.stderr").read_text())
        yield sim, int(found[1]), ledger
    finally:
        if sim.returncode is None:
            sim.kill()
        await sim.wait()


async def live_channels(port: int) -> int:
    """Channels alive on the simulator (legs, as FreeSWITCH's `status` counts sessions)."""
    client = EslClient(EslSettings(host="127.0.0.1", port=port))
    await client.start()
    try:
        text = await client.api("status")
    finally:
        await client.close()
    found = re.search(r"^(\d+) session\(s\) - peak", text, re.MULTILINE)
    assert found, text
    return int(found[1])


async def seconds_until_no_channel(port: int, bound_s: float) -> float:
    """Poll `status` until no channel is alive; the seconds it took (AssertionError past the bound)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        try:
            alive = await live_channels(port)
        except EslError:
            alive = -1
        if alive == 0:
            return round(loop.time() - start, 2)
        assert loop.time() - start < bound_s, f"{alive} channel legs still alive after {bound_s} s"
        await asyncio.sleep(0.2)  # polling a live process (integration): not timing logic


def read_ledger(ledger: Path) -> list[dict[str, Any]]:
    if not ledger.exists():
        return []
    return [json.loads(x) for x in ledger.read_text(encoding="utf-8").splitlines() if x.strip()]


def progress(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


async def until_dialled(run: Campaign, in_flight: int, ledger: Path, bound_s: float = 5.0) -> None:
    """Read progress until `in_flight` calls are up, then until the simulator has received as many originates."""
    while progress(await run.line()).get("in_flight") != str(in_flight):
        pass
    async with asyncio.timeout(bound_s):
        while len(read_ledger(ledger)) < in_flight:  # noqa: ASYNC110 (a file another process writes)
            await asyncio.sleep(0.05)


def write_contacts(tmp_path: Path, suffixes: list[str]) -> tuple[Path, list[str]]:
    numbers = [f"+336{i:06d}{suffix}" for i, suffix in enumerate(suffixes)]
    path = tmp_path / "contacts.csv"
    path.write_text("phone,name\n" + "".join(f"{n},c{i}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    return path, numbers


@dataclass
class StoreView:
    status: str
    contacts: dict[str, str]  # phone -> state
    attempts: list[tuple[str, str, str, str, str, int]]  # phone, uuid, state, result, hangup_cause, answered
    results: dict[str, list[str]] = field(default_factory=dict)

    @property
    def uuids(self) -> set[str]:
        return {a[1] for a in self.attempts}


def store_view(tmp_path: Path, name: str) -> StoreView:
    with sqlite3.connect(f"file:{tmp_path / 'var' / 'robot.sqlite'}?mode=ro", uri=True) as db:
        status = db.execute("SELECT status FROM campaigns WHERE name = ?", (name,)).fetchone()[0]
        contacts = dict(db.execute("SELECT phone, state FROM contacts").fetchall())
        attempts = db.execute(
            "SELECT phone, call_uuid, state, COALESCE(result, ''), COALESCE(hangup_cause, ''), COALESCE(answered, 0)"
            " FROM attempts ORDER BY id"
        ).fetchall()
    view = StoreView(status, contacts, attempts)
    for a in attempts:
        view.results.setdefault(a[0], []).append(a[3])
    return view


class Campaign:
    """`robot campaign run|resume` as a subprocess; stdout (progress and notices) read line by line."""

    def __init__(self, tmp_path: Path, env: dict[str, str], tag: str) -> None:
        self.tmp_path, self.env, self.tag = tmp_path, env, tag
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []

    async def start(self, *args: str) -> None:
        with (self.tmp_path / f"{self.tag}.stderr").open("wb") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "robot", "campaign", *args,
                cwd=self.tmp_path, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=err,
            )  # fmt: skip

    async def line(self, timeout: float = LINE_TIMEOUT_S) -> str:  # noqa: ASYNC109
        assert self.proc is not None and self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout=timeout)
        if not raw:
            raise EOFError(f"{self.tag} ended; stderr:\n{self.stderr()[-3000:]}")
        text = raw.decode().rstrip("\n")
        self.lines.append(text)
        return text

    async def until(self, pattern: str, timeout: float = LINE_TIMEOUT_S) -> str:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not re.search(pattern, line := await self.line()):
                pass
        return line

    async def wait(self, timeout: float) -> int:  # noqa: ASYNC109
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while raw := await self.proc.stdout.readline():
                self.lines.append(raw.decode().rstrip("\n"))
            return await self.proc.wait()

    def stderr(self) -> str:
        return (self.tmp_path / f"{self.tag}.stderr").read_text(encoding="utf-8", errors="replace")

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
