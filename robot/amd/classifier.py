"""AMD decision rules (pure): VAD timing + tones + transcript phrase scores -> AmdVerdict.

The classifier is fed incrementally (speech events, tones, at most one transcript) and polled with the time
`now` (seconds after answer, injected by the caller). `poll(now)` returns a verdict as soon as the evidence is
conclusive, otherwise None ("wait"). `needs_transcript(now)` says when an ASR result would let it decide.

Rules, in order (every threshold is a field of AmdSettings, in ms or points):
1. A SIT tone -> OPERATOR. A beep (beep_min_ms <= duration <= beep_max_ms) -> MACHINE, beep_in_speech_ms after it
   ends, unless it sat inside speech that still goes on then (a steady vowel).
2. With a transcript: operator phrases >= operator_score_min (and above voicemail and human) -> OPERATOR;
   voicemail minus human points >= early_machine_phrase_score -> MACHINE, before the window ends.
3. Wait for a decision point (robot.amd.timing: long continuous speech, a long greeting, a short greeting then
   silence, or the deadline, extended while speech goes on or a greeting just ended). No speech by
   no_speech_timeout_ms -> NO_ANSWER. Before a decision point, a transcript covering all speech so far decides at
   once when the caller's words say human (see _words_decide), or when the fused score (robot.amd.fusion) already
   reaches machine_score_min with phrase points for it. A long greeting still going on whose transcript at that
   point holds no voicemail or operator phrase, and that timing alone would call a machine, is held
   long_greeting_words_wait_ms more and judged on one more transcript (a person's long opener says who answers
   last). A melody (hold music, a chime: robot.amd.melody) that ended
   before the first speech adds melody_points and decides melody_speech_ms after the onset unless words outweigh it.
4. At a decision point, the evidence is fused (robot.amd.fusion: OPERATOR for a carrier announcement, else
   timing points + phrase points; MACHINE from machine_score_min, otherwise HUMAN). The transcript is asked at the
   first decision point or at the (unextended) deadline, whichever comes first.
The voicemail-drop wait after a MACHINE verdict is robot.amd.beepwait.
"""

from __future__ import annotations

from robot.amd.beepwait import BeepWaitResult  # re-exported: robot.calls.app/core import it from here
from robot.amd.features import SpeechTimeline, TimingFeatures
from robot.amd.fusion import confidence, fuse, fused_score
from robot.amd.keywords import KeywordScores, KeywordSet
from robot.amd.probe import Probe
from robot.amd.timing import (
    base_deadline,
    deadline,
    decision_point,
    early_asr_point,
    early_continuous,
    long_greeting,
    reaches,
)
from robot.events import AmdResult, AmdVerdict, SpeechEnded, SpeechStarted, ToneDetected, Transcript
from robot.settings import AmdSettings

__all__ = ["AmdClassifier", "BeepWaitResult"]

MELODY_TAIL_S = 0.1  # a speech segment ending this soon after a melody, begun inside it, is the melody's own


