"""Barge-in policy (pure): should the prompt that plays now be broken because the caller talks?

Inputs, all stamped in call audio time (seconds, the same scale as the caller's AudioChunk.t):
`playback_started(t, envelope)` / `playback_stopped(t)`, `caller_audio(t, samples)` (16 kHz int16, for the echo
check), VAD `speech_started(t)` / `speech_ended(t)`, ASR `words(words)`, and `tick(t)` after each audio chunk.
`tick` and `words` return a `BargeInDecision` at most once per prompt.

Policies (DialogSettings.bargein_policy):
- `vad`: a speech segment that started while the prompt plays breaks it once it has lasted bargein_min_speech_ms.
- `words`: ASR must confirm at least one word, spoken during that segment, that is not a backchannel
  (DialogSettings.backchannels: "oui", "hum", "d'accord"...).
- `pause`: like `vad`, but after only bargein_pause_min_speech_ms, because what it decides is reversible: the prompt
  is paused (uuid_fileman pause), then broken if the speech turns out to be an interruption, or resumed from the
  same sample if it was a backchannel, noise or echo (the caller hears a gap, never a restart).
- `off`: never break.

What the echo guard ignores (either way the segment never breaks the prompt):
1. any speech segment whose VAD onset is earlier than playback start + echo_guard_ms (the caller's handset echo of
   the prompt's first syllable, or speech already under way when the prompt started);
2. a segment whose recent caller energy envelope (the last echo_window_ms, 20 ms frames, log energy) correlates
   with the prompt's own envelope at the same playback offset, delayed by 0..echo_max_lag_ms, with Pearson
   r >= echo_correlation_min: that is the prompt coming back, whatever its level. The check is made again on every
   tick, so a caller who talks over the echo (the envelopes stop matching) still breaks the prompt.
Rejections are counted in `rejected` by reason: echo_guard, echo_envelope, too_short (a vad-policy segment that
ended before the minimum: clicks, coughs, "hm"), backchannel (a words-policy segment with only backchannels).

False interruptions (vad policy, DialogSettings.bargein_resume): the vad policy breaks fast, before anything can
tell "mmh" from "attendez". `InterruptionJudge` then follows the interrupting speech in audio time: still talking
backchannel_max_ms after its onset -> a real turn; silent for resume_silence_ms before that -> a short interruption,
whose transcript `should_resume` checks (only backchannels, or no words at all after the hallucination guard, or
no transcript in time) before the runner resumes the prompt where it was broken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from robot.dialog.intents import normalize_text
from robot.events import Word
from robot.settings import DialogSettings

FRAME_S = 0.02  # envelope frame, seconds
_SILENCE_DB = -10.0  # log energy of digital silence (mean square 0 -> 10*log10(0.1))


def energy_envelope(samples: npt.NDArray[np.int16], rate: int) -> npt.NDArray[np.float64]:
    """Log energy (dB of the mean square, int16 scale) of each whole 20 ms frame; rate-independent."""
    frame = round(rate * FRAME_S)
    count = len(samples) // frame
    if count == 0:
        return np.zeros(0, dtype=np.float64)
    x = samples[: count * frame].astype(np.float64).reshape(count, frame)
    return np.asarray(10.0 * np.log10(np.mean(x * x, axis=1) + 0.1), dtype=np.float64)


def _pearson(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    da = a - a.mean()
    db = b - b.mean()
    denom = float(np.sqrt(np.dot(da, da) * np.dot(db, db)))
    if denom < 1e-9:
        return 0.0  # a flat envelope (steady noise or silence) tells nothing about echo
    return float(np.dot(da, db) / denom)


@dataclass(frozen=True, slots=True)
class BargeInDecision:
    speech_onset: float  # VAD onset of the segment, call audio seconds
    decided_at: float  # audio time of the input that decided, seconds
    policy: str
    reason: str  # "speech 260 ms", "word 'attendez'"
    words: str = ""


@dataclass(slots=True)
class _Segment:
    onset: float
    guarded: bool  # started inside the echo guard window or before the prompt
    echo_seen: bool = False
    words: str = ""
    non_backchannel: str = ""


class _CallerEnvelope:
    """Caller 20 ms log-energy frames, anchored in audio time; re-anchored when the audio jumps (lost frames)."""

    def __init__(self, keep_s: float = 30.0) -> None:
        self._t0: float | None = None
        self._frames: list[float] = []
        self._pending = np.zeros(0, dtype=np.int16)
        self._keep = round(keep_s / FRAME_S)

    def feed(self, t: float, samples: npt.NDArray[np.int16]) -> None:
        expected = None if self._t0 is None else self._t0 + (len(self._frames) * 320 + len(self._pending)) / 16000
        if expected is None or abs(t - expected) > 0.005:
            self._t0, self._frames, self._pending = t, [], np.zeros(0, dtype=np.int16)
        buf = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        whole = len(buf) // 320 * 320
        self._frames.extend(energy_envelope(buf[:whole], 16000).tolist())
        self._pending = buf[whole:].copy()
        if len(self._frames) > self._keep:
            drop = len(self._frames) - self._keep
            del self._frames[:drop]
            assert self._t0 is not None
            self._t0 += drop * FRAME_S

    def window(self, start: float, end: float) -> tuple[float, npt.NDArray[np.float64]]:
        """Frames wholly inside [start, end) and the audio time of the first one."""
        if self._t0 is None:
            return start, np.zeros(0, dtype=np.float64)
        first = max(0, int(np.ceil((start - self._t0) / FRAME_S - 1e-6)))
        last = min(len(self._frames), int(np.floor((end - self._t0) / FRAME_S + 1e-6)))
        if last <= first:
            return start, np.zeros(0, dtype=np.float64)
        return self._t0 + first * FRAME_S, np.asarray(self._frames[first:last], dtype=np.float64)


class BargeInPolicy:
    """One per call. See the module docstring for what breaks a prompt and what is guarded."""

    MIN_ECHO_FRAMES = 6  # fewer frames than this (120 ms) cannot be compared with the prompt

    def __init__(self, settings: DialogSettings) -> None:
        self._s = settings
        self._backchannels = frozenset(normalize_text(w) for w in settings.backchannels)
        self._caller = _CallerEnvelope()
        self._prompt_start: float | None = None
        self._prompt_env: npt.NDArray[np.float64] | None = None
        self._segment: _Segment | None = None
        self._decided = False
        self.rejected: Counter[str] = Counter()
        self.decisions: list[BargeInDecision] = []

    @property
    def playing(self) -> bool:
        return self._prompt_start is not None

    @property
    def decided(self) -> bool:
        """A barge-in was already decided for the prompt that plays now."""
        return self._decided

    # --- inputs -------------------------------------------------------------------------------------------
    def playback_started(self, t: float, envelope: npt.NDArray[np.float64] | None = None) -> None:
        """A prompt starts at audio time `t`; `envelope` is its energy_envelope (None: no envelope echo check)."""
        self._prompt_start = t
        self._prompt_env = envelope
        self._decided = False
        if self._segment is not None:
            self._segment.guarded = True  # speech already under way is not a reaction to this prompt

    def playback_stopped(self, t: float) -> None:
        self._prompt_start = None
        self._prompt_env = None

    def caller_audio(self, t: float, samples: npt.NDArray[np.int16]) -> None:
        self._caller.feed(t, samples)

    def speech_started(self, t: float) -> None:
        guarded = self._prompt_start is None or t < self._prompt_start + self._s.echo_guard_ms / 1000
        if self._prompt_start is not None and guarded:
            self.rejected["echo_guard"] += 1
        self._segment = _Segment(onset=t, guarded=guarded)

    def speech_ended(self, t: float) -> None:
        seg, self._segment = self._segment, None
        if seg is None or seg.guarded or self._prompt_start is None or self._decided:
            return
        if seg.echo_seen:
            return  # already counted as echo_envelope
        if self._s.bargein_policy in ("vad", "pause"):
            self.rejected["too_short"] += 1
        elif self._s.bargein_policy == "words":
            self.rejected["backchannel" if seg.words else "no_words"] += 1

    def tick(self, t: float) -> BargeInDecision | None:
        """Audio time advanced to `t` (end of the last chunk); the vad policy may decide here."""
        seg = self._segment
        policy = self._s.bargein_policy
        if policy not in ("vad", "pause") or not self._candidate(seg):
            return None
        assert seg is not None
        spoken = t - seg.onset
        minimum = self._s.bargein_pause_min_speech_ms if policy == "pause" else self._s.bargein_min_speech_ms
        if spoken < minimum / 1000 or self._is_echo(seg, t):
            return None
        return self._decide(seg, t, f"speech {round(spoken * 1000)} ms")

    def words(self, words: Sequence[Word], t: float) -> BargeInDecision | None:
        """Words recognised in the current segment (audio times); the words policy may decide here."""
        seg = self._segment
        if self._s.bargein_policy != "words" or not self._candidate(seg):
            return None
        assert seg is not None
        heard = [w for w in words if w.end > seg.onset]
        if not heard:
            return None
        seg.words = " ".join(w.text.strip() for w in heard)
        real = [w for w in heard if normalize_text(w.text) and normalize_text(w.text) not in self._backchannels]
        if not real or self._is_echo(seg, t):
            return None
        seg.non_backchannel = real[0].text.strip()
        return self._decide(seg, t, f"word {seg.non_backchannel!r}")

    # --- internals ----------------------------------------------------------------------------------------
    def _candidate(self, seg: _Segment | None) -> bool:
        return seg is not None and not seg.guarded and self._prompt_start is not None and not self._decided

    def _decide(self, seg: _Segment, t: float, reason: str) -> BargeInDecision:
        self._decided = True
        decision = BargeInDecision(seg.onset, t, self._s.bargein_policy, reason, seg.words)
        self.decisions.append(decision)
        return decision

    def echo_score(self, start: float, end: float) -> float:
        """Best Pearson r between caller frames in [start, end) and the prompt's, over lags 0..echo_max_lag_ms."""
        if self._prompt_start is None or self._prompt_env is None:
            return 0.0
        first_t, caller = self._caller.window(start, end)
        if len(caller) < self.MIN_ECHO_FRAMES:
            return 0.0
        offset = round((first_t - self._prompt_start) / FRAME_S)
        prompt = self._prompt_env
        best = -1.0
        for lag in range(round(self._s.echo_max_lag_ms / 1000 / FRAME_S) + 1):
            begin = offset - lag
            idx = np.arange(begin, begin + len(caller))
            ref = np.where((idx >= 0) & (idx < len(prompt)), prompt[np.clip(idx, 0, len(prompt) - 1)], _SILENCE_DB)
            best = max(best, _pearson(caller, ref))
        return best

    def _is_echo(self, seg: _Segment, t: float) -> bool:
        start = max(seg.onset, t - self._s.echo_window_ms / 1000)
        if self.echo_score(start, t) < self._s.echo_correlation_min:
            return False
        if not seg.echo_seen:
            seg.echo_seen = True
            self.rejected["echo_envelope"] += 1
        return True


