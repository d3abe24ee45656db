"""VAD timing features of the first seconds of a call (pure). Times are seconds after the answer."""

from __future__ import annotations

from dataclasses import dataclass

from robot.events import SpeechEnded, SpeechStarted


@dataclass(frozen=True, slots=True)
class TimingFeatures:
    """What the speech/silence pattern looks like at time `now` (seconds after answer)."""

    now: float
    first_onset: float | None  # start of the first speech (= initial silence), None when nobody spoke yet
    segment_count: int  # speech segments, the open one included
    longest_speech: float  # longest continuous speech, the open segment counted up to `now`, seconds
    total_speech: float  # all speech so far, seconds
    in_speech: bool  # a speech segment is open at `now`
    silence_since_speech: float | None  # silence since the last speech ended; None when in speech or none yet

    @property
    def heard_speech(self) -> bool:
        return self.first_onset is not None


class SpeechTimeline:
    """Accumulates SpeechStarted / SpeechEnded events of one call and measures them."""

    def __init__(self) -> None:
        self._closed: list[tuple[float, float]] = []
        self._open_start: float | None = None

    def add(self, event: SpeechStarted | SpeechEnded) -> None:
        if isinstance(event, SpeechStarted):
            if self._open_start is None:
                self._open_start = event.t
            return
        start = event.t - event.duration
        if self._open_start is not None:
            start = min(start, self._open_start)
        self._closed.append((start, event.t))
        self._open_start = None

    @property
    def segments(self) -> tuple[tuple[float, float], ...]:
        return tuple(self._closed)

    def features(self, now: float) -> TimingFeatures:
        spans = list(self._closed)
        if self._open_start is not None:
            spans.append((self._open_start, max(now, self._open_start)))
        durations = [end - start for start, end in spans]
        last_end = self._closed[-1][1] if self._closed else None
        silence = None
        if self._open_start is None and last_end is not None:
            silence = max(0.0, now - last_end)
        return TimingFeatures(
            now=now,
            first_onset=min((start for start, _ in spans), default=None),
            segment_count=len(spans),
            longest_speech=max(durations, default=0.0),
            total_speech=sum(durations),
            in_speech=self._open_start is not None,
            silence_since_speech=silence,
        )
