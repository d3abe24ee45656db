"""Call-timeline sounds and audio helpers of audio/amd-eval/ (dev-time; benchmarks/make_amd_eval.py builds it).

Tones (SIT, ringback, beeps, chimes), hold music, line noise, the telephone chain (300-3400 Hz band, 8 kHz), WAV
reading and writing. Timelines are float32 mono at WORK_RATE, -1..1.
"""

from __future__ import annotations

import random
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soxr

WORK_RATE = 16000  # timelines are built at 16 kHz; telephone-chain clips are written at 8 kHz
TEL_RATE = 8000

Audio = np.ndarray  # float32 mono at WORK_RATE, -1..1

# ------------------------------------------------------------------------------------------------ signals


def silence(seconds: float) -> Audio:
    return np.zeros(round(seconds * WORK_RATE), dtype=np.float32)


def tone(freqs: Sequence[float], seconds: float, level: float = 0.3) -> Audio:
    t = np.arange(round(seconds * WORK_RATE)) / WORK_RATE
    wave_ = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    env = np.ones(len(t))
    ramp = min(len(t) // 4, round(0.005 * WORK_RATE))
    if ramp:
        env[:ramp] = np.linspace(0, 1, ramp)
        env[-ramp:] = np.linspace(1, 0, ramp)
    return (level * wave_ * env).astype(np.float32)


def sit(rng: random.Random) -> tuple[Audio, str]:
    """ITU-T E.180 special information tones: three segments (low/high variants of the first two)."""
    f1 = rng.choice((913.8, 985.2))
    f2 = rng.choice((1370.6, 1428.5))
    d12 = rng.choice((0.274, 0.380))
    level = rng.uniform(0.15, 0.35)
    parts = [tone((f1,), d12, level), tone((f2,), d12, level), tone((1776.7,), 0.380, level)]
    gap = rng.uniform(0.1, 0.6)
    return np.concatenate(
        [*parts, silence(gap)]
    ), f"SIT {f1:.0f}/{f2:.0f}/1777 Hz ({d12 * 1000:.0f} ms), gap {gap:.1f} s"


def ringback(rng: random.Random) -> tuple[Audio, str]:
    if rng.random() < 0.7:  # French ringback: 440 Hz, 1.5 s on
        on = rng.uniform(0.6, 1.5)
        return tone((440.0,), on, rng.uniform(0.08, 0.2)), f"ringback 440 Hz {on:.1f} s"
    on = rng.uniform(0.8, 1.8)  # North American: 440+480 Hz
    return tone((440.0, 480.0), on, rng.uniform(0.08, 0.2)), f"ringback 440+480 Hz {on:.1f} s"


def music(rng: random.Random, seconds: float) -> Audio:
    """Hold music: a pentatonic melody with harmonics over a soft chord."""
    scale = [261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3]
    out: list[Audio] = []
    total = 0.0
    root = rng.choice(scale[:4])
    while total < seconds:
        dur = rng.choice((0.18, 0.25, 0.35, 0.5))
        f = rng.choice(scale)
        note = tone((f, 2 * f, 3 * f), dur, 0.14) + tone((root, root * 1.5), dur, 0.06)
        decay = np.exp(-np.arange(len(note)) / (0.4 * WORK_RATE)).astype(np.float32)
        out.append(note * decay)
        total += dur
    return np.concatenate(out)[: round(seconds * WORK_RATE)]


def chime(rng: random.Random) -> tuple[Audio, str]:
    """An IVR 'ding-dong': two bell strokes (inharmonic partials, exponential decay), not a steady beep."""
    a, b = rng.choice(((659.3, 523.3), (880.0, 659.3), (784.0, 1046.5)))
    strokes = []
    for f in (a, b):
        n = round(0.45 * WORK_RATE)
        t = np.arange(n) / WORK_RATE
        partials = sum(
            w * np.sin(2 * np.pi * f * k * t) for k, w in ((1.0, 1.0), (2.76, 0.5), (5.4, 0.25), (8.9, 0.12))
        )
        strokes.append((0.25 * partials * np.exp(-t / 0.12)).astype(np.float32))
    return np.concatenate(strokes), f"bell chime {a:.0f}/{b:.0f} Hz"


def beep(rng: random.Random) -> tuple[Audio, str]:
    kind = rng.random()
    level = rng.uniform(0.12, 0.4)
    if kind < 0.15:  # three short beeps
        f = rng.choice((800.0, 1000.0, 1400.0))
        parts = [np.concatenate([tone((f,), 0.12, level), silence(0.08)]) for _ in range(3)]
        return np.concatenate(parts), f"3 beeps {f:.0f} Hz"
    if kind < 0.25:  # rising two-tone beep
        return np.concatenate([tone((900.0,), 0.15, level), tone((1300.0,), 0.2, level)]), "beep 900 then 1300 Hz"
    f = rng.choice((600.0, 700.0, 800.0, 850.0, 1000.0, 1000.0, 1200.0, 1400.0))
    dur = rng.choice((0.15, 0.25, 0.4, 0.5, 0.7, 1.0))
    return tone((f,), dur, level), f"beep {f:.0f} Hz {dur * 1000:.0f} ms"


def noise(gen: np.random.Generator, n: int, colour: str) -> Audio:
    white = gen.normal(0.0, 1.0, n)
    out: np.ndarray
    if colour == "white":
        out = white
    elif colour in ("pink", "brown"):
        spectrum = np.fft.rfft(white)
        f = np.fft.rfftfreq(n, 1 / WORK_RATE)
        f[0] = f[1]
        spectrum /= np.sqrt(f) if colour == "pink" else f
        out = np.fft.irfft(spectrum, n)
    else:  # hum: 50 Hz mains and harmonics over hiss
        t = np.arange(n) / WORK_RATE
        out = 0.3 * white
        for k in (1, 2, 3, 5):
            out = out + np.sin(2 * np.pi * 50 * k * t + k) / k
    out = out / (np.sqrt(np.mean(out**2)) + 1e-12)
    return out.astype(np.float32)


def _fir_bandpass(low: float, high: float, rate: int, taps: int = 255) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2

    def lp(fc: float) -> np.ndarray:
        kernel: np.ndarray = 2 * fc / rate * np.sinc(2 * fc / rate * n)
        return kernel

    h: np.ndarray = (lp(high) - lp(low)) * np.hamming(taps)
    return h


BAND = _fir_bandpass(300.0, 3400.0, WORK_RATE)


def telephone(audio: Audio) -> Audio:
    """300-3400 Hz band, 8 kHz, G.711 mu-law round trip."""
    band = np.convolve(audio.astype(np.float64), BAND, mode="same")[::2]
    mu = 255.0
    x = np.clip(band, -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    y = np.round(y * 127.0) / 127.0
    decoded: Audio = (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(np.float32)
    return decoded


def trim(audio: Audio, threshold: float = 0.008) -> Audio:
    nz = np.flatnonzero(np.abs(audio) > threshold)
    return audio[max(0, nz[0] - 80) : nz[-1] + 80] if nz.size else audio


def read_wav(path: Path) -> tuple[Audio, int]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0, rate


def to_work_rate(audio: Audio, rate: int) -> Audio:
    return audio if rate == WORK_RATE else soxr.resample(audio, rate, WORK_RATE).astype(np.float32)


def pad_to(parts: list[Audio], seconds: float) -> None:
    """Silence at the end so that the parts last `seconds` (nothing when they already do)."""
    used = sum(len(p) for p in parts) / WORK_RATE
    parts.append(silence(max(0.0, seconds - used)))


def rms(audio: Audio) -> float:
    loud = audio[np.abs(audio) > 0.01]
    return float(np.sqrt(np.mean(loud**2))) if loud.size else 0.0


def write_wav(path: Path, audio: Audio, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(audio * 32767).astype(np.int16).tobytes())
