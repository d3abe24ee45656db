"""`robot bench load --mode analysis`: the calls' audio path with its analysis: AMD then dialog listening, every call.

Each call (the bench's `talker` callee: a 2.7 s answer every 4 s) runs what a call session runs before and without
ASR: AMD (Silero VAD + tone detector + classifier; no transcript) from the answer to its verdict, then the dialog
listener (VAD + barge-in policy) with a prompt always playing, so each of the callee's answers is a barge-in
(re-armed at once). VAD and tones run in ONE robot.media.analysis.AnalysisWorker for all calls.

Measured per step (robot.bench.load_bench.Bench.measure, plus): robot CPU per call (% of one core), the worker's busy
share and frames per iteration, and two decision lags on the wall clock, from the arrival of the frame that
completed the evidence to the decision on the loop: AMD verdicts and barge-ins (audio waiting in a queue shows here;
the audio-time parts of these decisions are policy, not load). ESL event lag and uuid_broadcast round trip tell
whether hangups and commands wait behind audio.

BASELINE, same run, same steps (unless --no-baseline): the hot path as it was, one executor future per 20 ms frame
per call: VAD + tones for the first BASELINE_AMD_S of each call (about the AMD window; no classifier), then the
listener fed frame by frame (CallListener.feed, VAD in the default executor), barge-ins re-armed the same way.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from robot.amd.detector import AmdDetector
from robot.amd.tones import ToneDetector
from robot.asr.vad import SileroModel, StreamingVad
from robot.bench.load_bench import SETTLE_S, TURN_PERIOD_S, Bench, _machine
from robot.bench.loadgen import SimProcess, ms_summary
from robot.calls.esl_control import EslCallControl
from robot.clock import SystemClock
from robot.dialog.bargein import BargeInDecision
from robot.dialog.listener import CallListener
from robot.media.analysis import AnalysisWorker
from robot.media.audio import AudioChunk, Int16Array
from robot.media.call_audio import CallAudio, CallChunks
from robot.settings import Settings

BASELINE_AMD_S = 2.5  # the baseline analyses VAD + tones this long (audio seconds) before listening


class Lags:
    """Decision lags (ms) recorded while `on`: wall time since the arrival of the frame that decided."""

    def __init__(self) -> None:
        self.on = False
        self.amd_ms: list[float] = []
        self.bargein_ms: list[float] = []
        self.verdicts = 0
        self.bargeins = 0

    def clear(self) -> None:
        self.amd_ms.clear()
        self.bargein_ms.clear()
        self.verdicts = self.bargeins = 0

    @staticmethod
    def since_arrival(call: CallAudio, audio_t: float, now: float) -> float:
        """Wall ms since the frame ending at stream time `audio_t` arrived (streams run in real time: a frame
        arrived (stream_time - audio_t) before the last one)."""
        last = call.last_frame_at if call.last_frame_at is not None else now
        return (now - (last - (call.stream_time - audio_t))) * 1000.0


class Switch(Protocol):
    on: bool


class CountedChunks:
    """A call's chunks (a Backlog, so the analysis worker still batches them); their SAMPLES counted into
    `counter[0]` while `on.on` (samples, not chunks: readers may give back 20 ms steps of a larger frame)."""

    def __init__(self, chunks: CallChunks, counter: list[int], on: Switch) -> None:
        self._chunks, self._counter, self._on = chunks, counter, on

    def __aiter__(self) -> CountedChunks:
        return self

    async def __anext__(self) -> AudioChunk:
        chunk = await anext(self._chunks)
        self._count((chunk,), 1)
        return chunk

    def take_ready(self, limit: int) -> list[AudioChunk]:
        ready = self._chunks.take_ready(limit)
        self._count(ready, 1)
        return ready

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        self._count(chunks, -1)
        self._chunks.unread(chunks)

    def _count(self, chunks: Sequence[AudioChunk], sign: int) -> None:
        if self._on.on:
            self._counter[0] += sign * sum(chunk.samples.size for chunk in chunks)


class AnalysisCalls:
    """Call bodies for the bench fleet: `ours` (the worker) or `baseline` (one executor future per frame)."""

    def __init__(self, settings: Settings, vad_model: SileroModel, bench: Any, worker: AnalysisWorker) -> None:
        self.settings = settings
        self.vad_model = vad_model
        self.bench = bench  # robot.bench.load_bench.Bench: its AudioServer, its list of calls (for drop counts)
        self.worker = worker
        self.lags = Lags()
        self.samples = [0]
        self.clock = SystemClock()

    def body(self, baseline: bool) -> Any:
        def start(uuid: str, control: EslCallControl) -> Coroutine[Any, Any, None]:
            call: CallAudio = self.bench.audio.open_call(uuid, rate=16000)
            self.bench.calls.append(call)
            return self._baseline(call) if baseline else self._ours(call)

        return start

    def _listener(self, call: CallAudio, worker: AnalysisWorker | None) -> CallListener:
        s = self.settings
        listener = CallListener(s.dialog, StreamingVad(s.vad, self.vad_model), None, clock=self.clock, worker=worker)

        def on_bargein(decision: BargeInDecision) -> None:
            if self.lags.on:
                self.lags.bargeins += 1
                self.lags.bargein_ms.append(Lags.since_arrival(call, decision.decided_at, self.clock.monotonic()))
            listener.prompt_started(None)  # the next answer barges in again

        listener.on_bargein = on_bargein
        listener.prompt_started(None)
        return listener

    async def _ours(self, call: CallAudio) -> None:
        stream = CountedChunks(call.chunks(), self.samples, self.lags)
        s = self.settings
        detector = AmdDetector(s, None, self.vad_model, None, self.clock, worker=self.worker)
        verdict = await detector.run(stream)
        if self.lags.on:
            self.lags.verdicts += 1
            self.lags.amd_ms.append(Lags.since_arrival(call, verdict.decided_at, self.clock.monotonic()))
        await self._listener(call, self.worker).run(stream)

    async def _baseline(self, call: CallAudio) -> None:
        stream = CountedChunks(call.chunks(), self.samples, self.lags)
        vad = StreamingVad(self.settings.vad, self.vad_model)
        tones = ToneDetector(16000, self.settings.amd)
        loop = asyncio.get_running_loop()

        def analyse(samples: Int16Array) -> None:
            vad.process(samples)
            tones.process(samples)

        async for chunk in stream:
            await loop.run_in_executor(None, analyse, chunk.samples)
            if chunk.end >= BASELINE_AMD_S:
                break
        await self._listener(call, None).run(stream)


async def measure_step(bench: Any, calls: AnalysisCalls, worker: AnalysisWorker, seconds: float) -> dict[str, Any]:
    lags = calls.lags
    lags.clear()
    stats0 = (worker.stats.iterations, worker.stats.frames, worker.stats.busy_s)
    lags.on = True
    try:
        step: dict[str, Any] = await bench.measure(seconds, lambda: calls.samples[0] / bench.frame_samples)
    finally:
        lags.on = False
    iterations = worker.stats.iterations - stats0[0]
    frames = worker.stats.frames - stats0[1]
    calls_n = step["calls"]
    step["robot_cpu_pct_one_core_per_call"] = round(step["robot_cpu_pct_one_core"] / calls_n, 3) if calls_n else None
    step["robot_cpu_pct_of_2_cores"] = round(step["robot_cpu_pct_one_core"] / 2, 1)
    step["amd_verdicts"] = lags.verdicts
    step["amd_verdict_lag"] = ms_summary(lags.amd_ms)
    step["bargeins"] = lags.bargeins
    step["bargein_lag"] = ms_summary(lags.bargein_ms)
    step["analysis_worker"] = {
        "iterations": iterations,
        "frames": frames,
        "frames_per_iteration": round(frames / iterations, 1) if iterations else None,
        "busy_pct_one_core": round((worker.stats.busy_s - stats0[2]) / step["window_s"] * 100, 1),
    }
    return step


async def run_analysis(
    settings: Settings, steps: list[int], seconds: float, broadcast_every_s: float, baseline: bool
) -> dict[str, Any]:
    vad_model = await asyncio.to_thread(SileroModel)
    result: dict[str, Any] = {
        "bench": "load",
        "mode": "analysis",
        "steps": steps,
        "window_s": seconds,
        "per_call": "AMD (VAD + tones + classifier, no ASR) to its verdict, then listening (VAD + barge-in policy, "
        "a prompt always playing); the talker answers 2.7 s every 4 s",
        "frame_ms": settings.media.stream_buffer_ms,
        "analysis_threads": settings.media.analysis_threads,
        "machine": _machine(),
    }
    async with SimProcess(settings.sim.host) as sim:
        for side in ("worker", "baseline_per_frame_executor") if baseline else ("worker",):
            worker = AnalysisWorker(threads=settings.media.analysis_threads)
            try:
                async with Bench(settings, sim, broadcast_every_s) as bench:
                    calls = AnalysisCalls(settings, vad_model, bench, worker)
                    body = calls.body(baseline=side != "worker")
                    rows = []
                    for target in steps:
                        added = target - len(bench.fleet.uuids)
                        await bench.fleet.add(added, bench.audio.stream_url, body, spread_s=TURN_PERIOD_S)
                        await asyncio.sleep(SETTLE_S)
                        rows.append(await measure_step(bench, calls, worker, seconds))
                    result[side] = rows
            finally:
                worker.close()
    result["machine"]["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    if baseline:
        result["baseline_what"] = (
            "the previous hot path: one executor future per 20 ms frame per call (VAD + tones for the first "
            f"{BASELINE_AMD_S} s, no classifier, then CallListener.feed frame by frame)"
        )
    return result
