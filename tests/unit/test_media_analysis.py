"""The audio-analysis worker (robot.media.analysis): per-frame results in order, per-call coalescing, one loop
callback per call per iteration, close and cancel without losing a frame. The worker is held on a gate (a
threading.Event inside an analyser) to make "frames that arrived meanwhile" deterministic: no sleeps."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from robot.amd.detector import RecordedChunks, chunks_of
from robot.clock import ManualClock
from robot.dialog.bargein import BargeInDecision
from robot.dialog.listener import CallListener
from robot.events import SpeechEnded, SpeechStarted
from robot.media.analysis import AnalysedStream, AnalysisError, AnalysisWorker, Backlog
from robot.media.audio import AudioChunk, Int16Array
from robot.media.call_audio import CallAudio
from robot.settings import DialogSettings

pytestmark = pytest.mark.unit

GATE_S = 5.0  # upper bound on waiting for the worker thread to reach a gate (never reached when all goes well)


def chunk(i: int) -> AudioChunk:
    return AudioChunk(np.full(320, i, dtype=np.int16), i * 0.02)


def first_sample(samples: Int16Array) -> int:
    return int(samples[0])


class Gate:
    """An analyser that blocks the worker on the chunk whose samples are `hold` until `release()`."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self.entered = threading.Event()
        self._open = threading.Event()

    def __call__(self, samples: Int16Array) -> int:
        if int(samples[0]) == self.hold:
            self.entered.set()
            self._open.wait(GATE_S)
        return int(samples[0])

    async def reached(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, GATE_S)

    def release(self) -> None:
        self._open.set()


@pytest.fixture
def worker() -> Iterator[AnalysisWorker]:
    w = AnalysisWorker(clock=ManualClock())
    yield w
    w.close()


async def test_results_are_per_frame_and_in_push_order(worker: AnalysisWorker) -> None:
    lane = worker.lane(lambda s: (int(s[0]), int(s.size)))
    got = await lane.analyse([chunk(1), chunk(2), chunk(3)])
    assert [(c.t, r) for c, r in got] == [(0.02, (1, 320)), (0.04, (2, 320)), (0.06, (3, 320))]
    assert lane.pending == 0


async def test_frames_pushed_while_the_worker_is_busy_are_coalesced_per_call(worker: AnalysisWorker) -> None:
    gate = Gate(hold=1)
    a, b = worker.lane(gate), worker.lane(first_sample)
    a.push([chunk(1)])
    await gate.reached()  # the worker is inside its first iteration
    b.push([chunk(10)])
    b.push([chunk(11)])
    a.push([chunk(2)])
    b.push([chunk(12)])
    gate.release()
    assert [r for _, r in await a.analyse([])] == [1, 2]
    assert [r for _, r in await b.analyse([])] == [10, 11, 12]
    assert b.deliveries == 1  # three pushes, one iteration, one loop callback
    assert worker.stats.iterations == 2
    assert worker.stats.max_lanes == 2
    assert worker.stats.frames == 5
    assert worker.stats.deliveries == 3


async def test_no_frame_lost_or_reordered_across_many_calls(worker: AnalysisWorker) -> None:
    lanes = [worker.lane(first_sample) for _ in range(20)]
    got: dict[int, list[int]] = {i: [] for i in range(20)}
    for step in range(30):
        for lane in lanes:
            lane.push([chunk(step)] if step % 3 else [chunk(step), chunk(step + 1000)])
    for i, lane in enumerate(lanes):
        while lane.pending:
            got[i] += [r for _, r in await lane.results()]
    expected = [x for step in range(30) for x in ([step] if step % 3 else [step, step + 1000])]
    assert all(values == expected for values in got.values())


async def test_close_returns_the_frames_not_handed_out_and_drops_late_results(worker: AnalysisWorker) -> None:
    gate = Gate(hold=1)
    lane = worker.lane(gate)
    lane.push([chunk(1), chunk(2)])
    await gate.reached()
    lane.push([chunk(3)])
    left = lane.close()
    assert [c.t for c in left] == [0.02, 0.04, 0.06]
    gate.release()
    worker.close()  # joined: its last callbacks are scheduled on the loop
    await asyncio.sleep(0)
    assert lane.deliveries == 0


async def test_an_analyser_error_reaches_that_call_only(worker: AnalysisWorker) -> None:
    def broken(samples: Int16Array) -> int:
        raise ValueError("bad frame")

    bad, good = worker.lane(broken), worker.lane(first_sample)
    bad.push([chunk(1)])
    good.push([chunk(2)])
    with pytest.raises(AnalysisError, match="bad frame"):
        await bad.results()
    assert [r for _, r in await good.results()] == [2]


class ListStream:
    """A Backlog stream over a list (the shape of CallChunks without a call)."""

    def __init__(self, chunks: list[AudioChunk]) -> None:
        self.items = list(chunks)

    def __aiter__(self) -> ListStream:
        return self

    async def __anext__(self) -> AudioChunk:
        if not self.items:
            raise StopAsyncIteration
        return self.items.pop(0)

    def take_ready(self, limit: int) -> list[AudioChunk]:
        taken, self.items = self.items[:limit], self.items[limit:]
        return taken

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        self.items[:0] = chunks


