"""A turn awaited from a barge-in's onset starts there, even when the caller is in a later speech segment by the time
it is awaited (the flaky live test: "Arrêtez de m'appeler, | s'il vous plaît" split by the VAD, the break decided
while the second part was under way, and the answer read from the second part only)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from robot.clock import ManualClock
from robot.dialog.listener import CallListener
from robot.events import Transcript
from robot.media.audio import AudioChunk
from robot.settings import DialogSettings
from tests.unit.test_dialog_runner import ScriptedAsr, ScriptedVad, Utterance, _speechy

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
RATE = 16000
STEP = 320  # 20 ms


async def _turn_awaited_at(awaited_at: float, since: float) -> tuple[float, str]:
    said = [Utterance(1.0, 1.6, "arrêtez de m'appeler"), Utterance(2.0, 3.0, "s'il vous plaît")]
    settings = DialogSettings(audio_dir=REPO / "audio", streaming=False)
    ref: list[CallListener] = []
    listener = CallListener(settings, ScriptedVad(said), ScriptedAsr(ref, said), clock=ManualClock())
    ref.append(listener)
    audio = np.zeros(6 * RATE, dtype=np.int16)
    for i, u in enumerate(said):
        audio[int(u.start * RATE) : int(u.end * RATE)] = _speechy(int((u.end - u.start) * RATE), seed=i)
    turn_task = None
    for n in range(len(audio) // STEP):
        t = round(n * STEP / RATE, 6)
        if turn_task is None and t >= awaited_at:
            turn_task = asyncio.ensure_future(listener.next_turn(since, 3.0, 0.7))
            await asyncio.sleep(0)
        await listener.feed(AudioChunk(audio[n * STEP : (n + 1) * STEP], t))
    assert turn_task is not None
    turn = await asyncio.wait_for(turn_task, timeout=5)
    assert turn is not None
    return turn.start, turn.text


@pytest.mark.parametrize("awaited_at", [0.5, 1.3, 1.9, 2.5, 3.2])
async def test_a_turn_from_a_barge_in_onset_keeps_every_segment_since(awaited_at: float) -> None:
    """Awaited before the speech, during its first part, between the parts, during the second, after both."""
    start, text = await _turn_awaited_at(awaited_at, since=1.0)
    assert start == pytest.approx(1.0)
    assert "arrêtez" in text and "plaît" in text


async def test_speech_that_began_before_since_is_not_the_turn() -> None:
    start, _text = await _turn_awaited_at(2.5, since=1.8)
    assert start == pytest.approx(2.0)


class _Sizes(ScriptedAsr):
    """ScriptedAsr that also keeps how much audio each request carried, seconds."""

    def __init__(self, ref: list[CallListener], said: list[Utterance]) -> None:
        super().__init__(ref, said)
        self.seconds: list[float] = []

    async def transcribe(self, audio: Any, **kw: Any) -> Transcript | None:
        self.seconds.append(audio.size / RATE)
        return await super().transcribe(audio, **kw)


async def test_the_turn_transcription_starts_turn_preroll_ms_before_the_vad_onset() -> None:
    """Silero reports a telephone voice's onset 0.2-0.4 s late; the answer's transcription must not lose the first
    word ("Arrêtez" heard as "de ma plée" with a 0.2 s pre-roll)."""
    said = [Utterance(1.0, 1.6, "arrêtez de m'appeler")]
    for preroll_ms in (200, 500):
        settings = DialogSettings(audio_dir=REPO / "audio", streaming=False, turn_preroll_ms=preroll_ms)
        ref: list[CallListener] = []
        asr = _Sizes(ref, said)
        listener = CallListener(settings, ScriptedVad(said), asr, clock=ManualClock())
        ref.append(listener)
        turn_task = asyncio.ensure_future(listener.next_turn(0.0, 3.0, 0.7))
        await asyncio.sleep(0)
        for n in range(4 * RATE // STEP):
            await listener.feed(AudioChunk(np.zeros(STEP, dtype=np.int16), round(n * STEP / RATE, 6)))
        turn = await asyncio.wait_for(turn_task, timeout=5)
        assert turn is not None and turn.start == pytest.approx(1.0)
        assert asr.seconds[-1] == pytest.approx(preroll_ms / 1000 + 0.6 + 0.2, abs=0.021)
