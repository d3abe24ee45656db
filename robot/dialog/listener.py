"""Per-call listening: 16 kHz AudioChunks in, dialog inputs out.

For each chunk, in order: the barge-in policy gets the caller audio (echo envelope), the VAD runs off the event
loop (in `run`, the process's audio-analysis worker, robot.media.analysis: the chunks that arrived together are
analysed together, results per chunk; `feed` alone uses an executor), VAD events go to the policy and to the
turn tracker, and `policy.tick` may decide a barge-in, which calls `on_bargein(decision)` right there, before any
ASR work (the vad policy never waits on ASR).

Each concern builds on the call's kept audio (robot.dialog.callaudio): the live words (robot.dialog.livewords), the
turns (`next_turn`, robot.dialog.turns) and the barge-in hooks (prompts, words policy, false interruptions:
robot.dialog.bargeinhooks); CallListener feeds them and routes the VAD events and live-word updates to each.
All timing here is stream audio time (AudioChunk.t), so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, Callable
from concurrent.futures import Executor

from robot.asr.streaming import StreamUpdate
from robot.clock import Clock
from robot.dialog.bargein import BargeInDecision, BargeInPolicy, InterruptionJudge, InterruptionVerdict
from robot.dialog.bargeinhooks import BargeInHooks
from robot.dialog.callaudio import RATE, Vad
from robot.dialog.live import LiveRecognizer, Transcriber
from robot.dialog.turns import TurnTaking, TurnWait
from robot.events import SpeechEnded, SpeechStarted
from robot.media.analysis import AnalysedStream, AnalysisWorker
from robot.media.audio import AudioChunk
from robot.settings import DialogSettings

__all__ = ["CallListener"]


class CallListener(TurnTaking, BargeInHooks):
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
        self._wait: TurnWait | None = None
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

    async def aclose(self) -> None:
        """Cancel in-flight ASR work of this call and wait for it."""
        self.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
