"""Cost of one AMD-sized window: the fast path (short padding, CTranslate2 directly, batched) against
faster-whisper's plain `transcribe` measured in the same run. Returns a JSON-ready dict; `benchmarks/asr_window.py`
and `robot bench amd` call it."""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel, StreamingVad
from robot.settings import VadSettings


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def window_benchmark(
    engine: AsrEngine, audio: npt.NDArray[np.float32], *, runs: int = 20, batch: int = 8
) -> dict[str, Any]:
    """Time `runs` single-window requests on each path, then `batch` windows submitted together."""
    fast: list[float] = []
    plain: list[float] = []
    load_before = os.getloadavg()[0]
    engine.transcribe_sync(audio, priority=Priority.AMD)  # warm-up, both paths
    engine.plain_transcribe(audio)
    for _ in range(runs):
        started = time.perf_counter()
        engine.transcribe_sync(audio, priority=Priority.AMD)
        fast.append(time.perf_counter() - started)
        plain.append(engine.plain_transcribe(audio)[1])
    batched: list[float] = []
    for _ in range(max(1, runs // 4)):
        started = time.perf_counter()
        futures = [engine.submit(audio, priority=Priority.AMD) for _ in range(batch)]
        for future in futures:
            future.result()
        batched.append((time.perf_counter() - started) / batch)
    fast_s, plain_s = _summary(fast), _summary(plain)
    return {
        "window_s": round(audio.size / 16000, 3),
        "runs": runs,
        "model": engine.settings.model,
        "cpu_threads": engine.settings.cpu_threads,
        "max_new_tokens": engine.settings.max_new_tokens,
        "fast_path": fast_s,
        "plain_transcribe_baseline": plain_s,
        "speedup_p50": round(plain_s["p50_ms"] / fast_s["p50_ms"], 2),
        f"fast_path_batched_{batch}_per_window": _summary(batched),
        "vad_ms_per_32ms_window": round(vad_cost_ms(audio), 4),
        "stats": dataclasses.asdict(engine.stats()),
        "load_avg_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()},
    }


def vad_cost_ms(audio: npt.NDArray[np.float32], repeats: int = 20) -> float:
    """Streaming Silero cost per 32 ms window, fed 20 ms at a time as calls deliver it."""
    model = SileroModel()
    windows = 0
    started = time.perf_counter()
    for _ in range(repeats):
        vad = StreamingVad(VadSettings.model_validate({}), model)
        for i in range(0, audio.size, 320):
            vad.process(audio[i : i + 320])
        windows += audio.size // 512
    return (time.perf_counter() - started) * 1000 / max(1, windows)
