"""Per-call listening: 16 kHz AudioChunks in, dialog inputs out.

For each chunk, in order: the barge-in policy gets the caller audio (echo envelope), the VAD runs off the event
loop (in `run`, the process's audio-analysis worker, robot.media.analysis: the chunks that arrived together are
analysed together, results per chunk; `feed` alone uses an executor), VAD events go to the policy and to the
turn tracker, and `policy.tick` may decide a barge-in, which calls `on_bargein(decision)` right there, before any
ASR work (the vad policy never waits on ASR).

- Words policy: while a candidate segment talks over a prompt, every bargein_asr_interval_ms of new speech the
  segment so far is sent to ASR with Priority.BARGEIN and a short deadline (one request in flight per call); the
  words it returns go to the policy.
- Live words (dialog.streaming, robot.dialog.live): from stream_preroll_ms before each VAD onset until
  end_of_turn_silence_ms after the speech ends, the caller's audio feeds the call's LiveRecognizer (whether a
  prompt plays or not); its updates go out as `partial` (unstable words) and `transcript` (committed words with
  start/end) events through `on_event`. VAD gates inference: no speech, no ASR request.
- Turns: `next_turn(since, timeout_s, eot_s, settle)` resolves with the caller's answer: the first speech segment
  whose onset is >= `since`, extended by further segments (and by live words heard after the VAD's end of speech)
  until eot_s of silence (or max_turn_ms). Its text is one transcription of the whole turn
  (Priority.DIALOG; with streaming, a second pass made while the rest of the live buffer is committed, the
  committed words standing in when it brings nothing). Early end: as soon as the committed words of the turn make
  `settle(text)` true, the turn resolves (`Turn.early`, committed words as text) without waiting for the silence.
  It resolves with None when nobody spoke within timeout_s of audio time. A segment that started at or after
  `since` and already ended counts too.
- False interruptions: `interruption(onset)` follows the speech that paused or broke a prompt (InterruptionJudge)
  and transcribes each short part of it, the judge waiting for those words (backchannel_words_wait_ms of audio time
  at most), so the runner can tell a backchannel (resume the prompt) from an answer whatever the ASR's latency.
All timing here is stream audio time (AudioChunk.t), so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterable, Callable, Coroutine, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.engine import Priority
from robot.asr.streaming import StreamUpdate
from robot.clock import Clock
from robot.dialog.bargein import BargeInDecision, BargeInPolicy, InterruptionJudge, InterruptionVerdict
from robot.dialog.live import LiveRecognizer, Transcriber
from robot.errors import AsrError
from robot.events import SpeechEnded, SpeechStarted, Transcript, Word
from robot.media.analysis import AnalysedStream, AnalysisWorker
from robot.media.audio import AudioChunk
from robot.settings import DialogSettings

__all__ = ["CallListener", "Transcriber", "Turn", "Vad"]

log = logging.getLogger(__name__)

RATE = 16000
HEARD_PAST_VAD_MAX_S = 2.0  # live words after the VAD's end of speech extend it by this much at most
Int16Array = npt.NDArray[np.int16]


class Vad(Protocol):
    """robot.asr.vad.StreamingVad: times are seconds since the first sample it was given."""

    def process(self, samples: npt.NDArray[Any]) -> list[SpeechStarted | SpeechEnded]: ...

    def process_many(self, chunks: Sequence[npt.NDArray[Any]]) -> list[list[SpeechStarted | SpeechEnded]]:
        """Consecutive chunks at once: the events of each, as `process` would give them (used with a worker)."""
        ...


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
class _TurnWait:
    since: float
    timeout_at: float
    eot_s: float
    future: asyncio.Future[Turn | None]
    settle: Callable[[str], bool] | None = None
    start: float | None = None
    last_end: float | None = None
    in_speech: bool = False


class CallListener:
    """One per call. Feed it with `run(chunks)` (or `feed(chunk)`); the runner uses the prompt and turn methods."""

    def __init__(
        self,
        settings: DialogSettings,
        vad: Vad,
        asr: Transcriber | None,
        *,
        clock: Clock,
        executor: Executor | None = None,
        worker: AnalysisWorker | None = None,
        keep_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.policy = BargeInPolicy(settings)
        self.on_bargein: Callable[[BargeInDecision], None] | None = None
        self._vad = vad
        self._asr = asr
        self._clock = clock
        self._executor = executor
        self._worker = worker
        self._chunks: deque[AudioChunk] = deque()
        self._keep_s = max(keep_s, settings.max_turn_ms / 1000 + 2.0)
        self._vad_origin: float | None = None
        self.audio_time = 0.0  # end of the last chunk fed, stream seconds
        self._segment_onset: float | None = None
        self._last_segment: tuple[float, float] | None = None  # (onset, end) of the last ended speech segment
        self._judge: tuple[InterruptionJudge, asyncio.Future[InterruptionVerdict | None]] | None = None
        self._wait: _TurnWait | None = None
        self._asr_spoken_s = 0.0
        self._asr_busy = False
        self._tasks: set[asyncio.Task[object]] = set()
        self.speech_log: list[SpeechStarted | SpeechEnded] = []
        self.on_event: Callable[[str, dict[str, object]], None] | None = None
        self.live = (
            LiveRecognizer(settings, asr, clock, self._on_live) if asr is not None and settings.streaming else None
        )
        self._stream_on = False  # caller audio goes to the live recogniser
        self._stream_fed_until = 0.0
        self._partial = ""
        self._heard_until = 0.0  # end of the last word the live recogniser heard, stream seconds

    # --- audio in ---------------------------------------------------------------------------------------------
    async def run(self, chunks: AsyncIterable[AudioChunk]) -> None:
        """Consume a call's audio until the stream ends; pending turn waits then resolve with None."""
        try:
            if self._worker is None:
                async for chunk in chunks:
                    await self.feed(chunk)
            else:
                async with AnalysedStream(aiter(chunks), self._worker.lane(batch=self._vad.process_many)) as analysed:
                    async for chunk, events in analysed:
                        self._heard(chunk)
                        self._analysed(chunk, events)
        finally:
            self.close()

    async def feed(self, chunk: AudioChunk) -> None:
        self._heard(chunk)
        loop = asyncio.get_running_loop()
        events = await loop.run_in_executor(self._executor, self._vad.process, chunk.samples)
        self._analysed(chunk, events)

    def _heard(self, chunk: AudioChunk) -> None:
        if self._vad_origin is None:
            self._vad_origin = chunk.t
        self._remember(chunk)
        self.policy.caller_audio(chunk.t, chunk.samples)

    def _analysed(self, chunk: AudioChunk, events: list[SpeechStarted | SpeechEnded]) -> None:
        self.audio_time = chunk.t + chunk.samples.size / RATE
        for event in events:
            self._on_vad(event)
        decision = self.policy.tick(self.audio_time)
        if decision is not None:
            self._fire(decision)
        self._judge_tick()
        self._maybe_confirm_words()
        self._stream_step()
        self._update_turn()

    def close(self) -> None:
        """The stream is over: resolve a pending turn wait (None, or the speech heard so far)."""
        judge, self._judge = self._judge, None
        if judge is not None and not judge[1].done():
            judge[1].set_result(None)
        wait, self._wait = self._wait, None
        if wait is not None and not wait.future.done():
            if wait.start is not None:
                self._finish_turn(wait, wait.start, wait.last_end or self.audio_time)
            else:
                wait.future.set_result(None)

    def _remember(self, chunk: AudioChunk) -> None:
        self._chunks.append(chunk)
        while self._chunks and self._chunks[0].t < chunk.t - self._keep_s:
            self._chunks.popleft()

    def audio_between(self, start: float, end: float) -> Int16Array:
        """Kept caller audio in [start, end) stream seconds. Read from the newest chunk back to `start` (the live
        recogniser asks for the last frame every frame: not a walk through the whole kept window)."""
        parts = []
        for chunk in reversed(self._chunks):
            first = max(0, round((start - chunk.t) * RATE))
            last = min(chunk.samples.size, round((end - chunk.t) * RATE))
            if last > first:
                parts.append(chunk.samples[first:last])
            elif first >= chunk.samples.size:  # it ends before `start`, and so do the chunks before it
                break
        parts.reverse()
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    def _on_vad(self, event: SpeechStarted | SpeechEnded) -> None:
        origin = self._vad_origin or 0.0
        if isinstance(event, SpeechStarted):
            shifted: SpeechStarted | SpeechEnded = SpeechStarted(t=round(event.t + origin, 3))
            self._segment_onset = shifted.t
            self._asr_spoken_s = 0.0
            if self.live is not None and not self._stream_on:
                self._stream_on = True
                preroll = shifted.t - self.settings.stream_preroll_ms / 1000
                self._stream_fed_until = max(preroll, self._stream_fed_until, self.audio_time - self._keep_s)
            self.policy.speech_started(shifted.t)
            if self._judge is not None:
                self._judge[0].speech_started(shifted.t)
        else:
            shifted = SpeechEnded(t=round(event.t + origin, 3), duration=event.duration)
            if self._segment_onset is not None:
                self._last_segment = (self._segment_onset, shifted.t)
            self._segment_onset = None
            self.policy.speech_ended(shifted.t)
            if self._judge is not None:
                self._judge[0].speech_ended(shifted.t)
        self.speech_log.append(shifted)
        self._turn_vad(shifted)

    # --- barge-in ---------------------------------------------------------------------------------------------
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

    # --- false interruptions ---------------------------------------------------------------------------------
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

    # --- live words -------------------------------------------------------------------------------------------
    def _stream_step(self) -> None:
        live = self.live
        if live is None or not self._stream_on:
            return
        audio = self.audio_between(self._stream_fed_until, self.audio_time)
        live.feed(self.audio_time - audio.size / RATE, audio)
        self._stream_fed_until = self.audio_time
        silence_s = self.settings.end_of_turn_silence_ms / 1000
        last = self._last_segment
        if (
            self._segment_onset is None
            and last is not None
            and self.audio_time - self._speech_end(last[1]) >= silence_s
        ):
            self._stream_on = False
            self._spawn(live.finalize())
        elif live.due():
            self._spawn(live.iterate())

    def _on_live(self, update: StreamUpdate, final: bool) -> None:
        emit = self.on_event or (lambda _name, _fields: None)
        if update.committed:
            first, last = update.committed[0], update.committed[-1]
            text = update.committed_text
            emit("transcript", {"text": text, "start": first.start, "end": last.end, "final": final})
        if update.partial_text != self._partial:
            self._partial = update.partial_text
            if self._partial:
                emit("partial", {"text": self._partial})
        if update.committed and self.settings.bargein_policy == "words" and self.policy.playing:
            decision = self.policy.words(list(update.committed), self.audio_time)  # committed live words count too
            if decision is not None:
                self._fire(decision)
        self._extend_turn(update)
        self._settle_early()

    def turn_words(self, start: float, end: float | None = None) -> list[Word]:
        """Committed live words spoken from `start` (VAD onset, minus alignment slack) to `end` (None: now)."""
        if self.live is None:
            return []
        first = start - 0.5
        last = (self.audio_time if end is None else end) + 0.5
        return [w for w in self.live.committed if first <= w.start <= last]

    def heard_since(self, onset: float) -> str | None:
        """Live words (committed, then the current partial) of the speech from `onset`; None when none yet."""
        words = [w.text for w in self.turn_words(onset)]
        if self._partial:
            words.append(self._partial)
        return " ".join(words) or None

    def _speech_end(self, vad_end: float) -> float:
        """End of speech: the VAD's, or later when the live recogniser heard words after it (a soft ending the VAD
        missed), by HEARD_PAST_VAD_MAX_S at most."""
        return max(vad_end, min(self._heard_until, vad_end + HEARD_PAST_VAD_MAX_S))

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

    # --- turns ------------------------------------------------------------------------------------------------
    async def next_turn(
        self, since: float, timeout_s: float, eot_s: float, settle: Callable[[str], bool] | None = None
    ) -> Turn | None:
        """The caller's next answer (see the module docstring); None when nobody spoke in time."""
        if self._wait is not None and not self._wait.future.done():
            raise RuntimeError("next_turn is already awaited for this call")
        future: asyncio.Future[Turn | None] = asyncio.get_running_loop().create_future()
        wait = _TurnWait(
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

    def _finish_turn(self, wait: _TurnWait, start: float, end: float) -> None:
        if self.live is not None:
            self._stream_step()
            self._stream_on = False
            self._spawn(self._live_turn(wait, start, end))
        else:
            self._spawn(self._transcribe_turn(wait, start, end))

    async def _live_turn(self, wait: _TurnWait, start: float, end: float) -> None:
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

    async def _transcribe_turn(self, wait: _TurnWait, start: float, end: float) -> None:
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

    async def _transcribe(
        self, start: float, end: float, priority: Priority, deadline_ms: int, what: str, word_timestamps: bool = False
    ) -> Transcript | None:
        """Kept caller audio in [start, end) recognised within `deadline_ms`; None without ASR, when the engine
        refused or dropped it, or when it failed (logged as `what`)."""
        if self._asr is None:
            return None
        deadline = self._clock.monotonic() + deadline_ms / 1000
        try:
            return await self._asr.transcribe(
                self.audio_between(start, end), priority=priority, deadline=deadline, word_timestamps=word_timestamps
            )
        except AsrError as err:
            log.warning("%s failed: %s", what, err)
            return None

    def _spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Cancel in-flight ASR work of this call and wait for it."""
        self.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
