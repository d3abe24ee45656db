"""The AMD probe (pure): a short prompt (amd.probe_prompt, "Allô ?") played when nobody has spoken amd.probe_after_ms
after the answer, for the people who pick up and wait for the caller to speak first.

The classifier asks `due(now, heard_speech)`; the detector plays the prompt and calls `start(now)`; from then on the
speech events pass through `admit()`: a segment that starts and ends inside the playback plus amd.probe_echo_ms is
the prompt coming back down the line (or a word said over it) and never reaches the timeline; one that starts
inside that window and goes on past it is the callee's answer, counted from its onset (`settle()` adds its start
once the window is over). A silent line is NO_ANSWER at the later of amd.no_speech_timeout_ms and the end of the
playback plus amd.probe_listen_ms.
"""

from __future__ import annotations

from robot.events import SpeechEnded, SpeechStarted
from robot.settings import AmdSettings

SpeechEvent = SpeechStarted | SpeechEnded


class Probe:
    """One call's probe: when it is due, when it played, which speech events are its echo."""

    def __init__(self, settings: AmdSettings, duration_s: float) -> None:
        if duration_s <= 0:
            raise ValueError(f"probe duration must be > 0 s, got {duration_s}")
        self._s = settings
        self.duration_s = duration_s
        self.started_at: float | None = None
        self.echoes = 0  # speech segments taken for the probe's echo
        self._onset: float | None = None  # an onset inside the window, not counted yet

    @property
    def window_end(self) -> float | None:
        """Audio time until which speech that also ends by then is taken for the echo."""
        if self.started_at is None:
            return None
        return self.started_at + self.duration_s + self._s.probe_echo_ms / 1000.0

    def due(self, now: float, heard_speech: bool) -> bool:
        """Nobody spoke yet, probe_after_ms have passed, and it was not played (before the no-speech timeout)."""
        if self.started_at is not None or heard_speech:
            return False
        return now * 1000.0 + 1e-6 >= self._s.probe_after_ms and now * 1000.0 < self._s.no_speech_timeout_ms

    def start(self, now: float) -> None:
        self.started_at = now

    def admit(self, event: SpeechEvent) -> list[SpeechEvent]:
        """The events the timeline gets for `event`: none for the echo, the held onset with the end of an answer."""
        end = self.window_end
        if end is None or self.started_at is None:
            return [event]
        if isinstance(event, SpeechStarted):
            if self.started_at <= event.t <= end:
                self._onset = event.t
                return []
            return [event]
        if self._onset is None:
            return [event]
        onset, self._onset = self._onset, None
        if event.t <= end:
            self.echoes += 1
            return []
        return [SpeechStarted(onset), event]

    def settle(self, now: float) -> list[SpeechEvent]:
        """A held onset whose speech is still going on once the window is over: the callee answering."""
        end = self.window_end
        if self._onset is None or end is None or now <= end:
            return []
        onset, self._onset = self._onset, None
        return [SpeechStarted(onset)]

    @property
    def holding(self) -> bool:
        """Speech started inside the window and has not ended: it may be the answer."""
        return self._onset is not None

    def no_speech_timeout_s(self) -> float:
        """When a silent line is NO_ANSWER: no_speech_timeout_ms, or later once the probe played."""
        timeout = self._s.no_speech_timeout_ms / 1000.0
        if self.started_at is None:
            return timeout
        return max(timeout, self.started_at + self.duration_s + self._s.probe_listen_ms / 1000.0)
