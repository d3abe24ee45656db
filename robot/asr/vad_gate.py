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
        floors = np.empty(levels.size, dtype=np.float64)
        offset = past.size - levels.size
        for i in range(levels.size):
            end = offset + i + 1
            floors[i] = np.percentile(past[max(0, end - self.floor_windows) : end], self.floor_percentile)
        return np.asarray((probabilities >= self.min_probability) & (levels >= floors + self.margin_db), dtype=np.bool_)
