"""`robot logs [-f] [--call UUID] [--campaign N] [--event TYPE] [--json] [--file PATH]`: read the call log."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from robot.calllog import EVENT_TYPES, CallLogEvent, CallLogFollower, EventFilter, follow, read_events
from robot.errors import ConfigError
from robot.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("logs", help="Show the call log (JSON Lines), optionally following it.")
    parser.add_argument("-f", "--follow", action="store_true", help="Keep reading what is appended.")
    parser.add_argument("--call", default=None, help="Only this call UUID (a prefix is enough).")
    parser.add_argument("--campaign", default=None, help="Only this campaign.")
    parser.add_argument("--event", choices=sorted(EVENT_TYPES), default=None, help="Only this event type.")
    parser.add_argument("--json", action="store_true", help="Print the raw JSON lines.")
    parser.add_argument("--file", type=Path, default=None, help="Call log file (default: settings log.call_log).")
    parser.set_defaults(func=cmd_logs)


def _printer(as_json: bool, out: TextIO) -> Callable[[CallLogEvent], None]:
    def show(item: CallLogEvent) -> None:
        out.write((item.to_json() if as_json else item.human()) + "\n")
        out.flush()

    return show


def _warn(message: str) -> None:
    print(f"robot logs: skipped {message}", file=sys.stderr)


def cmd_logs(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.file or settings.log.call_log
    wanted = EventFilter(args.call, args.campaign, args.event)
    show = _printer(args.json, sys.stdout)
    if not args.follow:
        if not path.is_file():
            raise ConfigError(f"{path}: no call log there (settings log.call_log or --file)")
        for item in read_events(path, _warn):
            if wanted.match(item):
                show(item)
        return 0
    poll_s = settings.log.follow_poll_s

    async def wait() -> None:
        await asyncio.sleep(poll_s)

    asyncio.run(follow_and_show(CallLogFollower(path, _warn), wanted, show, wait))
    return 0


async def follow_and_show(
    follower: CallLogFollower,
    wanted: EventFilter,
    show: Callable[[CallLogEvent], None],
    wait: Callable[[], Awaitable[None]],
) -> None:
    try:
        async for item in follow(follower, wait):
            if wanted.match(item):
                show(item)
    finally:
        follower.close()
