"""AMD evidence fusion (pure): timing points + transcript phrase points -> one score, and the verdict it gives.

Timing points: a long greeting or continuous speech, a long total (more when still talking at the deadline, as much
as a long greeting when that talk reaches long_talk_ms with long_talk_min_words words heard), a short greeting then
silence (negative). At a decision point (robot.amd.timing), operator phrases outweighing voicemail ones with no
human phrase give OPERATOR when they reach operator_weak_score_min or when the evidence below says MACHINE (a
carrier announcement without SIT). Otherwise the evidence is fused into one score (timing points + phrase points);
score >= machine_score_min -> MACHINE, otherwise HUMAN (biased toward humans: hanging up on a person is the costly
error), with a lower confidence when the score is above human_score_max. Thresholds are fields of AmdSettings
(points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from robot.amd.features import TimingFeatures
from robot.amd.keywords import KeywordScores, normalise_words
from robot.amd.timing import early_continuous, long_greeting, short_greeting_over
from robot.events import AmdResult, ToneDetected, Transcript
from robot.settings import AmdSettings

# Timing points added to the fused score (relative weights of the timing evidence).
_POINTS_CONTINUOUS = 2.0  # continuous speech >= machine_speech_ms by the deadline
_POINTS_LONG_GREETING = 2.0  # an utterance >= long_greeting_ms
_POINTS_LONG_TOTAL = 1.0  # total speech > human_max_greeting_ms
_POINTS_STILL_TALKING = 0.5  # still talking at the deadline after a long total
_POINTS_SHORT_GREETING = -2.0  # short greeting followed by silence


def confidence(distance: float) -> float:
    """Map a score distance from the decision boundary to (0.5, 0.99]."""
    return round(min(0.99, 1.0 / (1.0 + math.exp(-1.2 * abs(distance)))), 3)


@dataclass(frozen=True, slots=True)
class Fused:
    score: float
    reasons: tuple[str, ...]


def fuse(
    s: AmdSettings,
    f: TimingFeatures,
    kw: KeywordScores | None,
    transcript: Transcript | None,
    melody: ToneDetected | None = None,
) -> tuple[AmdResult, float, tuple[str, ...], float]:
    """The verdict at a decision point: (result, confidence, reasons, fused score)."""
    fused = fused_score(s, f, kw, transcript, melody)
    # carrier announcements without SIT: weak operator phrases decide alone from operator_weak_score_min,
    # and any operator phrase outweighing the voicemail ones turns a MACHINE verdict into OPERATOR
    operator_wins = kw is not None and kw.human == 0 and kw.operator > kw.voicemail
    if (
        kw is not None
        and operator_wins
        and (kw.operator >= s.operator_weak_score_min or fused.score >= s.machine_score_min)
    ):
        reasons = (*fused.reasons, f"operator phrases {kw.operator:.1f} > voicemail {kw.voicemail:.1f}")
        return AmdResult.OPERATOR, 0.7, reasons, fused.score
    if fused.score >= s.machine_score_min:
        conf = confidence(fused.score - s.machine_score_min + 0.5)
        return AmdResult.MACHINE, conf, fused.reasons, fused.score
    distance = (s.machine_score_min - fused.score) if fused.score > s.human_score_max else 2.0 + abs(fused.score)
    conf = confidence(distance * 0.6 if fused.score > s.human_score_max else distance)
    return AmdResult.HUMAN, conf, fused.reasons, fused.score


def fused_score(
    s: AmdSettings,
    f: TimingFeatures,
    kw: KeywordScores | None,
    transcript: Transcript | None,
    melody: ToneDetected | None = None,
) -> Fused:
    """Timing points + phrase points + melody_points for a melody (robot.amd.melody) heard before the greeting."""
    score = 0.0
    reasons: list[str] = []
    if melody is not None and s.melody_points > 0:
        score += s.melody_points
        reasons.append(f"melody {melody.t:.2f}-{melody.t + melody.duration:.2f}s before the greeting")
    if early_continuous(s, f):
        score += _POINTS_CONTINUOUS
        reasons.append(f"continuous speech {f.longest_speech * 1000:.0f} ms")
    elif long_greeting(s, f):
        score += _POINTS_LONG_GREETING
        gap = s.utterance_gap_ms
        reasons.append(f"greeting of {f.longest_utterance(gap / 1000.0) * 1000:.0f} ms (pauses < {gap} ms)")
    elif f.total_speech * 1000.0 > s.human_max_greeting_ms:
        score += _POINTS_LONG_TOTAL
        reasons.append(f"speech {f.total_speech * 1000:.0f} ms in {f.segment_count} segments")
        if f.in_speech and _long_talk(s, f, transcript):
            score += _POINTS_LONG_GREETING - _POINTS_LONG_TOTAL  # as much as one long greeting
            reasons.append(f"still talking after {s.long_talk_ms} ms of speech")
        elif f.in_speech:
            score += _POINTS_STILL_TALKING
            reasons.append("still talking at the deadline")
    if short_greeting_over(s, f):
        score += _POINTS_SHORT_GREETING
        reasons.append(
            f"short greeting {f.total_speech * 1000:.0f} ms then {(f.silence_since_speech or 0) * 1000:.0f} ms silence"
        )
    if kw is not None:
        if kw.matches:
            score += kw.machine_minus_human
            reasons.append(f"phrases {kw.voicemail:+.1f}/-{kw.human:.1f}: {kw.describe()}")
        words = word_count(transcript)
        fast = words and f.total_speech >= 1.0 and words / f.total_speech >= s.min_words_per_second_machine
        if fast and s.fast_speech_points > 0:
            score += s.fast_speech_points
            reasons.append(f"{words / f.total_speech:.1f} words/s")
    if not reasons:
        reasons.append("no conclusive evidence (biased toward human)")
    return Fused(score, tuple(reasons))


def _long_talk(s: AmdSettings, f: TimingFeatures, transcript: Transcript | None) -> bool:
    """amd.long_talk_ms of speech in several segments, and amd.long_talk_min_words words heard."""
    if s.long_talk_ms is None or f.total_speech * 1000.0 < s.long_talk_ms:
        return False
    return word_count(transcript) >= s.long_talk_min_words


def word_count(t: Transcript | None) -> int:
    if t is None:
        return 0
    return len(t.words) or len(normalise_words(t.text))
