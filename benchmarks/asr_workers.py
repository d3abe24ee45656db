"""How to spend the CPU cores on the ASR engine: one model replica on N threads, or N replicas on one thread each.

    .venv/bin/python benchmarks/asr_workers.py [--model ../shared/models/whisper-base] [--rounds 5]
        [--out benchmarks/results/asr_workers.json]

Every configuration runs in the same process, one after the other, on the same windows and through the product's
path (AsrEngine: scheduler, batching, padding, alignment as the live recogniser asks for it), REAL Whisper base:
- `alone`: one request at a time (an AMD transcript on a quiet engine): latency p50 / p95;
- `burst N`: N requests submitted together (N calls whose streaming iterations come due at once), `rounds` times:
  time until the last one is served, and each request's latency p50 / p95.
Windows: the first 1.5-3 s of recorded French prompts (Debian's asterisk-core-sounds-fr-wav), the size of a
streaming buffer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

import numpy as np

from robot.asr.decoder import DecodeResult
from robot.asr.engine import AsrEngine, Priority
from robot.media.audio import read_wav_16k
from robot.settings import AsrSettings

REPO = Path(__file__).resolve().parents[1]
SOUNDS = Path("/usr/share/asterisk/sounds/fr")
CONFIGS = {"1 replica x 2 threads": (2, 1), "2 replicas x 1 thread": (1, 2)}


def windows(count: int, seed: int) -> list[np.ndarray[Any, Any]]:
    rng = random.Random(seed)
    found = []
    for path in sorted(SOUNDS.glob("*.wav")):
        audio = read_wav_16k(path)
        if audio.size >= 3 * 16000:
            found.append(audio[: round(rng.uniform(1.5, 3.0) * 16000)])
    if len(found) < count:
        raise SystemExit(
            f"{SOUNDS}: {len(found)} prompts of >= 3 s, {count} needed (apt-get install asterisk-core-sounds-fr-wav)"
        )
    return rng.sample(found, count)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def burst(engine: AsrEngine, audios: list[np.ndarray[Any, Any]]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    done_at: dict[int, float] = {}
    futures: list[Future[DecodeResult | None]] = []
    for i, audio in enumerate(audios):
        future = engine.submit(audio, priority=Priority.PARTIAL, word_timestamps=True)
        future.add_done_callback(lambda _f, i=i: done_at.setdefault(i, time.perf_counter()))
        futures.append(future)
    wait(futures)
    for f in futures:
        f.result()
    latencies = [done_at[i] - started for i in range(len(audios))]
    return max(latencies), latencies


def run_config(
    settings: AsrSettings, audios: list[np.ndarray[Any, Any]], sizes: list[int], rounds: int
) -> dict[str, Any]:
    engine = AsrEngine.load_sync(settings)
    try:
        engine.submit(audios[0], priority=Priority.PARTIAL).result()  # warm-up
        alone = []
        for audio in audios[:12]:
            alone.append(burst(engine, [audio])[0])
        row: dict[str, Any] = {"alone_ms": {"p50": pct(alone, 0.5), "p95": pct(alone, 0.95)}}
        for size in sizes:
            walls, latencies = [], []
            for r in range(rounds):
                wall, each = burst(engine, [audios[(r * size + k) % len(audios)] for k in range(size)])
                walls.append(wall)
                latencies.extend(each)
            row[f"burst_{size}"] = {
                "all_served_ms_median": round(statistics.median(walls) * 1000, 1),
                "latency_ms": {"p50": pct(latencies, 0.5), "p95": pct(latencies, 0.95)},
            }
        stats = engine.stats()
        row["batches"], row["p50_batch"], row["max_batch"] = stats.batches, stats.p50_batch_size, stats.max_batch_size
        return row
    finally:
        engine.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO.parent / "shared" / "models" / "whisper-base"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "asr_workers.json")
    args = parser.parse_args()
    audios = windows(24, seed=5)
    load_before = os.getloadavg()
    rows = {}
    for name, (threads, workers) in CONFIGS.items():
        settings = AsrSettings(model=args.model, cpu_threads=threads, workers=workers, local_files_only=True)
        rows[name] = {
            "cpu_threads": threads,
            "workers": workers,
            **run_config(settings, audios, args.sizes, args.rounds),
        }
        print(name, json.dumps(rows[name]), flush=True)
    report = {
        "benchmark": "asr_workers",
        "model": args.model,
        "compute_type": "int8",
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "windows": "24 recorded French prompts (asterisk-core-sounds-fr-wav), first 1.5-3 s, word times on",
        "configs": rows,
    }
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
