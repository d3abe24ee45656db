"""PCM helpers: 16 kHz audio chunks, stateful 8 -> 16 kHz resampling, WAV reading, int16 <-> float32.

Everything downstream (VAD, ASR, tone detection) works on int16 mono at 16 kHz. mod_audio_stream sends 16 kHz when
asked for `16k` (FreeSWITCH resamples); an `8k` stream is upsampled here, statefully across 20 ms frames.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
import soxr

from robot.errors import MediaError

TARGET_RATE = 16000

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class AudioChunk:
    """Mono int16 samples at 16 kHz; `t` = seconds since the stream started, from sample counts (not wall clock)."""

    samples: Int16Array
    t: float

    @property
    def duration(self) -> float:
        return self.samples.size / TARGET_RATE

    @property
    def end(self) -> float:
        return self.t + self.duration


class Upsampler(Protocol):
    """Stateful converter of consecutive frames of one stream to 16 kHz."""

    input_rate: int

    def process(self, samples: Int16Array) -> Int16Array: ...

    def flush(self) -> Int16Array: ...


class Resampler8kTo16k:
    """Stateful 8 -> 16 kHz upsampler (soxr, HQ).

    soxr's fixed-rate mode holds ~100 ms and releases it in bursts; its variable-rate mode (`vr=True`) releases
    every frame once primed: 20 ms of start-up delay, then 2 x the input per call. Output sample k is the signal
    at k / 16000 s (soxr removes its filter delay), so sample counts give exact stream times.
    """

    input_rate = 8000

    def __init__(self) -> None:
        self._stream = soxr.ResampleStream(8000, TARGET_RATE, 1, dtype="int16", quality="HQ", vr=True)

    def process(self, samples: Int16Array) -> Int16Array:
        out = self._stream.resample_chunk(np.ascontiguousarray(samples, dtype=np.int16))
        return np.asarray(out, dtype=np.int16)

    def flush(self) -> Int16Array:
        """The samples still inside the filter; the stream is finished after this."""
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        return np.asarray(out, dtype=np.int16)


class PassThrough16k:
    """The 16 kHz case: frames are already at the target rate."""

    input_rate = TARGET_RATE

    def process(self, samples: Int16Array) -> Int16Array:
        return samples

    def flush(self) -> Int16Array:
        return np.zeros(0, dtype=np.int16)


def upsampler_for(rate: int) -> Upsampler:
    """The converter for a mod_audio_stream rate (8000 or 16000 Hz)."""
    if rate == TARGET_RATE:
        return PassThrough16k()
    if rate == 8000:
        return Resampler8kTo16k()
    raise MediaError(f"stream rate {rate} Hz: mod_audio_stream mono streams are 8000 or 16000 Hz")


def pcm16_to_float32(samples: Int16Array) -> Float32Array:
    """int16 -> float32 in [-1, 1)."""
    return (np.asarray(samples, dtype=np.float32) / 32768.0).astype(np.float32)


def float32_to_pcm16(samples: Float32Array) -> Int16Array:
    """float32 in [-1, 1] -> int16, clipped."""
    scaled: Float32Array = np.clip(np.asarray(samples, dtype=np.float32) * 32768.0, -32768.0, 32767.0)
    return np.rint(scaled).astype(np.int16)


def read_wav_16k(path: Path) -> Int16Array:
    """Read a PCM WAV of any rate (8/16/24/32-bit, any channel count) as int16 mono at 16 kHz.

    Channels are averaged; other rates are resampled with soxr. MediaError names the file when it is not a PCM WAV.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as err:
        raise MediaError(f"{path}: not a PCM WAV file ({err})") from err
    except OSError as err:
        raise MediaError(f"{path}: cannot read ({err})") from err
    mono = _to_float_mono(raw, width, channels, path)
    if rate != TARGET_RATE:
        mono = np.asarray(soxr.resample(mono, rate, TARGET_RATE, quality="HQ"), dtype=np.float32)
    return float32_to_pcm16(mono)


def _to_float_mono(raw: bytes, width: int, channels: int, path: Path) -> Float32Array:
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype(np.float32) / float(1 << 23)
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / float(1 << 31)
    else:
        raise MediaError(f"{path}: unsupported sample width {width} bytes")
    if channels > 1:
        usable = data.size - data.size % channels
        data = data[:usable].reshape(-1, channels).mean(axis=1)
    return np.asarray(data, dtype=np.float32)
