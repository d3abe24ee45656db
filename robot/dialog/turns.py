"""Turn assembly and end of turn for one call's listener (robot.dialog.listener.CallListener).

Turns: `next_turn(since, timeout_s, eot_s, settle)` resolves with the caller's answer: the first speech segment
whose onset is >= `since`, extended by further segments (and by live words heard after the VAD's end of speech)
until eot_s of silence (or max_turn_ms). Its text is one transcription of the whole turn
(Priority.DIALOG; with streaming, a second pass made while the rest of the live buffer is committed, the
committed words standing in when it brings nothing). Early end: as soon as the committed words of the turn make
`settle(text)` true, the turn resolves (`Turn.early`, committed words as text) without waiting for the silence.
It resolves with None when nobody spoke within timeout_s of audio time. A segment that started at or after
`since` and already ended counts too.
All timing here is stream audio time (AudioChunk.t), so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from robot.asr.engine import Priority
from robot.asr.streaming import StreamUpdate
from robot.dialog.livewords import LiveWords
from robot.events import SpeechEnded, SpeechStarted, Transcript, Word

__all__ = ["Turn", "TurnTaking"]


@dataclass(frozen=True, slots=True)
class Turn:
    """What the caller said, with stream times (seconds) of its first speech onset and last speech end."""

    text: str
    words: tuple[Word, ...]
    start: float
    end: float
    asr_ms: float  # time spent waiting for the transcription, ms
    decided_at: float = 0.0  # stream time the answer was known, seconds
    early: bool = False  # ended by settled committed words, before the end-of-turn silence


@dataclass(slots=True)
class TurnWait:
    since: float
    timeout_at: float
    eot_s: float
    future: asyncio.Future[Turn | None]
    settle: Callable[[str], bool] | None = None
    start: float | None = None
    last_end: float | None = None
    in_speech: bool = False


class TurnTaking(LiveWords):
    """The caller's next answer (`next_turn`): its segments, its end, its transcription."""

    _wait: TurnWait | None  # the turn being awaited; set in CallListener.__init__

    async def next_turn(
        self, since: float, timeout_s: float, eot_s: float, settle: Callable[[str], bool] | None = None
    ) -> Turn | None:
        """The caller's next answer (see the module docstring); None when nobody spoke in time."""
        if self._wait is not None and not self._wait.future.done():
            raise RuntimeError("next_turn is already awaited for this call")
        future: asyncio.Future[Turn | None] = asyncio.get_running_loop().create_future()
        wait = TurnWait(
            since=since,
            timeout_at=max(since, self.audio_time) + timeout_s,
            eot_s=eot_s,
            future=future,
            settle=settle,
        )
        wait.start = self._first_onset_since(since)
        if wait.start is not None:  # speech since `since` already: every segment of it belongs to the turn
            if self._segment_onset is not None:
                wait.in_speech = True
            elif self._last_segment is not None:
                wait.last_end = self._last_segment[1]
        self._wait = wait
        self._settle_early()
        return await future

    def _first_onset_since(self, since: float) -> float | None:
        """VAD onset of the first speech segment that began at or after `since` (stream seconds), if any. A turn
        awaited after a barge-in starts at the barge-in's onset: the caller may be in a later segment by then
        ("Arrêtez de m'appeler, | s'il vous plaît"), and the earlier one is part of the answer."""
        first = None
        for event in reversed(self.speech_log):
            if isinstance(event, SpeechStarted):
                if event.t < since - 1e-6:
                    break
                first = event.t
        return first

    def _turn_vad(self, event: SpeechStarted | SpeechEnded) -> None:
        wait = self._wait
        if wait is None or wait.future.done():
            return
        if isinstance(event, SpeechStarted):
            if event.t >= wait.since - 1e-6:
                wait.start = event.t if wait.start is None else wait.start
                wait.in_speech = True
        elif wait.start is not None:
            wait.in_speech = False
            wait.last_end = event.t

    def _update_turn(self) -> None:
        wait = self._wait
        if wait is None or wait.future.done():
            return
        now = self.audio_time
        if wait.start is None:
            if now >= wait.timeout_at:
                self._wait = None
                wait.future.set_result(None)
            return
        too_long = now - wait.start >= self.settings.max_turn_ms / 1000
        ended = not wait.in_speech and wait.last_end is not None and now - wait.last_end >= wait.eot_s
        if too_long or ended:
            self._wait = None
            self._finish_turn(wait, wait.start, now if wait.in_speech else (wait.last_end or now))

    def _extend_turn(self, update: StreamUpdate) -> None:
        heard = max((w.end for w in (*update.committed, *update.partial)), default=0.0)
        if heard <= self.audio_time:
            self._heard_until = max(self._heard_until, heard)
        wait, last = self._wait, self._last_segment
        if wait is None or wait.future.done() or wait.in_speech or wait.last_end is None or last is None:
            return
        wait.last_end = max(wait.last_end, self._speech_end(last[1]))

    def _settle_early(self) -> None:
        wait = self._wait
        if wait is None or wait.future.done() or wait.start is None or wait.settle is None:
            return
        words = self.turn_words(wait.start)
        text = " ".join(w.text for w in words)
        if words and wait.settle(text):
            self._wait = None
            turn = Turn(text, tuple(words), wait.start, words[-1].end, 0.0, self.audio_time, early=True)
            wait.future.set_result(turn)

    def _finish_turn(self, wait: TurnWait, start: float, end: float) -> None:
        if self.live is not None:
            self._stream_step()
            self._stream_on = False
            self._spawn(self._live_turn(wait, start, end))
        else:
            self._spawn(self._transcribe_turn(wait, start, end))

    async def _live_turn(self, wait: TurnWait, start: float, end: float) -> None:
        """Commit the rest of the live buffer and, at the same time, recognise the whole turn once (a second pass:
        one window of the whole answer reads better than words stitched across iterations); the answer's text is
        that pass's, or the committed words when it brings nothing."""
        assert self.live is not None
        began = self._clock.monotonic()
        whole, _final = await asyncio.gather(self._whole_turn(start, end), self.live.finalize())
        words = self.turn_words(start, end)
        asr_ms = (self._clock.monotonic() - began) * 1000
        text = whole.text.strip() if whole is not None else ""
        if not wait.future.done():
            text = text or " ".join(w.text for w in words)
            wait.future.set_result(Turn(text, tuple(words), start, end, asr_ms, self.audio_time))

    async def _transcribe_turn(self, wait: TurnWait, start: float, end: float) -> None:
        began = self._clock.monotonic()
        transcript = await self._whole_turn(start, end)
        asr_ms = (self._clock.monotonic() - began) * 1000
        text = transcript.text.strip() if transcript is not None else ""
        words = transcript.words if transcript is not None else ()
        if not wait.future.done():
            wait.future.set_result(Turn(text, words, start, end, asr_ms, self.audio_time))

    async def _whole_turn(self, start: float, end: float) -> Transcript | None:
        """One transcription of the turn's audio (Priority.DIALOG); None without ASR, on failure or too late."""
        return await self._transcribe(
            max(0.0, start - self.settings.turn_preroll_ms / 1000),
            end + 0.2,
            Priority.DIALOG,
            self.settings.turn_asr_deadline_ms,
            "turn transcription (the answer counts as not understood)",
        )
