"""The dialog: scenarios (YAML), French intents, barge-in policy, per-call listening and the scenario runner."""

from robot.dialog.bargein import BargeInDecision, BargeInPolicy, energy_envelope
from robot.dialog.callaudio import Vad
from robot.dialog.intents import Intent, IntentMatch, detect_intent, normalize_text
from robot.dialog.listener import CallListener
from robot.dialog.live import Transcriber
from robot.dialog.runner import DialogOutcome, PromptLibrary, ScenarioRunner
from robot.dialog.scenario import Scenario, Step, load_scenario
from robot.dialog.turns import Turn

__all__ = [
    "BargeInDecision",
    "BargeInPolicy",
    "CallListener",
    "DialogOutcome",
    "Intent",
    "IntentMatch",
    "PromptLibrary",
    "Scenario",
    "ScenarioRunner",
    "Step",
    "Transcriber",
    "Turn",
    "Vad",
    "detect_intent",
    "energy_envelope",
    "load_scenario",
    "normalize_text",
]
