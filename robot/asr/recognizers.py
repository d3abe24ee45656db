"""Adapters from the AsrEngine to the streaming Recognizer protocols (robot.asr.streaming)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from robot.asr.engine import AsrEngine, Priority
from robot.events import Word


class EngineRecognizer:
    """Async recogniser for the live listener: word times come from cross-attention alignment. A request the
    engine dropped (deadline passed, queue full) yields no words, so the agreement simply waits a round."""

    def __init__(
        self, engine: AsrEngine, *, priority: Priority = Priority.PARTIAL, deadline_s: float | None = None
    ) -> None:
        self.engine = engine
        self.priority = priority
        self.deadline_s = deadline_s

    async def recognize(self, audio: npt.NDArray[np.float32], prompt: str) -> list[Word]:
        deadline = None if self.deadline_s is None else self.engine.clock.monotonic() + self.deadline_s
        transcript = await self.engine.transcribe(
            audio, priority=self.priority, prompt=prompt, deadline=deadline, word_timestamps=True
        )
        return [] if transcript is None else list(transcript.words)


class BlockingEngineRecognizer:
    """Sync recogniser for CLIs and benchmarks (blocks the calling thread; never use it on the event loop)."""

    def __init__(self, engine: AsrEngine, *, priority: Priority = Priority.DIALOG) -> None:
        self.engine = engine
        self.priority = priority

    def recognize(self, audio: npt.NDArray[np.float32], prompt: str) -> list[Word]:
        transcript = self.engine.transcribe_sync(audio, priority=self.priority, prompt=prompt, word_timestamps=True)
        return [] if transcript is None else list(transcript.words)
