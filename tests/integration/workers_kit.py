"""Several `robot campaign run --worker` processes on one PostgreSQL campaign against one or more `robot sim`
processes, the simulators' originate ledger as ground truth. Used by tests/integration/test_campaign_workers.py and
benchmarks/campaign_workers.py.

Callees (by the number's last two digits): 0-5 answer after 100 ms and hang up 300-1500 ms later, 6-7 are busy
(retried after 0.2 s, at most `max_attempts`), 8-9 ring 200 ms unanswered (retried likewise)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.integration.campaign_faults_kit import SCENARIO, base_env, read_ledger, simulator

SIM_DIALER = "tests.integration.sim_dialer:make_dialer"
MAX_ATTEMPTS = 3
SCRIPTS = {
    "answer_short": "outcome: answer\nanswer_delay_ms: 100\nhangup_after_ms: 300\n",
    "answer_long": "outcome: answer\nanswer_delay_ms: 100\nhangup_after_ms: 1500\n",
    "ring_short": "outcome: noanswer\nring_ms: 200\n",
}
_BY_UNIT = ["answer_short"] * 4 + ["answer_long"] * 2 + ["busy"] * 2 + ["ring_short"] * 2
SUFFIXES = {f"{d}{u}": _BY_UNIT[u] for d in range(10) for u in range(10)}


@dataclass
class WorkersRun:
    contacts: int
    workers: int
    cps_per_worker: float
    concurrency_per_worker: int
    switches: int
    killed: str = ""
    wall_s: float = 0.0
    originates: int = 0
    attempts: int = 0
    double_dialled: int = 0  # numbers with more originates than the rules allow, or two at once
    lost: int = 0  # contacts not final, originates the store does not know, attempts left in flight
    cap_exceeded: int = 0  # numbers with more than MAX_ATTEMPTS attempts
    reached_redialled: int = 0  # numbers dialled again after an answered attempt
    per_switch: dict[str, int] = field(default_factory=dict)
    taken_over: dict[str, int] = field(default_factory=dict)
    calls_per_s: float = 0.0  # originates / wall time (startup and the last retries included)
    steady_calls_per_s: float = 0.0  # originates per second between the 10th and the 90th percentile of the ledger
    exit_codes: list[int] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    final_status: str = ""

    def figures(self) -> dict[str, Any]:
        return asdict(self)


def write_contacts(path: Path, n: int) -> list[str]:
    numbers = [f"+3361{i:07d}" for i in range(n)]
    path.write_text("phone,name\n" + "".join(f"{x},c{i}\n" for i, x in enumerate(numbers)), encoding="utf-8")
    return numbers


def worker_env(dsn: str, esl_ports: list[int], **extra: str) -> dict[str, str]:
    endpoints = [{"host": "127.0.0.1", "port": p} for p in esl_ports]
    return base_env(
        ROBOT_CAMPAIGN__STORE=dsn,
        ROBOT_ESL__HOST="127.0.0.1",
        ROBOT_ESL__PORT=str(esl_ports[0]),
        ROBOT_ESL__ENDPOINTS=json.dumps(endpoints),
        ROBOT_ESL__RECONNECT_MAX_S="0.5",
        ROBOT_CAMPAIGN__METRICS_PORT="0",
        ROBOT_CAMPAIGN__MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        ROBOT_CAMPAIGN__LEASE_TTL_S="3",
        ROBOT_CAMPAIGN__IDLE_POLL_S="0.2",
        ROBOT_CAMPAIGN__ORIGINATE_TIMEOUT_S="10",
        ROBOT_CAMPAIGN__RETRY_DELAY_S=json.dumps(
            {"USER_BUSY": 0.2, "NO_ANSWER": 0.2, "UNKNOWN_CRASH": 0.2, "ROBOT_ESL_LOST": 0.2, "DIALER_ERROR": 0.2}
        ),
        **extra,
    )


async def start_worker(tmp: Path, tag: str, env: dict[str, str], args: list[str]) -> asyncio.subprocess.Process:
    with (tmp / f"{tag}.out").open("wb") as out, (tmp / f"{tag}.err").open("wb") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "campaign", *args, cwd=tmp, env=env, stdout=out, stderr=err
        )


def store_rows(dsn: str, name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str, int]], str]:
    with psycopg.connect(dsn) as conn:
        status = conn.execute("SELECT status FROM campaigns WHERE name = %s", (name,)).fetchone()
        contacts = conn.execute("SELECT phone, state FROM contacts ORDER BY id").fetchall()
        attempts = conn.execute(
            "SELECT phone, call_uuid, state, COALESCE(result, ''), COALESCE(answered, 0) FROM attempts ORDER BY id"
        ).fetchall()
    return contacts, attempts, status[0] if status else ""


async def run_workers(
    tmp: Path,
    dsn: str,
    *,
    contacts: int,
    workers: int,
    cps: float,
    concurrency: int,
    switches: int = 1,
    kill_after_originates: int | None = None,
    stop_switch_after_originates: int | None = None,
    while_running: Callable[[dict[str, str]], Awaitable[None]] | None = None,
    timeout_s: float = 120.0,
) -> WorkersRun:
    """Run the campaign to its end and compare the store with the simulators' ledger."""
    csv_path = tmp / "contacts.csv"
    numbers = write_contacts(csv_path, contacts)
    figures = WorkersRun(contacts, workers, cps, concurrency, switches)
    ledger = tmp / "originates.jsonl"
    async with AsyncExitStack() as stack:
        sims = [
            await stack.enter_async_context(simulator(tmp, SUFFIXES, tag=f"sim{i}", scripts_yaml=SCRIPTS))
            for i in range(switches)
        ]
        env = worker_env(dsn, [port for _, port, _ in sims])
        args = [
            "run", str(csv_path), "--name", "bench", "--scenario", SCENARIO, "--no-prospecting", "--worker",
            "--concurrency", str(concurrency), "--cps", str(cps), "--dial-template", "sofia/gateway/sim/{number}",
            "--dialer", SIM_DIALER,
        ]  # fmt: skip
        started = time.monotonic()
        procs = [await start_worker(tmp, f"w{i}", env, args) for i in range(workers)]
        try:
            if while_running is not None:
                await _until_originates(ledger, 20, timeout_s)
                await while_running(env)
            if kill_after_originates is not None:
                await _until_originates(ledger, kill_after_originates, timeout_s)
                procs[0].send_signal(signal.SIGKILL)
                figures.killed = f"w0 (kill -9 after {len(read_ledger(ledger))} originates)"
            if stop_switch_after_originates is not None:
                await _until_originates(ledger, stop_switch_after_originates, timeout_s)
                sims[-1][0].kill()
                figures.killed = f"switch sim{switches - 1} killed after {len(read_ledger(ledger))} originates"
            async with asyncio.timeout(timeout_s):
                figures.exit_codes = [await p.wait() for p in procs]
        finally:
            for p in procs:
                if p.returncode is None:
                    p.kill()
                    await p.wait()
        figures.wall_s = round(time.monotonic() - started, 2)
    _compare(figures, dsn, numbers, read_ledger(ledger))
    figures.taken_over = _per_worker(tmp, workers)
    return figures


