"""The energy assist's voice tier: phone-band voices Silero scores 0.03-0.1 are heard; tones, hum, hiss are not."""

from __future__ import annotations

import numpy as np
import pytest

from robot.asr.vad import WINDOW, StreamingVad
from robot.asr.vad_gate import LevelGate, voice_spectrum
from robot.events import SpeechEnded, SpeechStarted
from robot.settings import Settings, VadSettings

pytestmark = pytest.mark.unit

SETTINGS = VadSettings(threshold=0.25, min_speech_ms=90, min_silence_ms=300, neg_threshold_offset=0.15)
RATE = 16000


class ScriptedProbabilities:
    """Stands in for the ONNX session: scripted probabilities, window by window."""

    def __init__(self, probabilities: list[float]) -> None:
        self.queue = list(probabilities)

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array([self.queue.pop(0) for _ in range(len(windows))], dtype=np.float32), h, c


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (dbfs / 20)).astype(np.float32)


def voiced(windows: int, dbfs: float, f0: float = 120.0) -> np.ndarray:
    """A vowel through a phone line: harmonics of f0 from 300 to 3400 Hz only (no fundamental), formant-shaped."""
    t = np.arange(windows * WINDOW) / RATE
    wave = sum(
        np.exp(-(((k * f0) - 700.0) ** 2) / (2 * 400.0**2)) * np.sin(2 * np.pi * k * f0 * t + k)
        for k in range(1, 40)
        if 300.0 <= k * f0 <= 3400.0
    )
    return at_level(np.asarray(wave), dbfs)


def tone(windows: int, dbfs: float, hz: float = 440.0) -> np.ndarray:
    return at_level(np.sin(2 * np.pi * hz * np.arange(windows * WINDOW) / RATE), dbfs)


def hum(windows: int, dbfs: float) -> np.ndarray:
    t = np.arange(windows * WINDOW) / RATE
    return at_level(sum(np.sin(2 * np.pi * 50 * k * t) / k for k in range(1, 6)), dbfs)


