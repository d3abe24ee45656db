"""The barge-in benchmark's baseline: barge-in only once LocalAgreement-2 commits a word, with whisper_streaming's
1 s minimum chunk, on a ScriptedRecognizer that returns the TRUE words at their TRUE times (a perfect recogniser).
Word times come from the clip's energy; each iteration also pays the real engine's compute for that buffer length.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from robot.asr.engine import AsrEngine, Priority
from robot.asr.scripted import ScriptedRecognizer
from robot.asr.streaming import OnlineAgreement
from robot.dialog.intents import normalize_text
from robot.events import Word
from robot.media.audio import read_wav_16k

BASELINE_MIN_CHUNK_S = 1.0


def word_times(samples: np.ndarray[Any, Any], gap_s: float = 0.06) -> list[tuple[float, float]]:
    """Stretches of a clip's 20 ms energy above (peak - 30 dB) separated by >= gap_s: its word-ish units."""
    frames = samples[: samples.size // 320 * 320].astype(np.float64).reshape(-1, 320)
    energy = 10 * np.log10((frames**2).mean(axis=1) + 1)
    loud = energy > energy.max() - 30
    spans: list[tuple[float, float]] = []
    for i, on in enumerate(loud):
        t = i * 0.02
        if on and spans and t - spans[-1][1] < gap_s:
            spans[-1] = (spans[-1][0], t + 0.02)
        elif on:
            spans.append((t, t + 0.02))
    return spans


def baseline_latencies(engine: AsrEngine | None, clip: Path, offset_s: float) -> dict[str, Any]:
    """LocalAgreement-2 at a 1 s minimum chunk on a perfect recogniser; the stream starts `offset_s` before speech."""
    speech = read_wav_16k(clip)
    spans = word_times(speech)
    words = [Word(f"mot{i}", offset_s + a, offset_s + b) for i, (a, b) in enumerate(spans)]
    stream = np.concatenate([np.zeros(int(offset_s * 16000), dtype=np.int16), speech, np.zeros(48000, np.int16)])
    recognizer = ScriptedRecognizer(words)
    proc = OnlineAgreement()
    costs: dict[int, float] = {}
    fed = 0
    step = int(BASELINE_MIN_CHUNK_S * 16000)
    while fed < stream.size:
        proc.insert_audio_chunk(stream[fed : fed + step])
        fed += step
        seconds = round(proc.buffer_seconds)
        if engine is not None and seconds not in costs:
            began = time.perf_counter()
            engine.transcribe_sync(proc.audio, priority=Priority.PARTIAL)
            costs[seconds] = time.perf_counter() - began
        update = proc.process_iter(recognizer)
        if any(normalize_text(w.text) for w in update.committed):
            commit_at = fed / 16000 + costs.get(seconds, 0.0)
            return {
                "latency_ms": round((commit_at - offset_s) * 1000, 1),
                "iterations": recognizer.calls,
                "asr_cost_ms_per_iteration": {f"{k}s": round(v * 1000, 1) for k, v in sorted(costs.items())},
                "words_from_energy": len(words),
            }
    return {"latency_ms": None, "iterations": recognizer.calls}
