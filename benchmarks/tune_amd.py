"""Tune AMD decision settings on the `tune` split only, fast: transcripts are cached by window content.

    .venv/bin/python benchmarks/tune_amd.py [--model ../shared/models/whisper-base] [--split tune]
        [--grid benchmarks/amd_grid.json] [--cache /tmp/robot-amd-asr-cache.json]

Each configuration is a set of `amd` settings overrides; every configuration runs the real detector (VAD, tones,
classifier, file-mode virtual clock) on every clip of the split. The ASR runs once per distinct window and is cached
(decoding is deterministic; the key holds the window and every `asr` setting), so a grid of configurations costs
little more than one evaluation. Prints one line per configuration: accuracy, humans called machines, operator
recall, decision p50/p95. `--split` takes one split or several (comma-separated: one line per split, then their
sum). The held-out split (splits.HELD_OUT) is refused: report it once, with `robot amd-eval`, after choosing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from splits import HELD_OUT

from robot.amd.detector import AmdDetector
from robot.amd.evaluation import evaluate, percentile, read_manifest
from robot.amd.keywords import load_keywords
from robot.amd.tuning import TranscriptCache
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel
from robot.clock import SystemClock
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO.parent / "shared" / "models" / "whisper-base"))
    parser.add_argument("--manifest", type=Path, default=REPO / "audio" / "amd-eval" / "manifest.csv")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--grid", type=Path, default=None, help="JSON list of {name: {amd overrides}} objects.")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/robot-amd-asr-cache.json"))
    parser.add_argument("--keywords", type=Path, default=REPO / "amd_keywords.yaml", help="Phrase families (YAML).")
    parser.add_argument("--details", default=None, help="Print the misclassified clips of this configuration.")
    parser.add_argument("--slow-s", type=float, default=None, help="With --details: also clips decided after this.")
    parser.add_argument("--out", type=Path, default=None, help="Write every configuration's summary here (JSON).")
    parser.add_argument("--items-out", type=Path, default=None, help="With --details: every clip of it here (JSON).")
    args = parser.parse_args()
    splits = [s.strip() for s in args.split.split(",") if s.strip()]
    if HELD_OUT.intersection(splits):  # held out: report it with `robot amd-eval`, never tune on it
        parser.error(f"{sorted(HELD_OUT.intersection(splits))} is held out: tune on other splits")
    grid: dict[str, dict[str, Any]] = {"defaults": {}}
    if args.grid is not None:
        grid.update(json.loads(args.grid.read_text()))
    settings = Settings()
    engine = AsrEngine.load_sync(settings.asr.model_copy(update={"model": args.model, "local_files_only": True}))
    asr = TranscriptCache(engine, args.cache, engine.settings.model_dump_json())
    keywords = load_keywords(args.keywords)
    vad = SileroModel()
    rows = {split: read_manifest(args.manifest, split=split) for split in splits}
    results: dict[str, Any] = {}
    try:
        for name, overrides in grid.items():
            tuned = settings.model_copy(update={"amd": settings.amd.model_copy(update=overrides)})
            detector = AmdDetector(tuned, asr, vad, keywords, SystemClock())
            reports = {split: asyncio.run(evaluate(detector, split_rows)) for split, split_rows in rows.items()}
            items = [item for report in reports.values() for item in report.items]
            if len(reports) > 1:
                for split, report in reports.items():
                    print(f"  {split:26s} {_line(report.summary())}")
            s = reports[splits[0]].summary() if len(reports) == 1 else _sum(items)
            results[name] = {"overrides": overrides, **{k: v for k, v in s.items() if k != "items"}}
            if len(reports) > 1:
                results[name]["by_split"] = {split: _brief(r.summary()) for split, r in reports.items()}
            print(f"{name:28s} {_line(s)}", flush=True)
            if name == args.details:
                if args.items_out is not None:
                    args.items_out.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                for item in items:
                    slow = args.slow_s is not None and item["decided_at_s"] > args.slow_s
                    if item["label"] != item["result"] or slow:
                        print(
                            f"  {item['label']} -> {item['result']} at {item['decided_at_s']} s "
                            f"{Path(item['file']).name}: {item['transcript']!r} {item['reasons']}"
                        )
            asr.save()
    finally:
        engine.close()
        asr.save()
    print(f"ASR cache misses: {asr.misses}")
    if args.out is not None:
        report_json = {"model": args.model, "manifest": str(args.manifest), "split": args.split, "configs": results}
        args.out.write_text(json.dumps(report_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _brief(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("files", "accuracy", "humans_called_machines", "operators_recall", "decision_ms_p50", "decision_ms_p95")
    return {k: s.get(k) for k in keys}


def _line(s: dict[str, Any]) -> str:
    return (
        f"acc {s['accuracy']:.3f} hcm {s['humans_called_machines']:.3f} op {s.get('operators_recall')} "
        f"p50 {s['decision_ms_p50']} p95 {s['decision_ms_p95']} {json.dumps(s['confusion'], sort_keys=True)}"
    )


def _sum(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of several splits' items together (same fields as a report summary)."""

    def share(hits: int, n: int) -> float | None:
        return round(hits / n, 4) if n else None

    confusion: dict[str, dict[str, int]] = {}
    for item in items:
        row = confusion.setdefault(item["label"], {})
        row[item["result"]] = row.get(item["result"], 0) + 1
    humans = [i for i in items if i["label"] == "HUMAN"]
    operators = [i for i in items if i["label"] == "OPERATOR"]
    times = [float(i["decided_at_s"]) * 1000.0 for i in items]
    return {
        "files": len(items),
        "accuracy": share(sum(i["label"] == i["result"] for i in items), len(items)),
        "humans_called_machines": share(sum(i["result"] == "MACHINE" for i in humans), len(humans)),
        "operators_recall": share(sum(i["result"] == "OPERATOR" for i in operators), len(operators)),
        "decision_ms_p50": round(percentile(times, 50) or 0.0, 1),
        "decision_ms_p95": round(percentile(times, 95) or 0.0, 1),
        "confusion": confusion,
    }


if __name__ == "__main__":
    raise SystemExit(main())
