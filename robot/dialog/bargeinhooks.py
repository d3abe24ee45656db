"""Barge-in hooks of one call's listener (robot.dialog.listener.CallListener): prompts, words, false interruptions.

The runner says when a prompt starts and stops (`prompt_started`, `prompt_stopped`); the policy
(robot.dialog.bargein.BargeInPolicy) decides, and a barge-in calls `on_bargein(decision)`.
- Words policy: while a candidate segment talks over a prompt, every bargein_asr_interval_ms of new speech the
  segment so far is sent to ASR with Priority.BARGEIN and a short deadline (one request in flight per call); the
  words it returns go to the policy.
- False interruptions: `interruption(onset)` follows the speech that paused or broke a prompt (InterruptionJudge)
  and transcribes each short part of it, the judge waiting for those words (backchannel_words_wait_ms of audio time
  at most), so the runner can tell a backchannel (resume the prompt) from an answer whatever the ASR's latency.
All timing here is stream audio time (AudioChunk.t), so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from robot.asr.engine import Priority
from robot.dialog.bargein import BargeInDecision, BargeInPolicy, InterruptionJudge, InterruptionVerdict
from robot.dialog.livewords import LiveWords
from robot.events import Word

__all__ = ["BargeInHooks"]

log = logging.getLogger("robot.dialog.listener")  # the listener's log lines keep their logger name


class BargeInHooks(LiveWords):
    """Prompt start/stop for the barge-in policy, words confirmation, and the false-interruption judge."""

    # set in CallListener.__init__
    policy: BargeInPolicy
    on_bargein: Callable[[BargeInDecision], None] | None
    _judge: tuple[InterruptionJudge, asyncio.Future[InterruptionVerdict | None]] | None
    _asr_spoken_s: float
    _asr_busy: bool

    def prompt_started(
        self, envelope: npt.NDArray[np.float64] | None, *, interruptible: bool = True, resumed: bool = False
    ) -> float:
        """A prompt starts now (stream time, returned); only an interruptible prompt can be barged in. `resumed`:
        it goes on after a false interruption (BargeInPolicy.playback_started)."""
        if interruptible:
            self.policy.playback_started(self.audio_time, envelope, resumed=resumed)
        return self.audio_time

    def prompt_stopped(self) -> float:
        self.policy.playback_stopped(self.audio_time)
        return self.audio_time

    def _fire(self, decision: BargeInDecision) -> None:
        log.debug("barge-in at %.3f (%s)", decision.decided_at, decision.reason)
        if self.on_bargein is not None:
            self.on_bargein(decision)

    def _maybe_confirm_words(self) -> None:
        onset = self._segment_onset
        if self.settings.bargein_policy != "words" or self._asr is None or onset is None or self._asr_busy:
            return
        if not self.policy.playing or self.policy.decided:
            return
        spoken = self.audio_time - onset
        if spoken - self._asr_spoken_s < self.settings.bargein_asr_interval_ms / 1000:
            return
        self._asr_spoken_s = spoken
        self._asr_busy = True
        self._spawn(self._confirm_words(onset, self.audio_time))

    async def _confirm_words(self, onset: float, until: float) -> None:
        start = max(0.0, onset - 0.1)
        try:
            transcript = await self._transcribe(
                start, until, Priority.BARGEIN, self.settings.bargein_asr_deadline_ms, "barge-in confirmation", True
            )
        finally:
            self._asr_busy = False
        if transcript is None or self._segment_onset != onset:
            return
        words = [Word(w.text, w.start + start, w.end + start, w.probability) for w in transcript.words]
        if not words and transcript.text.strip():
            words = [Word(transcript.text, onset, until)]
        decision = self.policy.words(words, self.audio_time)
        if decision is not None:
            self._fire(decision)

    async def interruption(self, onset: float) -> tuple[InterruptionVerdict | None, str | None]:
        """Follow the speech (VAD onset `onset`) that paused or broke a prompt until InterruptionJudge decides; each
        short part of it is transcribed (Priority.BARGEIN) and its words handed to the judge, which waits for them up
        to backchannel_words_wait_ms of audio time. (verdict, its words or None); (None, None) when the stream ended
        first."""
        if self._judge is not None and not self._judge[1].done():
            raise RuntimeError("interruption is already awaited for this call")
        in_speech = self._segment_onset is not None
        judge = InterruptionJudge(self.settings, onset, in_speech=in_speech, words=self._asr is not None)
        if not in_speech and self._last_segment is not None and self._last_segment[0] >= onset:
            judge.speech_ended(self._last_segment[1])
        future: asyncio.Future[InterruptionVerdict | None] = asyncio.get_running_loop().create_future()
        self._judge = (judge, future)
        self._judge_tick()
        verdict = await future
        return verdict, (verdict.text if verdict is not None else None)

    def _judge_tick(self) -> None:
        pending = self._judge
        if pending is None:
            return
        judge, future = pending
        verdict = judge.tick(self.audio_time)
        if verdict is None:
            for start, end in judge.to_transcribe():
                self._spawn(self._part_words(judge, start, end))
            return
        self._judge = None
        if not future.done():
            future.set_result(verdict)

    async def _part_words(self, judge: InterruptionJudge, onset: float, end: float) -> None:
        """Words of one short part of an interruption for its judge: the ASR's, else the live words heard then."""
        transcript = await self._transcribe(
            max(0.0, onset - 0.1),
            end + 0.1,
            Priority.BARGEIN,
            self.settings.backchannel_words_wait_ms,
            "interruption transcription",
        )
        if transcript is not None:
            text: str | None = transcript.text.strip()
        else:
            text = " ".join(w.text for w in self.turn_words(onset, end)) or None
        if self._judge is not None and self._judge[0] is judge:
            judge.words(onset, text, self.audio_time)
            self._judge_tick()
