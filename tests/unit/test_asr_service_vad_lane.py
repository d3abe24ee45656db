"""The service's VAD off the event loop: a StreamSession without a VAD of its own (pieces out with `to_analyse()`,
events back with `analysed()`) asks for exactly the recognitions of the in-session VAD path, whatever the chunking,
flushes and delay of the results; a ClientStream runs it through an AnalysisWorker lane (the model runs in the
worker thread, never on the loop thread) and audio waiting for its VAD events counts toward the backlog bound."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from functools import partial

import numpy as np
import pytest

from robot.asr.service.session import Output, SessionConfig, StreamSession, VadEvents, vad_events
from robot.asr.service.stream import ClientStream
from robot.asr.streaming import OnlineAgreement
from robot.asr.vad import StreamingVad
from robot.events import Word
from robot.media.analysis import AnalysisWorker
from robot.settings import VadSettings

from .test_asr_service_session import SR, FakeRecognizer, LoudnessVad, audio

pytestmark = pytest.mark.unit
GATE_S = 5.0  # bound on waiting for the worker thread (never reached when all goes well)

Result = tuple[list[tuple[float, float]], list[tuple[str, str, bool]], list[Word]]


def pieces_of(chunk: int | None) -> list[np.ndarray]:
    pcm = audio()
    return [pcm] if chunk is None else [pcm[i : i + chunk] for i in range(0, pcm.size, chunk)]


def fed(session: StreamSession, chunk: int | None, flush_at: int | None) -> Iterator[bool]:
    """Feeds the audio piece by piece (flush after piece `flush_at`, end after the last); yields True at the last."""
    pieces = pieces_of(chunk)
    for i, piece in enumerate(pieces):
        session.feed(piece)
        if i == flush_at:
            session.flush()
        if i == len(pieces) - 1:
            session.end()
        yield i == len(pieces) - 1


def drain(session: StreamSession, rec: FakeRecognizer, words: list[Word]) -> None:
    while (req := session.next_request()) is not None:
        words.extend(session.complete(rec(req.audio, req.prompt, req.final)).committed)


def in_session(chunk: int | None, flush_at: int | None = None, catch_up: bool = False) -> Result:
    """The previous path: the session runs the VAD itself, in next_request()."""
    session = StreamSession(
        SessionConfig(step_s=0.5, catch_up=catch_up), StreamingVad(VadSettings(), LoudnessVad()), OnlineAgreement()
    )
    rec = FakeRecognizer()
    words: list[Word] = []
    for _ in fed(session, chunk, flush_at):
        drain(session, rec, words)
    assert session.finished
    return session.segments, rec.requests, words


def outside(chunk: int | None, lag: int, flush_at: int | None = None, catch_up: bool = False) -> Result:
    """The same input, the VAD outside the session; its results come back `lag` feeds late."""
    session = StreamSession(SessionConfig(step_s=0.5, catch_up=catch_up), None, OnlineAgreement())
    vad = StreamingVad(VadSettings(), LoudnessVad())
    rec = FakeRecognizer()
    words: list[Word] = []
    in_flight: list[list[VadEvents]] = []
    for last in fed(session, chunk, flush_at):
        in_flight.append(vad_events(vad, session.to_analyse()))
        while len(in_flight) > lag or (last and in_flight):
            session.analysed(in_flight.pop(0))
            drain(session, rec, words)
        if in_flight:
            assert session.awaiting_analysis  # what waits for its events is not consumed
    assert session.finished
    return session.segments, rec.requests, words


@pytest.mark.parametrize("chunk", [None, 320, 4000, 7777])
@pytest.mark.parametrize("lag", [0, 3])
def test_outside_vad_asks_for_the_same_recognitions_as_the_in_session_vad(chunk: int | None, lag: int) -> None:
    reference = in_session(chunk)
    assert len(reference[0]) == 2 and reference[1]
    assert outside(chunk, lag) == reference


@pytest.mark.parametrize("chunk", [320, 4000])
def test_same_output_with_a_flush_mid_speech_and_with_catch_up(chunk: int) -> None:
    flush_at = round(1.7 * SR) // chunk
    assert outside(chunk, 2, flush_at=flush_at) == in_session(chunk, flush_at=flush_at)
    assert outside(chunk, 0, catch_up=True) == in_session(chunk, catch_up=True)


def test_a_flush_waits_for_the_vad_events_of_what_came_before() -> None:
    session = StreamSession(SessionConfig(step_s=0.5), None, OnlineAgreement())
    vad = StreamingVad(VadSettings(), LoudnessVad())
    session.feed(audio()[: round(1.7 * SR)])
    session.end()
    pieces = session.to_analyse()
    assert [p.size for p in pieces] == [8000, 8000, 8000, 3200, 0]  # cut on the 0.5 s steps, then the end marker
    assert session.next_request() is None and session.flush_pending and not session.finished
    results = vad_events(vad, pieces)
    session.analysed(results[:-1])
    assert session.next_request() is None and session.flush_pending  # the VAD's end-of-input events are not back
    session.analysed(results[-1:])
    req = session.next_request()
    assert req is not None and req.final
    with pytest.raises(ValueError, match="1 VAD results for 0 pieces"):
        session.analysed([[]])


class ThreadRecordingVad(LoudnessVad):
    """LoudnessVad that records the thread of each model run and can hold the worker until `release`."""

    def __init__(self, hold: bool = False) -> None:
        self.threads: set[int] = set()
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.threads.add(threading.get_ident())
        self.entered.set()
        assert self.release.wait(GATE_S)
        return super().run(windows, h, c)


def client_stream(
    worker: AnalysisWorker, model: ThreadRecordingVad, rec: FakeRecognizer, outputs: list[Output], backlog_s: float
) -> ClientStream:
    async def recognize(samples: np.ndarray, prompt: str, final: bool) -> list[Word] | None:
        return rec(samples, prompt, final)

    async def emit(output: Output) -> None:
        outputs.append(output)

    session = StreamSession(SessionConfig(step_s=0.5, catch_up=False, max_backlog_s=backlog_s), None, OnlineAgreement())
    lane = worker.lane(batch=partial(vad_events, StreamingVad(VadSettings(), model)))
    return ClientStream(session, recognize, emit, lane)


async def test_client_stream_runs_the_vad_in_the_worker_thread_with_the_same_output() -> None:
    worker = AnalysisWorker(name="test-asr-vad")
    model = ThreadRecordingVad()
    rec = FakeRecognizer()
    outputs: list[Output] = []
    try:
        stream = client_stream(worker, model, rec, outputs, backlog_s=10.0)
        runner = asyncio.create_task(stream.run())
        for piece in pieces_of(4000):
            await stream.feed(piece)
        stream.end()
        await asyncio.wait_for(runner, GATE_S)
    finally:
        worker.close()
    assert model.threads and threading.get_ident() not in model.threads
    assert worker.stats.frames == len(pieces_of(4000)) + 1  # every piece (within a step each) and the end marker
    assert stream.lane is not None and stream.lane.closed
    segments, requests, words = in_session(4000)
    assert stream.session.segments == segments
    assert rec.requests == requests
    assert [w for out in outputs for w in out.committed] == words


async def test_audio_waiting_for_its_vad_events_counts_toward_the_backlog() -> None:
    worker = AnalysisWorker(name="test-asr-vad")
    model = ThreadRecordingVad(hold=True)
    rec = FakeRecognizer()
    outputs: list[Output] = []
    try:
        stream = client_stream(worker, model, rec, outputs, backlog_s=1.0)
        runner = asyncio.create_task(stream.run())
        pieces = pieces_of(4000)
        await stream.feed(pieces[0])
        assert await asyncio.to_thread(model.entered.wait, GATE_S)  # the worker is held inside the VAD
        for piece in pieces[1:4]:  # 1 s in all: within the bound
            await stream.feed(piece)
        feeder = asyncio.create_task(stream.feed(pieces[4]))
        for _ in range(20):  # nothing can free room while the worker is held
            await asyncio.sleep(0)
        assert not feeder.done() and stream.session.backlog_s == 1.0
        model.release.set()
        await asyncio.wait_for(feeder, GATE_S)
        for piece in pieces[5:]:
            await stream.feed(piece)
        stream.end()
        await asyncio.wait_for(runner, GATE_S)
    finally:
        model.release.set()
        worker.close()
    assert [w for out in outputs for w in out.committed] == in_session(4000)[2]


def test_a_client_stream_needs_a_lane_exactly_when_its_session_has_no_vad() -> None:
    async def recognize(samples: np.ndarray, prompt: str, final: bool) -> list[Word] | None:
        return None

    async def emit(output: Output) -> None:
        return None

    with pytest.raises(ValueError, match="needs a lane"):
        ClientStream(StreamSession(SessionConfig(), None, OnlineAgreement()), recognize, emit)
