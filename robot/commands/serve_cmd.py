"""`robot serve`: run the robot without a campaign: audio server, dialplan hand-off server, metrics."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import uuid
from typing import Any

from robot.calls.app import RobotApp
from robot.media.wire import CALL_PATH_PREFIX
from robot.settings import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="Run the robot for dialplan hand-off (socket app), with the audio server, /metrics and the live console.",
    )
    parser.set_defaults(func=run)


async def serve(settings: Settings, ready: asyncio.Event | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with RobotApp(settings, serve_handoff=True, serve_metrics=True) as app:
        s = settings
        print(f"robot: ESL client connected to {s.esl.host}:{s.esl.port}", flush=True)
        print(f"robot: hand-off (dialplan socket) on {s.esl.outbound_host}:{app.handoff_port}", flush=True)
        advertised = app.stream_url(str(uuid.UUID(int=0))).split(CALL_PATH_PREFIX)[0]  # what FreeSWITCH is told
        print(f"robot: audio WebSocket on {s.media.host}:{app.audio.port} (FreeSWITCH connects to {advertised})")
        if app.metrics_port:
            where = f"http://{s.campaign.metrics_host}:{app.metrics_port}"
            print(f"robot: metrics on {where}/metrics, live console on {where}/ (robot top)", flush=True)
        print(f"robot: call log {s.log.call_log} (robot logs -f)", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()
        print("robot: stopping", flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(serve(settings))
    return 0
