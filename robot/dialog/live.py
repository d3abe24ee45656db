"""One call's live recogniser: VAD-gated caller audio in, committed and partial words out, as the caller talks.

The `CallListener` feeds it the audio of each speech segment (from a short pre-roll before the VAD onset) and calls
`iterate()` when `due()`: once `stream_chunk_ms` of new audio has arrived and no request of this call is in flight,
an iteration (LocalAgreement-2, or AlignAtt: `dialog.stream_policy`) goes to the shared AsrEngine at
Priority.PARTIAL, one request per call at a time, never one per 20 ms frame. The request carries no fixed window:
the engine reads the call's buffer and committed-text prompt when the request's batch is formed
(`transcribe_latest`), so an iteration that waited behind other calls decodes the newest audio instead of a stale
window, and it is never dropped for waiting (the iterations of all calls that wait together are decoded in one
batch, see robot.asr.scheduler). A partial the engine refuses (queue full) doubles this call's interval, up to 4 x
stream_chunk_ms, until one is served.
When the caller stops (`finalize()`: the end of a turn, or the listener's end-of-speech silence), an iteration still
in flight is cancelled (its words come with the final pass anyway, and the turn never waits behind other calls'
partials), then the buffer is recognised once more at Priority.DIALOG (no deadline: its words would be lost), with
the whole of its speech, and every word of that last hypothesis is committed.

Every update goes to `on_update(update, final)`; stream times throughout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.alignatt import make_policy
from robot.asr.engine import Priority
from robot.asr.streaming import StreamUpdate
from robot.clock import Clock
from robot.errors import AsrError
from robot.events import Transcript, Word
from robot.settings import DialogSettings

log = logging.getLogger(__name__)

RATE = 16000


class Transcriber(Protocol):
    """robot.asr.engine.AsrEngine.transcribe."""

    async def transcribe(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
    ) -> Transcript | None: ...

    async def transcribe_latest(
        self,
        source: Callable[[], tuple[npt.NDArray[Any], str]],
        *,
        priority: Priority,
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> tuple[Transcript, int] | None:
        """robot.asr.engine.AsrEngine.transcribe_latest: the window is `source()` when the batch starts; returns the
        transcript and the number of samples it covers."""
        ...


UpdateSink = Callable[[StreamUpdate, bool], None]


@dataclass(slots=True)
class LiveStats:
    iterations: int = 0  # recognitions sent (partials and finals)
    dropped: int = 0  # requests the engine refused (queue full) or that failed
    cancelled: int = 0  # iterations still in flight when the caller stopped (the final pass replaced them)
    audio_s: float = 0.0  # audio sent for recognition, seconds (buffer lengths added up)


class LiveRecognizer:
    def __init__(
        self, settings: DialogSettings, asr: Transcriber, clock: Clock, on_update: UpdateSink | None = None
    ) -> None:
        self.settings = settings
        self.agreement = make_policy(
            settings.stream_policy,
            guard_s=settings.stream_alignatt_guard_ms / 1000,
            min_probability=settings.stream_alignatt_min_probability,
            trim_s=settings.stream_buffer_s,
        )
        self.on_update: UpdateSink = on_update or (lambda _u, _f: None)
        self.stats = LiveStats()
        self._asr = asr
        self._clock = clock
        self._lock = asyncio.Lock()
        self._partial: asyncio.Future[tuple[Transcript, int] | None] | None = None  # the iteration in flight
        self._new_s = 0.0  # audio appended since the last request was made, seconds
        self._interval_s = settings.stream_chunk_ms / 1000  # doubles while the engine drops our partials

    @property
    def active(self) -> bool:
        """Audio waits in the buffer (a speech segment is being followed)."""
        return self.agreement.audio.size > 0

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    @property
    def committed(self) -> list[Word]:
        return self.agreement.committed

    def feed(self, t: float, samples: npt.NDArray[np.int16]) -> None:
        """Audio of a speech segment; `t` is the stream time of its first sample."""
        if samples.size == 0:
            return
        self.agreement.insert_audio_chunk(samples, t)
        self._new_s += samples.size / RATE

    def due(self) -> bool:
        return self.active and not self.busy and self._new_s >= self._interval_s

    async def iterate(self) -> StreamUpdate | None:
        """One LocalAgreement iteration on the buffer as it is when the engine takes it; None when the engine
        refused it (or nothing to do)."""
        async with self._lock:
            if not self.active:
                return None
            self._new_s = 0.0
            self.stats.iterations += 1
            # the buffer array is replaced on each feed, never mutated, and the prompt changes only in accept(),
            # which waits for this request: the worker thread reads a consistent snapshot
            self._partial = asyncio.ensure_future(
                self._asr.transcribe_latest(self.agreement.request, priority=Priority.PARTIAL, word_timestamps=True)
            )
            try:
                got = await self._partial
            except asyncio.CancelledError:
                if not self._partial.cancelled():
                    raise  # this task itself was cancelled
                self.stats.cancelled += 1
                return None  # finalize() took over
            except AsrError as err:
                log.warning("live recognition failed: %s", err)
                got = None
            finally:
                self._partial = None
            base = self.settings.stream_chunk_ms / 1000
            if got is None:  # the engine is swamped: ask less often until it answers again
                self.stats.dropped += 1
                self._interval_s = min(4 * base, 2 * self._interval_s)
                return None
            transcript, samples = got
            self.stats.audio_s += samples / RATE
            self._new_s = self.agreement.buffer_seconds - samples / RATE  # fed while the engine worked
            self._interval_s = base
            update = self.agreement.accept(list(transcript.words))
            self.on_update(update, False)
            return update

    async def finalize(self) -> StreamUpdate | None:
        """The caller stopped: commit what is left of the buffer (see the module docstring)."""
        if self._partial is not None:
            self._partial.cancel()  # a queued request leaves the engine's queue; a running one's result is ignored
        async with self._lock:
            if not self.active:
                return None
            audio, prompt = self.agreement.request()
            self._new_s = 0.0
            words = await self._recognize(audio, prompt, Priority.DIALOG, None)  # no deadline: words would be lost
            # no answer in time: the last hypothesis's tail is all there is
            update = self.agreement.finish() if words is None else self.agreement.accept_final(words, audio.size)
            self.on_update(update, True)
            return update

    async def _recognize(
        self, audio: npt.NDArray[np.float32], prompt: str, priority: Priority, deadline: float | None
    ) -> list[Word] | None:
        self.stats.iterations += 1
        self.stats.audio_s += audio.size / RATE
        try:
            transcript = await self._asr.transcribe(
                audio, priority=priority, prompt=prompt, deadline=deadline, word_timestamps=True
            )
        except AsrError as err:
            log.warning("live recognition failed: %s", err)
            transcript = None
        if transcript is None:
            self.stats.dropped += 1
            return None
        return list(transcript.words)
