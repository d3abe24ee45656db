"""`robot amd-tune MANIFEST.csv --grid GRID.json`: choose AMD settings on your own labelled calls (robot.amd.tuning).

Label the calls `amd.capture_dir` saved (HUMAN, MACHINE, NO_ANSWER, OPERATOR, or EXCLUDE), write a grid of `amd`
overrides, e.g. {"patient": {"long_greeting_ms": 4000}, "strict": {"machine_score_min": 2.5}}, and compare: every
configuration runs on the same clips, after the current settings (the baseline, run in the same run). Tune on one
part of your calls and check the choice once on another (`--split`: the capture's split is the UTC day).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from robot.amd.detector import AmdDetector
from robot.amd.evaluation import read_manifest
from robot.amd.keywords import load_keywords
from robot.amd.tuning import TranscriptCache, load_grid, render, tune
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel
from robot.clock import SystemClock
from robot.commands.amd_cmd import resolve_keywords_file
from robot.errors import ConfigError
from robot.settings import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "amd-tune",
        help="Compare AMD settings on a labelled manifest (your own calls): a grid of amd overrides vs the current.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("manifest", type=Path, metavar="MANIFEST.csv", help="CSV with columns file,label[,split].")
    parser.add_argument("--grid", type=Path, required=True, metavar="GRID.json", help="{name: {amd setting: value}}.")
    parser.add_argument("--split", default=None, help="Only rows of this split.")
    parser.add_argument("--model", default=None, help="Whisper model name or directory (default: asr.model).")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="Transcript cache (JSON, written 0600: it holds call transcripts); default: "
        "MANIFEST.csv's folder/.amd-tune-cache.json.",
    )
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.set_defaults(func=run_tune)


def run_tune(args: argparse.Namespace, settings: Settings) -> int:
    grid = load_grid(args.grid, settings.amd)  # every configuration checked before anything runs
    rows = read_manifest(args.manifest, split=args.split)
    keywords = load_keywords(resolve_keywords_file(settings.amd.keywords_file))
    asr = settings.asr if args.model is None else settings.asr.model_copy(update={"model": args.model})
    engine = AsrEngine.load_sync(asr)
    cache = TranscriptCache(engine, args.cache or args.manifest.parent / ".amd-tune-cache.json", asr.model_dump_json())
    vad = SileroModel()

    def make_detector(tuned: Settings) -> AmdDetector:
        return AmdDetector(tuned, cache, vad, keywords, SystemClock())

    try:
        results = asyncio.run(tune(settings, rows, grid, make_detector))
    except BaseException:
        with contextlib.suppress(ConfigError):
            cache.save()  # keep what was decoded (an interrupted run resumes from it)
        raise
    finally:
        engine.close()
    if args.json:
        out = {"manifest": str(args.manifest), "split": args.split, "transcripts_decoded": cache.misses}
        print(json.dumps({**out, "configurations": [r.summary() for r in results]}, ensure_ascii=False, indent=2))
    else:
        print(f"{args.manifest} split={args.split or 'all'}: {len(rows)} rows, {cache.misses} windows decoded")
        print(render(results))
    cache.save()
    return 0
