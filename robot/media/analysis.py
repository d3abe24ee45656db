"""One audio-analysis worker for every call: VAD and tone detection off the event loop, batched across calls.

Each call reading its audio opens a `Lane` with its own analyser (one chunk's samples -> a result: VAD events,
tone events...; or a batch analyser: consecutive chunks -> one result per chunk, e.g. StreamingVad.process_many,
which runs the model once for all their windows; the analyser's state belongs to the lane and is only touched by
the worker thread). Pushing chunks
is cheap and happens on the loop; the worker thread, woken by arrivals, takes at each iteration the pending chunks
of EVERY lane (all the chunks a call pushed since the last iteration, in order), runs the lane's analyser on each
chunk, and hands the (chunk, result) pairs back with ONE `call_soon_threadsafe` per lane per iteration. Results
stay per chunk, so decisions made from them are those of a loop that analyses one frame at a time.

`AnalysedStream` reads a call's chunk stream through a lane: it takes every chunk already waiting (`take_ready`,
robot.media.call_audio.CallChunks) as one batch, and when the reader stops early (an AMD verdict, a beep) it puts
the chunks it read but did not hand out back at the front of the stream (`unread`), so the next reader of the
same call gets them.

Frames of any multiple of 20 ms (mod_audio_stream's STREAM_BUFFER_SIZE, media.stream_buffer_ms) are cut into 20 ms
STEPS before they are analysed (`steps_of`, at absolute 20 ms boundaries of stream time): readers get one result per
20 ms step whatever the frame size, so AMD verdicts, VAD onsets, tones and barge-in decisions are those of 20 ms
frames (in stream time); a larger frame only delays when they are known, by the time its audio took to arrive.

Cross-call batching of Silero is not possible with the graph shipped in faster-whisper: its LSTM state is fixed at
[1, 1, 128] and its first input axis is time (measured: a state of [1, B, 128] is refused), so the calls of one
iteration run one after the other in the worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from robot.clock import Clock, SystemClock
from robot.errors import MediaError
from robot.media.audio import TARGET_RATE, AudioChunk, Int16Array

log = logging.getLogger(__name__)

R = TypeVar("R")
MAX_BATCH_FRAMES = 50  # chunks one reader takes at once from its stream (1 s of 20 ms frames)
STEP_SAMPLES = 320  # 20 ms at 16 kHz: the step readers decide on, whatever the frame size on the wire
JOIN_TIMEOUT_S = 5.0

Analyser = Callable[[Int16Array], R]
BatchAnalyser = Callable[[list[Int16Array]], list[R]]


@runtime_checkable
class Backlog(Protocol):
    """A chunk stream that tells what is already waiting and takes chunks back (CallChunks)."""

    def take_ready(self, limit: int) -> list[AudioChunk]:
        """Up to `limit` chunks already waiting, without waiting."""
        ...

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        """Put `chunks` back at the front of the stream, in order."""
        ...


@dataclass(slots=True)
class WorkerStats:
    iterations: int = 0
    frames: int = 0
    deliveries: int = 0  # loop callbacks (one per lane per iteration)
    busy_s: float = 0.0  # clock time spent analysing
    max_lanes: int = 0  # most lanes served by one iteration


class AnalysisError(MediaError):
    """The analyser of a call raised; the message names the exception."""


class Lane(Generic[R]):
    """One call's way into the worker. Loop side only: `push`, `results`, `analyse`, `close`."""

    def __init__(self, worker: _Shard, analyse: BatchAnalyser[R], loop: asyncio.AbstractEventLoop) -> None:
        self._worker = worker
        self._analyse = analyse
        self._loop = loop
        self._ready: deque[tuple[AudioChunk, R]] = deque()
        self._sent: deque[AudioChunk] = deque()  # pushed, result not handed out yet (in order)
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self.closed = False
        self.deliveries = 0

    @property
    def pending(self) -> int:
        """Chunks pushed whose results were not handed out yet."""
        return len(self._sent)

    def push(self, chunks: Sequence[AudioChunk]) -> None:
        if self.closed:
            raise MediaError("analysis lane is closed")
        if chunks:
            self._sent.extend(chunks)
            self._worker._submit(self, list(chunks))

    async def results(self) -> list[tuple[AudioChunk, R]]:
        """Every (chunk, result) delivered so far and not yet handed out, in push order; waits for at least one."""
        while not self._ready:
            if self._error is not None:
                raise AnalysisError(f"audio analysis failed: {self._error!r}") from self._error
            if self.closed or not self._sent:
                raise MediaError("analysis lane has nothing pending")
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        out = list(self._ready)
        self._ready.clear()
        for _ in out:
            self._sent.popleft()
        return out

    async def analyse(self, chunks: Sequence[AudioChunk]) -> list[tuple[AudioChunk, R]]:
        """Push `chunks` and wait for all their results (and those of anything pushed before)."""
        self.push(chunks)
        out: list[tuple[AudioChunk, R]] = []
        while self._sent:
            out.extend(await self.results())
        return out

    def close(self) -> list[AudioChunk]:
        """Stop: results still to come are dropped. Returns the chunks pushed but not handed out, in order."""
        self.closed = True
        left = list(self._sent)
        self._sent.clear()
        self._ready.clear()
        self._worker._forget(self)
        self._wake()
        return left

    # -- worker side (runs on the loop through call_soon_threadsafe) -------------------------------------------
    def _deliver(self, pairs: list[tuple[AudioChunk, R]], error: BaseException | None) -> None:
        if self.closed:
            return
        self.deliveries += 1
        self._ready.extend(pairs)
        if error is not None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class AnalysisWorker:
    """The threads that analyse every call's audio (one by default). Start it once per process; `close()` joins them.

    With `threads` > 1 each new lane goes to the next thread in turn and stays there (its chunks stay in order): the
    Silero and FFT calls release the GIL, so a second thread can use a second core."""

    def __init__(self, *, clock: Clock | None = None, name: str = "audio-analysis", threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"AnalysisWorker: threads must be >= 1, got {threads}")
        clock = clock or SystemClock()
        self._shards = [_Shard(clock, name if threads == 1 else f"{name}-{i}") for i in range(threads)]
        self._next = 0
        self._closed = False

    @property
    def stats(self) -> WorkerStats:
        """Every thread's counts added up (busy_s: thread-seconds; max_lanes: the largest of one iteration)."""
        parts = [shard.stats for shard in self._shards]
        return WorkerStats(
            iterations=sum(p.iterations for p in parts),
            frames=sum(p.frames for p in parts),
            deliveries=sum(p.deliveries for p in parts),
            busy_s=sum(p.busy_s for p in parts),
            max_lanes=max(p.max_lanes for p in parts),
        )

    def lane(self, analyse: Analyser[R] | None = None, *, batch: BatchAnalyser[R] | None = None) -> Lane[R]:
        """A lane for one call (call it on the event loop that will read the results), with a per-chunk analyser
        or a batch one (consecutive chunks -> one result per chunk, in order)."""
        if batch is None:
            if analyse is None:
                raise ValueError("lane() needs an analyser")
            batch = _per_chunk(analyse)
        if self._closed:
            raise MediaError("the analysis worker is closed")
        shard = self._shards[self._next]
        self._next = (self._next + 1) % len(self._shards)
        shard.start()
        return Lane(shard, batch, asyncio.get_running_loop())

    def close(self) -> None:
        """Stop the threads; readers still waiting for results get a MediaError."""
        self._closed = True
        for shard in self._shards:
            shard.close()


