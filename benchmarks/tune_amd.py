"""Tune AMD decision settings on the `tune` split only, fast: transcripts are cached by window content.

    .venv/bin/python benchmarks/tune_amd.py [--model ../shared/models/whisper-base] [--split tune]
        [--grid benchmarks/amd_grid.json] [--cache /tmp/robot-amd-asr-cache.json]

Each configuration is a set of `amd` settings overrides; every configuration runs the real detector (VAD, tones,
classifier, file-mode virtual clock) on every clip of the split. The ASR runs once per distinct window and is cached
(decoding is deterministic; the key holds the window and every `asr` setting), so a grid of configurations costs
little more than one evaluation. Prints one line per configuration: accuracy, humans called machines, operator
recall, decision p50/p95. Never run it on `test`: report `test` once, with `robot amd-eval --split test`, after
choosing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from robot.amd.detector import AmdDetector
from robot.amd.evaluation import evaluate, read_manifest
from robot.amd.keywords import load_keywords
from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel
from robot.clock import SystemClock
from robot.events import Transcript, Word
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[1]


class CachedAsr:
    """Stands in for AsrEngine.transcribe in the detector; the real engine runs on a cache miss."""

    def __init__(self, engine: AsrEngine, cache_path: Path) -> None:
        self.engine = engine
        self.path = cache_path
        self.cache: dict[str, Any] = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
        self.misses = 0
        # the transcript of a window depends on the model and every decoding option (beam size, padding, budget,
        # guard...): they are part of the key, so a cache written with other options is never reused
        self._options = engine.settings.model_dump_json().encode()

    async def transcribe(self, audio: npt.NDArray[Any], *, priority: Priority) -> Transcript | None:
        key = hashlib.sha1(self._options + np.ascontiguousarray(audio).tobytes()).hexdigest()
        if key not in self.cache:
            self.misses += 1
            result = await self.engine.transcribe(audio, priority=priority)
            self.cache[key] = None if result is None else [result.text, result.no_speech_prob]
        hit = self.cache[key]
        return None if hit is None else Transcript(hit[0], tuple[Word, ...](), True, hit[1])

    def save(self) -> None:
        self.path.write_text(json.dumps(self.cache))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO.parent / "shared" / "models" / "whisper-base"))
    parser.add_argument("--manifest", type=Path, default=REPO / "audio" / "amd-eval" / "manifest.csv")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--grid", type=Path, default=None, help="JSON list of {name: {amd overrides}} objects.")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/robot-amd-asr-cache.json"))
    parser.add_argument("--details", default=None, help="Print the misclassified clips of this configuration.")
    parser.add_argument("--slow-s", type=float, default=None, help="With --details: also clips decided after this.")
    parser.add_argument("--out", type=Path, default=None, help="Write every configuration's summary here (JSON).")
    args = parser.parse_args()
    if args.split in ("test", "test2"):  # held-out splits: report them with `robot amd-eval`, never tune on them
        parser.error("tune on the tune split only")
    grid: dict[str, dict[str, Any]] = {"defaults": {}}
    if args.grid is not None:
        grid.update(json.loads(args.grid.read_text()))
    settings = Settings()
    engine = AsrEngine.load_sync(settings.asr.model_copy(update={"model": args.model, "local_files_only": True}))
    asr = CachedAsr(engine, args.cache)
    keywords = load_keywords(REPO / "amd_keywords.yaml")
    vad = SileroModel()
    rows = read_manifest(args.manifest, split=args.split)
    results: dict[str, Any] = {}
    try:
        for name, overrides in grid.items():
            tuned = settings.model_copy(update={"amd": settings.amd.model_copy(update=overrides)})
            detector = AmdDetector(tuned, asr, vad, keywords, SystemClock())  # type: ignore[arg-type]
            report = asyncio.run(evaluate(detector, rows))
            s = report.summary()
            results[name] = {"overrides": overrides, **{k: v for k, v in s.items() if k != "items"}}
            print(
                f"{name:28s} acc {s['accuracy']:.3f} hcm {s['humans_called_machines']:.3f} "
                f"op {s.get('operators_recall')} p50 {s['decision_ms_p50']} p95 {s['decision_ms_p95']} "
                f"{json.dumps(s['confusion'], sort_keys=True)}",
                flush=True,
            )
            if name == args.details:
                for item in report.items:
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


if __name__ == "__main__":
    raise SystemExit(main())
