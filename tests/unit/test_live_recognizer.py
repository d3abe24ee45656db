"""The per-call live recogniser (robot.dialog.live) on a scripted engine and an injected clock: no model, no sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
    """Answers requests in order from `answers` (None = refused: queue full) and records them. A `transcribe_latest`
    request reads its window when `gate` opens (as the real engine does when the request's batch is formed)."""

    def __init__(self, answers: list[list[Word] | None]) -> None:
        self.answers = answers
        self.requests: list[tuple[Priority, float | None, float, str]] = []
        self.gate = asyncio.Event()
        self.gate.set()

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

    async def transcribe_latest(
        self,
        source: Callable[[], tuple[npt.NDArray[Any], str]],
        *,
        priority: Priority,
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> tuple[Transcript, int] | None:
        await self.gate.wait()
        audio, prompt = source()
        transcript = await self.transcribe(
            audio, priority=priority, prompt=prompt, deadline=deadline, word_timestamps=word_timestamps
        )
        return None if transcript is None else (transcript, audio.size)


LOCAL_AGREEMENT = DialogSettings(stream_chunk_ms=500, stream_policy="localagreement", stream_buffer_s=6.0)


def _speech(seconds: float) -> npt.NDArray[np.int16]:
    return np.full(round(seconds * 16000), 1000, dtype=np.int16)


async def test_iterations_every_chunk_and_backoff_while_the_engine_drops() -> None:
    hyp = [Word("non", 0.1, 0.4), Word("merci", 0.4, 0.8)]
    engine = Engine([None, None, hyp, hyp])
    updates: list[tuple[StreamUpdate, bool]] = []
    live = LiveRecognizer(LOCAL_AGREEMENT, engine, ManualClock(), lambda u, f: updates.append((u, f)))
    live.feed(3.0, _speech(0.4))
    assert not live.due(), "less than stream_chunk_ms of new audio"
    live.feed(3.4, _speech(0.1))
    assert live.due() and await live.iterate() is None
    live.feed(3.5, _speech(0.5))
    assert not live.due(), "refused: the interval doubled"
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
    assert all(r[1] is None for r in engine.requests), "partials never expire: they decode the newest audio"


async def test_an_iteration_that_waits_for_the_engine_decodes_the_newest_audio() -> None:
    hyp = [Word("non", 0.1, 0.4), Word("merci", 0.4, 0.8)]
    engine = Engine([hyp, hyp])
    live = LiveRecognizer(LOCAL_AGREEMENT, engine, ManualClock())
    live.feed(3.0, _speech(0.6))
    engine.gate.clear()  # the engine is busy with other calls' batch
    waiting = asyncio.ensure_future(live.iterate())
    await asyncio.sleep(0)
    assert live.busy and not live.due()
    live.feed(3.6, _speech(0.3))  # arrives while the request waits in the queue
    live.feed(3.9, _speech(0.3))
    engine.gate.set()
    assert await waiting is not None
    assert engine.requests[-1][2] == pytest.approx(1.2), "the whole buffer as it was when the batch formed"
    assert live.stats.audio_s == pytest.approx(1.2)
    assert not live.due(), "the audio fed while it waited was decoded: nothing new"
    live.feed(4.2, _speech(0.5))
    assert live.due()
    update = await live.iterate()
    assert update is not None and update.committed_text == "non merci"


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


async def test_finalize_cancels_an_iteration_still_waiting_for_the_engine() -> None:
    engine = Engine([[Word("ne", 0.0, 0.2), Word("m'appelez", 0.2, 0.7), Word("plus", 0.7, 1.0)]])
    finals: list[bool] = []
    live = LiveRecognizer(DialogSettings(), engine, ManualClock(), lambda _u, final: finals.append(final))
    live.feed(2.0, _speech(1.0))
    engine.gate.clear()  # the engine is busy with other calls' partials
    waiting = asyncio.ensure_future(live.iterate())
    await asyncio.sleep(0)
    update = await live.finalize()  # does not wait for the engine to reach the partial
    assert await waiting is None and live.stats.cancelled == 1 and live.stats.dropped == 0
    assert update is not None and update.committed_text == "ne m'appelez plus"
    assert [r[0] for r in engine.requests] == [Priority.DIALOG], "the partial never reached the engine"
    assert finals == [True]


async def test_alignatt_commits_from_one_hypothesis_what_lies_before_the_guard_band() -> None:
    """The default policy: words whose aligned end is older than stream_alignatt_guard_ms are committed from the
    first hypothesis that holds them; the word still being said waits; the buffer is cut past committed words once
    longer than stream_buffer_s, so the next request decodes only the rest."""
    first = [Word("non", 0.1, 0.4), Word("merci", 0.4, 0.8), Word("ça", 0.9, 1.15)]
    second = [Word("ça", 0.0, 0.35), Word("m'intéresse", 0.35, 1.0)]
    engine = Engine([first, second])
    settings = DialogSettings(stream_chunk_ms=500, stream_buffer_s=1.0)
    assert settings.stream_policy == "alignatt" and settings.stream_alignatt_guard_ms == 400
    live = LiveRecognizer(settings, engine, ManualClock())
    live.feed(3.0, _speech(1.2))
    update = await live.iterate()
    assert update is not None and update.committed_text == "non merci" and update.partial_text == "ça"
    assert live.agreement.buffer_offset == pytest.approx(3.8), "cut after 'merci' (buffer > 1 s)"
    live.feed(4.2, _speech(0.6))
    update = await live.iterate()
    assert engine.requests[-1][2] == pytest.approx(1.0) and engine.requests[-1][3] == "non merci"
    assert update is not None and update.committed_text == "ça" and update.partial_text == "m'intéresse"