# --- false interruptions (vad policy) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterruptionVerdict:
    """What the speech that broke a prompt turned out to be (audio seconds)."""

    kind: Literal["speech", "short"]  # speech: still talking at backchannel_max_ms; short: ended before
    onset: float
    end: float  # end of its last speech segment ("short"), or the time it was judged ("speech")


class InterruptionJudge:
    """Follows the speech that broke a prompt, from its VAD onset, through VAD events and ticks (audio time).
    Further segments before the verdict belong to the same interruption ("oui... oui")."""

    def __init__(self, settings: DialogSettings, onset: float, *, in_speech: bool = True) -> None:
        self._max_s = settings.backchannel_max_ms / 1000
        self._silence_s = settings.resume_silence_ms / 1000
        self.onset = onset
        self._in_speech = in_speech
        self._last_end = onset
        self.verdict: InterruptionVerdict | None = None

    def speech_started(self, t: float) -> None:
        self._in_speech = True

    def speech_ended(self, t: float) -> None:
        self._in_speech = False
        self._last_end = max(self._last_end, t)

    def tick(self, t: float) -> InterruptionVerdict | None:
        if self.verdict is not None:
            return self.verdict
        if (self._in_speech and t - self.onset >= self._max_s) or self._last_end - self.onset > self._max_s:
            self.verdict = InterruptionVerdict("speech", self.onset, t)
        elif not self._in_speech and t - self._last_end >= self._silence_s:
            self.verdict = InterruptionVerdict("short", self.onset, self._last_end)
        return self.verdict


def is_backchannel_text(text: str, backchannels: Sequence[str]) -> bool:
    """Every word of `text` is a backchannel ("oui", "mmh"...); an empty text counts (nothing was said)."""
    remaining = f" {normalize_text(text)} "
    for phrase in sorted({normalize_text(b) for b in backchannels}, key=len, reverse=True):
        while phrase and f" {phrase} " in remaining:
            remaining = remaining.replace(f" {phrase} ", " ")
    return not remaining.strip()


def should_resume(
    verdict: InterruptionVerdict | None, text: str | None, resumes: int, settings: DialogSettings
) -> bool:
    """Resume the broken prompt? Only for a short interruption made of backchannels or no words (`text` None: no
    transcript in time or no ASR), and at most max_resumes times per prompt."""
    if verdict is None or verdict.kind != "short" or resumes >= settings.max_resumes:
        return False
    return text is None or is_backchannel_text(text, settings.backchannels)
