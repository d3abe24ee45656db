"""A refusal heard by the dialog reaches the campaign at once (AttemptRequest.on_refusal), not at hangup."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from robot.calls.app import RobotApp
from robot.dialog.scenario import load_scenario
from robot.settings import Settings

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
UUID = "8a8a1b52-3e0c-4d3b-9a57-6f0c8d3c2b11"


def test_dialog_refusal_event_calls_the_attempts_hook(tmp_path: Path) -> None:
    settings = Settings.model_validate({"log": {"call_log": str(tmp_path / "calls.jsonl")}})
    app = RobotApp(settings, engine=object())  # type: ignore[arg-type]  # nothing is started: no model, no socket
    heard: list[str] = []
    app._refusal_hooks[UUID] = lambda: heard.append("refusal")
    scenario = load_scenario(REPO / "scenarios" / "demo_fr.yaml", REPO / "audio")
    listener: Any = SimpleNamespace(on_bargein=None, on_event=None)
    runner = app.new_runner(scenario, SimpleNamespace(uuid=UUID), listener, lambda event, **fields: None)  # type: ignore[arg-type]
    runner._emit("intent", {"intent": "stop_calling_me"})
    assert heard == []
    runner._emit("refusal", {"step": "refusal"})
    assert heard == ["refusal"]
    app.call_log.close()
