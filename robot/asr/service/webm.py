"""Incremental decoding of a browser's MediaRecorder stream (Opus in WebM) with PyAV, to 16 kHz mono int16.

MediaRecorder chunks are pieces of ONE WebM file (only the first carries the header), so they cannot be decoded one
by one. PyAV's demuxer reads from a file-like object; here that object blocks on a queue of received chunks, and
the demuxer + decoder + resampler run in one thread per stream, so the event loop never waits on FFmpeg. Decoded
PCM comes back through `asyncio.Queue`; a decoding error ends the stream with a message for the client.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

import av
import numpy as np
import numpy.typing as npt

RATE = 16000
_END = b""


class _ChunkReader:
    """File-like object over a queue of bytes; read() blocks until data or the end arrives."""

    def __init__(self, chunks: queue.Queue[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        while not self._buffer and not self._ended:  # block for the first bytes (or the end)
            self._add(self._chunks.get())
        while not self._ended and (size < 0 or len(self._buffer) < size):  # then take what is there already
            try:
                self._add(self._chunks.get_nowait())
            except queue.Empty:
                break
        take = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:take])
        del self._buffer[:take]
        return data

    def _add(self, chunk: bytes) -> None:
        if chunk == _END:
            self._ended = True
        else:
            self._buffer.extend(chunk)


class WebmDecoder:
    """`push(chunk)` from the event loop; `await pcm()` gives decoded 16 kHz int16 blocks, None at the end."""

    def __init__(self, max_chunks: int = 256) -> None:
        self._loop = asyncio.get_running_loop()
        self._chunks: queue.Queue[bytes] = queue.Queue(max_chunks)
        self._out: asyncio.Queue[npt.NDArray[np.int16] | None] = asyncio.Queue()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._decode, name="asr-webm", daemon=True)
        self._thread.start()

    async def push(self, chunk: bytes) -> None:
        """Queue a received chunk (waits while the decoder is `max_chunks` behind)."""
        if self.error is not None or not chunk:
            return
        try:
            self._chunks.put_nowait(chunk)
        except queue.Full:
            await asyncio.to_thread(self._chunks.put, chunk)

    async def end(self) -> None:
        if self._thread.is_alive():
            await asyncio.to_thread(self._chunks.put, _END)

    async def pcm(self) -> npt.NDArray[np.int16] | None:
        return await self._out.get()

    def _deliver(self, block: npt.NDArray[np.int16] | None) -> None:
        self._loop.call_soon_threadsafe(self._out.put_nowait, block)

    def _decode(self) -> None:
        reader = _ChunkReader(self._chunks)
        try:
            container: Any = av.open(reader, mode="r", format="matroska")
            with container:
                resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
                for frame in container.decode(audio=0):
                    for out in resampler.resample(frame):
                        self._deliver(np.asarray(out.to_ndarray(), dtype=np.int16).reshape(-1))
                for out in resampler.resample(None):
                    self._deliver(np.asarray(out.to_ndarray(), dtype=np.int16).reshape(-1))
        except (av.FFmpegError, ValueError, OSError) as err:
            self.error = f"cannot decode the WebM/Opus stream: {err}"
            while True:  # drain so that a waiting push() or end() returns
                try:
                    self._chunks.get(timeout=1.0)
                except queue.Empty:
                    break
        finally:
            self._deliver(None)
