"""The intent set and the confusion matrix of `robot bench intents` (typed text: no model, no TTS)."""

from __future__ import annotations

import pytest

from robot.bench.intents import DEFAULT_SET, confusion, load_answers

pytestmark = pytest.mark.unit


def test_the_set_has_150_answers_from_every_family() -> None:
    answers = load_answers(DEFAULT_SET)
    assert len(answers) >= 150 and len({a.text for a in answers}) == len(answers)
    families = {a.expected for a in answers}
    assert families == {"yes", "no", "not_interested", "call_back_later", "stop_calling_me", "question", "none"}


def test_confusion_counts_false_consent() -> None:
    report = confusion(["yes", "question", "none", "no"], ["yes", "yes", "none", "none"])
    assert report["accuracy"] == 0.5 and report["false_yes"] == 1
    assert report["matrix"]["question"]["yes"] == 1 and report["recall"]["no"] == 0.0