class _Shard:
    """One analysis thread and the chunks its lanes pushed since its last iteration."""

    def __init__(self, clock: Clock, name: str) -> None:
        self._clock = clock
        self._name = name
        self._cond = threading.Condition()
        self._pending: dict[Lane[Any], list[AudioChunk]] = {}
        self._closed = False
        self._thread: threading.Thread | None = None
        self.stats = WorkerStats()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            waiting, self._pending = list(self._pending), {}
            self._cond.notify()
        for lane in waiting:
            with contextlib.suppress(RuntimeError):  # that loop is closed already
                lane._loop.call_soon_threadsafe(lane._deliver, [], MediaError("the analysis worker was closed"))
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT_S)

    def _submit(self, lane: Lane[R], chunks: list[AudioChunk]) -> None:
        with self._cond:
            if self._closed:
                raise MediaError("the analysis worker is closed")
            queued = self._pending.get(lane)
            if queued is None:
                self._pending[lane] = chunks
                self._cond.notify()
            else:
                queued.extend(chunks)

    def _forget(self, lane: Lane[R]) -> None:
        with self._cond:
            self._pending.pop(lane, None)

    def _take(self) -> dict[Lane[Any], list[AudioChunk]] | None:
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            batch, self._pending = self._pending, {}
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            self.run_batch(batch)

    def run_batch(self, batch: dict[Lane[Any], list[AudioChunk]]) -> None:
        """One iteration: each lane's chunks in order, then one loop callback for that lane (stats first, so a
        reader woken by its results sees them counted)."""
        stats = self.stats
        stats.iterations += 1
        stats.max_lanes = max(stats.max_lanes, len(batch))
        for lane, chunks in batch.items():
            started = self._clock.monotonic()
            pairs: list[tuple[AudioChunk, Any]] = []
            error: BaseException | None = None
            try:
                results = lane._analyse([chunk.samples for chunk in chunks])
                if len(results) != len(chunks):
                    raise ValueError(f"batch analyser gave {len(results)} results for {len(chunks)} chunks")
                pairs = list(zip(chunks, results, strict=True))
            except Exception as err:  # handed to that call's reader; other calls go on
                error = err
            stats.frames += len(pairs)
            stats.deliveries += 1
            stats.busy_s += self._clock.monotonic() - started
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits for these results
                lane._loop.call_soon_threadsafe(lane._deliver, pairs, error)


