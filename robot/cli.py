"""The `robot` command. Thin: parses arguments and hands over to the packages.

Each sub-command lives in a module `robot/commands/<name>.py` that exposes
`register(subparsers) -> None`; the parser it adds sets `func=<callable(args, settings) -> int>`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from robot import __version__
from robot.errors import ConfigError, RobotError
from robot.settings import Settings, load_settings

# Sub-command modules, in the order `robot --help` lists them.
COMMAND_MODULES = (
    "robot.commands.demo_cmd",
    "robot.commands.campaign_cmd",
    "robot.commands.call_cmd",
    "robot.commands.serve_cmd",
    "robot.commands.logs_cmd",
    "robot.commands.top_cmd",
    "robot.commands.sim_cmd",
    "robot.commands.amd_cmd",
    "robot.commands.amd_tune_cmd",
    "robot.commands.asr_cmd",
    "robot.commands.bench_cmd",
    "robot.commands.settings_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="robot",
        description="Outbound voicebot for FreeSWITCH: campaigns, AMD, barge-in, and a FreeSWITCH simulator.",
    )
    parser.add_argument("--version", action="version", version=f"robot {__version__}")
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file (env ROBOT_* wins over it).")
    parser.add_argument("-v", "--verbose", action="store_true", help="Debug logging.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings: Settings = load_settings(args.config)
    except ConfigError as err:
        print(f"robot: {err}", file=sys.stderr)
        return 2
    level = logging.DEBUG if args.verbose else getattr(logging, settings.log.level)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args, settings))
    except RobotError as err:
        print(f"robot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `robot logs | head`: the reader left; not an error
        sys.stderr.close()
        return 0