async def _until_originates(ledger: Path, n: int, timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while len(read_ledger(ledger)) < n:  # noqa: ASYNC110 (a file another process writes)
            await asyncio.sleep(0.05)


def _compare(figures: WorkersRun, dsn: str, numbers: list[str], ledger: list[dict[str, Any]]) -> None:
    contacts, attempts, figures.final_status = store_rows(dsn, "bench")
    figures.originates, figures.attempts = len(ledger), len(attempts)
    figures.statuses = dict(Counter(state for _, state in contacts))
    known = {a[1] for a in attempts}
    per_number = Counter(str(d["dial"]).rsplit("/", 1)[-1] for d in ledger)
    figures.lost = sum(1 for _, state in contacts if state != "done")
    figures.lost += sum(1 for d in ledger if d["uuid"] not in known)
    figures.lost += sum(1 for a in attempts if a[2] != "done")
    figures.lost += len(set(numbers) - {p for p, _ in contacts})
    figures.double_dialled = sum(1 for n in per_number.values() if n > MAX_ATTEMPTS)
    figures.double_dialled += len(ledger) - len({d["uuid"] for d in ledger})
    by_number: dict[str, list[tuple[str, str, str, str, int]]] = {}
    for a in attempts:
        by_number.setdefault(a[0], []).append(a)
    figures.cap_exceeded = sum(1 for tries in by_number.values() if len(tries) > MAX_ATTEMPTS)
    figures.reached_redialled = sum(1 for tries in by_number.values() if any(t[4] for t in tries[:-1]))
    figures.per_switch = dict(Counter(str(d.get("port", "")) for d in ledger))
    figures.calls_per_s = round(len(ledger) / figures.wall_s, 2) if figures.wall_s else 0.0
    walls = sorted(float(d["wall"]) for d in ledger)
    lo, hi = len(walls) // 10, len(walls) * 9 // 10
    if hi > lo and walls[hi] > walls[lo]:
        figures.steady_calls_per_s = round((hi - lo) / (walls[hi] - walls[lo]), 2)


def _per_worker(tmp: Path, workers: int) -> dict[str, int]:
    """Calls each worker took over from a gone one (its 'in flight at a crash' notices)."""
    out = {}
    for i in range(workers):
        path = tmp / f"w{i}.out"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        out[f"w{i}"] = text.count("was in flight at a crash")
    return out
