"""Calls per GPU: the largest number of concurrent calls whose committed words lag the caller by at most
--p95-lag-ms at the 95th percentile, with the ASR on `ROBOT_ASR__DEVICE=cuda` (prints JSON).

It runs `robot bench streaming`'s levels (robot.bench.streaming: real-time 20 ms chunks per call, Silero VAD, the
live recogniser, every call sharing one AsrEngine whose cross-call batches reach `--max-batch` requests) at 8, 16,
32... calls, doubling until the p95 lag passes the target, then bisects between the last two levels. The project
never needs a GPU: this is run on a GPU machine when one is available (needs espeak-ng, mbrola-fr4 and sox for the
answers, like `robot bench streaming`). The VAD and the event loop stay on the CPU: a level can also fail on CPU,
which `load_average` and `cpu_count` in the output help tell apart.

ROBOT_ASR__DEVICE=cuda ROBOT_ASR__COMPUTE_TYPE=float16 .venv/bin/python benchmarks/gpu_capacity.py \
    [--model large-v3-turbo] [--p95-lag-ms 1000] [--max-batch 64] [--start 8] [--limit 1024] [-o FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel
from robot.bench.streaming import ANSWERS, run_level, synthesise
from robot.settings import Settings


def lag_p95(level: dict[str, Any]) -> float:
    value = level["committed_lag_ms"]["p95"]
    return float("inf") if value is None else float(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="Whisper model (default: asr.model).")
    parser.add_argument("--p95-lag-ms", type=float, default=1000.0, help="Target: committed-word lag p95, ms.")
    parser.add_argument("--max-batch", type=int, default=64, help="ASR requests decoded together at most.")
    parser.add_argument("--start", type=int, default=8, help="First level, calls.")
    parser.add_argument("--limit", type=int, default=1024, help="Largest level tried, calls.")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings()
    update: dict[str, Any] = {"max_batch": args.max_batch}
    if args.model:
        update["model"] = args.model
    asr = settings.asr.model_copy(update=update)
    if asr.device != "cuda":
        print(f"note: asr.device is {asr.device!r}; set ROBOT_ASR__DEVICE=cuda to measure a GPU")
    with tempfile.TemporaryDirectory() as tmp:
        audios = synthesise(ANSWERS, Path(tmp))
    engine, vad = AsrEngine.load_sync(asr), SileroModel()
    levels: dict[int, dict[str, Any]] = {}

    def measure(calls: int) -> bool:
        level = asyncio.run(run_level(calls, settings.dialog, engine, vad, audios))
        level["load_average"] = [round(x, 2) for x in os.getloadavg()]
        levels[calls] = level
        print(json.dumps({"calls": calls, "p95_lag_ms": lag_p95(level), "recall_mean": level["recall_mean"]}))
        return bool(lag_p95(level) <= args.p95_lag_ms)

    try:
        good, bad, calls = 0, None, args.start
        while calls <= args.limit:
            if not measure(calls):
                bad = calls
                break
            good, calls = calls, calls * 2
        while bad is not None and bad - good > max(2, good // 8):  # bisect to within an eighth
            middle = (good + bad) // 2
            good, bad = (middle, bad) if measure(middle) else (good, middle)
    finally:
        engine.close()
    report = {
        "bench": "gpu_capacity",
        "model": asr.model,
        "device": asr.device,
        "compute_type": asr.compute_type,
        "max_batch": asr.max_batch,
        "target_p95_lag_ms": args.p95_lag_ms,
        "calls_per_gpu": good,
        "first_level_over_target": bad,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "levels": [levels[k] for k in sorted(levels)],
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"calls per GPU at p95 committed-word lag <= {args.p95_lag_ms:.0f} ms: {good} ({asr.model}, {asr.device})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
