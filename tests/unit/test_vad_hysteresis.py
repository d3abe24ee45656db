from __future__ import annotations

import numpy as np
import pytest

from robot.asr.vad import CONTEXT, WINDOW, StreamingVad
from robot.events import SpeechEnded, SpeechStarted
from robot.settings import VadSettings

pytestmark = pytest.mark.unit


class ScriptedProbabilities:
    """Stands in for the ONNX session (the other end): returns scripted probabilities window by window and
    records the windows and state it was handed."""

    def __init__(self, probabilities: list[float]) -> None:
        self.queue = list(probabilities)
        self.windows: list[np.ndarray] = []
        self.states: list[float] = []

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.windows.extend(windows)
        self.states.append(float(h[0, 0, 0]))
        probs = np.array([self.queue.pop(0) for _ in range(len(windows))], dtype=np.float32)
        return probs, h + 1.0, c + 1.0


def feed(vad: StreamingVad, windows: int, chunk: int = 320) -> list[SpeechStarted | SpeechEnded]:
    audio = np.arange(windows * WINDOW, dtype=np.float32) / 1e6
    events: list[SpeechStarted | SpeechEnded] = []
    for i in range(0, audio.size, chunk):
        events += vad.process(audio[i : i + chunk])
    return events


SETTINGS = VadSettings(threshold=0.5, min_speech_ms=90, min_silence_ms=300, neg_threshold_offset=0.15)


def test_speech_opens_after_min_speech_and_closes_after_min_silence() -> None:
    probs = [0.1] * 5 + [0.9] * 20 + [0.1] * 12
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    events = feed(vad, len(probs))
    assert events == [SpeechStarted(t=0.16), SpeechEnded(t=0.8, duration=0.64)]
    assert not vad.in_speech


def test_short_blip_is_not_speech() -> None:
    probs = [0.9, 0.9, 0.1] + [0.1] * 10  # 64 ms < 90 ms
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    assert feed(vad, len(probs)) == []


def test_dip_above_negative_threshold_keeps_speech_open() -> None:
    probs = [0.9] * 5 + [0.4] * 20 + [0.9] * 3  # 0.4 >= 0.5 - 0.15
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    assert feed(vad, len(probs)) == [SpeechStarted(t=0.0)]
    assert vad.in_speech
    assert vad.flush() == [SpeechEnded(t=pytest.approx(28 * 0.032), duration=pytest.approx(28 * 0.032))]


def test_short_pause_does_not_close_speech() -> None:
    probs = [0.9] * 5 + [0.1] * 5 + [0.9] * 5  # 160 ms pause < 300 ms
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    assert feed(vad, len(probs)) == [SpeechStarted(t=0.0)]


def test_windows_carry_64_samples_of_context_and_state_across_chunks() -> None:
    model = ScriptedProbabilities([0.0] * 4)
    vad = StreamingVad(SETTINGS, model)
    audio = np.arange(4 * WINDOW, dtype=np.float32)
    vad.process(audio[:700])
    vad.process(audio[700:])
    assert len(model.windows) == 4
    assert np.all(model.windows[0][:CONTEXT] == 0)
    for i, window in enumerate(model.windows):
        assert np.array_equal(window[CONTEXT:], audio[i * WINDOW : (i + 1) * WINDOW])
        if i:
            assert np.array_equal(window[:CONTEXT], audio[i * WINDOW - CONTEXT : i * WINDOW])
    assert model.states == [0.0, 1.0]  # the state returned by the first call is passed to the second


def test_int16_is_scaled_and_stereo_refused() -> None:
    model = ScriptedProbabilities([0.0])
    vad = StreamingVad(SETTINGS, model)
    vad.process(np.full(WINDOW, 16384, dtype=np.int16))
    assert model.windows[0][CONTEXT] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="mono"):
        vad.process(np.zeros((2, 10), dtype=np.int16))
    with pytest.raises(ValueError, match="float64"):
        vad.process(np.zeros(10, dtype=np.float64))


def test_chunks_given_together_get_the_events_each_would_get_alone() -> None:
    probs = ([0.1] * 5 + [0.9] * 12 + [0.1] * 15) * 3
    audio = np.arange(len(probs) * WINDOW, dtype=np.float32) / 1e6
    chunks = [audio[i : i + 320] for i in range(0, audio.size, 320)]
    alone = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    expected = [alone.process(c) for c in chunks]
    together = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    got: list[list[SpeechStarted | SpeechEnded]] = []
    sizes = [1, 7, 2, 13, 1, 1, 30, 5]
    i = 0
    while i < len(chunks):
        size = sizes[len(got) % len(sizes)]
        got += together.process_many(chunks[i : i + size])
        i += size
    assert got == expected
    assert sum(len(events) for events in got) == 6  # three segments, each opened and closed
    assert together.process_many([]) == []


def test_a_run_that_crossed_the_threshold_goes_on_above_the_negative_threshold() -> None:
    """A soft "Non merci," (Silero 0.4-0.55 on a synthetic telephone voice after a call's earlier audio): one window
    over the threshold, then windows between the negative threshold and the threshold. The run it opened goes on
    (the hysteresis used inside speech) and opens speech at its first window; it used to restart at every window
    under 0.5, so the VAD only heard the louder words after the pause."""
    probs = [0.1] * 3 + [0.52, 0.46, 0.42, 0.49, 0.38] + [0.1] * 12
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    assert feed(vad, len(probs)) == [SpeechStarted(t=0.096), SpeechEnded(t=0.256, duration=0.16)]


def test_windows_under_the_threshold_alone_never_open_speech() -> None:
    probs = [0.1] * 3 + [0.49, 0.46, 0.42, 0.49, 0.38] + [0.1] * 12 + [0.9, 0.34, 0.9, 0.3] + [0.1] * 3
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs))
    assert feed(vad, len(probs)) == []
