"""Frozen domain events shared by the packages (times are seconds; `t` is relative to the call's answer
unless a field says otherwise)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AmdResult(StrEnum):
    HUMAN = "HUMAN"
    MACHINE = "MACHINE"
    NO_ANSWER = "NO_ANSWER"
    OPERATOR = "OPERATOR"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    t: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    t: float
    duration: float


@dataclass(frozen=True, slots=True)
class ToneDetected:
    """A single tone (voicemail beep) or a SIT sequence, `kind` is "beep" or "sit"."""

    kind: str
    t: float
    duration: float
    frequency_hz: float


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Transcript:
    """Recognised text of a stretch of audio; `committed` for streaming output that will not change."""

    text: str
    words: tuple[Word, ...] = ()
    committed: bool = True
    no_speech_prob: float = 0.0


@dataclass(frozen=True, slots=True)
class AmdVerdict:
    result: AmdResult
    confidence: float
    decided_at: float  # seconds after answer when the decision was taken
    reasons: tuple[str, ...] = ()
    transcript: str = ""
    evidence: dict[str, float | str | bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BargeIn:
    speech_onset: float  # seconds after answer
    decided_at: float
    break_sent_at: float
    policy: str
    words: str = ""