def band_noise(windows: int, dbfs: float, seed: int = 3) -> np.ndarray:
    """White noise on a line (flat 200-3600 Hz): hiss."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(windows * WINDOW))
    freqs = np.fft.rfftfreq(windows * WINDOW, 1 / RATE)
    spectrum[(freqs < 200) | (freqs > 3600)] = 0
    return at_level(np.fft.irfft(spectrum, windows * WINDOW), dbfs)


def floor(windows: int, seed: int = 1) -> np.ndarray:
    return at_level(np.random.default_rng(seed).standard_normal(windows * WINDOW), -60.0)


def with_floor(sound: np.ndarray) -> np.ndarray:
    """30 windows of line floor, the sound, 20 windows of floor."""
    return np.concatenate([floor(30), sound, floor(20, seed=2)])


def test_voice_spectrum_tells_a_voice_from_tones_hum_and_hiss() -> None:
    windows = np.stack(
        [voiced(1, -30.0), tone(1, -30.0), hum(1, -30.0), band_noise(1, -30.0), voiced(1, -30.0, f0=220.0)]
    )
    band, harmonic = voice_spectrum(windows)
    assert band.tolist() == [True, False, False, True, True]
    assert harmonic.tolist() == [True, True, True, False, True]


def test_voice_tier_assists_a_quiet_probability_only_when_the_spectrum_is_a_voice() -> None:
    probs = np.array([0.01] * 30 + [0.05] * 8 + [0.01] * 20, dtype=np.float32)  # under the assist's 0.1
    for sound, heard in ((voiced(8, -35.0), True), (band_noise(8, -35.0), False), (tone(8, -35.0), False)):
        audio = with_floor(sound).reshape(-1, WINDOW)
        gate = LevelGate(min_probability=0.1, margin_db=15.0, voice_probability=0.03)
        assisted = gate.assisted(audio, probs)
        assert assisted[30:38].all() == heard
        assert not assisted[:30].any() and not assisted[38:].any()
        # without the voice tier (the behaviour before it), nothing under min_probability is assisted
        assert not LevelGate(min_probability=0.1, margin_db=15.0).assisted(audio, probs).any()
    # and under voice_probability, nothing
    gate = LevelGate(min_probability=0.1, margin_db=15.0, voice_probability=0.03)
    assert not gate.assisted(with_floor(voiced(8, -35.0)).reshape(-1, WINDOW), np.full(58, 0.02, np.float32)).any()


def test_voice_tier_drops_tones_and_hum_the_plain_assist_let_through() -> None:
    probs = np.array([0.01] * 30 + [0.15] * 8 + [0.01] * 20, dtype=np.float32)
    for sound in (tone(8, -30.0), hum(8, -30.0)):
        audio = with_floor(sound).reshape(-1, WINDOW)
        assert LevelGate(min_probability=0.1, margin_db=15.0).assisted(audio, probs)[30:38].all()
        gate = LevelGate(min_probability=0.1, margin_db=15.0, voice_probability=0.03)
        assert not gate.assisted(audio, probs).any()
    # a voice at the same probability stays assisted
    audio = with_floor(voiced(8, -30.0)).reshape(-1, WINDOW)
    gate = LevelGate(min_probability=0.1, margin_db=15.0, voice_probability=0.03)
    assert gate.assisted(audio, probs)[30:38].all()


def vad_events(audio: np.ndarray, probs: list[float], gate: LevelGate | None) -> list[SpeechStarted | SpeechEnded]:
    vad = StreamingVad(SETTINGS, ScriptedProbabilities(probs), gate=gate)
    return [e for i in range(0, audio.size, 320) for e in vad.process(audio[i : i + 320])] + vad.flush()


def voice_gate(voice_min_ms: float = 160.0) -> LevelGate:
    return LevelGate(min_probability=0.1, margin_db=15.0, voice_probability=0.03, voice_min_ms=voice_min_ms)


def test_streaming_vad_hears_a_narrowband_opener_with_the_voice_tier() -> None:
    audio = with_floor(voiced(6, -38.0))
    probs = [0.01] * 30 + [0.06] * 6 + [0.01] * 20
    assert vad_events(audio, probs, LevelGate(min_probability=0.1, margin_db=15.0)) == []
    # opened once the voice run lasts voice_min_ms (5 windows); voiced windows do not extend open speech
    assert vad_events(audio, probs, voice_gate()) == [
        SpeechStarted(t=pytest.approx(30 * 0.032)),
        SpeechEnded(t=pytest.approx(35 * 0.032), duration=pytest.approx(5 * 0.032)),
    ]
    assert vad_events(audio, probs, voice_gate(voice_min_ms=224.0)) == []  # 192 ms of voice: too short


def test_voice_tier_leaves_speech_silero_opens_as_it_was() -> None:
    # a voiced window before a run Silero opens, and voiced windows in a pause: the same events as without the tier
    audio = with_floor(np.concatenate([voiced(6, -30.0), voiced(12, -30.0, f0=200.0)]))
    probs = [0.01] * 30 + [0.06] + [0.6] * 5 + [0.06] * 12 + [0.01] * 20
    plain = vad_events(audio, probs, LevelGate(min_probability=0.1, margin_db=15.0))
    assert plain == [
        SpeechStarted(t=pytest.approx(31 * 0.032)),
        SpeechEnded(t=pytest.approx(36 * 0.032), duration=pytest.approx(5 * 0.032)),
    ]
    assert vad_events(audio, probs, voice_gate()) == plain


def test_amd_vad_uses_the_voice_tier_setting() -> None:
    from robot.amd.detector import amd_vad

    model = ScriptedProbabilities([])
    on = amd_vad(Settings(), model)
    assert on.gate is not None and on.gate.voice_probability == Settings().amd.vad_assist_voice_probability
    assert on.gate.voice_min_ms == Settings().amd.vad_assist_voice_min_ms
    off = amd_vad(Settings.model_validate({"amd": {"vad_assist_voice_probability": None}}), model)
    assert off.gate is not None and off.gate.voice_probability is None


def test_amd_vad_closes_a_segment_after_amd_vad_min_silence_ms() -> None:
    """The AMD VAD's segment closes after amd.vad_min_silence_ms of silence (the dialog VAD's vad.min_silence_ms
    is left alone): the greeting's transcript is asked that much sooner."""
    from robot.amd.detector import amd_vad

    probs = [0.9] * 10 + [0.0] * 12  # 320 ms of speech, then 384 ms of silence
    audio = np.zeros(len(probs) * WINDOW, dtype=np.float32)

    def window_of_the_end(amd_min_silence_ms: int) -> int:
        settings = Settings.model_validate(
            {"amd": {"vad_min_silence_ms": amd_min_silence_ms, "vad_assist": False}, "vad": {"min_silence_ms": 300}}
        )
        vad = amd_vad(settings, ScriptedProbabilities(list(probs)))
        for i in range(len(probs)):
            if any(isinstance(e, SpeechEnded) for e in vad.process(audio[i * WINDOW : (i + 1) * WINDOW])):
                return i
        raise AssertionError("the segment never closed")

    assert window_of_the_end(200) == 10 + 6  # the 7th silent window: 224 ms >= 200
    assert window_of_the_end(300) == 10 + 9  # the 10th: 320 ms >= 300
    assert Settings().amd.vad_min_silence_ms < Settings().vad.min_silence_ms
