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

False interruptions (pause policy, and vad policy with DialogSettings.bargein_resume): neither waits for words
before silencing the prompt, so "mmh" and "attendez" both pause (or break) it. `InterruptionJudge` then follows the
interrupting speech in audio time and decides what it was: a part still talking backchannel_max_ms after its onset
-> a real turn; a part that ended (resume_silence_ms of silence) -> its words are awaited, up to
backchannel_words_wait_ms of audio time, and judged with the backchannel vocabulary (robot.dialog.backchannel:
phrase families, hums in any spelling Whisper gives them). Only backchannels, or no words in time -> resume;
any other word -> a real turn. `should_resume` then applies max_resumes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from robot.dialog.backchannel import BackchannelVocabulary
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
        self._backchannels = BackchannelVocabulary(settings.backchannels)
        self._caller = _CallerEnvelope()
        self._prompt_start: float | None = None
        self._prompt_env: npt.NDArray[np.float64] | None = None
        self._resumed = False
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
    def playback_started(
        self, t: float, envelope: npt.NDArray[np.float64] | None = None, *, resumed: bool = False
    ) -> None:
        """A prompt starts at audio time `t`; `envelope` is its energy_envelope (None: no envelope echo check).
        `resumed`: the prompt goes on after a false interruption; speech that began while it was silent (VAD onsets
        come stamped back in time, after the resume) is the caller reacting, never guarded."""
        self._prompt_start = t
        self._prompt_env = envelope
        self._decided = False
        self._resumed = resumed
        if self._segment is not None and not resumed:
            self._segment.guarded = True  # speech already under way is not a reaction to this prompt

    def playback_stopped(self, t: float) -> None:
        self._prompt_start = None
        self._prompt_env = None

    def caller_audio(self, t: float, samples: npt.NDArray[np.int16]) -> None:
        self._caller.feed(t, samples)

    def speech_started(self, t: float) -> None:
        start = self._prompt_start
        if start is not None and self._resumed and t < start:
            guarded = False  # began while the resumed prompt was silent: the caller, not its echo
        else:
            guarded = start is None or t < start + self._s.echo_guard_ms / 1000
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
        real = [w for w in heard if not self._backchannels.matches(w.text)]
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


# --- false interruptions (pause and vad policies) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterruptionVerdict:
    """What the speech that paused or broke a prompt turned out to be (audio seconds).

    speech: a part still talking (or that talked) backchannel_max_ms; words: a part's words are not all
    backchannels; short: every part was short and its words are backchannels, or none came (`no_words` parts)."""

    kind: Literal["speech", "words", "short"]
    onset: float
    end: float  # end of its last part (short, words), or the time it was judged (speech)
    text: str | None = None  # the parts' words (None: no part got any in time)
    no_words: int = 0  # parts judged without words (ASR off, failed, or later than backchannel_words_wait_ms)


@dataclass(slots=True)
class _Part:
    """One stretch of the interruption: VAD segments with less than resume_silence_ms between them."""

    onset: float
    end: float | None = None  # None: still talking
    asked: bool = False  # its words were asked for
    asked_at: float = 0.0
    sent: bool = False  # handed out by to_transcribe
    judged: bool = False  # its words came, or the wait for them is over
    text: str | None = None


class InterruptionJudge:
    """Follows the speech that paused (pause policy) or broke (vad policy) a prompt, from its VAD onset, in audio
    time: VAD events, ticks, and the words of each part, pure (the listener asks the ASR and hands the words in).

    A part that talks backchannel_max_ms is a real turn ("speech"). A part followed by resume_silence_ms of silence
    is short: its words are asked for (`to_transcribe`) and awaited for backchannel_words_wait_ms of audio time at
    most. Words that are not all backchannels make it a real turn ("words"); when every part is short and judged
    and the caller is silent, the verdict is "short" (resume). A part whose words never came counts as short and
    wordless (`no_words`): a short sound nothing showed to be more than a backchannel, noise or echo. The verdict
    waits for the words, so it does not depend on how fast the ASR answers, up to that wait."""

    def __init__(self, settings: DialogSettings, onset: float, *, in_speech: bool = True, words: bool = True) -> None:
        self._max_s = settings.backchannel_max_ms / 1000
        self._silence_s = settings.resume_silence_ms / 1000
        self._wait_s = settings.backchannel_words_wait_ms / 1000
        self._words = words
        self._vocabulary = BackchannelVocabulary(settings.backchannels)
        self.onset = onset
        self._parts = [_Part(onset, None if in_speech else onset)]
        self.verdict: InterruptionVerdict | None = None

    def speech_started(self, t: float) -> None:
        last = self._parts[-1]
        if last.end is None:
            return
        if not last.asked and t - last.end < self._silence_s:
            last.end = None  # the same part goes on ("oui... oui")
        else:
            self._parts.append(_Part(t))

    def speech_ended(self, t: float) -> None:
        last = self._parts[-1]
        last.end = t if last.end is None else max(last.end, t)

    def to_transcribe(self) -> list[tuple[float, float]]:
        """(onset, end) of the parts whose words are wanted now; each part is returned once."""
        wanted = [p for p in self._parts if p.asked and not p.judged and not p.sent]
        for part in wanted:
            part.sent = True
        return [(p.onset, p.end if p.end is not None else p.asked_at) for p in wanted]

    def words(self, onset: float, text: str | None, t: float) -> InterruptionVerdict | None:
        """The words of the part that began at `onset` (None: the ASR had none to give); may decide."""
        for part in self._parts:
            if part.onset == onset and not part.judged:
                part.judged, part.text = True, text
        return self.tick(t)

    def tick(self, t: float) -> InterruptionVerdict | None:
        if self.verdict is not None:
            return self.verdict
        for part in self._parts:
            if part.end is None and t - part.onset >= self._max_s:
                return self._decide("speech", t)  # still talking
            if part.end is not None and part.end - part.onset > self._max_s:
                return self._decide("speech", t)  # it already talked that long
            if part.end is not None and not part.asked and t - part.end >= self._silence_s:
                part.asked, part.asked_at, part.judged = True, t, not self._words
            if part.asked and not part.judged and t - part.asked_at >= self._wait_s:
                part.judged = True  # no words in time: judged on its (short) duration alone
            if part.judged and part.text is not None and not self._vocabulary.matches(part.text):
                return self._decide("words", part.end if part.end is not None else t)
        last = self._parts[-1]
        if all(p.judged for p in self._parts) and last.end is not None and t - last.end >= self._silence_s:
            return self._decide("short", last.end)
        return None

    def _decide(self, kind: Literal["speech", "words", "short"], end: float) -> InterruptionVerdict:
        texts = [p.text for p in self._parts if p.text is not None]
        missing = sum(1 for p in self._parts if p.judged and p.text is None)
        self.verdict = InterruptionVerdict(kind, self.onset, end, " ".join(texts) if texts else None, missing)
        return self.verdict


def is_backchannel_text(text: str, backchannels: Sequence[str]) -> bool:
    """Every word of `text` is a backchannel ("oui", "mmh"...); an empty text counts (nothing was said)."""
    return BackchannelVocabulary(backchannels).matches(text)


def should_resume(
    verdict: InterruptionVerdict | None, text: str | None, resumes: int, settings: DialogSettings
) -> bool:
    """Resume the paused/broken prompt? Only after a short interruption made of backchannels or of no words
    (`text` None: none in time, or no ASR), and at most max_resumes times per prompt."""
    if verdict is None or verdict.kind != "short" or resumes >= settings.max_resumes:
        return False
    return text is None or is_backchannel_text(text, settings.backchannels)
