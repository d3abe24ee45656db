"""The per-call live recogniser (robot.dialog.live) on a scripted engine and an injected clock: no model, no sleeps."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from robot.asr.engine import Priority
from robot.asr.streaming import StreamUpdate
from robot.clock import ManualClock
from robot.dialog.live import LiveRecognizer
from robot.events import Transcript, Word
from robot.settings import DialogSettings

pytestmark = pytest.mark.unit


class Engine:
    """Answers requests in order from `answers` (None = dropped past its deadline) and records them."""

    def __init__(self, answers: list[list[Word] | None]) -> None:
        self.answers = answers
        self.requests: list[tuple[Priority, float | None, float, str]] = []

    async def transcribe(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
    ) -> Transcript | None:
        assert word_timestamps
        self.requests.append((priority, deadline, audio.size / 16000, prompt))
        words = self.answers.pop(0)
        return None if words is None else Transcript(" ".join(w.text for w in words), tuple(words))


def _speech(seconds: float) -> npt.NDArray[np.int16]:
    return np.full(round(seconds * 16000), 1000, dtype=np.int16)


async def test_iterations_every_chunk_and_backoff_while_the_engine_drops() -> None:
    hyp = [Word("non", 0.1, 0.4), Word("merci", 0.4, 0.8)]
    engine = Engine([None, None, hyp, hyp])
    updates: list[tuple[StreamUpdate, bool]] = []
    live = LiveRecognizer(
        DialogSettings(stream_chunk_ms=500), engine, ManualClock(), lambda u, f: updates.append((u, f))
    )
    live.feed(3.0, _speech(0.4))
    assert not live.due(), "less than stream_chunk_ms of new audio"
    live.feed(3.4, _speech(0.1))
    assert live.due() and await live.iterate() is None
    live.feed(3.5, _speech(0.5))
    assert not live.due(), "dropped: the interval doubled"
    live.feed(4.0, _speech(0.5))
    assert live.due() and await live.iterate() is None
    live.feed(4.5, _speech(1.5))
    assert not live.due()
    live.feed(6.0, _speech(0.5))
    assert await live.iterate() is not None and updates[-1][0].committed == ()
    live.feed(6.5, _speech(0.5))
    assert live.due(), "served again: back to stream_chunk_ms"
    update = await live.iterate()
    assert update is not None and [(w.text, w.start) for w in update.committed] == [("non", 3.1), ("merci", 3.4)]
    assert [r[0] for r in engine.requests] == [Priority.PARTIAL] * 4
    assert all(r[1] == pytest.approx(1000.0 + 1.5) for r in engine.requests), "stream_deadline_ms from the clock"


async def test_finalize_commits_the_rest_at_dialog_priority_without_deadline() -> None:
    engine = Engine([[Word("rappelez", 0.0, 0.5)], [Word("rappelez", 0.0, 0.5), Word("demain", 0.5, 0.9)]])
    finals: list[bool] = []
    live = LiveRecognizer(DialogSettings(), engine, ManualClock(), lambda _u, final: finals.append(final))
    live.feed(10.0, _speech(0.6))
    await live.iterate()
    live.feed(10.6, _speech(0.4))
    update = await live.finalize()
    assert update is not None and update.committed_text == "rappelez demain"
    assert engine.requests[-1][:3] == (Priority.DIALOG, None, pytest.approx(1.0))
    assert finals == [False, True] and not live.active and await live.finalize() is None
