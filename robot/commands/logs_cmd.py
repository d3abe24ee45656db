"""`robot logs [-f] [--call UUID] [--campaign N] [--event TYPE] [--json] [--file PATH]`: read the call log.

One line per event. What the caller says reads as a sentence: committed words (`transcript`) as
`caller  "words"  [start-end s]`, the answer to a step (`intent`) as `answer  "text" -> intent (branch ...)`,
barge-ins and interruptions with their words; other events as `key=value` pairs. `--json` prints the raw lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
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


def _quoted(value: object) -> str:
    return json.dumps(" ".join(str(value).split()), ensure_ascii=False)


def _caller_line(item: CallLogEvent) -> str | None:
    """The readable form of what the caller said (transcript, intent, barge_in, interruption), else None."""
    f = item.fields
    step = f" step={f['step']}" if "step" in f else ""
    if item.event == "transcript" and "text" in f:
        span = f"  [{f['start']:.2f}-{f['end']:.2f} s]" if isinstance(f.get("start"), float | int) else ""
        return f"caller {_quoted(f['text'])}{span}{step}"
    if item.event == "intent" and "intent" in f:
        said = _quoted(f["text"]) if f.get("text") else "(nothing)"
        early = " early" if f.get("early") else ""
        return f"answer {said} -> {f['intent']} (branch {f.get('branch', '?')}{early}){step}"
    if item.event == "barge_in":
        words = f"  words {_quoted(f['words'])}" if f.get("words") else ""
        return f"barge-in {f.get('reason', '')} (policy {f.get('policy', '?')}){words}{step}"
    if item.event == "interruption":
        said = f" {_quoted(f['text'])}" if f.get("text") else ""
        action = "prompt resumed" if f.get("resumed") else "prompt stays stopped"
        return f"interruption {f.get('kind', '?')}{said}: {action}{step}"
    return None


def describe(item: CallLogEvent) -> str:
    """One readable line for an event."""
    said = _caller_line(item)
    if said is None:
        return item.human()
    when = datetime.fromtimestamp(item.ts).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return f"{when}  {item.call_uuid[:8]:8}  {item.event:12}  {said}"


def _printer(as_json: bool, out: TextIO) -> Callable[[CallLogEvent], None]:
    def show(item: CallLogEvent) -> None:
        out.write((item.to_json() if as_json else describe(item)) + "\n")
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
