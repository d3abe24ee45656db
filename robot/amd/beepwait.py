"""Voicemail-drop decision rules (pure): after a MACHINE verdict, when the message may start.

Fed with speech events and tones (robot.calls.voicemail feeds it with the call's audio) and polled with the time
`now` (seconds after answer, injected): BEEP when a beep (beep_min_ms <= duration <= beep_max_ms) ended, SILENCE
after machine_end_silence_ms of silence following speech, TIMEOUT once wait_for_beep_ms has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from robot.amd.features import SpeechTimeline
from robot.amd.timing import reaches
from robot.events import SpeechEnded, SpeechStarted, ToneDetected
from robot.settings import AmdSettings


class BeepWaitOutcome(StrEnum):
    BEEP = "beep"  # the voicemail beep ended: play the message now
    SILENCE = "silence"  # the greeting ended without a beep (machine_end_silence_ms of silence)
    TIMEOUT = "timeout"  # wait_for_beep_ms passed


@dataclass(frozen=True, slots=True)
class BeepWaitResult:
    outcome: BeepWaitOutcome
    t: float  # seconds after answer when the message may start


class BeepWait:
    """Voicemail-drop mode (pure): after a MACHINE verdict, wait for the beep, the end of the greeting, or time."""

    def __init__(self, settings: AmdSettings, started_at: float) -> None:
        self._s = settings
        self._started_at = started_at
        self._timeline = SpeechTimeline()
        self._beep_end: float | None = None

    def on_speech(self, event: SpeechStarted | SpeechEnded) -> None:
        self._timeline.add(event)

    def on_tone(self, tone: ToneDetected) -> None:
        ms = tone.duration * 1000.0
        if tone.kind == "beep" and self._s.beep_min_ms <= ms <= self._s.beep_max_ms and self._beep_end is None:
            self._beep_end = tone.t + tone.duration

    def poll(self, now: float) -> BeepWaitResult | None:
        if self._beep_end is not None:
            return BeepWaitResult(BeepWaitOutcome.BEEP, max(self._beep_end, self._started_at))
        f = self._timeline.features(now)
        silence = f.silence_since_speech
        if silence is not None and reaches(silence, self._s.machine_end_silence_ms):
            return BeepWaitResult(BeepWaitOutcome.SILENCE, now)
        if reaches(now - self._started_at, self._s.wait_for_beep_ms):
            return BeepWaitResult(BeepWaitOutcome.TIMEOUT, now)
        return None
