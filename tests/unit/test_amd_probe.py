"""robot.amd.probe and the classifier with it: the "Allô ?" played to a silent line, its echo, the answer to it
(injected time, no sleeps, no models)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from robot.amd.classifier import AmdClassifier
from robot.amd.probe import Probe
from robot.events import AmdResult, AmdVerdict, SpeechEnded, SpeechStarted
from robot.settings import AmdSettings

pytestmark = pytest.mark.unit

PROBE_S = 0.6  # a short "Allô ?"
SETTINGS: dict[str, Any] = {
    "no_speech_timeout_ms": 4000,
    "probe_after_ms": 2000,
    "probe_listen_ms": 2500,
    "probe_echo_ms": 400,
    "short_greeting_silence_ms": 1200,
}


def run(speech: list[tuple[float, float]], *, probe: bool = True, until: float = 9.0) -> tuple[AmdVerdict, list[float]]:
    """Timing only (no ASR): speech as (start, end) seconds; returns the verdict and when the probe was played."""
    clf = AmdClassifier(AmdSettings(**SETTINGS), None)
    if probe:
        clf.enable_probe(PROBE_S)
    played: list[float] = []
    t = 0.0
    while t < until:
        t = round(t + 0.02, 2)
        for start, end in speech:
            if t - 0.02 < start <= t:
                clf.on_speech(SpeechStarted(start))
            if t - 0.02 < end <= t:
                clf.on_speech(SpeechEnded(end, end - start))
        verdict = clf.poll(t)
        if verdict is not None:
            return verdict, played
        if clf.needs_probe(t):
            played.append(t)
            clf.on_probe(t)
    return clf.finish(t), played


def test_a_silent_line_hears_the_probe_and_is_no_answer_after_listening_for_an_answer() -> None:
    v, played = run([])
    assert played == [2.0]
    assert v.result is AmdResult.NO_ANSWER and v.decided_at == pytest.approx(2.0 + PROBE_S + 2.5)
    assert "probe played at 2.00s" in v.reasons[0] and v.evidence["probe_at_s"] == 2.0
    v, played = run([], probe=False)  # the call cannot play it (files, or amd.probe_prompt unset)
    assert played == [] and v.result is AmdResult.NO_ANSWER and v.decided_at == 4.0


def test_a_person_who_waits_for_the_caller_answers_the_probe_and_is_human() -> None:
    v, played = run([(3.0, 3.5)])  # "Oui ?" 0.4 s after the probe ended
    assert played == [2.0]
    assert v.result is AmdResult.HUMAN and v.decided_at == pytest.approx(3.5 + 1.2)  # short greeting then silence


def test_the_probe_coming_back_down_the_line_is_not_an_answer() -> None:
    v, _ = run([(2.1, 2.7)])  # inside the playback (2.0-2.6 s) plus probe_echo_ms
    assert v.result is AmdResult.NO_ANSWER and v.evidence["probe_echoes"] == 1.0
    assert v.decided_at == pytest.approx(2.0 + PROBE_S + 2.5)


def test_an_answer_that_begins_over_the_probe_counts_from_its_onset() -> None:
    v, _ = run([(2.5, 3.4)])  # begins before the window ends (3.0 s), ends after it
    assert v.result is AmdResult.HUMAN and v.evidence["initial_silence_ms"] == 2500.0
    long_talk, _ = run([(2.9, 8.0)])  # a recording that starts over the probe and goes on: held, then counted
    assert long_talk.result is AmdResult.MACHINE and long_talk.evidence["initial_silence_ms"] == 2900.0


def test_no_probe_once_someone_spoke_or_after_the_no_speech_timeout() -> None:
    v, played = run([(0.6, 1.2)])
    assert played == [] and v.result is AmdResult.HUMAN
    s = AmdSettings(**SETTINGS)
    probe = Probe(s, PROBE_S)
    assert not probe.due(1.98, heard_speech=False) and probe.due(2.0, heard_speech=False)
    assert not probe.due(2.0, heard_speech=True) and not probe.due(4.0, heard_speech=False)
    probe.start(2.0)
    assert not probe.due(2.5, heard_speech=False)  # once per call
    with pytest.raises(ValueError, match="duration"):
        Probe(s, 0.0)


def test_a_probe_after_the_no_speech_timeout_is_refused_with_the_settings_named() -> None:
    with pytest.raises(ValidationError, match=r"probe_after_ms \(4000\) must be below no_speech_timeout_ms \(4000\)"):
        AmdSettings(probe_prompt="allo.wav", probe_after_ms=4000)
    assert AmdSettings(probe_after_ms=4000).probe_prompt is None  # without a prompt there is no probe to check


def test_the_longest_decision_moves_past_the_probe() -> None:
    s = AmdSettings()
    without, with_probe = s.longest_decision_s, s.longest_decision_with(probe_s=PROBE_S)
    shift = (s.probe_after_ms + PROBE_S * 1000.0 + s.probe_listen_ms - s.no_speech_timeout_ms) / 1000.0
    assert with_probe == pytest.approx(without + shift)  # a silent line's NO_ANSWER, and all after it, come later
    assert s.longest_decision_with(probe_s=None) == without
