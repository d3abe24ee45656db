"""Prompts as the runner plays them: durations and echo envelopes read once per file (`PromptLibrary`), and one
playback of a prompt (`Playback`: where it started, PLAYBACK_STOP status and position, barge-in, paused time)."""

from __future__ import annotations

import asyncio
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from robot.dialog.bargein import BargeInDecision, energy_envelope
from robot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Prompt:
    path: Path
    duration_s: float
    envelope: npt.NDArray[np.float64]
    rate: int = 8000  # the file's sample rate: `@@<samples>` offsets count in it


class PromptLibrary:
    """Prompt durations and energy envelopes (for the echo check), read once per file."""

    def __init__(self) -> None:
        self._cache: dict[Path, Prompt] = {}

    def get(self, path: Path) -> Prompt:
        if path not in self._cache:
            self._cache[path] = self._read(path)
        return self._cache[path]

    @staticmethod
    def _read(path: Path) -> Prompt:
        try:
            with wave.open(str(path), "rb") as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise ConfigError(f"{path}: prompts must be mono 16-bit WAV")
                rate = wav.getframerate()
                samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
        except (OSError, EOFError, wave.Error) as err:
            raise ConfigError(f"{path}: cannot read prompt: {err}") from err
        return Prompt(path, samples.size / rate, energy_envelope(samples, rate), rate)


def file_of(path: str | Path) -> Path:
    """`file@@<samples>` (a playback that starts into the file) -> the file."""
    return Path(str(path).split("@@", 1)[0])


class Playback:
    """One uuid_broadcast of a prompt, from the runner's side."""

    def __init__(self, prompt: Prompt, offset: int, started_at: float) -> None:
        self.prompt = prompt
        self.offset = offset  # samples into the file it started at
        self.started_at = started_at  # stream time the playback was sent
        self.stop_offset: int | None = None  # PLAYBACK_STOP's playback_last_offset_pos
        self.ended = asyncio.Event()
        self.status = ""
        self.barged: BargeInDecision | None = None
        self.barge_event = asyncio.Event()
        self.paused_s = 0.0  # stream seconds it spent paused (pause policy)

    def position_s(self, t: float) -> float:
        """Seconds of the file played at stream time `t` (from where it started, paused time left out)."""
        return self.offset / self.prompt.rate + max(0.0, t - self.started_at - self.paused_s)
