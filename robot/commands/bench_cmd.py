"""`robot bench NAME`: benchmarks that print JSON (never timed assertions in tests)."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

BENCH_MODULES = (
    "robot.bench.amd",
    "robot.bench.bargein",
    "robot.bench.intents",
    "robot.bench.load",
    "robot.bench.streaming",
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="Benchmarks (JSON output, baseline measured in the same run)."
    )
    benches = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name in BENCH_MODULES:
        importlib.import_module(name).register(benches)
