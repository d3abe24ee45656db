"""`robot bench NAME`: benchmarks that print JSON (never timed assertions in tests). Those that write `--out FILE`
also take `--plot OUT.png|svg` (latencies against the baselines; matplotlib, `pip install 'robot[plots]'`);
`robot bench plot RESULT.json OUT.png|svg` draws a result already written (benchmarks/results/)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from robot.errors import ConfigError
from robot.plots import check_output, plot_bench
from robot.settings import Settings

BENCH_MODULES = (
    "robot.bench.amd",
    "robot.bench.bargein",
    "robot.bench.intents",
    "robot.bench.load",
    "robot.bench.streaming",
)
WITH_OUT = ("amd", "bargein", "streaming")  # the benches that write --out FILE and measure latencies


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="Benchmarks (JSON output, baseline measured in the same run)."
    )
    benches = parser.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name in BENCH_MODULES:
        importlib.import_module(name).register(benches)
    for name in WITH_OUT:
        _add_plot(benches.choices[name])
    plot = benches.add_parser("plot", help="Plot a bench JSON result (latencies against the baselines).")
    plot.add_argument("result", type=Path, metavar="RESULT.json", help="A `robot bench ... --out` file.")
    plot.add_argument("out", type=Path, metavar="OUT.png|svg", help="The image to write.")
    plot.set_defaults(func=run_plot)


def _add_plot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="OUT.png|svg", help="Also plot the result (JSON beside it)."
    )
    bench: Callable[[argparse.Namespace, Settings], int] = parser.get_default("func")

    def run(args: argparse.Namespace, settings: Settings) -> int:
        if args.plot is None:
            return bench(args, settings)
        check_output(args.plot)  # before the run, not after it
        if args.out is None:
            args.out = args.plot.with_suffix(".json")
        code = bench(args, settings)
        if code == 0:
            _plot(args.out, args.plot)
        return code

    parser.set_defaults(func=run)


def _plot(result: Path, out: Path) -> None:
    try:
        data = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"{result}: not a bench JSON result: {err}") from err
    plot_bench(data, out)
    print(f"plot written to {out}", file=sys.stderr)


def run_plot(args: argparse.Namespace, settings: Settings) -> int:
    check_output(args.out)
    _plot(args.result, args.out)
    return 0
