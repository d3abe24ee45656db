"""What a simulated callee "says", as 16-bit PCM: WAV files (any rate, resampled), tones, SIT, noise.

Pure functions over numpy arrays; no I/O besides reading WAV files. A rendered sound is an int16 array at the
stream rate (8000 or 16000 Hz). The SIT triple follows ITU-T E.180 / Bellcore: 913.8, 1370.6, 1776.7 Hz.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from robot.errors import ConfigError

Pcm = npt.NDArray[np.int16]

SIT_TONES: tuple[tuple[float, int], ...] = ((913.8, 274), (1370.6, 274), (1776.7, 380))
_FULL_SCALE = 32767.0


def read_wav(path: Path, rate: int) -> Pcm:
    """Read a 16-bit PCM WAV (mono or multi-channel: averaged) and resample it to `rate` Hz."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels = wav.getnchannels()
            width = wav.getsampwidth()
            src_rate = wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as err:
        raise ConfigError(f"{path}: cannot read WAV file: {err}") from err
    if width != 2:
        raise ConfigError(f"{path}: only 16-bit PCM WAV is supported (sample width {width * 8} bits)")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if src_rate != rate:
        samples = soxr.resample(samples, src_rate, rate)
    return to_pcm(samples)


def wav_duration_s(path: Path) -> float:
    """Length of a WAV file in seconds (header only)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (OSError, EOFError, wave.Error) as err:
        raise ConfigError(f"{path}: cannot read WAV file: {err}") from err


def to_pcm(samples: npt.NDArray[np.float32] | npt.NDArray[np.float64]) -> Pcm:
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def _amplitude(level_dbfs: float) -> float:
    return _FULL_SCALE * float(10.0 ** (level_dbfs / 20.0))


def tone(freq_hz: float, duration_ms: int, rate: int, level_dbfs: float = -10.0) -> Pcm:
    """A pure sine with 5 ms raised-cosine edges (no clicks)."""
    count = rate * duration_ms // 1000
    t = np.arange(count, dtype=np.float64) / rate
    wave_ = np.sin(2.0 * np.pi * freq_hz * t) * _amplitude(level_dbfs)
    edge = min(count // 2, rate * 5 // 1000)
    if edge > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
        wave_[:edge] *= ramp
        wave_[count - edge :] *= ramp[::-1]
    return to_pcm(wave_)


def sit(rate: int, level_dbfs: float = -12.0) -> Pcm:
    """The special information tone triple that precedes operator announcements."""
    return np.concatenate([tone(freq, ms, rate, level_dbfs) for freq, ms in SIT_TONES])


def noise(duration_ms: int, rate: int, level_dbfs: float = -40.0, seed: int = 7) -> Pcm:
    """Gaussian noise at an RMS level in dBFS; seeded so a script always renders the same bytes."""
    rng = np.random.default_rng(seed)
    count = rate * duration_ms // 1000
    return to_pcm(rng.standard_normal(count) * _amplitude(level_dbfs))


def silence(duration_ms: int, rate: int) -> Pcm:
    return np.zeros(rate * duration_ms // 1000, dtype=np.int16)


def apply_gain(pcm: Pcm, gain_db: float) -> Pcm:
    if gain_db == 0.0:
        return pcm
    return to_pcm(pcm.astype(np.float64) * float(10.0 ** (gain_db / 20.0)))


def mix_into(target: npt.NDArray[np.int32], start: int, pcm: Pcm) -> None:
    """Add `pcm` into an int32 accumulator at sample `start` (grows nothing: caller sizes the target)."""
    if start >= len(target) or start + len(pcm) <= 0:
        return
    begin = max(start, 0)
    end = min(start + len(pcm), len(target))
    target[begin:end] += pcm[begin - start : end - start]
