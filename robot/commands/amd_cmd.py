"""`robot amd FILE...` (decision, transcript, timing per file) and `robot amd-eval MANIFEST.csv` (accuracy report)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import robot
from robot.amd.detector import AmdDetector
from robot.amd.evaluation import evaluate, read_manifest
from robot.amd.keywords import KeywordSet, load_keywords
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel
from robot.clock import SystemClock
from robot.errors import ConfigError
from robot.plots import check_output, plot_amd_eval
from robot.settings import Settings


def register(subparsers: Any) -> None:
    amd: argparse.ArgumentParser = subparsers.add_parser(
        "amd", help="Answering-machine detection on WAV files (any rate).", description=__doc__
    )
    amd.add_argument("files", nargs="+", type=Path, metavar="FILE", help="WAV file(s); t=0 is the answer.")
    _common(amd)
    amd.set_defaults(func=run_amd)

    ev: argparse.ArgumentParser = subparsers.add_parser(
        "amd-eval", help="AMD accuracy, confusion matrix and decision times on a labelled manifest."
    )
    ev.add_argument("manifest", type=Path, metavar="MANIFEST.csv", help="CSV with columns file,label[,split].")
    ev.add_argument("--split", default=None, help="Only rows of this split (e.g. tune or test).")
    ev.add_argument("--details", action="store_true", help="With --json: one entry per file too.")
    ev.add_argument(
        "--plot",
        type=Path,
        default=None,
        metavar="OUT.png|svg",
        help="Also draw the confusion matrix and decision-time histograms (needs: pip install 'robot[plots]').",
    )
    _common(ev)
    ev.set_defaults(func=run_eval)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.add_argument("--model", default=None, help="Whisper model name or directory (default: asr.model).")
    parser.add_argument("--no-asr", action="store_true", help="Timing and tones only (no transcript).")
    parser.add_argument(
        "--asr-latency-ms",
        type=int,
        default=None,
        help="Audio time between asking for the transcript and using it (default: amd.file_asr_latency_ms). Files "
        "are read on a virtual clock: the verdict does not depend on this machine's speed.",
    )


def resolve_keywords_file(path: Path) -> Path:
    """amd.keywords_file as given, else (relative path not found) the copy at the top of the robot checkout."""
    if path.is_absolute() or path.is_file():
        return path
    beside_package = Path(robot.__file__).resolve().parent.parent / path
    return beside_package if beside_package.is_file() else path


def build_detector(args: argparse.Namespace, settings: Settings) -> tuple[AmdDetector, AsrEngine | None]:
    if args.asr_latency_ms is not None:
        if args.asr_latency_ms < 0:
            raise ConfigError(f"--asr-latency-ms: must be >= 0, got {args.asr_latency_ms}")
        amd = settings.amd.model_copy(update={"file_asr_latency_ms": args.asr_latency_ms})
        settings = settings.model_copy(update={"amd": amd})
    keywords: KeywordSet = load_keywords(resolve_keywords_file(settings.amd.keywords_file))
    engine = None
    if not args.no_asr and settings.amd.use_asr:
        asr = settings.asr if args.model is None else settings.asr.model_copy(update={"model": args.model})
        engine = AsrEngine.load_sync(asr)
    return AmdDetector(settings, engine, SileroModel(), keywords, SystemClock()), engine


def run_amd(args: argparse.Namespace, settings: Settings) -> int:
    detector, engine = build_detector(args, settings)
    try:
        results = asyncio.run(_detect_all(detector, args.files))
    finally:
        if engine is not None:
            engine.close()
    out = []
    for path, res in zip(args.files, results, strict=True):
        v, t = res.verdict, res.timing
        item = {
            "file": str(path),
            "result": v.result.value,
            "confidence": v.confidence,
            "decided_at_ms": round(v.decided_at * 1000.0, 1),
            "asr_started_at_ms": None if t.asr_started_at is None else round(t.asr_started_at * 1000.0, 1),
            "asr_compute_ms": None if t.asr_compute_s is None else round(t.asr_compute_s * 1000.0, 1),
            "vad_tone_compute_ms": round(t.analysis_s * 1000.0, 1),
            "transcript": res.transcript,
            "reasons": list(v.reasons),
            "evidence": v.evidence,
        }
        out.append(item)
        if not args.json:
            asr = "" if item["asr_compute_ms"] is None else f", ASR {item['asr_compute_ms']} ms"
            print(f"{path}: {v.result.value} ({v.confidence:.2f}) at {item['decided_at_ms']} ms{asr}")
            print(f"  transcript: {res.transcript!r}")
            print(f"  reasons: {'; '.join(v.reasons)}")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


async def _detect_all(detector: AmdDetector, files: list[Path]) -> list[Any]:
    return [await detector.detect_file(path) for path in files]


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    rows = read_manifest(args.manifest, split=args.split)
    if args.plot is not None:
        check_output(args.plot)  # before the run, not after it
    detector, engine = build_detector(args, settings)
    try:
        report = asyncio.run(evaluate(detector, rows))
    finally:
        if engine is not None:
            engine.close()
    if args.json:
        summary = report.summary()
        summary["manifest"] = str(args.manifest)
        summary["split"] = args.split
        summary["asr"] = engine is not None
        if args.details:
            summary["items"] = report.items
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{args.manifest} split={args.split or 'all'} asr={'on' if engine is not None else 'off'}")
        print(report.render())
    if args.plot is not None:
        plot_amd_eval(report, args.plot, f"{args.manifest.name} split={args.split or 'all'}")
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0
