"""`robot logs` readable lines for what the caller says."""

from __future__ import annotations

import pytest

from robot.calllog import CallLogEvent
from robot.commands.logs_cmd import describe
from robot.dialog.runner import CALL_LOG_EVENTS

pytestmark = pytest.mark.unit

UUID = "0d5c1a2b-1111-2222-3333-444455556666"


def _event(event: str, **fields: object) -> CallLogEvent:
    return CallLogEvent(1_790_000_000.0, event, UUID, "c1", "+33612345678", dict(fields))


def test_caller_words_read_as_one_line() -> None:
    line = describe(
        _event("transcript", text="Non merci,\nça ne m'intéresse pas.", start=9.02, end=10.4, step="greeting")
    )
    assert line.endswith('transcript    caller "Non merci, ça ne m\'intéresse pas."  [9.02-10.40 s] step=greeting')
    assert "\n" not in line and line.split()[2] == "0d5c1a2b"


def test_answer_shows_intent_and_branch() -> None:
    line = describe(_event("intent", text="c'est à quel sujet ?", intent="question", branch="question", early=False))
    assert line.endswith('answer "c\'est à quel sujet ?" -> question (branch question)')
    early = describe(
        _event("intent", text="ne m'appelez plus", intent="stop_calling_me", branch="stop_calling_me", early=True)
    )
    assert "(branch stop_calling_me early)" in early
    assert "answer (nothing) -> timeout" in describe(_event("intent", intent="timeout", branch="timeout"))


def test_barge_in_and_interruption_words() -> None:
    barge = describe(_event("barge_in", reason="speech 240 ms", policy="vad", words="", step="greeting"))
    assert barge.endswith("barge-in speech 240 ms (policy vad) step=greeting")
    resumed = describe(_event("interruption", kind="short", text="mmh", resumed=True))
    assert resumed.endswith('interruption short "mmh": prompt resumed')


def test_other_events_keep_the_key_value_form() -> None:
    assert "cause=NORMAL_CLEARING" in describe(_event("hangup", cause="NORMAL_CLEARING"))


def test_dialog_answer_is_logged_as_intent_not_as_the_call_answer() -> None:
    assert CALL_LOG_EVENTS["answer"] == "intent" and "partial" not in CALL_LOG_EVENTS
