"""Compare `robot amd-eval --json --details` runs of one split made with different `asr.amd_prompt` texts, per clip,
against the run without a prompt; add `robot bench amd --out` reports of the same variants (compute cost).

    .venv/bin/python benchmarks/amd_prompt_compare.py --prompts prompts.json --eval none=none.json long=long.json
        [--bench none=bench_none_1.json long=bench_long_1.json ...] --out benchmarks/results/amd_eval_tune_prompt.json

prompts.json maps each variant name to its prompt text ("none": ""); the variant named `none` is the reference.
Per variant: the headline figures of amd-eval, clips fixed and broken against `none`, and what a prompt can make
Whisper write that was not said: HUMAN and NO_ANSWER clips whose transcript holds a voicemail or operator phrase of
amd_keywords.yaml, and prompt words (4+ letters, folded as the keyword matcher folds them) in a transcript whose
manifest text does not hold them, per label. Never run it on a held-out split.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from splits import HELD_OUT

from robot.amd.keywords import Family, KeywordSet, load_keywords, match_keys

HEADLINE = (
    "files",
    "accuracy",
    "humans_called_machines",
    "operators_recall",
    "decision_ms_p50",
    "decision_ms_p95",
    "asr_compute_ms_p50",
    "asr_compute_ms_p95",
    "asr_calls",
    "confusion",
)


def named_paths(values: list[str], what: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"--{what}: expected NAME=PATH, got {value!r}")
        out[name] = Path(path)
    return out


def reference_texts(manifest: Path) -> dict[str, str]:
    with manifest.open(newline="", encoding="utf-8") as f:
        return {str((manifest.parent / r["file"]).resolve()): r.get("text") or "" for r in csv.DictReader(f)}


def unprompted_phrases(keywords: KeywordSet, text: str) -> list[str]:
    return sorted({f"{m.family.value}: {m.phrase.text}" for m in keywords.match(text) if m.family != Family.HUMAN})


def compare(
    run: dict[str, Any], reference: dict[str, Any], prompt: str, said: dict[str, str], keywords: KeywordSet
) -> dict[str, Any]:
    before = {i["file"]: i for i in reference["items"]}
    prompt_words = {w for w in match_keys(prompt) if len(w) >= 4}
    fixed: list[str] = []
    broken: list[dict[str, Any]] = []
    false_phrases: list[dict[str, Any]] = []
    unsaid: dict[str, list[dict[str, Any]]] = {}
    items: list[dict[str, Any]] = []
    for item in run["items"]:
        name, label, text = Path(item["file"]).name, item["label"], item.get("transcript") or ""
        old = before[item["file"]]
        right, was_right = item["result"] == label, old["result"] == label
        if right and not was_right:
            fixed.append(name)
        if was_right and not right:
            broken.append({"file": name, "label": label, "result": item["result"], "transcript": text})
        if label in ("HUMAN", "NO_ANSWER") and (phrases := unprompted_phrases(keywords, text)):
            false_phrases.append({"file": name, "label": label, "phrases": phrases, "transcript": text})
        words = sorted((prompt_words & set(match_keys(text))) - set(match_keys(said.get(item["file"], ""))))
        if words:
            unsaid.setdefault(label, []).append({"file": name, "words": words, "transcript": text})
        items.append(
            {
                "file": name,
                "label": label,
                "result": item["result"],
                "decided_at_s": item["decided_at_s"],
                "transcript": item.get("transcript"),
            }
        )
    return {
        "prompt": prompt,
        **{k: run.get(k) for k in HEADLINE},
        "correct": sum(i["result"] == i["label"] for i in items),
        "transcripts_changed_vs_none": sum(
            (i.get("transcript") or "") != (before[i["file"]].get("transcript") or "") for i in run["items"]
        ),
        "fixed_vs_none": fixed,
        "broken_vs_none": broken,
        "human_or_no_answer_with_voicemail_or_operator_phrase": false_phrases,
        "prompt_words_not_said_by_label": {k: len(v) for k, v in sorted(unsaid.items())},
        "prompt_words_not_said": unsaid,
        "items": items,
    }


def bench_figures(report: dict[str, Any]) -> dict[str, Any]:
    levels = {c: level["ours"] for c, level in report["concurrency"].items()}
    return {
        "amd_prompt": report["asr"].get("amd_prompt"),
        "load_average_before": report["load_average_before"],
        "load_average_after": report["load_average_after"],
        **{f"{c}_calls": {k: v[k] for k in ("n", "p50_ms", "p95_ms", "max_ms")} for c, v in levels.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=Path, required=True, help="JSON: variant name -> prompt text.")
    parser.add_argument("--eval", nargs="+", required=True, metavar="NAME=JSON", help="amd-eval --details runs.")
    parser.add_argument("--bench", nargs="*", default=[], metavar="NAME=JSON", help="bench amd --out reports.")
    parser.add_argument("--keywords", type=Path, default=Path("amd_keywords.yaml"))
    parser.add_argument("--extra", type=Path, default=None, help="JSON object merged at the top (notes, loads).")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    prompts: dict[str, str] = json.loads(args.prompts.read_text(encoding="utf-8"))
    runs = {name: json.loads(p.read_text(encoding="utf-8")) for name, p in named_paths(args.eval, "eval").items()}
    if "none" not in runs:
        raise SystemExit("--eval: a run named 'none' (no prompt) is the reference")
    splits = {r["split"] for r in runs.values()}
    if len(splits) != 1 or splits & HELD_OUT:
        raise SystemExit(f"--eval: runs of one split that is not held out expected, got {sorted(map(str, splits))}")
    said = reference_texts(Path(runs["none"]["manifest"]))
    keywords = load_keywords(args.keywords)
    report: dict[str, Any] = json.loads(args.extra.read_text(encoding="utf-8")) if args.extra else {}
    report["split"] = splits.pop()
    report["variants"] = {
        name: compare(run, runs["none"], prompts.get(name.split("#")[0], ""), said, keywords)
        for name, run in runs.items()
    }
    seen: dict[str, str] = {}
    for name, variant in report["variants"].items():  # a repeat run lists its clips only if they changed
        key = json.dumps([variant["prompt"], variant["items"]], ensure_ascii=False)
        if key in seen:
            variant["items"] = f"identical to {seen[key]}"
            variant["prompt_words_not_said"] = f"identical to {seen[key]}"
        seen.setdefault(key, name)
    benches = named_paths(args.bench, "bench")
    report["bench_amd"] = {n: bench_figures(json.loads(p.read_text(encoding="utf-8"))) for n, p in benches.items()}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
