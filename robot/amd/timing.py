"""AMD timing rules (pure): when the speech heard so far reaches a decision point, and when the deadline is.

Every threshold is a field of AmdSettings, in ms. A decision point is reached when: continuous speech reaches
machine_speech_ms by the deadline; or an utterance (segments joined across pauses < utterance_gap_ms) reaches
long_greeting_ms; or a short greeting (total speech <= human_max_greeting_ms) is followed by
short_greeting_silence_ms of silence; or the deadline passes. The deadline is window_ms (late_speech_window_ms
after a late first onset), extended by at most max_extension_ms while speech goes on (room for the long-greeting
rule) or while a greeting that just ended has had less than after_greeting_silence_ms of silence (room for a
voicemail beep). Used by robot.amd.classifier (when to decide, when to ask for a transcript) and robot.amd.fusion
(the timing points of the fused score).
"""

from __future__ import annotations

from robot.amd.features import TimingFeatures
from robot.settings import AmdSettings


def reaches(seconds: float, ms: float) -> bool:
    """seconds >= ms, tolerant of float sums of 20 ms steps."""
    return seconds * 1000.0 + 1e-6 >= ms


def early_asr_point(s: AmdSettings, f: TimingFeatures) -> bool:
    silence = f.silence_since_speech
    if silence is not None:
        return reaches(silence, s.early_asr_silence_ms) and f.total_speech >= 0.2
    return f.in_speech and reaches(f.spans[-1][1] - f.spans[-1][0], s.early_asr_speech_ms)


def base_deadline(s: AmdSettings, f: TimingFeatures) -> float:
    window = s.window_ms / 1000.0
    onset = f.first_onset if f.first_onset is not None else 0.0
    return max(window, onset + s.late_speech_window_ms / 1000.0)


def deadline(s: AmdSettings, f: TimingFeatures) -> float:
    base = base_deadline(s, f)
    wait = base
    silence = f.silence_since_speech
    utterance_start = f.last_utterance_start(s.utterance_gap_ms / 1000.0)
    if f.in_speech and utterance_start is not None:
        # still talking: wait until the long-greeting rule can tell a recorded greeting from a long hello
        wait = utterance_start + s.long_greeting_ms / 1000.0
    elif s.hold_after_greeting and silence is not None:
        # a greeting just ended: give a voicemail beep the same chance a human gets to speak again
        wait = f.now - silence + s.after_greeting_silence_ms / 1000.0
    return min(max(base, wait), base + s.max_extension_ms / 1000.0)


def early_continuous(s: AmdSettings, f: TimingFeatures) -> bool:
    return f.continuous_by(s.machine_speech_ms / 1000.0, base_deadline(s, f))


def long_greeting(s: AmdSettings, f: TimingFeatures) -> bool:
    return reaches(f.longest_utterance(s.utterance_gap_ms / 1000.0), s.long_greeting_ms)


def short_greeting_over(s: AmdSettings, f: TimingFeatures) -> bool:
    silence = f.silence_since_speech
    return (
        silence is not None
        and reaches(silence, s.short_greeting_silence_ms)
        and f.total_speech * 1000.0 <= s.human_max_greeting_ms
    )


def decision_point(s: AmdSettings, f: TimingFeatures) -> bool:
    return early_continuous(s, f) or long_greeting(s, f) or short_greeting_over(s, f) or f.now >= deadline(s, f)
