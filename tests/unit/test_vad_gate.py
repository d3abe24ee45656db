from __future__ import annotations

import numpy as np
import pytest

from robot.asr.vad import WINDOW, StreamingVad
from robot.asr.vad_gate import LevelGate, window_levels
from robot.events import SpeechEnded, SpeechStarted
from robot.settings import VadSettings

pytestmark = pytest.mark.unit

SETTINGS = VadSettings(threshold=0.25, min_speech_ms=90, min_silence_ms=300, neg_threshold_offset=0.15)


class ScriptedProbabilities:
    """Stands in for the ONNX session: scripted probabilities, window by window."""

    def __init__(self, probabilities: list[float]) -> None:
        self.queue = list(probabilities)

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array([self.queue.pop(0) for _ in range(len(windows))], dtype=np.float32), h, c


def noise(windows: int, dbfs: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(windows * WINDOW) * 10 ** (dbfs / 20)).astype(np.float32)


def levels_audio(spec: list[tuple[int, float]]) -> np.ndarray:
    return np.concatenate([noise(n, db, seed=i) for i, (n, db) in enumerate(spec)])


def test_window_levels_in_dbfs() -> None:
    full = np.ones((1, WINDOW), dtype=np.float32)
    silent = np.zeros((1, WINDOW), dtype=np.float32)
    assert window_levels(np.concatenate([full, silent])) == pytest.approx([0.0, -100.0])


def test_gate_passes_quiet_probability_well_above_the_floor_only() -> None:
    audio = levels_audio([(30, -55.0), (5, -25.0), (5, -50.0)])
    probs = np.array([0.15] * 40, dtype=np.float32)
    gate = LevelGate(min_probability=0.1, margin_db=15.0)
    assisted = gate.assisted(audio.reshape(-1, WINDOW), probs)
    assert not assisted[:30].any()
    assert assisted[30:35].all()
    assert not assisted[35:].any()


def test_gate_needs_some_probability() -> None:
    audio = levels_audio([(30, -55.0), (5, -25.0)])  # a loud burst the model calls non-speech (a click, a tone)
    gate = LevelGate(min_probability=0.1, margin_db=15.0)
    assert not gate.assisted(audio.reshape(-1, WINDOW), np.full(35, 0.05, dtype=np.float32)).any()


def test_stationary_noise_lifts_its_own_floor() -> None:
    # noise from the answer on never clears the margin; noise that starts later does until it fills 90 % of the
    # floor's 62-window history (then the 10th percentile is the noise itself): the probability floor guards that
    gate = LevelGate(min_probability=0.1, margin_db=15.0)
    steady = levels_audio([(70, -33.0)])
    assert not gate.assisted(steady.reshape(-1, WINDOW), np.full(70, 0.2, dtype=np.float32)).any()
    gate = LevelGate(min_probability=0.1, margin_db=15.0)
    late = levels_audio([(10, -60.0), (70, -33.0)])
    assisted = gate.assisted(late.reshape(-1, WINDOW), np.full(80, 0.2, dtype=np.float32))
    assert assisted[10:60].all()
    assert not assisted[70:].any()


def test_gate_is_the_same_fed_window_by_window() -> None:
    audio = levels_audio([(20, -55.0), (4, -20.0), (30, -55.0), (4, -22.0)]).reshape(-1, WINDOW)
    probs = np.full(len(audio), 0.2, dtype=np.float32)
    whole = LevelGate(min_probability=0.1, margin_db=15.0).assisted(audio, probs)
    gate = LevelGate(min_probability=0.1, margin_db=15.0, floor_windows=62)
    pieces = np.concatenate([gate.assisted(audio[i : i + 3], probs[i : i + 3]) for i in range(0, len(audio), 3)])
    assert (whole == pieces).all()


def test_gate_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="2 windows but 3 probabilities"):
        LevelGate(min_probability=0.1, margin_db=15.0).assisted(np.zeros((2, WINDOW), np.float32), np.zeros(3))
    with pytest.raises(ValueError, match="floor_windows"):
        LevelGate(min_probability=0.1, margin_db=15.0, floor_windows=0)


def test_streaming_vad_hears_an_assisted_greeting_silero_alone_misses() -> None:
    audio = levels_audio([(30, -55.0), (8, -22.0), (20, -55.0)])
    probs = [0.02] * 30 + [0.2] * 8 + [0.02] * 20  # under the 0.25 threshold throughout

    def events(gate: LevelGate | None) -> list[SpeechStarted | SpeechEnded]:
        vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs), gate=gate)
        return [e for i in range(0, audio.size, 320) for e in vad.process(audio[i : i + 320])] + vad.flush()

    assert events(None) == []
    heard = events(LevelGate(min_probability=0.1, margin_db=15.0))
    assert heard == [
        SpeechStarted(t=pytest.approx(30 * 0.032)),
        SpeechEnded(t=pytest.approx(38 * 0.032), duration=pytest.approx(8 * 0.032)),
    ]


def test_floors_match_a_percentile_window_by_window_across_the_start_of_a_call() -> None:
    """The vectorised floors equal the plain definition (the percentile of the last floor_windows levels, fewer at
    the start), whatever the sizes of the batches the windows come in."""
    rng = np.random.default_rng(7)
    windows = (rng.standard_normal((150, 512)) * rng.uniform(0.001, 0.3, (150, 1))).astype(np.float32)
    probabilities = rng.uniform(0, 1, 150).astype(np.float32)
    levels = window_levels(windows)
    expected = [
        probabilities[i] >= 0.1 and levels[i] >= np.percentile(levels[max(0, i - 61) : i + 1], 10.0) + 15.0
        for i in range(150)
    ]
    for sizes in ([150], [1] * 150, [3, 7, 50, 1, 89]):
        gate = LevelGate(min_probability=0.1, margin_db=15.0)
        got: list[bool] = []
        start = 0
        for n in sizes:
            got += gate.assisted(windows[start : start + n], probabilities[start : start + n]).tolist()
            start += n
        assert got == expected
