"""Energy assist for the Silero VAD (pure, per call): quiet-probability windows that are clearly louder than the line.

Silero gives telephone-band synthetic and heavily filtered voices probabilities of 0.1-0.3, under any threshold that
keeps line noise out, so a short "Oui ?" can go unheard. `LevelGate` marks a 32 ms window as speech when BOTH hold:
its Silero probability is at least `min_probability` (line noise, hum, clicks and ringback stay near 0) and its
level is at least `margin_db` above the noise floor, the `floor_percentile` of the levels of the last
`floor_windows` windows (this one included). Stationary noise lifts its own floor, so it never passes the margin;
a call that opens with speech has no floor below it yet, so the gate stays shut and Silero decides alone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
_SILENT_DB = -100.0  # level given to all-zero windows, dBFS


def window_levels(windows: FloatArray) -> npt.NDArray[np.float64]:
    """RMS level of each row of `windows` (float samples in [-1, 1]), dBFS."""
    power = np.mean(np.square(windows, dtype=np.float64), axis=1)
    return np.where(power > 0, 10.0 * np.log10(np.maximum(power, 1e-30)), _SILENT_DB)


class LevelGate:
    """Per-call noise floor and the assist rule; feed it every window in time order (see module doc)."""

    def __init__(
        self, *, min_probability: float, margin_db: float, floor_windows: int = 62, floor_percentile: float = 10.0
    ) -> None:
        if floor_windows < 1:
            raise ValueError(f"LevelGate: floor_windows must be >= 1, got {floor_windows}")
        self.min_probability = min_probability
        self.margin_db = margin_db
        self.floor_windows = floor_windows
        self.floor_percentile = floor_percentile
        self._history = np.zeros(0, dtype=np.float64)  # levels of the last floor_windows - 1 windows

    def assisted(self, windows: FloatArray, probabilities: FloatArray) -> BoolArray:
        """For each window (rows of `windows`, in time order, after those given before): is it assisted speech?"""
        levels = window_levels(windows)
        if levels.size != probabilities.size:
            raise ValueError(f"LevelGate: {levels.size} windows but {probabilities.size} probabilities")
        if levels.size == 0:
            return np.zeros(0, dtype=np.bool_)
        past = np.concatenate([self._history, levels])
        keep = self.floor_windows - 1
        self._history = past[-keep:] if keep else past[:0]
        floors = self._floors(past, levels.size)
        return np.asarray((probabilities >= self.min_probability) & (levels >= floors + self.margin_db), dtype=np.bool_)

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


def _row_percentile(rows: npt.NDArray[np.float64], q: float) -> npt.NDArray[np.float64]:
    """np.percentile(rows, q, axis=1) (linear interpolation) through np.partition: a fraction of its cost on the
    few short rows of one frame."""
    position = q / 100.0 * (rows.shape[1] - 1)
    lo = int(np.floor(position))
    hi = min(lo + 1, rows.shape[1] - 1)
    part = np.partition(rows, (lo, hi), axis=1)
    low, high = part[:, lo], part[:, hi]
    return np.asarray(low + (high - low) * (position - lo), dtype=np.float64)
