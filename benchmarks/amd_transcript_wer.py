"""How well Whisper heard each kind of voice in an AMD evaluation: word error of the AMD transcripts, per voice kind.

    .venv/bin/python benchmarks/amd_transcript_wer.py RUN.json [RUN.json ...] --out benchmarks/results/F.json

RUN.json: `robot amd-eval MANIFEST --json --details` output (its `manifest` is read for the reference texts). For each
clip with speech, the transcript the verdict was taken with is compared with the reference text: word error against
the best-matching prefix of the reference (the window holds only the first seconds of the clip), words normalised as
the keyword matcher does (case, accents, punctuation). Clips decided without a transcript (a SIT tone, a beep, a
melody, or a transcript the guard discarded) are counted apart (`no_transcript`), not as errors. Reported per voice
kind (espeak, mbrola, june, armelle...), per condition and per label, with the accuracy of the verdicts beside it.
The reference texts of the `armelle` clips are those of the same Asterisk prompt ids in the fr-CA package (she reads
other wordings): their word error is not a measure of recognition.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from asr_decoding import prefix_distances

from robot.amd.evaluation import voice_kind
from robot.amd.keywords import normalise_words

REPO = Path(__file__).resolve().parents[1]


def best_prefix_error(reference: tuple[str, ...], hypothesis: tuple[str, ...]) -> float:
    """Word edit distance / words of the reference prefix that the hypothesis matches best."""
    distances = prefix_distances(reference, hypothesis)
    k = min(range(1, len(distances)), key=lambda i: (distances[i] / i, -i))
    return distances[k] / k


def reference_texts(manifest: Path) -> dict[Path, str]:
    with manifest.open(encoding="utf-8", newline="") as f:
        return {(manifest.parent / row["file"]).resolve(): row.get("text") or "" for row in csv.DictReader(f)}


def summary(groups: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, items in sorted(groups.items()):
        errors = [i["wer"] for i in items if i["wer"] is not None]
        out[name] = {
            "clips": len(items),
            "verdicts_right": sum(i["right"] for i in items),
            "with_transcript": len(errors),
            "no_transcript": len(items) - len(errors),
            "word_error_median": round(statistics.median(errors), 3) if errors else None,
            "word_error_mean": round(statistics.fmean(errors), 3) if errors else None,
            "share_word_error_le_0.3": round(sum(e <= 0.3 for e in errors) / len(errors), 3) if errors else None,
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="robot amd-eval --json --details outputs")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    clips: list[dict[str, Any]] = []
    splits: list[str] = []
    for run_path in args.runs:
        run = json.loads(run_path.read_text(encoding="utf-8"))
        if "items" not in run or not isinstance(run["items"], list):
            parser.error(f"{run_path}: no per-clip items (run robot amd-eval with --json --details)")
        manifest = Path(run["manifest"])
        texts = reference_texts(manifest if manifest.is_absolute() else REPO / manifest)
        splits.append(str(run.get("split")))
        for item in run["items"]:
            reference = normalise_words(texts.get(Path(item["file"]).resolve(), ""))
            if not reference:  # no speech in the clip
                continue
            hypothesis = normalise_words(item.get("transcript") or "")
            clips.append(
                {
                    "kind": voice_kind(item) or "unknown",
                    "condition": item.get("condition") or "",
                    "label": item["label"],
                    "right": item["label"] == item["result"],
                    "wer": best_prefix_error(reference, hypothesis) if hypothesis else None,
                }
            )
    by: dict[str, dict[str, list[dict[str, Any]]]] = {"voice_kind": {}, "condition": {}, "label": {}}
    for clip in clips:
        by["voice_kind"].setdefault(clip["kind"], []).append(clip)
        by["condition"].setdefault(clip["condition"], []).append(clip)
        by["label"].setdefault(clip["label"], []).append(clip)
    report = {
        "benchmark": "amd_transcript_wer",
        "runs": [str(p) for p in args.runs],
        "splits": splits,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "clips_with_speech": len(clips),
        **{f"by_{name}": summary(groups) for name, groups in by.items()},
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, row in report["by_voice_kind"].items():
        print(
            f"{name:10s} clips {row['clips']:4d} right {row['verdicts_right']:4d}"
            f" transcripts {row['with_transcript']:4d} word error median {row['word_error_median']}"
            f" mean {row['word_error_mean']} <=0.3: {row['share_word_error_le_0.3']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
