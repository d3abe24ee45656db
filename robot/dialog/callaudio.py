"""One call's caller audio as the dialog keeps it (the base of robot.dialog.listener.CallListener, which feeds it).

The chunks of the last keep_s seconds (at least max_turn_ms + 2 s) are kept and read back by stream time
(`audio_between`); ASR requests on them (`_transcribe`) carry a deadline, and a failure is logged and gives None;
the call's background work runs as tasks (`_spawn`) that `CallListener.aclose` cancels. The live words
(robot.dialog.livewords), the turns (robot.dialog.turns) and the barge-in hooks (robot.dialog.bargeinhooks) build
on it. All timing here is stream audio time (AudioChunk.t), so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.engine import Priority
from robot.clock import Clock
from robot.dialog.live import Transcriber
from robot.errors import AsrError
from robot.events import SpeechEnded, SpeechStarted, Transcript
from robot.media.audio import AudioChunk
from robot.settings import DialogSettings

__all__ = ["RATE", "CallAudio", "Int16Array", "Vad"]

log = logging.getLogger("robot.dialog.listener")  # the listener's log lines keep their logger name

RATE = 16000
Int16Array = npt.NDArray[np.int16]


class Vad(Protocol):
    """robot.asr.vad.StreamingVad: times are seconds since the first sample it was given."""

    def process(self, samples: npt.NDArray[Any]) -> list[SpeechStarted | SpeechEnded]: ...

    def process_many(self, chunks: Sequence[npt.NDArray[Any]]) -> list[list[SpeechStarted | SpeechEnded]]:
        """Consecutive chunks at once: the events of each, as `process` would give them (used with a worker)."""
        ...


class CallAudio:
    """One call's kept caller audio, its ASR requests and its tasks; speech segments as the VAD reported them."""

    # set in CallListener.__init__
    settings: DialogSettings
    audio_time: float  # end of the last chunk fed, stream seconds
    speech_log: list[SpeechStarted | SpeechEnded]
    _asr: Transcriber | None
    _clock: Clock
    _chunks: deque[AudioChunk]
    _keep_s: float
    _segment_onset: float | None
    _last_segment: tuple[float, float] | None  # (onset, end) of the last ended speech segment
    _tasks: set[asyncio.Task[object]]

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
