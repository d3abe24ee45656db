"""VAD timing features of the first seconds of a call (pure). Times are seconds after the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from robot.events import SpeechEnded, SpeechStarted

Span = tuple[float, float]  # (start, end) seconds after answer
_EPS = 1e-6  # tolerance of float sums of 20 ms steps


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
    spans: tuple[Span, ...] = ()  # the speech segments in time order, the open one ending at `now`

    @property
    def heard_speech(self) -> bool:
        return self.first_onset is not None

    def utterances(self, max_gap: float) -> tuple[Span, ...]:
        """The speech segments joined across pauses shorter than `max_gap` seconds (a greeting read with pauses)."""
        joined: list[Span] = []
        for start, end in self.spans:
            if joined and start - joined[-1][1] < max_gap:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        return tuple(joined)

    def longest_utterance(self, max_gap: float) -> float:
        """Duration of the longest utterance (see `utterances`), seconds."""
        return max((end - start for start, end in self.utterances(max_gap)), default=0.0)

    def last_utterance_start(self, max_gap: float) -> float | None:
        joined = self.utterances(max_gap)
        return joined[-1][0] if joined else None

    def continuous_by(self, length: float, deadline: float) -> bool:
        """A segment held `length` seconds of continuous speech no later than `deadline` (seconds after answer)."""
        return any(end - start + _EPS >= length and start + length <= deadline + _EPS for start, end in self.spans)


class SpeechTimeline:
    """Accumulates SpeechStarted / SpeechEnded events of one call and measures them."""

    def __init__(self) -> None:
        self._closed: list[Span] = []
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
    def segments(self) -> tuple[Span, ...]:
        return tuple(self._closed)

    def features(self, now: float, drop: Callable[[Span], bool] | None = None) -> TimingFeatures:
        """What the speech looks like at `now`; closed segments for which `drop` is true are left out."""
        closed = [span for span in self._closed if drop is None or not drop(span)]
        spans = list(closed)
        if self._open_start is not None:
            spans.append((self._open_start, max(now, self._open_start)))
        spans.sort()
        durations = [end - start for start, end in spans]
        last_end = closed[-1][1] if closed else None
        silence = None
        if self._open_start is None and last_end is not None:
            silence = max(0.0, now - last_end)
        return TimingFeatures(
            now=now,
            first_onset=spans[0][0] if spans else None,
            segment_count=len(spans),
            longest_speech=max(durations, default=0.0),
            total_speech=sum(durations),
            in_speech=self._open_start is not None,
            silence_since_speech=silence,
            spans=tuple(spans),
        )
