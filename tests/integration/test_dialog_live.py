"""Live recognition in real calls: RobotApp (AMD, VAD, the real Whisper base model, the scenario runner) against the
simulator, with callers (tests/data/sim) who talk over a prompt, ask a question, or reverse their yes; the call log
must hold what they said."""

from __future__ import annotations

import asyncio
import json
import uuid as uuidlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from robot.calls.app import RobotApp
from robot.campaign.runner import AttemptRequest, CallOutcome, ContactRef
from robot.settings import SimSettings
from robot.sim import SimServer
from robot.sim.call import PlaybackRecord
from tests.integration.test_call_flow import settings_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "sim"
BASE_MODEL = REPO.parent / "shared" / "models" / "whisper-base"
CALLERS = ("live_stop", "live_question", "live_reverse")
ATTEMPTS = 3  # the synthetic callers are marginal for Silero and Whisper base: see the test's docstring
SCENARIO = """name: live
start: ask
steps:
  ask:
    play: prompts/8k/no_answer.wav
    listen: {timeout_ms: 3000}
    on: {yes: confirm, no: bye, not_interested: bye, stop_calling_me: refusal, question: explain, default: bye}
  explain:
    play: prompts/8k/goodbye.wav
    hangup: true
  confirm:
    mark: {result: interested}
    play: prompts/8k/confirm.wav
    during_play: {no: bye, not_interested: bye, stop_calling_me: refusal}
    hangup: true
  bye:
    mark: {result: not_interested}
    play: prompts/8k/no_answer.wav
    hangup: true
  refusal:
    refusal: true
    mark: {result: refused}
    play: prompts/8k/no_answer.wav
    hangup: true
"""


def _log(path: Path, call_uuid: str) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["call_uuid"] == call_uuid]


def _brief(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["event"], e.get("step"), e.get("text"), e.get("intent")) for e in events if e["event"] != "amd"]


def _heard(text: str, *words: str) -> bool:
    """Whisper base hears the synthetic voice as "arrêtez de m'appeler", sometimes "réter de ma ..."."""
    return any(word in text.lower() for word in words)


def _said(events: list[dict[str, Any]]) -> str:
    return " ".join(e["text"] for e in events if e["event"] == "transcript").lower()


@pytest.fixture(scope="module")
def base_model() -> Path:
    if not (BASE_MODEL / "model.bin").is_file():
        pytest.fail(f"Whisper base not found at {BASE_MODEL}")
    return BASE_MODEL


@dataclass
class Calls:
    results: dict[str, CallOutcome]
    plays: dict[str, list[PlaybackRecord]]
    logs: dict[str, list[dict[str, Any]]]


def _scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "live.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    return scenario


async def _run_calls(folder: Path, model: Path) -> Calls:
    scenario = _scenario(folder)
    uuids = {name: str(uuidlib.uuid4()) for name in CALLERS}
    async with SimServer(SimSettings(port=0, scripts_dir=DATA)) as sim:
        settings = settings_for(folder, model, sim.port)
        async with RobotApp(settings) as app:

            async def dial(name: str) -> CallOutcome:
                target = f"loopback/{name}/default"
                attempt = AttemptRequest(1, 1, "live", str(scenario), ContactRef("+33100000000"), target, uuids[name])
                return await asyncio.wait_for(app.dial(attempt), 60)

            results = dict(zip(CALLERS, await asyncio.gather(*(dial(n) for n in CALLERS)), strict=True))
            plays = {name: sim.playbacks(uuids[name]) for name in CALLERS}
    logs = {name: _log(settings.log.call_log, uuids[name]) for name in CALLERS}
    return Calls(results, plays, logs)


def _check(calls: Calls) -> None:
    results, plays, logs = calls.results, calls.plays, calls.logs
    stop = results["live_stop"]
    assert stop.refusal and stop.intent == "stop_calling_me", _brief(logs["live_stop"])
    assert plays["live_stop"][0].status == "break", "the caller talked over the prompt"
    answer = next(e for e in logs["live_stop"] if e["event"] == "intent")
    assert answer["branch"] == "stop_calling_me" and _heard(answer["text"] + answer["live_text"], "appel", "arr")
    assert _heard(_said(logs["live_stop"]), "appel", "arr"), "the caller's committed words are in the call log"
    assert any(e["event"] == "barge_in" for e in logs["live_stop"])

    question = results["live_question"]
    assert question.intent == "question" and not question.refusal, _brief(logs["live_question"])
    assert _heard(_said(logs["live_question"]), "sujet", "quel")
    answer = next(e for e in logs["live_question"] if e["event"] == "intent")
    assert answer["intent"] == "question" and answer["branch"] == "question" and answer["step"] == "ask"

    reverse = logs["live_reverse"]
    answers = [(e["step"], e["intent"]) for e in reverse if e["event"] == "intent"]
    assert answers == [("ask", "yes"), ("confirm", "not_interested")], _brief(reverse)
    assert results["live_reverse"].intent == "not_interested"
    assert "merci" in _said(reverse)
    confirm = next(p for p in plays["live_reverse"] if p.file.endswith("confirm.wav"))
    assert confirm.status == "break", "the confirmation was stopped when the caller said no"


async def test_callers_words_steer_the_call_and_reach_the_call_log(tmp_path: Path, base_model: Path) -> None:
    """One retry: the synthetic voices are marginal for Silero and Whisper base. Before b95bbbb, 3 of 8 first runs
    missed, all live_reverse: Silero gives its soft "Non merci," 0.4-0.55 after the call's earlier audio, and the VAD
    restarted its candidate run at every window under 0.5, so it often heard only "ça ne m'intéresse pas" (read
    "et à partir de la fin."); once the live words read "C'est parti" (no "merci" in the call log). The run now goes
    on above the negative threshold (robot.asr.vad, as inside speech): replayed offline at 32 window alignments,
    "Non merci" is heard 29 times, was 20. Measured after it: 16 of 20 first runs passed (10 of this test at load
    average 1.7-6.9, 9 of 10 instrumented rig runs at ~2.5); the misses left are that voice's "Non merci," under 0.5
    but for one window, at some alignments (wall-clock timing). Up to two retries (about 1 suite run in 25 would
    miss twice at that rate); three misses in a row fail, and every miss is reported as a warning."""
    for attempt in range(ATTEMPTS):
        try:
            _check(await _run_calls(tmp_path / f"run{attempt}", base_model))
            return
        except AssertionError as miss:
            if attempt == ATTEMPTS - 1:
                raise
            warnings.warn(f"run {attempt + 1} of {ATTEMPTS} missed, retrying: {miss}", stacklevel=1)
