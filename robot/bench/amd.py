"""`robot bench amd [--model M] [--manifest CSV] [--windows N] [--runs R] [--concurrency 1 8] [--out FILE]`:
what a call waits for after asking AMD's transcript, on real speech windows, alone and with other calls.

Windows: the first seconds of speech of labelled clips (default audio/amd-eval/manifest.csv, `test` split, clips with
speech), cut as the detector cuts them: from 0.3 s before the first VAD onset, 2.3 s of speech (amd.window_ms).
Measured in the same run, on the same windows:
- ours: the AMD path, robot.asr's engine (`submit(..., priority=AMD)`: encoder input padded to asr.min_input_s, token
  budget following the audio, repeated n-grams blocked (asr.amd_no_repeat_ngram_size; 0: loops decoded again),
  requests of concurrent calls batched), at each concurrency level C:
  C calls ask at the same instant, each call's wait (submit -> result) is one sample;
- baseline: faster-whisper's plain `WhisperModel.transcribe()` (pads to 30 s), beam 1, temperature 0, no
  timestamps, one window at a time: at C > 1 the C windows are transcribed one after the other and each call's wait
  is its completion time (what C calls sharing one model behind a lock wait).
Plus the per-call CPU cost of VAD + tone detection per second of call audio (20 ms frames, as mod_audio_stream).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from robot.amd.detector import ASR_LEAD_S, amd_vad
from robot.amd.evaluation import percentile, read_manifest
from robot.amd.tones import ToneDetector
from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel, StreamingVad
from robot.errors import ConfigError
from robot.events import SpeechStarted
from robot.media.audio import TARGET_RATE, pcm16_to_float32, read_wav_16k
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MANIFEST = REPO / "audio" / "amd-eval" / "manifest.csv"
GOAL_P95_MS = 400.0
FloatArray = npt.NDArray[np.float32]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "amd",
        help="AMD: transcript wait on real speech windows at 1..N concurrent calls (ours vs plain transcribe).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", default=None, help="Whisper model dir/name (default: asr.model).")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="Labelled clips (amd-eval CSV).")
    parser.add_argument("--split", default="test", help="Manifest split to take windows from ('' = all).")
    parser.add_argument("--windows", type=int, default=24, help="Speech windows taken from the manifest.")
    parser.add_argument("--runs", type=int, default=3, help="Passes over the windows per concurrency level.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8], help="Calls asking at once.")
    parser.add_argument("--no-baseline", action="store_true", help="Skip plain transcribe (it is slow).")
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON report here.")
    parser.set_defaults(func=run)


def _ms_stats(values: list[float]) -> dict[str, float]:
    ms = [v * 1000.0 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95) or 0.0, 1),
        "max_ms": round(max(ms), 1),
    }


def speech_windows(settings: Settings, manifest: Path, split: str, count: int) -> list[FloatArray]:
    """AMD transcript windows of the manifest's clips that have speech (VAD onset), as the detector cuts them."""
    rows = [r for r in read_manifest(manifest, split=split or None) if r.label not in ("EXCLUDE", "NO_ANSWER")]
    if not rows:
        raise ConfigError(f"{manifest}: no clip with speech in split {split!r}")
    vad_model = SileroModel()
    step = max(1, len(rows) // count)
    windows: list[FloatArray] = []
    for row in rows[::step]:
        samples = read_wav_16k(row.path)
        vad = amd_vad(settings, vad_model)
        events = vad.process(samples) + vad.flush()
        onset = next((e.t for e in events if isinstance(e, SpeechStarted)), None)
        if onset is None:
            continue
        start = max(0, int((onset - ASR_LEAD_S) * TARGET_RATE))
        end = int((onset + settings.amd.window_ms / 1000.0) * TARGET_RATE)
        windows.append(pcm16_to_float32(samples[start:end]))
        if len(windows) == count:
            break
    return windows


def _ours(engine: AsrEngine, windows: list[FloatArray], calls: int, runs: int) -> tuple[list[float], list[int]]:
    waits: list[float] = []
    batch_sizes: list[int] = []
    for _ in range(runs):
        for first in range(0, len(windows), calls):
            group = [windows[(first + k) % len(windows)] for k in range(calls)]
            before = engine.stats().batches
            started = time.perf_counter()
            futures = [engine.submit(w, priority=Priority.AMD) for w in group]
            for future in futures:
                future.result(timeout=120)
                waits.append(time.perf_counter() - started)
            batch_sizes.append(calls // max(1, engine.stats().batches - before))
    return waits, batch_sizes


def _baseline(engine: AsrEngine, windows: list[FloatArray], calls: int, runs: int) -> list[float]:
    waits: list[float] = []
    for _ in range(runs):
        for first in range(0, len(windows), calls):
            started = time.perf_counter()
            for k in range(calls):
                engine.plain_transcribe(windows[(first + k) % len(windows)])
                waits.append(time.perf_counter() - started)
    return waits


def _vad_tone_cost(settings: Settings, samples: npt.NDArray[np.int16], vad_model: SileroModel) -> dict[str, float]:
    frame = TARGET_RATE // 50
    vad = StreamingVad(settings.vad, vad_model)
    tones = ToneDetector(TARGET_RATE, settings.amd)
    vad_s = tone_s = 0.0
    for start in range(0, samples.size, frame):
        chunk = samples[start : start + frame]
        t0 = time.perf_counter()
        vad.process(chunk)
        t1 = time.perf_counter()
        tones.process(chunk)
        tone_s += time.perf_counter() - t1
        vad_s += t1 - t0
    audio_s = samples.size / TARGET_RATE
    return {
        "audio_s": round(audio_s, 2),
        "vad_cpu_ms_per_call_s": round(vad_s * 1000.0 / audio_s, 3),
        "tone_cpu_ms_per_call_s": round(tone_s * 1000.0 / audio_s, 3),
        "total_cpu_ms_per_call_s": round((vad_s + tone_s) * 1000.0 / audio_s, 3),
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    model = args.model or settings.asr.model
    asr = settings.asr.model_copy(update={"model": model, "local_files_only": Path(model).is_dir()})
    windows = speech_windows(settings, args.manifest, args.split, args.windows)
    engine = AsrEngine.load_sync(asr)
    load_before = os.getloadavg()
    levels: dict[str, Any] = {}
    try:
        engine.submit(windows[0], priority=Priority.AMD).result(timeout=120)  # warm-up
        if not args.no_baseline:
            engine.plain_transcribe(windows[0])
        for calls in args.concurrency:
            waits, batch_sizes = _ours(engine, windows, calls, args.runs)
            level: dict[str, Any] = {"ours": {**_ms_stats(waits), "mean_batch_size": statistics.fmean(batch_sizes)}}
            if not args.no_baseline:
                level["baseline_plain_transcribe"] = _ms_stats(_baseline(engine, windows, calls, 1))
            levels[str(calls)] = level
            print(f"{calls} concurrent calls: {json.dumps(level)}", flush=True)
    finally:
        engine.close()
    one = levels.get("1", {}).get("ours")
    report = {
        "bench": "amd",
        "model": model,
        "compute_type": asr.compute_type,
        "cpu_threads": asr.cpu_threads,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "asr": {
            "min_input_s": asr.min_input_s,
            "amd_no_repeat_ngram_size": asr.amd_no_repeat_ngram_size,
            "amd_prompt": asr.amd_prompt,
            "loop_retry": asr.loop_retry and asr.amd_no_repeat_ngram_size == 0,
            "max_batch": asr.max_batch,
            "workers": asr.workers,
            "urgent_workers": asr.urgent_workers,
        },
        "windows": len(windows),
        "window_s": [
            round(min(w.size for w in windows) / TARGET_RATE, 2),
            round(max(w.size for w in windows) / TARGET_RATE, 2),
        ],
        "manifest": str(args.manifest),
        "split": args.split,
        "runs": args.runs,
        "concurrency": levels,
        "goal": {"one_call_p95_ms_max": GOAL_P95_MS},
        "goal_met": None if one is None else one["p95_ms"] <= GOAL_P95_MS,
        "vad_tone": _vad_tone_cost(settings, read_wav_16k(read_manifest(args.manifest)[0].path), SileroModel()),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0
