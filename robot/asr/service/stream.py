"""The async side of one client: its StreamSession driven on the shared AsrEngine, and the output line format.

`ClientStream.feed()` waits (never grows without bound) while the session's backlog is full, so a server that awaits
it stops reading the socket and TCP flow control slows the sender. `run()` loops: next request -> engine -> emit.

Live servers give the stream a lane of the AnalysisWorker (robot.media.analysis; the RobotApp's with --with-robot):
the session is built without a VAD, the received audio goes to the worker thread in step-aligned pieces (one push per
received message, analysed with the other clients' and calls' pieces of that iteration), and the events come back
once per lane per iteration; the event loop never runs Silero.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.alignatt import make_policy
from robot.asr.engine import AsrEngine, Priority
from robot.asr.service.session import RATE, BacklogFull, Output, SessionConfig, StreamSession, VadEvents
from robot.asr.vad import SileroModel, StreamingVad
from robot.errors import AsrError
from robot.events import Word
from robot.media.analysis import Lane
from robot.media.audio import AudioChunk
from robot.settings import AsrServiceSettings, VadSettings

log = logging.getLogger(__name__)


class Recognize(Protocol):
    async def __call__(self, audio: npt.NDArray[np.float32], prompt: str, final: bool) -> list[Word] | None: ...


class EngineRecognize:
    """Requests at Priority.SERVICE (after all call traffic); partials carry a deadline, finals none."""

    def __init__(self, engine: AsrEngine, partial_deadline_s: float) -> None:
        self.engine = engine
        self.partial_deadline_s = partial_deadline_s

    async def __call__(self, audio: npt.NDArray[np.float32], prompt: str, final: bool) -> list[Word] | None:
        deadline = None if final else self.engine.clock.monotonic() + self.partial_deadline_s
        try:
            transcript = await self.engine.transcribe(
                audio, priority=Priority.SERVICE, prompt=prompt, deadline=deadline, word_timestamps=True
            )
        except AsrError as err:
            log.warning("service recognition failed: %s", err)
            return None
        return None if transcript is None else list(transcript.words)


def session_config(settings: AsrServiceSettings, vad: VadSettings, *, catch_up: bool = True) -> SessionConfig:
    return SessionConfig(
        step_s=settings.step_ms / 1000,
        preroll_s=settings.preroll_ms / 1000,
        tail_s=min(settings.tail_ms, vad.min_silence_ms) / 1000,  # the VAD has seen that much after an end
        max_segment_s=settings.max_segment_s,
        max_backlog_s=settings.max_backlog_s,
        catch_up=catch_up,
    )


def new_session(
    settings: AsrServiceSettings,
    vad_settings: VadSettings,
    vad_model: SileroModel | None,
    *,
    policy: str | None = None,
    catch_up: bool = True,
    prompt_chars: int = 200,
) -> StreamSession:
    """A session with the service's settings; `policy` overrides settings.policy; `vad_model` None: the session's
    VAD runs outside it (a ClientStream with a lane)."""
    agreement = make_policy(
        policy or settings.policy,
        guard_s=settings.alignatt_guard_ms / 1000,
        min_probability=settings.alignatt_min_probability,
        prompt_chars=prompt_chars,
        trim_s=settings.trim_s,
    )
    config = session_config(settings, vad_settings, catch_up=catch_up)
    vad = None if vad_model is None else StreamingVad(vad_settings, vad_model)
    return StreamSession(config, vad, agreement)


def format_line(words: Sequence[Word], not_before_ms: int = 0) -> tuple[str, int]:
    """whisper_streaming's committed line `<beg_ms> <end_ms> <text>`; lines never go back in time."""
    beg = max(not_before_ms, round(words[0].start * 1000))
    end = max(beg, round(words[-1].end * 1000))
    return f"{beg} {end} {' '.join(w.text for w in words)}", end


Emit = Callable[[Output], Awaitable[None]]


class ClientStream:
    """`lane`: where the VAD of a session built without one runs (its analyser: session.vad_events on a
    StreamingVad); closed when `run()` ends."""

    def __init__(
        self, session: StreamSession, recognize: Recognize, emit: Emit, lane: Lane[VadEvents] | None = None
    ) -> None:
        if (lane is None) != (session.vad is not None):
            raise ValueError("a ClientStream needs a lane exactly when its session has no VAD of its own")
        self.session = session
        self.recognize = recognize
        self.emit = emit
        self.lane = lane
        self.on_flushed: Callable[[], Awaitable[None]] | None = None
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._sent = asyncio.Event()  # pieces pushed to the lane
        self._flushes = 0
        self._pushed_samples = 0
        self._error: BaseException | None = None

    async def feed(self, samples: npt.NDArray[Any]) -> None:
        while True:
            try:
                self.session.feed(samples)
            except BacklogFull:
                self._space.clear()
                self._wake.set()
                await self._space.wait()
                continue
            self._send()
            self._wake.set()
            return

    def flush(self) -> None:
        self.session.flush()
        self._flushes += 1
        self._wake.set()

    def end(self) -> None:
        self.session.end()
        self._send()
        self._wake.set()

    async def run(self) -> None:
        """Until the end of input has been recognised; cancel it to abandon the stream."""
        collector = None if self.lane is None else asyncio.create_task(self._collect(self.lane), name="asr-vad")
        try:
            await self._serve()
        finally:
            if collector is not None:
                collector.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await collector
            if self.lane is not None:
                self.lane.close()

    async def _serve(self) -> None:
        while True:
            self._wake.clear()
            if self._error is not None:
                raise self._error
            flushes = self._flushes
            before = self.session.position_s
            request = self.session.next_request()
            if self.session.position_s > before or not self.session.awaiting_analysis:
                self._space.set()  # (audio that only waits for its VAD events frees no room: feed() goes on waiting)
            if request is None:
                if flushes and self.on_flushed is not None and not self.session.flush_pending:
                    self._flushes -= flushes
                    await self.on_flushed()
                if self.session.finished:
                    return
                await self._wake.wait()
                continue
            words = await self.recognize(request.audio, request.prompt, request.final)
            output = self.session.complete(words)
            if output.committed or output.partial or output.final:
                await self.emit(output)

    def _send(self) -> None:
        """The session's new pieces to the VAD lane (one push for all of them)."""
        if self.lane is None or self.lane.closed:
            return
        chunks = []
        for piece in self.session.to_analyse():
            chunks.append(AudioChunk(piece, self._pushed_samples / RATE))
            self._pushed_samples += piece.size
        if chunks:
            self.lane.push(chunks)
            self._sent.set()

    async def _collect(self, lane: Lane[VadEvents]) -> None:
        """VAD results -> the session, in order; an analysis error ends run() with it."""
        try:
            while True:
                if not lane.pending:
                    self._sent.clear()
                    await self._sent.wait()
                    continue
                self.session.analysed([events for _, events in await lane.results()])
                self._wake.set()
        except Exception as err:
            self._error = err
            self._wake.set()
