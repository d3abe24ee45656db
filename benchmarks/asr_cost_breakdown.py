"""Where one streaming recognition's compute goes, by batch size: encoder, decoding, word alignment.

    .venv/bin/python benchmarks/asr_cost_breakdown.py [--model ../shared/models/whisper-base] [--rounds 3]
        [--out benchmarks/results/asr_cost_breakdown.json]

The windows are what a live recogniser sends (robot.dialog.live): the first 1.5-3 s of recorded French prompts
(Debian's asterisk-core-sounds-fr-wav, one real voice), padded as the engine pads them (asr.min_input_s,
asr.min_tail_s), greedy, with word times (AlignAtt needs them). Each stage is timed on its own through
WhisperBatchDecoder's own calls, on ONE CPU thread (a worker's share: asr.workers x asr.cpu_threads = 2 x 1), batches
of 1, 2, 4 and 8 windows, median of `rounds`; per-request cost = batch time / batch size. It answers one question:
how many recognitions per second two cores can give the live recognisers of concurrent calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np

from robot.asr.decoder import WhisperBatchDecoder
from robot.asr.engine import load_whisper
from robot.media.audio import read_wav_16k
from robot.settings import AsrSettings

REPO = Path(__file__).resolve().parents[1]
SOUNDS = Path("/usr/share/asterisk/sounds/fr")


def windows(count: int, seed: int) -> list[np.ndarray[Any, Any]]:
    rng = random.Random(seed)
    found = [a for a in (read_wav_16k(p) for p in sorted(SOUNDS.glob("*.wav"))) if a.size >= 3 * 16000]
    if len(found) < count:
        raise SystemExit(f"{SOUNDS}: {len(found)} prompts of >= 3 s (apt-get install asterisk-core-sounds-fr-wav)")
    picked = rng.sample(found, count)
    return [(a[: round(rng.uniform(1.5, 3.0) * 16000)].astype(np.float32) / 32768.0) for a in picked]


def stages(decoder: WhisperBatchDecoder, audios: list[np.ndarray[Any, Any]]) -> dict[str, float]:
    """Seconds spent in each stage for one batch."""
    requests = [decoder.request(a, word_timestamps=True) for a in audios]
    frames = max(r.padded_frames for r in requests)
    t0 = time.perf_counter()
    mels = np.stack([decoder.features(r, frames) for r in requests])
    t1 = time.perf_counter()
    encoded = decoder.model.model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mels)))
    t2 = time.perf_counter()
    budgets = [decoder.token_budget(a.size) for a in audios]
    generated = decoder._generate(encoded, [list(r.prompt) for r in requests], max(budgets), 1)
    t3 = time.perf_counter()
    tokens = [decoder._tokens(g, b) for g, b in zip(generated, budgets, strict=True)]
    wanted = [i for i, t in enumerate(tokens) if t]
    if wanted:
        decoder._align(encoded, requests, frames, tokens, wanted)
    t4 = time.perf_counter()
    return {
        "features": t1 - t0,
        "encoder": t2 - t1,
        "decoding": t3 - t2,
        "alignment": t4 - t3,
        "tokens_max": float(max(len(t) for t in tokens)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO.parent / "shared" / "models" / "whisper-base"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "asr_cost_breakdown.json")
    args = parser.parse_args()
    settings = AsrSettings(model=args.model, local_files_only=True, workers=1, urgent_workers=0, cpu_threads=1)
    decoder = WhisperBatchDecoder(load_whisper(settings), settings)
    audios = windows(8 * args.rounds, args.seed)
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    for size in (1, 2, 4, 8):
        rounds = [stages(decoder, audios[r * size : (r + 1) * size]) for r in range(args.rounds)]
        median = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        per_request = {k: round(v / size * 1000, 1) for k, v in median.items() if k != "tokens_max"}
        results[f"batch_{size}"] = {
            "batch_ms": {k: round(v * 1000, 1) for k, v in median.items() if k != "tokens_max"},
            "per_request_ms": {**per_request, "total": round(sum(per_request.values()), 1)},
            "tokens_max_median": median["tokens_max"],
        }
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    report = {
        "benchmark": "asr_cost_breakdown",
        "model": args.model,
        "compute_type": settings.compute_type,
        "cpu_threads": 1,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs",
        "git_head": head.stdout.strip(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "windows": "recorded French prompts (asterisk-core-sounds-fr-wav), first 1.5-3 s, word times on, padded as "
        f"the engine pads (min_input_s {settings.min_input_s}, min_tail_s {settings.min_tail_s})",
        "rounds": args.rounds,
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