def _per_chunk(analyse: Analyser[R]) -> BatchAnalyser[R]:
    def run(batch: list[Int16Array]) -> list[R]:
        return [analyse(samples) for samples in batch]

    return run


def steps_of(chunks: Sequence[AudioChunk], step: int = STEP_SAMPLES) -> list[AudioChunk]:
    """`chunks` with each one longer than `step` samples cut at the multiples of `step` samples of stream time
    (views, no copy); shorter chunks pass as they are."""
    out: list[AudioChunk] = []
    for chunk in chunks:
        samples = chunk.samples
        if samples.size <= step:
            out.append(chunk)
            continue
        first = round(chunk.t * TARGET_RATE)  # stream times come from sample counts: exact
        cut = -first % step or step
        out.append(AudioChunk(samples[:cut], chunk.t))
        while cut < samples.size:
            out.append(AudioChunk(samples[cut : cut + step], (first + cut) / TARGET_RATE))
            cut += step
    return out


class AnalysedStream(Generic[R]):
    """`async for chunk, result in AnalysedStream(stream, lane)`: a call's chunks with their analysis, in order.

    Use it as an async context manager (or call `close()`): chunks read from `stream` but not handed out (the rest
    of a batch after the reader stopped, a batch in flight when it was cancelled) go back to the stream when it is
    a Backlog; with a plain async iterator the batches are one chunk, so nothing is left behind."""

    def __init__(self, stream: AsyncIterator[AudioChunk], lane: Lane[R], *, max_batch: int = MAX_BATCH_FRAMES) -> None:
        self._stream = stream
        self._lane = lane
        self._max_batch = max_batch
        self._ready: deque[tuple[AudioChunk, R]] = deque()

    def __aiter__(self) -> AnalysedStream[R]:
        return self

    async def __anext__(self) -> tuple[AudioChunk, R]:
        if not self._ready:
            first = await anext(self._stream)
            batch = [first]
            if isinstance(self._stream, Backlog) and self._max_batch > 1:
                batch += self._stream.take_ready(self._max_batch - 1)
            self._lane.push(steps_of(batch))
            while self._lane.pending:
                self._ready.extend(await self._lane.results())
        return self._ready.popleft()

    def close(self) -> None:
        left = [chunk for chunk, _ in self._ready]
        self._ready.clear()
        left += self._lane.close()
        if left and isinstance(self._stream, Backlog):
            self._stream.unread(left)

    async def __aenter__(self) -> AnalysedStream[R]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
