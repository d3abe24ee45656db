"""`robot sim`: run the FreeSWITCH + mod_audio_stream simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from robot.settings import Settings, SimSettings
from robot.sim import SimServer


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sim",
        help="Run a FreeSWITCH + mod_audio_stream simulator (ESL) with scripted callees.",
        description=(
            "Serve a simulated FreeSWITCH event socket. Originate `loopback/<script>/default &park()` to call a "
            "scripted callee; `sofia/gateway/<gw>/<number>` maps the number's last two digits to a script "
            "(settings sim.number_suffix_scripts)."
        ),
    )
    parser.add_argument("--host", default=None, help="Listen address (default: settings sim.host).")
    parser.add_argument("--port", type=int, default=None, help="Listen port, 0 for any free one (sim.port).")
    parser.add_argument("--scripts-dir", type=Path, default=None, help="Extra callee scripts (YAML/TOML).")
    parser.add_argument(
        "--originate-log",
        type=Path,
        default=None,
        help="Append one JSON line per originate received (dial string, origination_uuid), flushed per line "
        "(sim.originate_log).",
    )
    parser.add_argument(
        "--password", action="store_true", help="Ask for the ESL password on the terminal instead of sim.password."
    )
    parser.set_defaults(func=run)


def _effective(args: argparse.Namespace, base: SimSettings) -> SimSettings:
    update: dict[str, object] = {}
    if args.host is not None:
        update["host"] = args.host
    if args.port is not None:
        update["port"] = args.port
    if args.scripts_dir is not None:
        update["scripts_dir"] = args.scripts_dir
    if args.originate_log is not None:
        update["originate_log"] = args.originate_log
    if args.password:
        update["password"] = SecretStr(getpass.getpass("ESL password for the simulator: "))
    return SimSettings.model_validate({**base.model_dump(), **update})


async def _serve(settings: SimSettings) -> None:
    server = SimServer(settings)
    await server.start()
    print(f"robot sim: FreeSWITCH simulator listening on {settings.host}:{server.port} (ESL, password hidden)")
    if settings.originate_log is not None:
        print(f"robot sim: originates logged to {settings.originate_log}")
    for name, script in sorted(server.scripts.items()):
        print(f"  {name:<20} {script.outcome:<9} {script.description}")
    sys.stdout.flush()  # a supervisor reading a pipe learns the port now
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    sim = _effective(args, settings.sim)
    try:
        asyncio.run(_serve(sim))
    except KeyboardInterrupt:
        print("robot sim: stopped")
    return 0
