"""Energy assist for the Silero VAD (pure, per call): quiet-probability windows that are clearly louder than the line.

Silero gives telephone-band synthetic and heavily filtered voices probabilities of 0.1-0.3, under any threshold that
keeps line noise out, so a short "Oui ?" can go unheard. `LevelGate` marks a 32 ms window as speech when BOTH hold:
its Silero probability is at least `min_probability` (line noise, hum, clicks and ringback stay near 0) and its
level is at least `margin_db` above the noise floor, the `floor_percentile` of the levels of the last
`floor_windows` windows (this one included). Stationary noise lifts its own floor, so it never passes the margin;
a call that opens with speech has no floor below it yet, so the gate stays shut and Silero decides alone.

Voice tier (`voice_probability`, below `min_probability`): a telephone line (300-3400 Hz) removes the voice's
fundamental, and Silero then gives short openers 0.03-0.1 ("oui ?" in one MBROLA voice through the band + mu-law:
0.95 wideband, 0.10 narrowband, at any level), under the assist's probability floor. A window that clears the margin
with such a probability is voiced when its spectrum looks like a voice through a phone line
(`voice_spectrum`): most of its power in 250-3500 Hz (not hum, rumble or brown noise), no single peak holding most
of that band (not a tone), and a band spectrum far from flat (harmonics and formants, not hiss). With the voice tier
on, the windows the plain rule assists must pass the first two checks too: Silero gives a 440 Hz tone or 50 Hz hum
0.1-0.2, and the assist used to make them speech. Voiced windows only help OPEN speech, in a run that lasts
`voice_min_ms` (longer than vad.min_speech_ms; robot.asr.vad.StreamingVad): once speech is open, and for runs that
open without them, segments are what they were without the voice tier. Stationary noise still lifts its own floor.
The spectrum is computed only for the windows that clear the margin.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
_SILENT_DB = -100.0  # level given to all-zero windows, dBFS
RATE = 16000
VOICE_BAND_HZ = (250.0, 3500.0)
VOICE_BAND_SHARE_MIN = 0.7  # share of the power above 60 Hz that is in the voice band
VOICE_PEAK_SHARE_MAX = 0.9  # share of the band's power in its strongest 3 bins (94 Hz): a tone holds ~all of it
VOICE_FLATNESS_MAX = 0.35  # spectral flatness (geometric / arithmetic mean) of the band: white noise ~0.5-0.6
WINDOW = 512  # Silero's window (robot.asr.vad.WINDOW)
_HANN = np.hanning(WINDOW)
_FREQS = np.fft.rfftfreq(WINDOW, 1.0 / RATE)
_BAND = slice(int(np.searchsorted(_FREQS, VOICE_BAND_HZ[0])), int(np.searchsorted(_FREQS, VOICE_BAND_HZ[1], "right")))
_ABOVE_60 = slice(int(np.searchsorted(_FREQS, 60.0)), None)


def window_levels(windows: FloatArray) -> npt.NDArray[np.float64]:
    """RMS level of each row of `windows` (float samples in [-1, 1]), dBFS."""
    power = np.mean(np.square(windows, dtype=np.float64), axis=1)
    return np.where(power > 0, 10.0 * np.log10(np.maximum(power, 1e-30)), _SILENT_DB)


class LevelGate:
    """Per-call noise floor and the assist rule; feed it every window in time order (see module doc)."""

    def __init__(
        self,
        *,
        min_probability: float,
        margin_db: float,
        voice_probability: float | None = None,
        voice_min_ms: float = 160.0,
        floor_windows: int = 62,
        floor_percentile: float = 10.0,
    ) -> None:
        """`voice_probability`: the voice tier's lowest probability (None: no voice tier); `voice_min_ms`: how long
        a run that needs voice-tier windows must last to open speech (robot.asr.vad.StreamingVad)."""
        if floor_windows < 1:
            raise ValueError(f"LevelGate: floor_windows must be >= 1, got {floor_windows}")
        self.min_probability = min_probability
        self.voice_probability = voice_probability
        self.voice_min_ms = voice_min_ms
        self.margin_db = margin_db
        self.floor_windows = floor_windows
        self.floor_percentile = floor_percentile
        self._history = np.zeros(0, dtype=np.float64)  # levels of the last floor_windows - 1 windows

    def assisted(self, windows: FloatArray, probabilities: FloatArray) -> BoolArray:
        """For each window (rows of `windows`, in time order, after those given before): is it assisted speech
        (either tier)?"""
        plain, voiced = self.classify(windows, probabilities)
        return np.asarray(plain | voiced, dtype=np.bool_)

    def classify(self, windows: FloatArray, probabilities: FloatArray) -> tuple[BoolArray, BoolArray]:
        """For each window (rows of `windows`, in time order, after those given before): (assisted by the plain
        rule, assisted by the voice tier only)."""
        levels = window_levels(windows)
        if levels.size != probabilities.size:
            raise ValueError(f"LevelGate: {levels.size} windows but {probabilities.size} probabilities")
        if levels.size == 0:
            return np.zeros(0, dtype=np.bool_), np.zeros(0, dtype=np.bool_)
        past = np.concatenate([self._history, levels])
        keep = self.floor_windows - 1
        self._history = past[-keep:] if keep else past[:0]
        loud = levels >= self._floors(past, levels.size) + self.margin_db
        plain = loud & (probabilities >= self.min_probability)
        voiced = np.zeros(levels.size, dtype=np.bool_)
        if self.voice_probability is None:
            return np.asarray(plain, dtype=np.bool_), voiced
        weak = loud & ~plain & (probabilities >= self.voice_probability)
        maybe = np.flatnonzero(plain | weak)
        if maybe.size:  # the spectrum only of the few windows that need it
            band, harmonic = voice_spectrum(windows[maybe])
            voiced[maybe] = band & harmonic & weak[maybe]
            plain[maybe] &= band
        return np.asarray(plain, dtype=np.bool_), voiced

    def _floors(self, past: npt.NDArray[np.float64], count: int) -> npt.NDArray[np.float64]:
        """The floor of each of the last `count` windows of `past`: the percentile of the floor_windows levels
        ending at it (fewer at the start of a call). One vectorised percentile for the windows with a full history
        (every window after the first 2 s): this runs for every window of every call in AMD (no np.percentile: its
        overhead, ~100 us a call, was most of the audio-analysis worker's time at 100 calls)."""
        ends = past.size - count + np.arange(1, count + 1)
        floors = np.empty(count, dtype=np.float64)
        full = ends >= self.floor_windows
        if full.any():
            starts = ends[full] - self.floor_windows
            rows = past[starts[:, None] + np.arange(self.floor_windows)]
            floors[full] = _row_percentile(rows, self.floor_percentile)
        for i in np.flatnonzero(~full):  # the first floor_windows windows of a call (when AMD runs): shorter rows
            floors[i] = _row_percentile(past[None, : ends[i]], self.floor_percentile)[0]
        return floors


def voice_spectrum(windows: FloatArray) -> tuple[BoolArray, BoolArray]:
    """For each row of `windows` (16 kHz float samples, WINDOW of them): (voice band: most power in 250-3500 Hz and
    no single peak holding it, i.e. not hum, rumble or a tone; harmonic: a band spectrum far from flat, i.e. not
    hiss). Hann window, one rfft for all rows."""
    if windows.shape[1] != WINDOW:
        raise ValueError(f"voice_spectrum: windows of {WINDOW} samples expected, got {windows.shape[1]}")
    power = np.square(np.abs(np.fft.rfft(windows * _HANN, axis=1))) + 1e-20
    band = power[:, _BAND]
    band_power = band.sum(axis=1)
    share = band_power / power[:, _ABOVE_60].sum(axis=1)
    peak = (band[:, :-2] + band[:, 1:-1] + band[:, 2:]).max(axis=1) / band_power
    flatness = np.exp(np.log(band).mean(axis=1)) / (band_power / band.shape[1])
    in_band = (share >= VOICE_BAND_SHARE_MIN) & (peak <= VOICE_PEAK_SHARE_MAX)
    return np.asarray(in_band, dtype=np.bool_), np.asarray(flatness <= VOICE_FLATNESS_MAX, dtype=np.bool_)


def _row_percentile(rows: npt.NDArray[np.float64], q: float) -> npt.NDArray[np.float64]:
    """np.percentile(rows, q, axis=1) (linear interpolation) through np.partition: a fraction of its cost on the
    few short rows of one frame."""
    position = q / 100.0 * (rows.shape[1] - 1)
    lo = int(np.floor(position))
    hi = min(lo + 1, rows.shape[1] - 1)
    part = np.partition(rows, (lo, hi), axis=1)
    low, high = part[:, lo], part[:, hi]
    return np.asarray(low + (high - low) * (position - lo), dtype=np.float64)
