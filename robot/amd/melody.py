"""Melody before a greeting (pure): hold music or an IVR chime, the notes a recorded greeting may open with.

Fed by robot.amd.tones.ToneDetector with the peaks of each 16 ms analysis block (`block_peaks` of its spectrum, or
None). A block has peaks when its spectrum is made of a few sharp ones: the 4 strongest peaks between 200 and
4000 Hz (5 bins each, 15.6 Hz bins) hold at least PEAKS_SHARE_MIN of that band's energy (notes and bells; noise and
unvoiced speech spread their energy), and that band's energy is not mostly between 380 and 500 Hz (ringback and
dial tones: 425, 440, 440+480 Hz). A NOTE is a run of such blocks, each one's strongest peak within 3 % of one of
the first block's peaks (a note's strongest partial may change from block to block), lasting at least NOTE_MIN_S;
its pitch is the first block's strongest peak. A MELODY is reported (a ToneDetected of kind "melody": start of its
first note, duration up to the end of its last) once notes of at least two different pitches, each starting within
MELODY_GAP_S of the previous note's end, add up to MELODY_MIN_S, and the melody has STOPPED: STOP_S of blocks
STOP_DROP_DB quieter than its notes followed its last note (hold music or a chime, then the greeting; music playing
behind a person who answers goes on under their voice and is never reported). Speech has notes too (held vowels),
so robot.amd.classifier only uses a melody that ended before the first speech onset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from robot.events import ToneDetected

BAND_HZ = (200.0, 4000.0)
PEAKS = 4
PEAK_HALF_WIDTH_BINS = 2
PEAKS_SHARE_MIN = 0.8
RINGBACK_HZ = (380.0, 500.0)
SAME_PITCH = 0.03
NOTE_MIN_S = 0.12
MELODY_GAP_S = 0.6
MELODY_MIN_S = 0.4
STOP_DROP_DB = 10.0
STOP_S = 0.1


def block_peaks(power: npt.NDArray[np.float64], freqs: npt.NDArray[np.float64]) -> tuple[float, ...] | None:
    """The frequencies of the strongest peaks of a block's power spectrum (`freqs`: its evenly spaced bin
    frequencies from 0 Hz), strongest first, when the block is peaky and not a ringback tone (see module doc), else
    None."""
    step = float(freqs[1])
    lo, hi = _bins(BAND_HZ, step, power.size)
    p = power[lo:hi].copy()
    total = float(p.sum())
    if total <= 0.0:
        return None
    ring_lo, ring_hi = _bins(RINGBACK_HZ, step, power.size)
    if float(power[ring_lo:ring_hi].sum()) >= PEAKS_SHARE_MIN * total:
        return None
    held = 0.0
    peaks: list[float] = []
    for _ in range(PEAKS):
        k = int(np.argmax(p))
        if p[k] <= 0.0:
            break
        a, b = max(0, k - PEAK_HALF_WIDTH_BINS), k + PEAK_HALF_WIDTH_BINS + 1
        held += float(p[a:b].sum())
        peaks.append((lo + k) * step)
        p[max(0, a - 1) : b + 1] = 0.0
    return tuple(peaks) if held >= PEAKS_SHARE_MIN * total else None


def _bins(band: tuple[float, float], step: float, size: int) -> tuple[int, int]:
    """The bin index range [lo, hi) of the bins whose frequency lies in `band`."""
    return min(size, math.ceil(band[0] / step - 1e-9)), min(size, math.floor(band[1] / step + 1e-9) + 1)


class MelodyTracker:
    """Notes from per-block peaks, and the melody they make (see module doc). Times are block centres, seconds."""

    def __init__(self, hop_s: float) -> None:
        self._hop = hop_s
        self._run_start: float | None = None  # the block run holding one note
        self._run_peaks: tuple[float, ...] = ()  # the peaks of the run's first block
        self._run_levels: list[float] = []
        self._notes: list[_Note] = []  # the current melody's
        self._quiet_blocks = 0  # blocks in a row STOP_DROP_DB below the melody's notes since its last note
        self._reported = False

    def block(self, t: float, peaks: tuple[float, ...] | None, level: float) -> list[ToneDetected]:
        """One analysis block centred at `t` with its peaks (`block_peaks`) and its mean square `level`; returns the
        melody event when the melody stops at this block."""
        if peaks and self._run_start is not None and _near_any(peaks[0], self._run_peaks):
            self._run_levels.append(level)  # the note goes on (its strongest partial may change from block to block)
            return []
        self._close_run()
        if peaks:
            self._run_start, self._run_peaks, self._run_levels = t, peaks, [level]
            self._quiet_blocks = 0
            return []
        return self._after_notes(level)

    def flush(self) -> list[ToneDetected]:
        """End of stream: close the note still held (a melody still playing is not reported: it has not stopped)."""
        self._close_run()
        return []

    def _close_run(self) -> None:
        start, self._run_start = self._run_start, None
        blocks = len(self._run_levels)
        if start is None or blocks * self._hop < NOTE_MIN_S - 1e-9:
            return
        begin = start - self._hop / 2
        note = _Note(begin, begin + blocks * self._hop, self._run_peaks[0], sum(self._run_levels) / blocks)
        if self._notes and note.start - self._notes[-1].end > MELODY_GAP_S:
            self._notes, self._reported = [], False
        self._notes.append(note)
        self._quiet_blocks = 0

    def _after_notes(self, level: float) -> list[ToneDetected]:
        """A block outside any note: the melody has stopped after STOP_S of blocks STOP_DROP_DB below its notes."""
        if not self._notes or self._reported:
            return []
        loudness = sum(n.level for n in self._notes) / len(self._notes)
        self._quiet_blocks = self._quiet_blocks + 1 if level <= loudness * 10 ** (-STOP_DROP_DB / 10) else 0
        if self._quiet_blocks * self._hop < STOP_S - 1e-9 or not self._qualifies():
            return []
        self._reported = True
        first, last = self._notes[0], self._notes[-1]
        return [ToneDetected("melody", first.start, last.end - first.start, first.pitch)]

    def _qualifies(self) -> bool:
        pitches: list[float] = []
        for note in self._notes:
            if not _near_any(note.pitch, tuple(pitches)):
                pitches.append(note.pitch)
        held = sum(n.end - n.start for n in self._notes)
        return len(pitches) >= 2 and held + 1e-9 >= MELODY_MIN_S


@dataclass(frozen=True, slots=True)
class _Note:
    start: float
    end: float
    pitch: float
    level: float  # mean square of its blocks


def _near_any(freq: float, others: tuple[float, ...]) -> bool:
    return any(abs(freq - other) <= SAME_PITCH * other for other in others)
