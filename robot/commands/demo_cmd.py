"""`robot demo`: the simulator and the robot together, a small campaign of varied callees, a results table.

The simulator runs as its own process (`robot sim`), so the robot reaches it over real ESL and real
WebSockets exactly as it would reach FreeSWITCH. The campaign runs through the normal `campaign run` path
(store, pacing, retries, call log). Not prospecting: the demo must run at any hour, so the French calling
windows (D223-9) are off for it; `robot campaign run` applies them to prospecting campaigns.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from robot.asr.engine import load_whisper
from robot.commands import campaign_cmd
from robot.errors import AsrError, ConfigError
from robot.settings import Settings

DEMO_DIR = Path("var/demo")
# number suffix -> (simulator script, what the callee does)
DEMO_CONTACTS = (
    ("00", "human", "answers « Allô ? Oui, bonjour. »"),
    ("01", "human_bargein", "talks over the first prompt"),
    ("02", "human_backchannel", "says « mmh » during the prompt"),
    ("03", "human_silent_first", "answers, silent first"),
    ("04", "machine", "voicemail greeting + beep"),
    ("05", "machine_short", "short voicemail + beep"),
    ("06", "silence", "answers, never speaks"),
    ("07", "busy", "USER_BUSY"),
    ("08", "noanswer", "rings out (NO_ANSWER)"),
    ("09", "announcement", "SIT + network announcement"),
)
SHARED_MODELS = Path(__file__).resolve().parents[2].parent / "shared" / "models"
SHARED_BASE_MODEL = SHARED_MODELS / "whisper-base"  # real weights: real words in the demo
SHARED_RANDOM_MODEL = SHARED_MODELS / "whisper-tiny-random-int8"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="Run the simulator and the robot together: a small campaign against varied callees."
    )
    parser.add_argument(
        "--model",
        default=None,
        help="faster-whisper model name or directory (default: ROBOT_ASR__MODEL, else 'tiny', downloaded once).",
    )
    parser.add_argument("--concurrency", type=int, default=5, help="Calls in flight at most (default 5).")
    parser.set_defaults(func=run)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _choose_model(requested: str | None, settings: Settings) -> str:
    """A model that loads here: the one asked for, else 'tiny'; offline, the shared real Whisper base when this
    checkout sits beside ../shared, else the shared random-weight test model."""
    name = requested or os.environ.get("ROBOT_ASR__MODEL") or "tiny"
    try:
        load_whisper(settings.asr.model_copy(update={"model": name}))
        return name
    except AsrError as err:
        if requested:
            raise
        if (SHARED_BASE_MODEL / "model.bin").is_file():
            print(f"demo: model {name!r} could not be loaded ({err}); using {SHARED_BASE_MODEL}", file=sys.stderr)
            return str(SHARED_BASE_MODEL)
        if not (SHARED_RANDOM_MODEL / "model.bin").is_file():
            raise
        print(
            f"demo: model {name!r} could not be loaded ({err}).\n"
            f"demo: falling back to {SHARED_RANDOM_MODEL} — RANDOM weights: transcripts are gibberish, so AMD\n"
            "demo: decides on timing and tones only and the dialog hears no words. Use a real model on a\n"
            "demo: machine with internet access (the default 'tiny' downloads once).",
            file=sys.stderr,
        )
        return str(SHARED_RANDOM_MODEL)


def _write_contacts(path: Path) -> None:
    lines = ["phone,name,script"]
    for suffix, script, _ in DEMO_CONTACTS:
        lines.append(f"+331234567{suffix},Contact {suffix},{script}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _start_sim(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "robot", "sim", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise ConfigError(f"the simulator exited at start: {err.strip()[-500:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise ConfigError(f"the simulator did not listen on 127.0.0.1:{port} within 20 s")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not getattr(args, "verbose", False):  # the progress lines and the table are the demo; -v for the details
        logging.getLogger().setLevel(logging.WARNING)
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    model = _choose_model(args.model, settings)
    sim_port = _free_port()
    demo = settings.model_copy(
        update={
            "esl": settings.esl.model_copy(update={"host": "127.0.0.1", "port": sim_port}),
            "media": settings.media.model_copy(
                update={"host": "127.0.0.1", "port": 0, "public_url": "ws://127.0.0.1:0"}
            ),
            "asr": settings.asr.model_copy(update={"model": model}),
            "campaign": settings.campaign.model_copy(
                update={"db_path": DEMO_DIR / "robot.sqlite", "metrics_port": 0, "max_attempts": 1}
            ),
            "log": settings.log.model_copy(update={"call_log": DEMO_DIR / "calls.jsonl"}),
        }
    )
    contacts = DEMO_DIR / "contacts.csv"
    _write_contacts(contacts)
    env = {**os.environ, "ROBOT_SIM__PASSWORD": demo.esl.password.get_secret_value()}
    sim = _start_sim(sim_port, env)
    print(f"demo: simulator (robot sim) listening on 127.0.0.1:{sim_port}; ASR model {model}")
    try:
        run_args = argparse.Namespace(
            contacts=contacts,
            name="demo",
            scenario=str(demo.dialog.scenario),
            concurrency=args.concurrency,
            cps=5.0,
            dial_template="sofia/gateway/sim/{number}",
            prospecting=False,
            legal_basis="contract",
            skip_invalid=False,
            dnc=None,
            dialer=campaign_cmd.DEFAULT_DIALER,
            worker=False,
        )
        code = campaign_cmd.cmd_run(run_args, demo)
    finally:
        sim.terminate()
        try:
            sim.wait(5)
        except subprocess.TimeoutExpired:
            sim.kill()
    print_results(demo)
    print(f"\ncall log: {demo.log.call_log}  (robot logs --campaign demo, with ROBOT_LOG__CALL_LOG set to it)")
    return code


def print_results(settings: Settings) -> None:
    from robot.campaign.sqlite_store import SqliteStore

    store = SqliteStore(settings.campaign.db_path)
    try:
        rows = store.export_rows(store.get_campaign("demo").id)
    finally:
        store.close()
    what = {f"+331234567{suffix}": (script, text) for suffix, script, text in DEMO_CONTACTS}
    header = f"{'number':14} {'callee script':18} {'result':20} {'AMD':10} {'intent':16} {'hangup cause':22} talk"
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        script, _ = what.get(str(row.get("phone")), ("?", ""))
        talk = row.get("talk_s")
        print(
            f"{row.get('phone')!s:14} {script:18} {row.get('result') or row.get('contact_result') or '-'!s:20} "
            f"{row.get('amd_result') or '-'!s:10} {row.get('intent') or '-'!s:16} "
            f"{row.get('hangup_cause') or '-'!s:22} {'' if talk is None else f'{float(talk):.1f} s'}"
        )
