"""Streaming detection of single tones: voicemail beeps and SIT (special information tone) sequences. Pure.

How it works: every 16 ms, a Hann-windowed FFT over the last 64 ms (1024 samples at 16 kHz, 15.6 Hz bins). A block
is TONAL when its level is >= `tone_min_dbfs`, its strongest bin between 80 Hz and 0.95 x Nyquist lies in the tone
range (beep_min_hz..beep_max_hz, widened to cover SIT) and the 5 bins around it hold >= `tone_purity_min` of that
band's energy. Consecutive tonal blocks at the
same frequency (+-1.5 %) form a segment; its edges are trimmed to blocks holding at least half its peak energy,
so start and duration are measured to about one hop (16 ms); duration limits get half a hop of slack. A segment
is reported when it ends (at most ~80 ms later).

Decisions (defaults from AmdSettings, see robot/settings/amd.py):
- beep: one segment with beep_min_hz <= f <= beep_max_hz and beep_min_ms <= duration <= beep_max_ms.
- SIT: three segments in a row (gaps <= 100 ms) at 913.8/985.2, 1370.6/1428.5, then 1776.7 Hz (+-1.2 %), each
  200-450 ms (nominal 274 or 380 ms). A lone segment matching the first SIT tone is reported as a beep only once no
  second SIT tone followed (<= 100 ms later).
- Not beeps, by design: speech (vowels spread their energy over harmonics: low purity); ringback 440+480 Hz and
  400+450 Hz (two peaks 40-50 Hz apart: the 5 central bins hold only part of the energy); French ringback / dial tone
  425 Hz (below beep_min_hz 450 Hz, and its 1.5 s bursts exceed beep_max_ms); any tone longer than beep_max_ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from robot.amd.melody import MelodyTracker, block_peaks
from robot.events import ToneDetected
from robot.settings import AmdSettings

WINDOW_S = 0.064
HOP_S = 0.016
SAME_TONE_TOLERANCE = 0.015  # relative frequency change that still continues a segment
PEAK_HALF_WIDTH_BINS = 2
SIT_TOLERANCE = 0.012
SIT_SLOTS: tuple[tuple[float, ...], ...] = ((913.8, 985.2), (1370.6, 1428.5), (1776.7,))
SIT_MIN_S = 0.200
SIT_MAX_S = 0.450
SIT_MAX_GAP_S = 0.100
SMALL_BATCH_BLOCKS = 2  # up to this many blocks at once, spectra one by one (cheaper than the batched calls)


# (tonal frequency and peak energy, melody peaks, mean square level)
_Block = tuple[tuple[float, float] | None, tuple[float, ...] | None, float]


@dataclass(slots=True)
class _Segment:
    first_block: int
    freqs: list[float] = field(default_factory=list)
    energies: list[float] = field(default_factory=list)

    @property
    def frequency(self) -> float:
        return float(self.freqs[len(self.freqs) // 2]) if self.freqs else 0.0


@dataclass(frozen=True, slots=True)
class _Tone:
    start: float
    duration: float
    frequency: float

    @property
    def end(self) -> float:
        return self.start + self.duration


class ToneDetector:
    """Feed int16 samples (any chunking) with `process`; `flush` at the end of the stream.

    Times in the returned events are seconds since the first sample given to this detector.
    """

    def __init__(self, rate: int = 16000, settings: AmdSettings | None = None) -> None:
        cfg = settings if settings is not None else AmdSettings.model_validate({})
        if rate < 8000:
            raise ValueError(f"tone detection needs at least 8000 Hz, got {rate}")
        self.rate = rate
        self.window = round(WINDOW_S * rate)
        self.hop = round(HOP_S * rate)
        self.beep_min_s = cfg.beep_min_ms / 1000
        self.beep_max_s = cfg.beep_max_ms / 1000
        self.beep_min_hz = cfg.beep_min_hz
        self.beep_max_hz = cfg.beep_max_hz
        self.purity_min = cfg.tone_purity_min
        self.min_power = (10 ** (cfg.tone_min_dbfs / 10)) * (32768.0**2)  # mean-square in int16 units
        self._hann = np.hanning(self.window).astype(np.float64)
        freqs = np.fft.rfftfreq(self.window, 1 / rate)
        self._band = (freqs >= 80) & (freqs <= 0.95 * rate / 2)
        self._freqs = freqs.astype(np.float64)
        self._melody = MelodyTracker(HOP_S)
        # a melody only counts before the greeting, which AMD hears by its latest decision: no melody work after it
        # (the voicemail-drop wait runs this detector for up to amd.wait_for_beep_ms)
        self._melody_until = cfg.longest_decision_s
        lo = min(self.beep_min_hz, SIT_SLOTS[0][0] * (1 - 2 * SIT_TOLERANCE))
        hi = min(max(self.beep_max_hz, SIT_SLOTS[2][0] * (1 + 2 * SIT_TOLERANCE)), 0.95 * rate / 2)
        search = np.flatnonzero((freqs >= lo) & (freqs <= hi))
        self._search_lo, self._search_hi = int(search[0]), int(search[-1])
        self._buffer = np.zeros(0, dtype=np.float64)
        self._consumed = 0  # samples dropped from the front of _buffer so far
        self._block = 0  # index of the next block
        self._segment: _Segment | None = None
        self._pending_sit: list[_Tone] = []

    def process(self, samples: npt.NDArray[np.int16]) -> list[ToneDetected]:
        """Analyse more samples; returns the tones that ENDED within what has been seen so far."""
        return self.process_many([samples])[0][0]

    def process_many(self, chunks: Sequence[npt.NDArray[np.int16]]) -> list[tuple[list[ToneDetected], float | None]]:
        """Consecutive chunks at once, the spectra of all their blocks computed together; for each chunk, the tones
        `process` would return for it and `sounding_since` after it (a block belongs to the chunk that completes
        it)."""
        self._buffer = np.concatenate((self._buffer, *(np.asarray(c, dtype=np.float64) for c in chunks)))
        size = self._buffer.size
        count = (size - self.window) // self.hop + 1 if size >= self.window else 0
        tones: list[_Block] = []
        if count:
            step = self._buffer.strides[0]
            frames = np.lib.stride_tricks.as_strided(
                self._buffer, shape=(count, self.window), strides=(self.hop * step, step), writeable=False
            )
            tones = self._tonal_frequencies(frames, melody=self._block_center(self._block) <= self._melody_until)
        end = size - sum(c.size for c in chunks)  # where each chunk ends in the buffer
        out: list[tuple[list[ToneDetected], float | None]] = []
        block = 0
        for chunk in chunks:
            end += chunk.size
            events: list[ToneDetected] = []
            while block < count and block * self.hop + self.window <= end:
                tone, peaks, level = tones[block]
                events += self._melody.block(self._block_center(self._block), peaks, level)
                self._analyse(tone, events)
                self._consumed += self.hop
                self._block += 1
                block += 1
            out.append((events, self.sounding_since))
        self._buffer = self._buffer[count * self.hop :]
        return out

    @property
    def sounding_since(self) -> float | None:
        """Start (seconds) of a tone in the beep/SIT range still sounding, or of a first SIT tone waiting for the
        next: a beep or a SIT may be reported soon, so a decision should wait for it."""
        seg = self._segment
        if seg is not None and len(seg.freqs) >= 2:
            return self._block_center(seg.first_block) - HOP_S / 2
        if self._pending_sit:
            return self._pending_sit[0].start
        return None

    def flush(self) -> list[ToneDetected]:
        """End of stream: report a tone still running and any held first SIT tone."""
        events: list[ToneDetected] = self._melody.flush()
        self._close_segment(events)
        self._release_pending(events)
        return events

    # -- per block --------------------------------------------------------------------------------------------
    def _analyse(self, tone: tuple[float, float] | None, events: list[ToneDetected]) -> None:
        seg = self._segment
        if tone is None:
            self._close_segment(events)
        else:
            freq, energy = tone
            if seg is not None and abs(freq - seg.frequency) > SAME_TONE_TOLERANCE * seg.frequency:
                self._close_segment(events)
                seg = None
            if seg is None:
                seg = self._segment = _Segment(first_block=self._block)
            seg.freqs.append(freq)
            seg.energies.append(energy)
        if self._pending_sit and self._segment is None:
            now = self._block_center(self._block)
            if now - self._pending_sit[-1].end > SIT_MAX_GAP_S + WINDOW_S:
                self._release_pending(events)

    def _tonal_frequencies(self, frames: npt.NDArray[np.float64], *, melody: bool) -> list[_Block]:
        """For each block: (frequency, peak energy) when it is TONAL, else None, its melody peaks
        (robot.amd.melody; None when `melody` is off) and its mean square; the spectra of the loud blocks in one FFT
        call."""
        levels = np.mean(frames * frames, axis=1)
        out: list[_Block] = [(None, None, float(level)) for level in levels]
        if len(frames) <= SMALL_BATCH_BLOCKS:  # one chunk's block or two: numpy's per-call overhead dominates
            for row, frame in enumerate(frames):
                if levels[row] >= self.min_power:
                    power = np.abs(np.fft.rfft(frame * self._hann)) ** 2
                    power[~self._band] = 0.0
                    peaks = block_peaks(power, self._freqs) if melody else None
                    out[row] = (self._tonal_frequency(power), peaks, float(levels[row]))
            return out
        loud = np.flatnonzero(levels >= self.min_power)
        if loud.size:
            spectra = np.abs(np.fft.rfft(frames[loud] * self._hann, axis=1)) ** 2
            spectra[:, ~self._band] = 0.0
            for index, power in zip(loud, spectra, strict=True):
                peaks = block_peaks(power, self._freqs) if melody else None
                out[int(index)] = (self._tonal_frequency(power), peaks, float(levels[index]))
        return out

    def _tonal_frequency(self, power: npt.NDArray[np.float64]) -> tuple[float, float] | None:
        k = int(np.argmax(power))
        if not self._search_lo <= k <= self._search_hi:  # the dominant component is not in the tone range
            return None
        total = float(power.sum())
        peak = float(power[k - PEAK_HALF_WIDTH_BINS : k + PEAK_HALF_WIDTH_BINS + 1].sum())
        if total <= 0 or peak < self.purity_min * total:
            return None
        a, b, c = np.log(power[k - 1 : k + 2] + 1e-12)
        denom = a - 2 * b + c
        delta = 0.5 * (a - c) / denom if denom < 0 else 0.0
        return (k + float(delta)) * self.rate / self.window, peak

    def _block_center(self, block: int) -> float:
        return (block * self.hop + self.window / 2) / self.rate

    # -- segments -----------------------------------------------------------------------------------------------
    def _close_segment(self, events: list[ToneDetected]) -> None:
        seg, self._segment = self._segment, None
        if seg is None:
            return
        energies = np.asarray(seg.energies)
        strong = np.flatnonzero(energies >= 0.5 * energies.max())
        first, last = int(strong[0]), int(strong[-1])
        freqs = sorted(seg.freqs[first : last + 1])
        tone = _Tone(
            start=self._block_center(seg.first_block + first) - HOP_S / 2,
            duration=(last - first + 1) * HOP_S,
            frequency=float(freqs[len(freqs) // 2]),
        )
        self._on_tone(tone, events)

    def _on_tone(self, tone: _Tone, events: list[ToneDetected]) -> None:
        pending = self._pending_sit
        if pending and _sit_slot_matches(len(pending), tone) and tone.start - pending[-1].end <= SIT_MAX_GAP_S:
            pending.append(tone)
            if len(pending) == len(SIT_SLOTS):
                start = pending[0].start
                events.append(ToneDetected("sit", start, tone.end - start, pending[0].frequency))
                pending.clear()
            return
        self._release_pending(events)
        if _sit_slot_matches(0, tone):
            pending.append(tone)
        else:
            self._report_beep(tone, events)

    def _release_pending(self, events: list[ToneDetected]) -> None:
        for tone in self._pending_sit:
            self._report_beep(tone, events)
        self._pending_sit.clear()

    def _report_beep(self, tone: _Tone, events: list[ToneDetected]) -> None:
        if not self.beep_min_hz <= tone.frequency <= self.beep_max_hz:
            return
        if not self.beep_min_s - HOP_S / 2 <= tone.duration <= self.beep_max_s + HOP_S / 2:
            return
        events.append(ToneDetected("beep", tone.start, tone.duration, tone.frequency))


def _sit_slot_matches(slot: int, tone: _Tone) -> bool:
    if not SIT_MIN_S - HOP_S / 2 <= tone.duration <= SIT_MAX_S + HOP_S / 2:
        return False
    return any(abs(tone.frequency - f) <= SIT_TOLERANCE * f for f in SIT_SLOTS[slot])
