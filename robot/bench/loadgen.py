"""Helpers of `robot bench load`: the simulator in its own process, a bare WebSocket sink (the baseline), and a
fleet of simulated calls driven over ESL from this process.

The simulator (`python -m robot sim`) runs in a child process so that its CPU (it generates every stream) is not
counted as the robot's; its own CPU is read from /proc to tell when IT is the bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
import uuid as uuidlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve

from robot.calls.esl_control import EslCallControl, originate
from robot.errors import EslError, RobotError
from robot.esl.connection import EslClient
from robot.esl.parser import EslEvent
from robot.media.wire import STREAM_BUFFER_VAR
from robot.settings import Settings

BENCH_SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
TALKER = "talker"
_LISTENING = re.compile(r"listening on (\S+):(\d+)")
SIM_START_TIMEOUT_S = 60.0


class BenchError(RobotError):
    """The load bench could not set up (simulator did not start, calls could not be placed)."""


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process `pid` (Linux /proc), or None where /proc is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SimProcess:
    """`python -m robot sim --port 0 --scripts-dir robot/bench/scripts` as a child process."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.port = 0
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise BenchError("simulator process not started")
        return self._proc.pid

    def cpu_s(self) -> float | None:
        return proc_cpu_s(self.pid)

    async def __aenter__(self) -> SimProcess:
        cmd = [sys.executable, "-u", "-m", "robot", "sim", "--host", self.host, "--port", "0"]
        cmd += ["--scripts-dir", str(BENCH_SCRIPTS_DIR)]
        self._proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        assert self._proc.stdout is not None
        try:
            async with asyncio.timeout(SIM_START_TIMEOUT_S):
                while line := (await self._proc.stdout.readline()).decode(errors="replace"):
                    if match := _LISTENING.search(line):
                        self.port = int(match.group(2))
                        break
        except TimeoutError:
            pass
        if not self.port:
            await self.__aexit__()
            raise BenchError(f"`{' '.join(cmd)}` did not report its ESL port within {SIM_START_TIMEOUT_S:.0f} s")
        self._drain = asyncio.create_task(self._proc.stdout.read(), name="sim-stdout")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._proc is None or self._proc.returncode is not None:
            return
        self._proc.terminate()
        try:
            await asyncio.wait_for(self._proc.wait(), 10.0)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()


class RawSink:
    """Baseline: a bare `websockets` server that only counts the binary frames it receives (no routing, auth,
    decoding, queueing or consumer task) - the floor cost of receiving the same streams in Python."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.frames = 0
        self._server: Server | None = None

    async def __aenter__(self) -> RawSink:
        self._server = await serve(self._handle, self.host, 0, compression=None, ping_interval=None, max_size=1 << 16)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def count(self) -> int:
        return self.frames

    def url(self, call_uuid: str) -> str:
        assert self._server is not None
        return f"ws://{self.host}:{self._server.sockets[0].getsockname()[1]}/raw/{call_uuid}"

    async def _handle(self, connection: ServerConnection) -> None:
        async for message in connection:
            if isinstance(message, bytes):
                self.frames += 1


@dataclass(slots=True)
class EventLag:
    """Delivery lag of ESL events: receive wall time - the event's Event-Date-Timestamp (sim clock, same host)."""

    lags_ms: list[float] = field(default_factory=list)
    recording: bool = False

    def __call__(self, event: EslEvent) -> None:
        stamp = event.get("Event-Date-Timestamp")
        if self.recording and stamp and stamp.isdigit():
            self.lags_ms.append(time.time() * 1000.0 - int(stamp) / 1000.0)

    def summary(self) -> dict[str, float | int | None]:
        return ms_summary(self.lags_ms)


def ms_summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    arr = np.asarray(values)
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
        "max_ms": round(float(arr.max()), 2),
    }


StreamUrl = Callable[[str], str]
# body(uuid, control): sets the call up synchronously (before its stream starts), returns its consuming coroutine
CallBody = Callable[[str, EslCallControl], Coroutine[Any, Any, None]]


class Fleet:
    """Calls to the `talker` callee placed over one EslClient; each gets an audio stream and a body task."""

    def __init__(self, esl: EslClient, settings: Settings, *, broadcast_every_s: float, prompt: Path) -> None:
        self.esl = esl
        self.settings = settings
        self.broadcast_every_s = broadcast_every_s
        self.prompt = prompt
        self.uuids: list[str] = []
        self.failed = 0
        self.broadcast_rtt_ms: list[float] = []
        self.recording = False
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def add(
        self, count: int, url: StreamUrl, body: CallBody, *, parallel: int = 32, spread_s: float = 0.0
    ) -> None:
        """Place `count` calls (at most `parallel` originates at once, spread over `spread_s`); start their streams."""
        gate = asyncio.Semaphore(parallel)

        async def one(i: int) -> None:
            if spread_s:
                await asyncio.sleep(spread_s * i / count)
            uuid = str(uuidlib.uuid4())
            async with gate:
                try:
                    frame_ms = {STREAM_BUFFER_VAR: str(self.settings.media.stream_buffer_ms)}  # as the robot
                    result = await originate(self.esl, f"loopback/{TALKER}/default", uuid, frame_ms)
                    if not result.ok:
                        raise BenchError(f"originate {TALKER}: {result.raw.strip()}")
                    control = EslCallControl(self.esl, uuid)
                    self._tasks.append(asyncio.create_task(body(uuid, control), name=f"bench-call-{uuid}"))
                    await control.start_audio_stream(url(uuid), 16000)
                except (EslError, BenchError):
                    self.failed += 1
                    return
            self.uuids.append(uuid)
            if self.broadcast_every_s:
                self._tasks.append(asyncio.create_task(self._talk(control), name=f"bench-talk-{uuid}"))

        await asyncio.gather(*(one(i) for i in range(count)))

    async def _talk(self, control: EslCallControl) -> None:
        """The robot side's prompts: one uuid_broadcast every broadcast_every_s (PLAYBACK_* events come back)."""
        await asyncio.sleep(self.broadcast_every_s * (0.1 + 0.9 * np.random.random()))
        while not self._stopping:  # a cancel that asyncio.wait_for swallowed (Python 3.11) still ends the loop
            began = time.perf_counter()
            with contextlib.suppress(EslError):
                await control.play(self.prompt)
            if self.recording:
                self.broadcast_rtt_ms.append((time.perf_counter() - began) * 1000.0)
            await asyncio.sleep(self.broadcast_every_s)

    async def hangup_all(self) -> None:
        gate = asyncio.Semaphore(64)

        async def kill(uuid: str) -> None:
            async with gate:
                with contextlib.suppress(EslError):
                    await EslCallControl(self.esl, uuid).hangup()

        self._stopping = True
        await asyncio.gather(*(kill(u) for u in self.uuids))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.uuids.clear()
        self._stopping = False


@dataclass(slots=True)
class Probe:
    """What a step measures, shared by the calls' tasks (they only count while `on`)."""

    on: bool = False
    frames: int = 0
    asr_ms: list[float] = field(default_factory=list)
    empty_turns: int = 0
    loop_lag_ms: list[float] = field(default_factory=list)


async def loop_lag(probe: Probe, period_s: float = 0.05) -> None:
    """Event-loop lag: how late a `period_s` timer fires, recorded while the probe is on."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + period_s
        await asyncio.sleep(period_s)
        if probe.on:
            probe.loop_lag_ms.append((loop.time() - due) * 1000.0)
