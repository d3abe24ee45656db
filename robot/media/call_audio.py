"""One call's incoming audio: a bounded queue of 16 kHz chunks fed by the WebSocket reader, read by the call.

The reader (AudioServer) never waits on the consumer: when `buffer_frames` chunks are waiting (media.buffer_s of
audio in frames of media.stream_buffer_ms), the OLDEST is dropped and counted in `stats.dropped_frames`. Stream
time `t` comes from sample counts, so it keeps running across drops and across reconnections (a new connection for
the same call resumes feeding the same CallAudio).

A frame wakes the consumer only when it is waiting (one future per wait, set by the first frame that arrives), so
frames that arrive together cost one wake-up, and there is no batching delay.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from robot.clock import Clock
from robot.errors import MediaError
from robot.media.audio import TARGET_RATE, AudioChunk, Int16Array, upsampler_for
from robot.media.wire import StreamDecoder, StreamStats

log = logging.getLogger(__name__)

DisconnectCallback = Callable[["CallAudio"], object]


class StreamLink(Protocol):
    """The live connection streaming a call (robot.media.ws_protocol.StreamConnection)."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code`/`reason` and wait for the closing handshake (bounded)."""


class CallAudio:
    """Audio of one open call. Read it with `async for chunk in call_audio.chunks()` (one reader at a time)."""

    def __init__(self, call_uuid: str, *, rate: int, max_frame_bytes: int, buffer_frames: int, clock: Clock) -> None:
        if buffer_frames <= 0:
            raise ValueError("buffer_frames must be positive")
        self.call_uuid = call_uuid
        self.rate = rate
        self.stats = StreamStats()
        self.last_frame_at: float | None = None  # clock.monotonic() of the last accepted frame
        self._clock = clock
        self._decoder = StreamDecoder(max_frame_bytes, self.stats)
        self._upsampler = upsampler_for(rate)
        self._buffer_frames = buffer_frames
        self._queue: deque[AudioChunk] = deque()
        self._waiter: asyncio.Future[None] | None = None  # set while the reader waits for a chunk
        self._connected = asyncio.Event()
        self._closed = False
        self._samples_out = 0
        self._connection: StreamLink | None = None
        self._callbacks: list[DisconnectCallback] = []

    # -- what the call session uses ---------------------------------------------------------------------------
    @property
    def metadata(self) -> str | None:
        """The first text frame of the latest connection (the `uuid_audio_stream` metadata argument)."""
        return self._decoder.metadata

    @property
    def connected(self) -> bool:
        return self._connected.is_set() and not self._closed

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        """Chunks waiting for the reader."""
        return len(self._queue)

    @property
    def stream_time(self) -> float:
        """Seconds of 16 kHz audio received so far (drops included)."""
        return self._samples_out / TARGET_RATE

    async def wait_connected(self) -> None:
        """Return once a stream connection is up (wrap in asyncio.timeout); MediaError if the call closes first."""
        await self._connected.wait()
        if self._closed:
            raise MediaError(f"call {self.call_uuid}: audio closed before a stream connected")

    def add_disconnect_callback(self, callback: DisconnectCallback) -> None:
        """`callback(call_audio)` runs (on the loop, soon) each time the WebSocket drops while the call is open."""
        self._callbacks.append(callback)

    def chunks(self) -> CallChunks:
        """16 kHz chunks in order until the call is closed (queued chunks first). Meant for ONE reader at a time:
        two concurrent readers would each get part of the audio."""
        return CallChunks(self)

    def take_ready(self, limit: int) -> list[AudioChunk]:
        """Up to `limit` queued chunks, without waiting."""
        queue = self._queue
        return [queue.popleft() for _ in range(min(limit, len(queue)))]

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        """Put chunks a reader took but did not use back at the front of the queue, in order."""
        self._queue.extendleft(reversed(chunks))

    async def next_chunk(self) -> AudioChunk | None:
        """The next chunk, waiting for it; None once the call is closed and the queue is empty."""
        queue = self._queue
        while not queue:
            if self._closed:
                return None
            if self._waiter is not None:
                raise MediaError(f"call {self.call_uuid}: chunks() already has a reader")
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return queue.popleft()

    # -- what AudioServer uses ------------------------------------------------------------------------------------
    def attach(self, connection: StreamLink) -> StreamLink | None:
        """A new connection streams this call; returns the connection it replaces, if any."""
        previous = self._connection
        self._connection = connection
        self._decoder.new_connection()
        self._connected.set()
        return previous

    def detach(self, connection: StreamLink) -> bool:
        """`connection` ended. True (and disconnect callbacks scheduled) when it was current and the call is open."""
        if self._connection is not connection:
            return False
        self._connection = None
        self._connected.clear()
        if self._closed:
            return False
        loop = asyncio.get_running_loop()
        for callback in self._callbacks:
            loop.call_soon(callback, self)
        return True

    def on_text(self, text: str) -> None:
        if self._decoder.on_text(text) is None:
            log.warning("call %s: unexpected text frame (%d chars) ignored", self.call_uuid, len(text))

    def on_binary(self, payload: bytes) -> None:
        samples = self._decoder.on_binary(payload)
        if samples is None:
            log.debug("call %s: binary frame of %d bytes dropped", self.call_uuid, len(payload))
            return
        self.last_frame_at = self._clock.monotonic()
        self._push(self._upsampler.process(samples))

    def close(self) -> StreamLink | None:
        """Mark the call finished (the reader ends after the queued chunks); returns the live connection, if any."""
        if self._closed:
            return None
        self._push(self._upsampler.flush())
        self._closed = True
        self._wake()
        connection, self._connection = self._connection, None
        self._connected.set()  # wakes wait_connected(), which then reports the close
        return connection

    def _push(self, samples: Int16Array) -> None:
        if samples.size == 0 or self._closed:
            return
        chunk = AudioChunk(samples=samples, t=self._samples_out / TARGET_RATE)  # upsamplers return int16 arrays
        self._samples_out += samples.size
        queue = self._queue
        if len(queue) >= self._buffer_frames:
            queue.popleft()
            self.stats.dropped_frames += 1
        queue.append(chunk)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class CallChunks:
    """`async for chunk in call_audio.chunks()`; also a robot.media.analysis.Backlog (take_ready, unread)."""

    def __init__(self, audio: CallAudio) -> None:
        self._audio = audio
        self._done = False

    def __aiter__(self) -> CallChunks:
        return self

    async def __anext__(self) -> AudioChunk:
        chunk = None if self._done else await self._audio.next_chunk()
        if chunk is None:
            self._done = True
            raise StopAsyncIteration
        return chunk

    def take_ready(self, limit: int) -> list[AudioChunk]:
        return [] if self._done else self._audio.take_ready(limit)

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        self._audio.unread(chunks)

    async def aclose(self) -> None:
        self._done = True
