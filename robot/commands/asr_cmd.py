"""`robot asr serve` (streaming recognition service: TCP + WebSocket + browser page) and `robot asr client`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys
from typing import Any

from robot.asr.alignatt import POLICIES
from robot.asr.engine import AsrEngine
from robot.asr.service import AsrService
from robot.asr.service.client import ClientError, ClientOptions, run_client
from robot.asr.service.wire import InputError
from robot.calls.app import RobotApp
from robot.errors import ConfigError
from robot.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("asr", help="Streaming speech recognition service.")
    sub = parser.add_subparsers(dest="asr_command", metavar="ACTION", required=True)
    serve = sub.add_parser(
        "serve", help="TCP (raw 16 kHz S16LE in, '<beg_ms> <end_ms> <text>' lines out) and WebSocket servers."
    )
    serve.add_argument("--tcp-port", type=int, default=None, help="TCP port (default asr_service.tcp_port, 43007).")
    serve.add_argument("--ws-port", type=int, default=None, help="WebSocket + page port (default 43008).")
    serve.add_argument("--host", default=None, help="Listen address (default asr_service.host, 127.0.0.1).")
    serve.add_argument("--model", default=None, help="Whisper model name or directory (default asr.model).")
    serve.add_argument("--policy", choices=POLICIES, default=None, help="Default commit policy.")
    serve.add_argument(
        "--with-robot",
        action="store_true",
        help="Also run the robot (as `robot serve`: hand-off, audio server, metrics) on the same engine: one model "
        "for calls and service clients, calls served first.",
    )
    serve.set_defaults(func=run_serve)
    client = sub.add_parser("client", help="Stream a WAV or raw PCM (FILE, or - for stdin) and print committed lines.")
    client.add_argument("source", help="WAV file, raw 16 kHz S16LE file, or - (stdin: raw PCM, e.g. from arecord).")
    client.add_argument(
        "--url", default="tcp://127.0.0.1:43007", help="tcp://host:port or ws://host:port (default the TCP server)."
    )
    client.add_argument("--fast", action="store_true", help="Send as fast as the server reads (no real-time pace).")
    client.add_argument("--chunk-ms", type=int, default=100, help="Audio per message, ms (default 100).")
    client.add_argument("--policy", choices=POLICIES, default=None, help="Commit policy (WebSocket only).")
    client.add_argument("--token", default=None, help="WebSocket token, when the server requires one.")
    client.add_argument("--partials", action="store_true", help="Print partial text to stderr (WebSocket only).")
    client.set_defaults(func=run_client_cmd)


def _service_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    service = settings.asr_service.model_copy(
        update={
            k: v
            for k, v in (
                ("tcp_port", args.tcp_port),
                ("ws_port", args.ws_port),
                ("host", args.host),
                ("policy", args.policy),
            )
            if v is not None
        }
    )
    asr = settings.asr if args.model is None else settings.asr.model_copy(update={"model": args.model})
    return settings.model_copy(update={"asr_service": service, "asr": asr})


async def serve(settings: Settings, ready: asyncio.Event | None = None, *, with_robot: bool = False) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        analysis = None  # the service's own analysis worker (VAD off the loop), or the robot's one
        if with_robot:  # the robot owns the engine; its calls' requests come before the service's
            app = await stack.enter_async_context(RobotApp(settings, serve_handoff=True, serve_metrics=True))
            assert app.engine is not None
            engine = app.engine
            analysis = app.analysis
            print(f"robot asr: with the robot (hand-off on port {app.handoff_port}, audio on {app.audio.port})")
        else:
            engine = await AsrEngine.load(settings.asr)
            stack.callback(engine.close)
        service = await stack.enter_async_context(
            AsrService(engine, settings.asr_service, settings.vad, analysis=analysis)
        )
        host = settings.asr_service.host
        auth = "token required" if settings.asr_service.token else "no auth"
        if settings.asr_service.token is None and not _loopback(host):
            log.warning("asr_service.host=%s without asr_service.token: anyone who reaches it may use it", host)
        print(f"robot asr: model {settings.asr.model}, policy {settings.asr_service.policy}", flush=True)
        print(f"robot asr: TCP (raw 16 kHz S16LE) on {host}:{service.tcp_port}", flush=True)
        print(f"robot asr: WebSocket on ws://{host}:{service.ws_port}/ ({auth}), page http://{host}:{service.ws_port}/")
        sys.stdout.flush()
        if ready is not None:
            ready.set()
        await stop.wait()
        print("robot asr: stopping", flush=True)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(serve(_service_settings(args, settings), with_robot=args.with_robot))
    return 0


def run_client_cmd(args: argparse.Namespace, settings: Settings) -> int:
    if args.chunk_ms <= 0:
        raise ConfigError("--chunk-ms must be > 0")
    options = ClientOptions(
        url=args.url,
        chunk_ms=args.chunk_ms,
        fast=args.fast,
        policy=args.policy,
        token=args.token,
        partials=args.partials,
    )

    def out(line: str) -> None:
        print(line, flush=True)

    def err(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        asyncio.run(run_client(args.source, options, out, err))
    except (ClientError, InputError, OSError) as error:
        print(f"robot asr client: {error}", file=sys.stderr)
        return 1
    return 0
