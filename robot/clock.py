"""Injected time. Code that measures or schedules takes a `Clock`; tests pass a `ManualClock`."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a monotonic scale (for durations and deadlines)."""

    def wall(self) -> float:
        """Seconds since the Unix epoch (for logs and calling windows)."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; for tests of timing logic."""

    def __init__(self, start_monotonic: float = 1000.0, start_wall: float = 1_795_290_000.0) -> None:
        self._mono = start_monotonic
        self._wall = start_wall

    def monotonic(self) -> float:
        return self._mono

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._mono += seconds
        self._wall += seconds
