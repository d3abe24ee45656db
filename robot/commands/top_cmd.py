"""`robot top`: the live view of a running `robot serve` or `robot campaign run` in the terminal.

Read-only: it polls the process's live API (`GET /api/state` on campaign.metrics_port) at least once a second and
redraws; it never touches a call. `--once` prints one screen and exits; `--call UUID` prints one call's timeline.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp
from rich.console import Console
from rich.live import Live
from rich.text import Text

from robot.console.terminal import render, timeline
from robot.errors import ConfigError
from robot.settings import Settings

FETCH_TIMEOUT_S = 2.0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "top", help="Watch a running serve/campaign live in the terminal (calls, states, AMD, progress)."
    )
    parser.add_argument(
        "--url", default=None, help="The robot's console (default http://<campaign.metrics_host>:<metrics_port>)."
    )
    parser.add_argument("--interval", type=float, default=1.0, help="Refresh period, seconds (0.1 to 1, default 1).")
    parser.add_argument("--once", action="store_true", help="Print one screen and exit.")
    parser.add_argument("--call", default=None, metavar="UUID", help="Print this call's timeline (a prefix is enough).")
    parser.set_defaults(func=run)


def base_url(args: argparse.Namespace, settings: Settings) -> str:
    if args.url:
        return str(args.url).rstrip("/")
    c = settings.campaign
    if not c.metrics_port:
        raise ConfigError("campaign.metrics_port is 0 (console off): pass --url")
    host = "127.0.0.1" if c.metrics_host in ("0.0.0.0", "::", "") else c.metrics_host
    return f"http://[{host}]:{c.metrics_port}" if ":" in host else f"http://{host}:{c.metrics_port}"


async def fetch(session: aiohttp.ClientSession, url: str, path: str = "/api/state") -> dict[str, Any]:
    try:
        async with session.get(f"{url}{path}") as response:
            if response.status == 401:
                raise ConfigError(f"{url}: a token is required (set ROBOT_CONSOLE__TOKEN)")
            if response.status == 404:
                raise ConfigError(f"{url}{path}: {(await response.text()).strip()}")
            response.raise_for_status()
            data: dict[str, Any] = await response.json()
            return data
    except (aiohttp.ClientError, TimeoutError) as err:
        raise ConfigError(f"robot not reachable at {url}: {err or type(err).__name__}") from err


async def watch(args: argparse.Namespace, url: str, settings: Settings, console: Console) -> None:
    token = settings.console.token
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token is not None else {}
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        if args.call:
            console.print(timeline(await fetch(session, url, f"/api/calls/{quote(args.call, safe='')}")))
            return
        if args.once:
            console.print(render(await fetch(session, url), url))
            return
        loop = asyncio.get_running_loop()
        with Live(Text(f"connecting to {url}..."), console=console, auto_refresh=False) as live:
            due = loop.time()
            while True:
                try:
                    screen = render(await fetch(session, url), url)
                except ConfigError as err:
                    screen = Text(f"{err} (retrying)", style="bold red")
                live.update(screen, refresh=True)
                due += args.interval  # a steady cadence: a slow fetch does not stretch the period
                await asyncio.sleep(max(0.0, due - loop.time()))


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not 0.1 <= args.interval <= 1.0:
        raise ConfigError("--interval must be between 0.1 and 1 second")
    asyncio.run(watch(args, base_url(args, settings), settings, Console()))
    return 0
