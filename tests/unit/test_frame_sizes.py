"""Frames of any multiple of 20 ms (mod_audio_stream's STREAM_BUFFER_SIZE): the readers decide in 20 ms steps, so
AMD verdicts, VAD onsets, tone reports and barge-in decisions are the same with 20, 60 and 100 ms frames (real
Silero VAD and the real tone detector on a real recorded French prompt followed by a synthetic beep)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from robot.amd.detector import AmdDetector, RecordedChunks, chunks_of
from robot.asr.vad import SileroModel, StreamingVad
from robot.clock import ManualClock
from robot.dialog.bargein import BargeInDecision
from robot.dialog.listener import CallListener
from robot.events import AmdResult
from robot.media.analysis import STEP_SAMPLES, AnalysisWorker, steps_of
from robot.media.audio import TARGET_RATE, AudioChunk, Int16Array, read_wav_16k
from robot.settings import MediaSettings, Settings

pytestmark = pytest.mark.unit

FRAME_SIZES_S = (0.02, 0.06, 0.1)


@pytest.fixture(scope="module")
def vad_model() -> SileroModel:
    return SileroModel()


@pytest.fixture
def worker() -> Iterator[AnalysisWorker]:
    runner = AnalysisWorker(clock=ManualClock())
    yield runner
    runner.close()


def greeting_then_beep(fixtures_dir: Path, lead_s: float = 0.0) -> Int16Array:
    """0.4 s (+ lead_s) silence, a real recorded French prompt, 0.5 s silence, a 1 kHz beep of 0.4 s, 1.5 s
    silence."""
    speech = read_wav_16k(fixtures_dir / "sounds" / "prompt_fr.wav")
    t = np.arange(int(0.4 * TARGET_RATE)) / TARGET_RATE
    beep = (8000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    gap = np.zeros(int(0.5 * TARGET_RATE), dtype=np.int16)
    lead = np.zeros(6400 + round(lead_s * TARGET_RATE), dtype=np.int16)
    return np.concatenate([lead, speech, gap, beep, np.zeros(24000, dtype=np.int16)])


def test_steps_cut_big_frames_at_20_ms_boundaries_of_stream_time() -> None:
    samples = np.arange(1600, dtype=np.int16)
    steps = steps_of([AudioChunk(samples, 0.1)])  # 100 ms starting on a boundary
    assert [s.samples.size for s in steps] == [320] * 5
    assert [s.t for s in steps] == [0.1, 0.12, 0.14, 0.16, 0.18]
    assert np.array_equal(np.concatenate([s.samples for s in steps]), samples)
    odd = steps_of([AudioChunk(samples[:1000], 0.01)])  # starts 160 samples into a step (an 8 kHz upsampler's burst)
    assert [s.samples.size for s in odd] == [160, 320, 320, 200]
    assert [round(s.t * TARGET_RATE) for s in odd] == [160, 320, 640, 960]
    small = AudioChunk(samples[:STEP_SAMPLES], 0.0)
    assert steps_of([small]) == [small]  # 20 ms frames pass as they are


@pytest.mark.parametrize(
    ("lead_s", "expected"),
    [(0.0, AmdResult.MACHINE), (0.71, AmdResult.HUMAN)],  # the beep decides / speech decides, between 100 ms ends
)
async def test_amd_verdict_and_decision_time_do_not_depend_on_the_frame_size(
    fixtures_dir: Path, vad_model: SileroModel, worker: AnalysisWorker, lead_s: float, expected: AmdResult
) -> None:
    audio = greeting_then_beep(fixtures_dir, lead_s)
    # the 3.4 s prompt stays under the long-greeting rule, so the beep or the timing after the speech decides
    settings = Settings.model_validate({"amd": {"long_greeting_ms": 3500}})
    outcomes = []
    for frame_s in FRAME_SIZES_S:
        detector = AmdDetector(settings, None, vad_model, None, ManualClock(), worker=worker)
        verdict = await detector.run(RecordedChunks(chunks_of(audio, frame_s)), realtime=False)
        outcomes.append((verdict.result, verdict.decided_at, verdict.reasons))
    assert outcomes[0][0] is expected
    assert outcomes[0] == outcomes[1] == outcomes[2]


async def test_vad_onsets_and_barge_in_do_not_depend_on_the_frame_size(
    fixtures_dir: Path, vad_model: SileroModel, worker: AnalysisWorker
) -> None:
    audio = greeting_then_beep(fixtures_dir)
    settings = Settings()
    outcomes = []
    for frame_s in FRAME_SIZES_S:
        vad = StreamingVad(settings.vad, vad_model)
        listener = CallListener(settings.dialog, vad, None, clock=ManualClock(), worker=worker)
        decisions: list[BargeInDecision] = []
        listener.on_bargein = decisions.append
        listener.prompt_started(None)
        await listener.run(RecordedChunks(chunks_of(audio, frame_s)))
        outcomes.append((decisions, listener.speech_log, round(listener.audio_time, 6)))
    assert outcomes[0][1], "the recorded prompt was heard"
    assert outcomes[0][0], "it barged in"
    assert outcomes[0] == outcomes[1] == outcomes[2]


def test_stream_buffer_must_be_a_multiple_of_20_that_fits_a_frame() -> None:
    assert MediaSettings(stream_buffer_ms=60).stream_buffer_ms == 60
    with pytest.raises(ValueError, match="multiple of 20"):
        MediaSettings(stream_buffer_ms=50)
    with pytest.raises(ValueError, match="max_frame_bytes"):
        MediaSettings(stream_buffer_ms=600)  # 19,200 B at 16 kHz > 16,000