class AmdClassifier:
    """One call's AMD decision. Not thread-safe; feed it from the call's task."""

    def __init__(self, settings: AmdSettings, keywords: KeywordSet | None, *, use_asr: bool | None = None) -> None:
        self._s = settings
        self._keywords = keywords
        self.use_asr = (settings.use_asr if use_asr is None else use_asr) and keywords is not None
        self._timeline = SpeechTimeline()
        self._beep: ToneDetected | None = None
        self._beep_candidate: ToneDetected | None = None  # a beep-like tone, until amd.beep_in_speech_ms tell
        self._tones_in_speech = 0  # beep-like tones taken for a voice's steady vowel
        self._sit: ToneDetected | None = None
        self._transcript: Transcript | None = None
        self._transcript_received = False
        self._asked_at: list[float] = []  # audio times the transcripts were asked at
        self._in_flight = False
        self._scores: KeywordScores | None = None
        self._tone_since: float | None = None  # a possible beep/SIT still sounding since then
        self._melodies: list[ToneDetected] = []  # melodies heard (robot.amd.melody); used when before the greeting
        self._verdict: AmdVerdict | None = None
        self._held_for_words = False  # a long greeting was held for its words (long_greeting_words_wait_ms)
        self.probe: Probe | None = None  # amd.probe_prompt, when the call can play it (see enable_probe)

    # -- feeding -------------------------------------------------------------------------------------------
    def enable_probe(self, duration_s: float) -> None:
        """This call can play amd.probe_prompt, which lasts `duration_s` (robot/amd/probe.py)."""
        self.probe = Probe(self._s, duration_s)

    def needs_probe(self, now: float) -> bool:
        """True once, when the probe should be played now (then call `on_probe`)."""
        if self.probe is None or self._verdict is not None or self._beep is not None or self._sit is not None:
            return False
        return self._tone_since is None and self.probe.due(now, self.features(now).heard_speech)

    def on_probe(self, now: float) -> None:
        """The probe was started at audio time `now`."""
        if self.probe is not None:
            self.probe.start(now)

    def on_speech(self, event: SpeechStarted | SpeechEnded) -> None:
        for admitted in self.probe.admit(event) if self.probe is not None else [event]:
            self._timeline.add(admitted)

    def _settle_probe(self, now: float) -> None:
        if self.probe is not None:
            for event in self.probe.settle(now):
                self._timeline.add(event)

    def on_tone(self, tone: ToneDetected) -> None:
        if tone.kind == "sit" and self._sit is None:
            self._sit = tone
        elif tone.kind == "melody":
            self._melodies.append(tone)
        elif tone.kind == "beep" and self._beep is None and self._beep_candidate is None and self._is_beep(tone):
            self._beep_candidate = tone

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
            scores = self._keywords.score(
                transcript.text,
                self._s.strong_phrase_points,
                self._s.weak_phrase_points,
                near_points=self._s.near_phrase_points,
                near_min_words=self._s.near_phrase_min_words,
            )
            self._scores = (
                scores if self._scores is None or not self._s.keep_phrase_evidence else self._scores.merged(scores)
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
        """The timing features at `now`, without the speech segments that were a melody's own notes."""
        self._settle_probe(now)
        return self._timeline.features(now, self._melody_own if self._melodies else None)

    def _melody_own(self, span: tuple[float, float]) -> bool:
        """A speech segment begun inside a reported melody, ended by MELODY_TAIL_S after it and shorter than half
        of it: a note the VAD took for a voice (a voice whose held vowels make the melody covers most of it)."""
        if self._s.melody_points <= 0:
            return False
        start, end = span
        return any(
            start >= m.t - 0.02 and end <= m.t + m.duration + MELODY_TAIL_S and end - start < m.duration / 2
            for m in self._melodies
        )

    def needs_transcript(self, now: float) -> bool:
        """True when a transcript should be asked now: early (the first greeting ended, or speech has gone on for
        early_asr_speech_ms) so that words are there when a decision point comes; at a decision point (or the
        window's end) when none was asked; again there when speech came after the last request; the last one a
        call may ask (max_asr_requests, from the third) last_asr_lead_ms before the decision point it is for."""
        if self._verdict is not None or not self.use_asr or self._in_flight:
            return False
        if self._beep is not None or self._sit is not None or len(self._asked_at) >= self._max_requests:
            return False
        f = self.features(now)
        if not f.heard_speech or self._holding_for_words(f):
            return False
        at_decision_point = f.now >= base_deadline(self._s, f) or decision_point(self._s, f)
        if not self._asked_at:
            return at_decision_point or early_asr_point(self._s, f)
        if len(self._asked_at) == self._s.max_asr_requests - 1 and len(self._asked_at) > 1:
            # the last one: asked last_asr_lead_ms before the decision point it is for (a long greeting's, the
            # extended deadline), so its words are in when that point comes
            lead = self._s.last_asr_lead_ms / 1000.0
            at_decision_point = decision_point(self._s, f) or f.now + lead >= deadline(self._s, f)
        return at_decision_point and self._stale_transcript(f)

    def _stale_transcript(self, f: TimingFeatures) -> bool:
        """Speech came after the last transcript was asked, and another may be asked: a decision waits for it
        unless the words already decide."""
        if not self._asked_at or len(self._asked_at) >= self._max_requests or self._words_decide(f):
            return False
        last = self._asked_at[-1]
        return any(end > last + 0.1 for _, end in f.spans)

    @property
    def _max_requests(self) -> int:
        """max_asr_requests, and one more once a long greeting was held for its words."""
        return self._s.max_asr_requests + (1 if self._held_for_words else 0)

    def _holding_for_words(self, f: TimingFeatures) -> bool:
        """A long greeting still going on, whose transcript (in, covering the speech when it was asked) holds no
        voicemail or operator phrase and that timing alone calls a machine, waits until it has lasted
        long_greeting_words_wait_ms more (a person's long opener says who answers last); then one more transcript is
        asked and the decision point is reached again."""
        s = self._s
        if s.long_greeting_words_wait_ms <= 0 or not self.use_asr or not f.in_speech or self._in_flight:
            return False
        if not long_greeting(s, f) or early_continuous(s, f):
            return False
        kw = self._scores
        if kw is not None and (kw.voicemail > 0 or kw.operator > 0):
            return False
        start = f.last_utterance_start(s.utterance_gap_ms / 1000.0)
        if start is None or not reaches(f.now - start, s.long_greeting_ms):
            return False  # the long greeting is an earlier utterance: judged as before
        if reaches(f.now - start, s.long_greeting_ms + s.long_greeting_words_wait_ms):
            return False
        if not self._asked_at or not reaches(
            self._asked_at[-1] - start + s.last_asr_lead_ms / 1000.0, s.long_greeting_ms
        ):
            return False  # the words of the long-greeting point are not asked yet
        if fused_score(s, f, kw, self._transcript, self._melody_before(f)).score < s.machine_score_min:
            return False  # the words already say human: nothing to wait for
        self._held_for_words = True
        return True

        # -- deciding ------------------------------------------------------------------------------------------

    def poll(self, now: float) -> AmdVerdict | None:
        """The verdict if the evidence is conclusive at `now`, else None (keep listening)."""
        if self._verdict is None:
            self._verdict = self._decide(self.features(now), final=False)
        return self._verdict

    def finish(self, now: float) -> AmdVerdict:
        """Decide with whatever was gathered (the audio ended or the caller hung up)."""
        if self._verdict is None:
            f = self.features(now)
            verdict = self._decide(f, final=True)
            if verdict is None:
                result = AmdResult.NO_ANSWER if not f.heard_speech else AmdResult.UNKNOWN
                verdict = self._verdict_of(result, 0.5, f, ("audio ended before a decision",))
            self._verdict = verdict
        return self._verdict

    def _confirm_beep(self, f: TimingFeatures, final: bool) -> None:
        """A beep-like tone is a beep unless it sat inside speech that began before it and still goes on
        amd.beep_in_speech_ms after it ended: a voicemail beep follows its greeting, a voice's steady vowel (a
        synthetic voice's, a sung note) is surrounded by speech."""
        tone = self._beep_candidate
        if tone is None:
            return
        wait = self._s.beep_in_speech_ms / 1000.0
        if not final and f.now + 1e-6 < tone.t + tone.duration + wait:
            return
        self._beep_candidate = None
        if wait > 0 and f.in_speech and f.spans and f.spans[-1][0] < tone.t - 1e-6:
            self._tones_in_speech += 1
            return
        self._beep = tone

    def _decide(self, f: TimingFeatures, *, final: bool) -> AmdVerdict | None:
        if self._sit is not None:
            return self._verdict_of(AmdResult.OPERATOR, 0.95, f, (f"SIT tone at {self._sit.t:.2f}s",))
        self._confirm_beep(f, final)
        if self._beep_candidate is not None:
            return None  # a beep, or a vowel: known amd.beep_in_speech_ms after the tone
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
                conf = confidence(margin - self._s.early_machine_phrase_score + 1.5)
                return self._verdict_of(AmdResult.MACHINE, conf, f, (f"voicemail phrases: {kw.describe()}",))
        if not final and self._tone_may_be_beep(f):
            return None
        if not f.heard_speech:
            probe = self.probe
            if probe is not None and probe.holding and not final:
                return None  # speech began over the probe: its echo, or the answer
            timeout = self._s.no_speech_timeout_ms / 1000.0 if probe is None else probe.no_speech_timeout_s()
            if f.now + 1e-6 >= timeout or final:
                reason = f"no speech in {f.now:.2f}s"
                if probe is not None and probe.started_at is not None:
                    reason += f" (probe played at {probe.started_at:.2f}s)"
                return self._verdict_of(AmdResult.NO_ANSWER, 0.8 if not final else 0.6, f, (reason,))
            return None
        found = self._melody_and_onset(f)
        melody = found[0] if found is not None else None
        if not final and found is not None and reaches(f.now - found[1], self._s.melody_speech_ms):
            fused = fused_score(self._s, f, kw, self._transcript, melody)
            if fused.score >= self._s.machine_score_min:
                return self._fuse(f, kw)  # a greeting after music or a chime: a recording
        if not final and self._words_decide(f) and (not f.in_speech or self._human_opener(kw)):
            return self._fuse(f, kw)  # the caller's own words say human: no need to hold for a beep
        if not final and self._machine_already(f, kw):
            return self._fuse(f, kw)  # a beep or more speech would only confirm it
        if not final and (not decision_point(self._s, f) or self._holding_for_words(f)):
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
        return fused_score(self._s, f, kw, self._transcript, self._melody_before(f)).score >= self._s.machine_score_min

    def _melody_before(self, f: TimingFeatures) -> ToneDetected | None:
        """The first melody that ended before the first speech onset (within one 20 ms frame), if any and if
        melody_points is on; speech segments heard inside the melody (a chime the VAD took for a voice) are the
        melody's own."""
        found = self._melody_and_onset(f)
        return found[0] if found is not None else None

    def _melody_and_onset(self, f: TimingFeatures) -> tuple[ToneDetected, float] | None:
        """The melody of `_melody_before` and the onset of the first speech after it."""
        if self._s.melody_points <= 0 or f.first_onset is None:
            return None
        onset = f.first_onset  # the melody's own notes are not in the features (see features())
        return next(((m, onset) for m in self._melodies if m.t + m.duration <= onset + 0.02), None)

    def _tone_may_be_beep(self, f: TimingFeatures) -> bool:
        since = self._tone_since
        return since is not None and f.now - since <= self._s.beep_max_ms / 1000.0 + 0.1

    def _human_opener(self, kw: KeywordScores | None) -> bool:
        """A person's opener ("allô", "à l'appareil", "je vous écoute") and no voicemail phrase at all: decides
        while they still talk when amd.human_words_in_speech is on (a person's long opener need not end first)."""
        if kw is None or not self._s.human_words_in_speech:
            return False
        return kw.human >= self._s.strong_phrase_points and kw.voicemail == 0 and kw.operator == 0

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

    def _fuse(self, f: TimingFeatures, kw: KeywordScores | None) -> AmdVerdict:
        result, conf, reasons, score = fuse(self._s, f, kw, self._transcript, self._melody_before(f))
        return self._verdict_of(result, conf, f, reasons, score)

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
        if self._tones_in_speech:
            evidence["tones_in_speech"] = float(self._tones_in_speech)
        if self.probe is not None and self.probe.started_at is not None:
            evidence["probe_at_s"] = round(self.probe.started_at, 3)
            evidence["probe_echoes"] = float(self.probe.echoes)
        if self._scores is not None:
            evidence["voicemail_points"] = self._scores.voicemail
            evidence["human_points"] = self._scores.human
            evidence["operator_points"] = self._scores.operator
        text = self._transcript.text if self._transcript is not None else ""
        return AmdVerdict(result, confidence, round(f.now, 3), reasons, text, evidence)
