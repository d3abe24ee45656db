from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper.vad import get_vad_model

from robot.asr.vad import WINDOW, SileroModel, StreamingVad
from robot.events import SpeechEnded, SpeechStarted
from robot.settings import VadSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def silero() -> SileroModel:
    return SileroModel()


def human_pcm(fixtures_dir: Path) -> np.ndarray:
    return np.fromfile(fixtures_dir / "ws_human_16k.pcm", dtype="<i2")


def stream(vad: StreamingVad, pcm: np.ndarray, chunk: int) -> tuple[np.ndarray, list[SpeechStarted | SpeechEnded]]:
    probs, events = [], []
    for i in range(0, pcm.size, chunk):
        events += vad.process(pcm[i : i + chunk])
        probs.append(vad.probabilities)
    return np.concatenate(probs), events


@pytest.mark.parametrize("chunk", [320, 160, 1000])
def test_streaming_probabilities_equal_whole_file(fixtures_dir: Path, silero: SileroModel, chunk: int) -> None:
    pcm = human_pcm(fixtures_dir)
    streamed, _ = stream(StreamingVad(VadSettings(), silero), pcm, chunk)
    whole = StreamingVad(VadSettings(), silero)
    whole.process(pcm)
    assert np.array_equal(streamed, whole.probabilities)
    # faster-whisper's own whole-file wrapper zeroes the last 64 samples of its input (it writes through a view),
    # so one window of silence is appended to keep every real window identical.
    samples = pcm.astype(np.float32) / 32768.0
    usable = samples[: samples.size // WINDOW * WINDOW]
    reference = get_vad_model()(np.concatenate([usable, np.zeros(WINDOW, np.float32)])).reshape(-1)[:-1]
    assert streamed.size == reference.size
    assert np.max(np.abs(streamed - reference)) <= 1e-5


def test_speech_found_in_the_human_answer_and_not_after(fixtures_dir: Path, silero: SileroModel) -> None:
    pcm = human_pcm(fixtures_dir)
    vad = StreamingVad(VadSettings(), silero)
    _, events = stream(vad, pcm, 320)
    events += vad.flush()
    starts = [e.t for e in events if isinstance(e, SpeechStarted)]
    ends = [e.t for e in events if isinstance(e, SpeechEnded)]
    assert starts and ends and len(starts) == len(ends)
    assert 0.0 <= starts[0] <= 0.5
    assert 1.3 <= ends[-1] <= 2.3  # "Allô ? Oui, bonjour." lasts ~2.06 s, then silence to 4.86 s
    assert not vad.in_speech


def test_no_speech_in_silence(silero: SileroModel) -> None:
    rng = np.random.default_rng(7)
    hiss = (rng.standard_normal(16000 * 3) * 30).astype(np.int16)  # -60 dBFS line noise
    vad = StreamingVad(VadSettings(), silero)
    assert vad.process(np.zeros(16000 * 2, dtype=np.int16)) == []
    assert vad.process(hiss) == []
    assert vad.flush() == []
    assert float(vad.probabilities.max()) < 0.5
