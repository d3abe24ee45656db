"""What every `robot bench load` mode (robot.bench.load) ramps with: `Bench` (one simulator process, one ESL client
with its event-lag listener, the robot's AudioServer, the fleet of calls and the measured window of a step), the
settings with a frame size, and the machine's description for the JSON.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from robot.bench.loadgen import EventLag, Fleet, Probe, SimProcess, loop_lag, ms_summary
from robot.calls.esl_control import EslCallControl
from robot.esl.connection import EslClient
from robot.media.call_audio import CallAudio
from robot.media.server import AudioServer
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PROMPT = REPO / "audio" / "prompts" / "8k" / "confirm.wav"
SETTLE_S = 1.5
TURN_PERIOD_S = 4.0  # the talker's answer period: dialog calls are spread over it


class Bench:
    """One simulator process, one ESL client, our AudioServer: the ramp of one mode."""

    def __init__(self, settings: Settings, sim: SimProcess, broadcast_every_s: float) -> None:
        self.settings = settings
        self.frames_per_s = 1000 / settings.media.stream_buffer_ms  # per call
        self.frame_samples = 16 * settings.media.stream_buffer_ms  # 16 kHz samples in one frame
        self.sim = sim
        esl = settings.esl.model_copy(update={"host": sim.host, "port": sim.port, "password": settings.sim.password})
        self.esl = EslClient(esl, call_queue_max=16)
        self.audio = AudioServer(settings.media.model_copy(update={"port": 0, "host": sim.host}))
        self.lag = EventLag()
        self.esl.add_listener(self.lag)
        self.fleet = Fleet(self.esl, settings, broadcast_every_s=broadcast_every_s, prompt=PROMPT)
        self.probe = Probe()
        self.calls: list[CallAudio] = []
        self.samples = [0]  # dialog mode: samples read by the listeners while the probe is on

    async def __aenter__(self) -> Bench:
        await self.audio.start()
        await self.esl.start()
        self._lag_task = asyncio.create_task(loop_lag(self.probe), name="bench-loop-lag")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fleet.hangup_all()
        self._lag_task.cancel()
        await asyncio.gather(self._lag_task, return_exceptions=True)
        await self.esl.close()
        await self.audio.close()

    def counting_body(self, uuid: str, control: EslCallControl) -> Coroutine[Any, Any, None]:
        call = self.audio.open_call(uuid, rate=16000)
        self.calls.append(call)
        return self._count(call)

    async def _count(self, call: CallAudio) -> None:
        probe = self.probe
        async for _chunk in call.chunks():
            if probe.on:
                probe.frames += 1

    async def measure(self, seconds: float, frames: Any) -> dict[str, Any]:
        """Run `seconds` with the probe on; `frames()` reads the frame counter of the side under test."""
        probe, fleet = self.probe, self.fleet
        probe.loop_lag_ms.clear()
        self.lag.lags_ms.clear()
        fleet.broadcast_rtt_ms.clear()
        dropped0 = sum(c.stats.dropped_frames for c in self.calls)
        frames0, sim0, cpu0, wall0 = frames(), self.sim.cpu_s(), time.process_time(), time.perf_counter()
        probe.on = self.lag.recording = fleet.recording = True
        await asyncio.sleep(seconds)
        probe.on = self.lag.recording = fleet.recording = False
        wall = time.perf_counter() - wall0
        cpu, received, sim1 = time.process_time() - cpu0, frames() - frames0, self.sim.cpu_s()
        calls = len(fleet.uuids)
        expected = calls * self.frames_per_s * wall
        per_frame_us = cpu / received * 1e6 if received else None
        return {
            "calls": calls,
            "failed_originates": fleet.failed,
            "window_s": round(wall, 2),
            "robot_cpu_pct_one_core": round(cpu / wall * 100, 1),
            "frames_per_s": round(received / wall, 1),
            "frame_ms": self.settings.media.stream_buffer_ms,
            "frames_expected_per_s": round(calls * self.frames_per_s, 1),
            "frames_received_ratio": round(received / expected, 3) if expected else None,
            "robot_dropped_frames": sum(c.stats.dropped_frames for c in self.calls) - dropped0,
            "robot_cpu_us_per_frame": round(per_frame_us, 1) if per_frame_us else None,
            "sim_cpu_pct_one_core": round((sim1 - sim0) / wall * 100, 1) if sim0 is not None and sim1 else None,
            "esl_event_lag": self.lag.summary(),
            "broadcast_rtt": ms_summary(fleet.broadcast_rtt_ms),
            "loop_lag": ms_summary(probe.loop_lag_ms),
        }


def with_frame_ms(settings: Settings, frame_ms: int) -> Settings:
    """`settings` with media.stream_buffer_ms = frame_ms (validated: a multiple of 20 that fits max_frame_bytes)."""
    media = settings.media.model_dump()
    media["stream_buffer_ms"] = frame_ms
    return settings.model_copy(update={"media": type(settings.media).model_validate(media)})


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "cpu_model": _cpu_model(), "load_average_1m_before": round(os.getloadavg()[0], 2)}


def _cpu_model() -> str | None:
    """/proc/cpuinfo's model name (Linux), None elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    names = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")]
    return names[0] if names else None
