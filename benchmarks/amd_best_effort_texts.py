"""Whisper at its best on whole AMD eval clips: what the model's words can give AMD, whatever the cost.

    flock /tmp/bench.lock .venv/bin/python benchmarks/amd_best_effort_texts.py --split test17 \
        --model ../shared/models/whisper-base --out benchmarks/results/amd_best_effort_texts_test17.json

Each clip of the split is transcribed ONCE, whole (up to ~7 s, not AMD's 2.3-4.4 s windows), with faster-whisper's
own `transcribe` at its most careful settings: 30 s encoder input (its standard padding), beam search of 5, its
temperature fallback on compression-ratio and log-probability failures, no VAD filter, no previous-text conditioning,
French forced. This costs ~10x what AMD can afford per call; it is NOT the product. Its texts feed
`benchmarks/amd_upper_bound.py --texts FILE`, which lays them over the clip's speech like the reference words: the
shipped rules on the best words this model gives. If that bound stays far below the reference-text bound, the gap is
recognition by the model, not AMD's windows, padding or decoding budget.

The JSON also carries each clip's word error (best-prefix, benchmarks/amd_transcript_wer.best_prefix_error) against the
manifest text, so a reader sees how far the model hears each voice.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from amd_transcript_wer import best_prefix_error
from amd_upper_bound import REPO, git_head
from faster_whisper import WhisperModel

from robot.amd.evaluation import EXCLUDE, read_manifest
from robot.amd.keywords import normalise_words

DECODING: dict[str, Any] = {
    "language": "fr",
    "beam_size": 5,
    "vad_filter": False,
    "condition_on_previous_text": False,
    "temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
}


def word_error(reference: str, hypothesis: str) -> float | None:
    ref = tuple(normalise_words(reference))
    return best_prefix_error(ref, tuple(normalise_words(hypothesis))) if ref else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, default=REPO / "audio" / "amd-eval" / "manifest.csv")
    parser.add_argument("--split", required=True)
    parser.add_argument("--model", required=True, help="faster-whisper model name or directory")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = [row for row in read_manifest(args.manifest, split=args.split) if row.label != EXCLUDE]
    if not rows:
        parser.error(f"{args.manifest}: no clip in split {args.split!r}")
    load_before = os.getloadavg()
    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads)
    clips: dict[str, dict[str, Any]] = {}
    seconds: list[float] = []
    for row in rows:
        started = time.monotonic()
        segments, _ = model.transcribe(str(row.path), **DECODING)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        seconds.append(time.monotonic() - started)
        clips[row.path.name] = {
            "label": row.label,
            "voice": row.voice,
            "condition": row.condition,
            "text": text,
            "reference": row.text,
            "word_error": word_error(row.text, text),
        }
        print(f"{row.path.name}: {text[:90]}", flush=True)
    errors = [clip["word_error"] for clip in clips.values() if clip["word_error"] is not None]
    summary = {
        "kind": "BEST-EFFORT transcripts of whole clips (not the product's AMD path: ~10x its compute)",
        "command": "flock /tmp/bench.lock .venv/bin/python benchmarks/amd_best_effort_texts.py "
        + " ".join(sys.argv[1:]),
        "model": args.model,
        "compute_type": "int8",
        "decoding": DECODING | {"encoder_input_s": 30, "input": "whole clip"},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads",
        "git_head": git_head(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "split": args.split,
        "clips": len(clips),
        "transcribe_s_p50": round(statistics.median(seconds), 2),
        "word_error_p50": round(statistics.median(errors), 3) if errors else None,
        "word_error_mean": round(statistics.fmean(errors), 3) if errors else None,
        "texts": clips,
    }
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(clips)} clips, word error median {summary['word_error_p50']}, {summary['transcribe_s_p50']} s/clip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
