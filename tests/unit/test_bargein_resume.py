"""False interruptions (vad policy): InterruptionJudge on audio times and the resume decision."""

from __future__ import annotations

import pytest

from robot.clock import ManualClock
from robot.dialog.bargein import InterruptionJudge, InterruptionVerdict, is_backchannel_text, should_resume
from robot.settings import DialogSettings

pytestmark = pytest.mark.unit

SETTINGS = DialogSettings(backchannel_max_ms=1200, resume_silence_ms=250, max_resumes=2)


def _run(judge: InterruptionJudge, clock: ManualClock, until: float) -> InterruptionVerdict | None:
    """Tick the judge every 20 ms of audio time, as the listener does after each chunk."""
    while clock.monotonic() < until - 1e-9:
        clock.advance(0.02)
        verdict = judge.tick(round(clock.monotonic(), 6))
        if verdict is not None:
            return verdict
    return None


def test_short_speech_then_silence_is_a_short_interruption() -> None:
    clock = ManualClock(start_monotonic=10.0)
    judge = InterruptionJudge(SETTINGS, onset=10.0)
    assert _run(judge, clock, 10.5) is None, "still talking: no verdict yet"
    judge.speech_ended(10.5)
    assert _run(judge, clock, 10.74) is None, "not silent for resume_silence_ms yet"
    verdict = _run(judge, clock, 11.0)
    assert verdict == InterruptionVerdict("short", 10.0, 10.5)
    assert clock.monotonic() == pytest.approx(10.76, abs=1e-6)


def test_speech_still_going_at_backchannel_max_is_a_real_turn() -> None:
    clock = ManualClock(start_monotonic=3.0)
    judge = InterruptionJudge(SETTINGS, onset=3.0)
    verdict = _run(judge, clock, 6.0)
    assert verdict is not None and verdict.kind == "speech"
    assert verdict.end == pytest.approx(4.2, abs=1e-6), "decided backchannel_max_ms after the onset"


def test_a_second_segment_joins_the_interruption() -> None:
    clock = ManualClock(start_monotonic=0.0)
    judge = InterruptionJudge(SETTINGS, onset=0.0)
    _run(judge, clock, 0.3)
    judge.speech_ended(0.3)
    assert _run(judge, clock, 0.4) is None
    judge.speech_started(0.4)  # "oui... oui, alors"
    verdict = _run(judge, clock, 2.0)
    assert verdict is not None and verdict.kind == "speech" and verdict.end == pytest.approx(1.2, abs=1e-6)


def test_an_interruption_that_already_ended_long_is_a_real_turn() -> None:
    judge = InterruptionJudge(SETTINGS, onset=0.0, in_speech=False)
    judge.speech_ended(1.5)
    verdict = judge.tick(1.6)
    assert verdict is not None and verdict.kind == "speech"


def test_backchannel_text() -> None:
    backchannels = SETTINGS.backchannels
    assert is_backchannel_text("Mmh.", backchannels)
    assert is_backchannel_text("Oui, oui. D'accord !", backchannels)
    assert is_backchannel_text("", backchannels), "no words after the hallucination guard"
    assert not is_backchannel_text("non", backchannels)
    assert not is_backchannel_text("oui mais non", backchannels)
    assert not is_backchannel_text("d'ailleurs", backchannels), "d'accord must match as a whole"


def test_should_resume() -> None:
    short = InterruptionVerdict("short", 1.0, 1.4)
    assert should_resume(short, "oui", 0, SETTINGS)
    assert should_resume(short, None, 0, SETTINGS), "no transcript in time: resume"
    assert should_resume(short, "", 1, SETTINGS)
    assert not should_resume(short, "non merci", 0, SETTINGS), "a short answer is an answer"
    assert not should_resume(short, "oui", 2, SETTINGS), "max_resumes reached"
    assert not should_resume(InterruptionVerdict("speech", 1.0, 2.2), "oui", 0, SETTINGS)
    assert not should_resume(None, None, 0, SETTINGS), "the stream ended"
