"""AMD decision rules (pure): VAD timing + tones + transcript phrase scores -> AmdVerdict.

The classifier is fed incrementally (speech events, tones, at most one transcript) and polled with the time
`now` (seconds after answer, injected by the caller). `poll(now)` returns a verdict as soon as the evidence is
conclusive, otherwise None ("wait"). `needs_transcript(now)` says when an ASR result would let it decide.

Rules, in order (every threshold is a field of AmdSettings, in ms or points):
1. A SIT tone -> OPERATOR. A beep (beep_min_ms <= duration <= beep_max_ms) -> MACHINE, at once.
2. With a transcript: operator phrases >= operator_score_min (and above voicemail and human) -> OPERATOR;
   voicemail minus human points >= early_machine_phrase_score -> MACHINE, before the window ends.
3. A decision point is reached when: continuous speech reaches machine_speech_ms by the deadline; or an utterance
   (segments joined across pauses < utterance_gap_ms) reaches long_greeting_ms; or a short greeting (total speech
   <= human_max_greeting_ms) is followed by after_greeting_silence_ms of silence; or the deadline passes.
   The deadline is window_ms (late_speech_window_ms after a late first onset), extended by at most
   max_extension_ms while speech goes on (room for the long-greeting rule) or while a greeting that just ended
   has had less than after_greeting_silence_ms of silence (room for a voicemail beep). No speech by
   no_speech_timeout_ms -> NO_ANSWER. Before a decision point, a transcript covering all speech so far decides at
   once when the caller's words say human (see _words_decide), or when the fused score below already reaches
   machine_score_min with phrase points for it.
4. At a decision point, operator phrases outweighing voicemail ones with no human phrase give OPERATOR when they
   reach operator_weak_score_min or when the evidence below says MACHINE (a carrier announcement without SIT).
   Otherwise the evidence is fused into one score (timing points + phrase points); score >=
   machine_score_min -> MACHINE, otherwise HUMAN (biased toward humans: hanging up on a person is the costly
   error), with a lower confidence when the score is above human_score_max. The transcript is asked at the first
   decision point or at the (unextended) deadline, whichever comes first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from robot.amd.features import SpeechTimeline, TimingFeatures
from robot.amd.keywords import KeywordScores, KeywordSet, normalise_words
from robot.events import AmdResult, AmdVerdict, SpeechEnded, SpeechStarted, ToneDetected, Transcript
from robot.settings import AmdSettings

# Timing points added to the fused score (relative weights of the timing evidence).
_POINTS_CONTINUOUS = 2.0  # continuous speech >= machine_speech_ms by the deadline
_POINTS_LONG_GREETING = 2.0  # an utterance >= long_greeting_ms
_POINTS_LONG_TOTAL = 1.0  # total speech > human_max_greeting_ms
_POINTS_STILL_TALKING = 0.5  # still talking at the deadline after a long total
_POINTS_SHORT_GREETING = -2.0  # short greeting followed by silence


def _reaches(seconds: float, ms: float) -> bool:
    """seconds >= ms, tolerant of float sums of 20 ms steps."""
    return seconds * 1000.0 + 1e-6 >= ms


def _confidence(distance: float) -> float:
    """Map a score distance from the decision boundary to (0.5, 0.99]."""
    return round(min(0.99, 1.0 / (1.0 + math.exp(-1.2 * abs(distance)))), 3)


@dataclass(frozen=True, slots=True)
class _Fused:
    score: float
    reasons: tuple[str, ...]


class AmdClassifier:
    """One call's AMD decision. Not thread-safe; feed it from the call's task."""

    def __init__(self, settings: AmdSettings, keywords: KeywordSet | None, *, use_asr: bool | None = None) -> None:
        self._s = settings
        self._keywords = keywords
        self.use_asr = (settings.use_asr if use_asr is None else use_asr) and keywords is not None
        self._timeline = SpeechTimeline()
        self._beep: ToneDetected | None = None
        self._sit: ToneDetected | None = None
        self._transcript: Transcript | None = None
        self._transcript_received = False
        self._asked_at: list[float] = []  # audio times the transcripts were asked at
        self._in_flight = False
        self._scores: KeywordScores | None = None
        self._tone_since: float | None = None  # a possible beep/SIT still sounding since then
        self._verdict: AmdVerdict | None = None

    # -- feeding -------------------------------------------------------------------------------------------
    def on_speech(self, event: SpeechStarted | SpeechEnded) -> None:
        self._timeline.add(event)

    def on_tone(self, tone: ToneDetected) -> None:
        if tone.kind == "sit" and self._sit is None:
            self._sit = tone
        elif tone.kind == "beep" and self._beep is None and self._is_beep(tone):
            self._beep = tone

    def on_tone_sounding(self, since: float | None) -> None:
        """A tone in the beep/SIT range has been sounding since `since` (None: no tone now); see ToneDetector."""
        self._tone_since = since

    def on_asked(self, now: float) -> None:
        """A transcript of the audio up to `now` was asked (the detector calls this when it submits)."""
        self._asked_at.append(now)
        self._in_flight = True

    def on_transcript(self, transcript: Transcript | None) -> None:
        """The latest ASR result, covering all speech up to where it was asked (None: nothing usable, e.g. dropped
        by the hallucination guard). A later transcript replaces an earlier one unless it has no words."""
        self._in_flight = False
        first = not self._transcript_received
        self._transcript_received = True
        if transcript is None or not transcript.text.strip():
            if first:
                self._transcript = transcript
            return
        self._transcript = transcript
        if self._keywords is not None:
            self._scores = self._keywords.score(
                transcript.text, self._s.strong_phrase_points, self._s.weak_phrase_points
            )

    def _is_beep(self, tone: ToneDetected) -> bool:
        ms = tone.duration * 1000.0
        return self._s.beep_min_ms <= ms <= self._s.beep_max_ms

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def verdict(self) -> AmdVerdict | None:
        return self._verdict

    @property
    def transcript_received(self) -> bool:
        return self._transcript_received

    def features(self, now: float) -> TimingFeatures:
        return self._timeline.features(now)

    def needs_transcript(self, now: float) -> bool:
        """True when a transcript should be asked now: early (the first greeting ended, or speech has gone on for
        early_asr_speech_ms) so that words are there when a decision point comes; at a decision point when none
        was asked; again at a decision point when speech came after an early request (max_asr_requests)."""
        if self._verdict is not None or not self.use_asr or self._in_flight:
            return False
        if self._beep is not None or self._sit is not None or len(self._asked_at) >= self._s.max_asr_requests:
            return False
        f = self._timeline.features(now)
        if not f.heard_speech:
            return False
        at_decision_point = f.now >= self._base_deadline(f) or self._decision_point(f)
        if not self._asked_at:
            return at_decision_point or self._early_asr_point(f)
        return at_decision_point and self._stale_transcript(f)

    def _stale_transcript(self, f: TimingFeatures) -> bool:
        """Speech came after the last transcript was asked, and another may be asked: a decision waits for it
        unless the words already decide."""
        if not self._asked_at or len(self._asked_at) >= self._s.max_asr_requests or self._words_decide(f):
            return False
        last = self._asked_at[-1]
        return any(end > last + 0.1 for _, end in f.spans)

    def _early_asr_point(self, f: TimingFeatures) -> bool:
        s = self._s
        silence = f.silence_since_speech
        if silence is not None:
            return _reaches(silence, s.early_asr_silence_ms) and f.total_speech >= 0.2
        return f.in_speech and _reaches(f.spans[-1][1] - f.spans[-1][0], s.early_asr_speech_ms)

        # -- deciding ------------------------------------------------------------------------------------------

    def poll(self, now: float) -> AmdVerdict | None:
        """The verdict if the evidence is conclusive at `now`, else None (keep listening)."""
        if self._verdict is None:
            self._verdict = self._decide(self._timeline.features(now), final=False)
        return self._verdict

    def finish(self, now: float) -> AmdVerdict:
        """Decide with whatever was gathered (the audio ended or the caller hung up)."""
        if self._verdict is None:
            f = self._timeline.features(now)
            verdict = self._decide(f, final=True)
            if verdict is None:
                result = AmdResult.NO_ANSWER if not f.heard_speech else AmdResult.UNKNOWN
                verdict = self._verdict_of(result, 0.5, f, ("audio ended before a decision",))
            self._verdict = verdict
        return self._verdict

    def _decide(self, f: TimingFeatures, *, final: bool) -> AmdVerdict | None:
        if self._sit is not None:
            return self._verdict_of(AmdResult.OPERATOR, 0.95, f, (f"SIT tone at {self._sit.t:.2f}s",))
        if self._beep is not None:
            b = self._beep
            return self._verdict_of(
                AmdResult.MACHINE, 0.95, f, (f"beep {b.frequency_hz:.0f} Hz {b.duration * 1000:.0f} ms at {b.t:.2f}s",)
            )
        kw = self._scores
        if kw is not None:
            if kw.operator >= self._s.operator_score_min and kw.operator > max(kw.voicemail, kw.human):
                return self._verdict_of(AmdResult.OPERATOR, 0.9, f, (f"operator phrases: {kw.describe()}",))
            margin = kw.machine_minus_human
            if margin >= self._s.early_machine_phrase_score:
                conf = _confidence(margin - self._s.early_machine_phrase_score + 1.5)
                return self._verdict_of(AmdResult.MACHINE, conf, f, (f"voicemail phrases: {kw.describe()}",))
        if not final and self._tone_may_be_beep(f):
            return None
        if not f.heard_speech:
            if _reaches(f.now, self._s.no_speech_timeout_ms) or final:
                reason = f"no speech in {f.now:.2f}s"
                return self._verdict_of(AmdResult.NO_ANSWER, 0.8 if not final else 0.6, f, (reason,))
            return None
        if not final and self._words_decide(f) and not f.in_speech:
            return self._fuse(f, kw)  # the caller's own words say human: no need to hold for a beep
        if not final and self._machine_already(f, kw):
            return self._fuse(f, kw)  # a beep or more speech would only confirm it
        if not final and not self._decision_point(f):
            return None
        if not final and self.use_asr and (not self._transcript_received or self._in_flight):
            return None
        if not final and self.use_asr and self._stale_transcript(f):
            return None
        return self._fuse(f, kw)

    def _machine_already(self, f: TimingFeatures, kw: KeywordScores | None) -> bool:
        """Before a decision point: the words are in (the latest transcript covers all speech so far) and the fused
        evidence already reaches machine_score_min with at least one phrase point for it."""
        if kw is None or kw.machine_minus_human <= 0 or self._in_flight or self._stale_transcript(f):
            return False
        return self._fused_score(f, kw).score >= self._s.machine_score_min

    def _tone_may_be_beep(self, f: TimingFeatures) -> bool:
        since = self._tone_since
        return since is not None and f.now - since <= self._s.beep_max_ms / 1000.0 + 0.1

    def _words_decide(self, f: TimingFeatures) -> bool:
        """The transcript holds a human opener ("allô", "je vous écoute", "à l'appareil") and no machine phrase; or,
        after a short greeting (total speech <= human_max_greeting_ms), any human phrase ("oui", "ouais") and no
        voicemail or operator phrase at all."""
        kw = self._scores
        if kw is None or kw.operator > 0 or f.total_speech * 1000.0 >= self._s.long_greeting_ms:
            return False
        strong = kw.human >= self._s.strong_phrase_points and kw.voicemail < self._s.weak_phrase_points * 2
        short = f.total_speech * 1000.0 <= self._s.human_max_greeting_ms
        return strong or (short and kw.human > 0 and kw.voicemail == 0)

    def _base_deadline(self, f: TimingFeatures) -> float:
        window = self._s.window_ms / 1000.0
        onset = f.first_onset if f.first_onset is not None else 0.0
        return max(window, onset + self._s.late_speech_window_ms / 1000.0)

    def _deadline(self, f: TimingFeatures) -> float:
        s = self._s
        base = self._base_deadline(f)
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

    def _early_continuous(self, f: TimingFeatures) -> bool:
        return f.continuous_by(self._s.machine_speech_ms / 1000.0, self._base_deadline(f))

    def _long_greeting(self, f: TimingFeatures) -> bool:
        return _reaches(f.longest_utterance(self._s.utterance_gap_ms / 1000.0), self._s.long_greeting_ms)

    def _short_greeting_over(self, f: TimingFeatures) -> bool:
        silence = f.silence_since_speech
        return (
            silence is not None
            and _reaches(silence, self._s.after_greeting_silence_ms)
            and f.total_speech * 1000.0 <= self._s.human_max_greeting_ms
        )

    def _decision_point(self, f: TimingFeatures) -> bool:
        return (
            self._early_continuous(f)
            or self._long_greeting(f)
            or self._short_greeting_over(f)
            or f.now >= self._deadline(f)
        )

    def _fuse(self, f: TimingFeatures, kw: KeywordScores | None) -> AmdVerdict:
        fused = self._fused_score(f, kw)
        s = self._s
        # carrier announcements without SIT: weak operator phrases decide alone from operator_weak_score_min,
        # and any operator phrase outweighing the voicemail ones turns a MACHINE verdict into OPERATOR
        operator_wins = kw is not None and kw.human == 0 and kw.operator > kw.voicemail
        if (
            kw is not None
            and operator_wins
            and (kw.operator >= s.operator_weak_score_min or fused.score >= s.machine_score_min)
        ):
            reasons = (*fused.reasons, f"operator phrases {kw.operator:.1f} > voicemail {kw.voicemail:.1f}")
            return self._verdict_of(AmdResult.OPERATOR, 0.7, f, reasons, fused.score)
        if fused.score >= s.machine_score_min:
            conf = _confidence(fused.score - s.machine_score_min + 0.5)
            return self._verdict_of(AmdResult.MACHINE, conf, f, fused.reasons, fused.score)
        distance = (s.machine_score_min - fused.score) if fused.score > s.human_score_max else 2.0 + abs(fused.score)
        conf = _confidence(distance * 0.6 if fused.score > s.human_score_max else distance)
        return self._verdict_of(AmdResult.HUMAN, conf, f, fused.reasons, fused.score)

    def _fused_score(self, f: TimingFeatures, kw: KeywordScores | None) -> _Fused:
        s = self._s
        score = 0.0
        reasons: list[str] = []
        if self._early_continuous(f):
            score += _POINTS_CONTINUOUS
            reasons.append(f"continuous speech {f.longest_speech * 1000:.0f} ms")
        elif self._long_greeting(f):
            score += _POINTS_LONG_GREETING
            gap = s.utterance_gap_ms
            reasons.append(f"greeting of {f.longest_utterance(gap / 1000.0) * 1000:.0f} ms (pauses < {gap} ms)")
        elif f.total_speech * 1000.0 > s.human_max_greeting_ms:
            score += _POINTS_LONG_TOTAL
            reasons.append(f"speech {f.total_speech * 1000:.0f} ms in {f.segment_count} segments")
            if f.in_speech:
                score += _POINTS_STILL_TALKING
                reasons.append("still talking at the deadline")
        if self._short_greeting_over(f):
            score += _POINTS_SHORT_GREETING
            reasons.append(
                f"short greeting {f.total_speech * 1000:.0f} ms then {(f.silence_since_speech or 0) * 1000:.0f} ms"
                " silence"
            )
        if kw is not None:
            if kw.matches:
                score += kw.machine_minus_human
                reasons.append(f"phrases {kw.voicemail:+.1f}/-{kw.human:.1f}: {kw.describe()}")
            words = self._word_count()
            fast = words and f.total_speech >= 1.0 and words / f.total_speech >= s.min_words_per_second_machine
            if fast and s.fast_speech_points > 0:
                score += s.fast_speech_points
                reasons.append(f"{words / f.total_speech:.1f} words/s")
        if not reasons:
            reasons.append("no conclusive evidence (biased toward human)")
        return _Fused(score, tuple(reasons))

    def _word_count(self) -> int:
        t = self._transcript
        if t is None:
            return 0
        return len(t.words) or len(normalise_words(t.text))

    def _verdict_of(
        self,
        result: AmdResult,
        confidence: float,
        f: TimingFeatures,
        reasons: tuple[str, ...],
        score: float | None = None,
    ) -> AmdVerdict:
        evidence: dict[str, float | str | bool] = {
            "initial_silence_ms": round((f.first_onset if f.first_onset is not None else f.now) * 1000.0, 1),
            "speech_segments": float(f.segment_count),
            "longest_speech_ms": round(f.longest_speech * 1000.0, 1),
            "total_speech_ms": round(f.total_speech * 1000.0, 1),
            "in_speech": f.in_speech,
            "asr": self._transcript_received,
        }
        if f.silence_since_speech is not None:
            evidence["silence_after_speech_ms"] = round(f.silence_since_speech * 1000.0, 1)
        if score is not None:
            evidence["score"] = round(score, 3)
        if self._scores is not None:
            evidence["voicemail_points"] = self._scores.voicemail
            evidence["human_points"] = self._scores.human
            evidence["operator_points"] = self._scores.operator
        text = self._transcript.text if self._transcript is not None else ""
        return AmdVerdict(result, confidence, round(f.now, 3), reasons, text, evidence)


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
        if silence is not None and _reaches(silence, self._s.machine_end_silence_ms):
            return BeepWaitResult(BeepWaitOutcome.SILENCE, now)
        if _reaches(now - self._started_at, self._s.wait_for_beep_ms):
            return BeepWaitResult(BeepWaitOutcome.TIMEOUT, now)
        return None
