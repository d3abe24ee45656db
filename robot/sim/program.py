"""A callee script rendered once into PCM (8 kHz and 16 kHz) plus the cues that drive its events.

Shared by every call of that script: a frame is a zero-copy slice of the precomputed timeline, except where a
barge-in segment (anchored on a robot broadcast, so only known at run time) overlaps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from robot.sim import audio
from robot.sim.scripts import CalleeScript, TimelineItem, resolve_sound

STREAM_RATES = (8000, 16000)
FRAME_MS = 20


@dataclass(frozen=True, slots=True)
class Cue:
    """One timeline item: when it starts (s after its anchor), how long, what, and its PCM per rate."""

    start_s: float
    duration_s: float
    kind: str
    label: str
    after_broadcast: int | None
    pcm: dict[int, audio.Pcm] = field(repr=False, compare=False)

    @property
    def is_speech(self) -> bool:
        return self.kind == "say"


def _render(item: TimelineItem, script: CalleeScript, audio_dir: Path, rate: int) -> tuple[audio.Pcm, str]:
    if item.say is not None:
        path = resolve_sound(script, item.say, audio_dir)
        return audio.read_wav(path, rate), str(path)
    if item.tone is not None:
        spec = item.tone
        label = f"tone_stream://%({spec.duration_ms},0,{spec.freq_hz:g})"
        return audio.tone(spec.freq_hz, spec.duration_ms, rate, spec.level_dbfs), label
    if item.sit is not None:
        label = "tone_stream://%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)"
        return audio.sit(rate, item.sit.level_dbfs), label
    if item.noise is not None:
        return audio.noise(item.noise.duration_ms, rate, item.noise.level_dbfs), "noise"
    assert item.silence is not None
    return audio.silence(item.silence.duration_ms, rate), f"silence_stream://{item.silence.duration_ms}"


@dataclass(frozen=True, slots=True)
class CalleeProgram:
    script: CalleeScript
    cues: tuple[Cue, ...]
    timeline: dict[int, audio.Pcm] = field(repr=False)

    @property
    def name(self) -> str:
        return self.script.name

    def answer_cues(self) -> tuple[Cue, ...]:
        return tuple(c for c in self.cues if c.after_broadcast is None)

    def broadcast_cues(self, nth: int) -> tuple[Cue, ...]:
        return tuple(c for c in self.cues if c.after_broadcast == nth)


def build_program(script: CalleeScript, audio_dir: Path) -> CalleeProgram:
    """Render every item at both stream rates and mix the answer-anchored ones into one timeline per rate."""
    cues: list[Cue] = []
    for item in script.timeline:
        pcm: dict[int, audio.Pcm] = {}
        label = ""
        for rate in STREAM_RATES:
            rendered, label = _render(item, script, audio_dir, rate)
            pcm[rate] = audio.apply_gain(rendered, item.gain_db)
        duration = len(pcm[8000]) / 8000.0
        cues.append(Cue(item.at_ms / 1000.0, duration, item.kind, label, item.after_broadcast, pcm))
    timeline: dict[int, audio.Pcm] = {}
    for rate in STREAM_RATES:
        anchored = [c for c in cues if c.after_broadcast is None]
        end = max((int(c.start_s * rate) + len(c.pcm[rate]) for c in anchored), default=0)
        acc: npt.NDArray[np.int32] = np.zeros(end, dtype=np.int32)
        for cue in anchored:
            audio.mix_into(acc, int(cue.start_s * rate), cue.pcm[rate])
        timeline[rate] = np.clip(acc, -32768, 32767).astype(np.int16)
    return CalleeProgram(script, tuple(cues), timeline)


class CallAudio:
    """The audio one call's callee produces, as 20 ms frames addressed by sample position since answer."""

    def __init__(self, program: CalleeProgram) -> None:
        self._program = program
        self._extra: list[tuple[float, Cue]] = []  # (start, s after answer; cue) for broadcast-anchored speech
        self._zeros = {rate: bytes(rate * FRAME_MS // 1000 * 2) for rate in STREAM_RATES}

    def add(self, start_s: float, cue: Cue) -> None:
        self._extra.append((start_s, cue))

    def frame(self, rate: int, position: int, samples: int) -> bytes:
        """`samples` samples starting at `position` (samples since answer at `rate`)."""
        base = self._program.timeline[rate]
        overlapping = [
            (int(s * rate), c.pcm[rate])
            for s, c in self._extra
            if int(s * rate) < position + samples and int(s * rate) + len(c.pcm[rate]) > position
        ]
        if not overlapping:
            if position >= len(base):
                zeros = self._zeros.get(rate)
                return zeros if zeros is not None and len(zeros) == samples * 2 else bytes(samples * 2)
            chunk = base[position : position + samples]
            if len(chunk) == samples:
                return chunk.tobytes()
        acc: npt.NDArray[np.int32] = np.zeros(samples, dtype=np.int32)
        audio.mix_into(acc, -position, base)
        for start, pcm in overlapping:
            audio.mix_into(acc, start - position, pcm)
        return np.clip(acc, -32768, 32767).astype(np.int16).tobytes()
