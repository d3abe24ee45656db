"""The async side of one client: its StreamSession driven on the shared AsrEngine, and the output line format.

`ClientStream.feed()` waits (never grows without bound) while the session's backlog is full, so a server that awaits
it stops reading the socket and TCP flow control slows the sender. `run()` loops: next request -> engine -> emit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.alignatt import make_policy
from robot.asr.engine import AsrEngine, Priority
from robot.asr.service.session import BacklogFull, Output, SessionConfig, StreamSession
from robot.asr.vad import SileroModel, StreamingVad
from robot.errors import AsrError
from robot.events import Word
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
    vad_model: SileroModel,
    *,
    policy: str | None = None,
    catch_up: bool = True,
    prompt_chars: int = 200,
) -> StreamSession:
    """A session with the service's settings; `policy` overrides settings.policy."""
    agreement = make_policy(
        policy or settings.policy,
        guard_s=settings.alignatt_guard_ms / 1000,
        min_probability=settings.alignatt_min_probability,
        prompt_chars=prompt_chars,
        trim_s=settings.trim_s,
    )
    config = session_config(settings, vad_settings, catch_up=catch_up)
    return StreamSession(config, StreamingVad(vad_settings, vad_model), agreement)


def format_line(words: Sequence[Word], not_before_ms: int = 0) -> tuple[str, int]:
    """whisper_streaming's committed line `<beg_ms> <end_ms> <text>`; lines never go back in time."""
    beg = max(not_before_ms, round(words[0].start * 1000))
    end = max(beg, round(words[-1].end * 1000))
    return f"{beg} {end} {' '.join(w.text for w in words)}", end


Emit = Callable[[Output], Awaitable[None]]


class ClientStream:
    def __init__(self, session: StreamSession, recognize: Recognize, emit: Emit) -> None:
        self.session = session
        self.recognize = recognize
        self.emit = emit
        self.on_flushed: Callable[[], Awaitable[None]] | None = None
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._flushes = 0

    async def feed(self, samples: npt.NDArray[Any]) -> None:
        while True:
            try:
                self.session.feed(samples)
            except BacklogFull:
                self._space.clear()
                self._wake.set()
                await self._space.wait()
                continue
            self._wake.set()
            return

    def flush(self) -> None:
        self.session.flush()
        self._flushes += 1
        self._wake.set()

    def end(self) -> None:
        self.session.end()
        self._wake.set()

    async def run(self) -> None:
        """Until the end of input has been recognised; cancel it to abandon the stream."""
        while True:
            self._wake.clear()
            flushes = self._flushes
            request = self.session.next_request()
            self._space.set()
            if request is None:
                if flushes and self.on_flushed is not None:
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