async def test_a_reader_that_stops_early_gives_the_rest_of_its_batch_back(worker: AnalysisWorker) -> None:
    stream = ListStream([chunk(i) for i in range(1, 7)])
    assert isinstance(stream, Backlog)
    async with AnalysedStream(stream, worker.lane(first_sample), max_batch=4) as analysed:
        async for _chunk, result in analysed:
            if result == 2:
                break
    assert [int(c.samples[0]) for c in stream.items] == [3, 4, 5, 6]


async def test_a_cancelled_reader_gives_its_batch_in_flight_back(worker: AnalysisWorker) -> None:
    gate = Gate(hold=1)
    stream = ListStream([chunk(1), chunk(2), chunk(3)])
    analysed = AnalysedStream(stream, worker.lane(gate))
    reading = asyncio.create_task(anext(analysed))
    await gate.reached()
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    analysed.close()
    gate.release()
    assert [int(c.samples[0]) for c in stream.items] == [1, 2, 3]


async def test_a_plain_iterator_is_read_one_chunk_at_a_time(worker: AnalysisWorker) -> None:
    async def plain() -> AsyncIterator[AudioChunk]:
        for i in range(1, 4):
            yield chunk(i)

    lane = worker.lane(first_sample)
    assert [r async for _, r in AnalysedStream(plain(), lane)] == [1, 2, 3]
    assert lane.deliveries == 3


async def test_call_audio_takes_waiting_chunks_and_puts_unused_ones_back() -> None:
    call = CallAudio("u", rate=16000, max_frame_bytes=4096, buffer_frames=10, clock=ManualClock())
    for i in range(1, 5):
        call.on_binary(np.full(320, i, dtype="<i2").tobytes())
    stream = call.chunks()
    first = await anext(stream)
    rest = stream.take_ready(2)
    assert [int(c.samples[0]) for c in (first, *rest)] == [1, 2, 3]
    stream.unread(rest)
    call.close()
    assert [int(c.samples[0]) async for c in call.chunks()] == [2, 3, 4]


class EnergyVad:
    """Speech = a loud 20 ms chunk (times since its first sample, like StreamingVad)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.speaking = False

    def process(self, samples: npt.NDArray[Any]) -> list[SpeechStarted | SpeechEnded]:
        loud = bool(np.abs(samples).mean() > 1000)
        start, self.t = self.t, round(self.t + samples.size / 16000, 6)
        if loud != self.speaking:
            self.speaking = loud
            return [SpeechStarted(t=start)] if loud else [SpeechEnded(t=start, duration=0.0)]
        return []

    def process_many(self, chunks: Sequence[npt.NDArray[Any]]) -> list[list[SpeechStarted | SpeechEnded]]:
        return [self.process(samples) for samples in chunks]


async def test_the_listener_decides_the_same_barge_in_through_the_worker(worker: AnalysisWorker) -> None:
    audio = np.zeros(16000 * 3, dtype=np.int16)
    audio[16000:40000] = 8000
    outcomes = []
    for use_worker in (False, True):
        runner = worker if use_worker else None
        listener = CallListener(DialogSettings(), EnergyVad(), None, clock=ManualClock(), worker=runner)
        decisions: list[BargeInDecision] = []
        listener.on_bargein = decisions.append
        listener.prompt_started(None)
        await listener.run(RecordedChunks(chunks_of(audio)))
        outcomes.append((decisions, listener.speech_log, listener.audio_time))
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][0][0].speech_onset == 1.0 and outcomes[1][1][-1] == SpeechEnded(t=2.5, duration=0.0)


async def test_closing_the_worker_wakes_a_reader_still_waiting() -> None:
    worker = AnalysisWorker(clock=ManualClock())
    gate = Gate(hold=1)
    busy, waiting = worker.lane(gate), worker.lane(first_sample)
    busy.push([chunk(1)])
    await gate.reached()
    waiting.push([chunk(2)])
    reader = asyncio.create_task(waiting.results())
    closing = asyncio.create_task(asyncio.to_thread(worker.close))
    with pytest.raises(AnalysisError, match="closed"):
        await reader
    gate.release()
    await closing


async def test_several_threads_share_the_calls_and_keep_each_calls_order() -> None:
    worker = AnalysisWorker(clock=ManualClock(), threads=2)
    seen: dict[int, set[str]] = {}

    def tagged(lane_no: int) -> Callable[[Int16Array], int]:
        def analyse(samples: Int16Array) -> int:
            seen.setdefault(lane_no, set()).add(threading.current_thread().name)
            return int(samples[0])

        return analyse

    try:
        lanes = [worker.lane(tagged(i)) for i in range(6)]
        for step in range(20):
            for lane in lanes:
                lane.push([chunk(step)])
        for lane in lanes:
            got: list[int] = []
            while lane.pending:
                got += [r for _, r in await lane.results()]
            assert got == list(range(20))
        assert worker.stats.frames == 120
    finally:
        worker.close()
    assert all(len(names) == 1 for names in seen.values()), "a call stays on one thread"
    assert {next(iter(names)) for names in seen.values()} == {"audio-analysis-0", "audio-analysis-1"}
    with pytest.raises(ValueError, match="threads"):
        AnalysisWorker(threads=0)
