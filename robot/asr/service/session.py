"""One client's recognition stream (pure: no sockets, no model): VAD-gated audio in, recognition requests out.

Audio of any chunk size goes in with `feed()`. `next_request()` consumes it in steps that end on fixed stream
positions (multiples of `step_s` from the first sample), runs the streaming Silero VAD on each step (its state
carries across steps, so probabilities are those of the whole recording), opens a speech segment at each VAD onset
(minus a pre-roll) and closes it at each VAD end (plus a tail). At each step boundary inside a segment it asks for
a partial recognition of the segment's buffer; at each segment end, `flush()` and the end of input it asks for a
final one. Because steps and VAD events fall on the same stream positions whatever the chunking, a file fed at once
and the same audio fed 20 ms at a time produce the same requests, hence the same committed text.

The VAD can run elsewhere (live servers: robot.media.analysis.AnalysisWorker, off the event loop): a session
built with `vad=None` cuts the audio it is fed at the step boundaries, hands those pieces out with `to_analyse()`
(after `end()`, an empty piece: end of input) and takes their events back, in order, with `analysed()` (one list per
piece: what `vad_events` computes with a StreamingVad). A step is consumed only once all its pieces are analysed,
and a piece's events are those of the windows that end in it, so the steps see exactly the events the in-session
VAD would give them; a flush covers the audio received before it (not what arrived while its events were computed):
same requests, same output as the in-session VAD consuming each piece as it comes, whenever the results come.

`catch_up=True` (live servers): a partial is skipped when more than a step of audio already waits, so a client
whose recognitions fall behind catches up instead of queuing iterations. Only one request is out at a time:
call `complete(words)` (None when the engine dropped it) before the next `next_request()`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from robot.asr.streaming import OnlineAgreement
from robot.asr.vad import StreamingVad, to_float
from robot.events import SpeechEnded, SpeechStarted, Word

RATE = 16000
UNHEARD_S = 0.04  # words whose aligned start is this close to the end of the audio are dropped, seconds
FloatArray = npt.NDArray[np.float32]
VadEvents = list[SpeechStarted | SpeechEnded]


class BacklogFull(Exception):
    """More audio waits than the session's bound: the caller pauses its reading."""


@dataclass(frozen=True, slots=True)
class SessionConfig:
    step_s: float = 0.5
    preroll_s: float = 0.2
    tail_s: float = 0.2
    max_segment_s: float = 25.0
    max_backlog_s: float = 10.0
    catch_up: bool = True


@dataclass(frozen=True, slots=True)
class Request:
    audio: FloatArray
    prompt: str
    final: bool


@dataclass(frozen=True, slots=True)
class Output:
    """What one completed request produced: newly committed words (stream times) and the uncommitted tail."""

    committed: tuple[Word, ...]
    partial: tuple[Word, ...]
    final: bool


class StreamSession:
    def __init__(self, config: SessionConfig, vad: StreamingVad | None, policy: OnlineAgreement) -> None:
        """`vad` None: the VAD runs outside (see `to_analyse()` / `analysed()`)."""
        self.config = config
        self.vad = vad
        self.policy = policy
        self.segments: list[tuple[float, float]] = []  # closed speech segments (VAD), stream seconds
        self._step = max(1, round(config.step_s * RATE))
        self._inbox: deque[FloatArray] = deque()
        self._inbox_n = 0
        self._consumed = 0  # samples through the VAD
        self._store: FloatArray = np.zeros(0, dtype=np.float32)  # recent audio, for pre-roll and routing
        self._store_start = 0  # sample index of _store[0]
        self._routed = 0  # samples given to the policy (or passed over outside speech)
        self._events: deque[SpeechStarted | SpeechEnded] = deque()
        self._speech_start: float | None = None  # VAD onset of the open speech segment, None outside one
        self._since_request = 0  # samples routed to the policy since the last request
        self._flush_wanted = False
        self._ended = False
        self._out: Request | None = None
        # outside VAD (vad None): inbox pieces never cross a step boundary; the first len(_inbox_events) have events
        self._to_send: list[npt.NDArray[Any]] = []  # pieces (dtype as fed) not handed out by to_analyse() yet
        self._in_analysis: deque[int] = deque()  # sizes of the pieces handed out, results not back (0: end marker)
        self._inbox_events: deque[VadEvents] = deque()
        self._analysed_n = 0  # samples at the front of the inbox whose events are known
        self._end_events: VadEvents | None = None  # the VAD's flush at the end of input, once known
        self._flush_at = 0  # stream position (samples) the pending flush covers (outside VAD)

    @property
    def backlog_s(self) -> float:
        return self._inbox_n / RATE

    @property
    def position_s(self) -> float:
        return self._consumed / RATE

    @property
    def awaiting_analysis(self) -> int:
        """Pieces (end marker included) handed out or still to hand out whose events are not back."""
        return len(self._to_send) + len(self._in_analysis)

    @property
    def flush_pending(self) -> bool:
        """A flush or the end was asked for and is not done yet (it may wait for the VAD's results)."""
        return self._flush_wanted

    @property
    def finished(self) -> bool:
        """End of input seen and everything recognised."""
        return self._ended and self._out is None and not self._inbox_n and not self._flush_wanted

    def feed(self, samples: npt.NDArray[Any]) -> None:
        if self._ended:
            raise ValueError("audio after the end of the stream")
        if self._inbox_n and self._inbox_n + samples.size > self.config.max_backlog_s * RATE:
            raise BacklogFull(f"more than {self.config.max_backlog_s:g} s of audio waiting")
        chunk = to_float(samples)
        if not chunk.size:
            return
        if self.vad is not None:
            self._inbox.append(chunk.copy())
        else:  # cut at the step boundaries of the stream position, so each step is made of whole pieces
            raw = samples.copy()  # the VAD gets the samples as fed (int16 from the servers)
            chunk = to_float(raw)
            received = self._consumed + self._inbox_n
            cut = 0
            while cut < chunk.size:
                end = min(chunk.size, cut + self._step - (received + cut) % self._step)
                self._inbox.append(chunk[cut:end])
                self._to_send.append(raw[cut:end])
                cut = end
        self._inbox_n += chunk.size

    def flush(self) -> None:
        """Recognise all audio received so far and commit every word of it."""
        self._flush_wanted = True
        self._flush_at = self._consumed + self._inbox_n

    def end(self) -> None:
        """End of input: like flush, then the stream is over."""
        if self.vad is None and not self._ended:
            self._to_send.append(np.zeros(0, dtype=np.int16))
        self._flush_wanted = True
        self._flush_at = self._consumed + self._inbox_n
        self._ended = True

    def to_analyse(self) -> list[npt.NDArray[Any]]:
        """Outside VAD: the pieces fed since the last call, in order (an empty one: the end of input). Give each
        piece's events to `analysed()`, in the same order."""
        if self.vad is not None:
            raise RuntimeError("this session runs its own VAD")
        pieces, self._to_send = self._to_send, []
        self._in_analysis.extend(piece.size for piece in pieces)
        return pieces

    def analysed(self, results: Sequence[Sequence[SpeechStarted | SpeechEnded]]) -> None:
        """The VAD events of the next pieces handed out by `to_analyse()`, one sequence per piece, in order."""
        if len(results) > len(self._in_analysis):
            raise ValueError(f"{len(results)} VAD results for {len(self._in_analysis)} pieces in analysis")
        for events in results:
            size = self._in_analysis.popleft()
            if size:
                self._inbox_events.append(list(events))
                self._analysed_n += size
            else:
                self._end_events = list(events)

    def next_request(self) -> Request | None:
        if self._out is not None:
            raise RuntimeError("the previous request is not complete")
        while True:
            if self._route():
                return self._request(final=True)
            if self._in_segment and self.policy.buffer_seconds >= self.config.max_segment_s:
                return self._request(final=True)
            at_boundary = self._consumed % self._step == 0 and self._consumed > 0
            if at_boundary and self._in_segment and self._since_request >= self._step // 2:
                waiting = self._inbox_n >= self._step or self._flush_wanted
                if not (self.config.catch_up and waiting):
                    return self._request(final=False)
            want = self._step - self._consumed % self._step
            # own VAD: all the audio waiting is ready, and a flush covers all of it when it is done; outside VAD:
            # only the audio whose events are back is ready, and a flush covers the audio received before it
            ready = self._inbox_n if self.vad is not None else self._analysed_n
            covered = self._flush_at - self._consumed if self._flush_wanted and self.vad is None else self._inbox_n
            if ready >= want and covered >= want:
                self._ingest(*self._take(want))
                continue
            if self._flush_wanted:
                if covered:
                    if ready < covered:
                        return None  # waits for its VAD events
                    self._ingest(*self._take(covered))
                    continue
                if self._ended and self.vad is None and self._end_events is None:
                    return None  # waits for the VAD's end-of-input events
                return self._flush_now()
            return None

    def complete(self, words: list[Word] | None) -> Output:
        """The recogniser's words for the last request (times from its audio start), or None if it was dropped."""
        request, self._out = self._out, None
        if request is None:
            raise RuntimeError("no request is out")
        if words is not None:  # a word aligned at the very end of the audio was not heard (Whisper echoing the prompt)
            heard_until = request.audio.size / RATE - UNHEARD_S
            words = [w for w in words if w.start < heard_until]
        if request.final:
            update = self.policy.finish() if words is None else self.policy.accept_final(words, request.audio.size)
            return Output(update.committed, (), True)
        if words is None:
            return Output((), (), False)
        update = self.policy.accept(words)
        return Output(update.committed, update.partial, False)

    # internals

    @property
    def _in_segment(self) -> bool:
        return self._speech_start is not None

    def _request(self, *, final: bool) -> Request:
        audio, prompt = self.policy.request()
        self._since_request = 0
        self._out = Request(audio.copy(), prompt, final)
        return self._out

    def _flush_now(self) -> Request | None:
        """All input consumed on flush/end: close the VAD at the end of input, finalise what is buffered."""
        self._flush_wanted = False
        if self._ended:
            self._events.extend(self.vad.flush() if self.vad is not None else self._end_events or [])
            if self._route():
                return self._request(final=True)
        if self._in_segment:
            self._append_until(self._consumed)
        if self.policy.audio.size:
            return self._request(final=True)
        return None

    def _take(self, n: int) -> tuple[FloatArray, VadEvents]:
        """The next `n` inbox samples and, outside VAD, their events (whole pieces: they end on steps)."""
        parts: list[FloatArray] = []
        events: VadEvents = []
        while n > 0:
            head = self._inbox[0]
            if head.size <= n:
                parts.append(self._inbox.popleft())
                n -= head.size
                if self.vad is None:
                    events.extend(self._inbox_events.popleft())
            else:  # own VAD only: outside-VAD pieces never cross the end of a step
                parts.append(head[:n])
                self._inbox[0] = head[n:]
                n = 0
        chunk = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._inbox_n -= chunk.size
        if self.vad is None:
            self._analysed_n -= chunk.size
        return chunk, events

    def _ingest(self, chunk: FloatArray, events: VadEvents) -> None:
        self._events.extend(self.vad.process(chunk) if self.vad is not None else events)
        self._store = np.concatenate([self._store, chunk])
        self._consumed += chunk.size

    def _route(self) -> bool:
        """Hand audio to the policy following the VAD events; True when a segment just ended (a final is due)."""
        while self._events:
            event = self._events.popleft()
            if isinstance(event, SpeechStarted):
                # the pre-roll may overlap the previous segment's tail: a word cut between the two is then heard
                # whole; the policy drops words that start before its last commit
                self._routed = max(self._store_start, round((event.t - self.config.preroll_s) * RATE))
                self._speech_start = event.t
            else:
                end = min(self._consumed, round((event.t + self.config.tail_s) * RATE))
                self._append_until(end)
                if self._speech_start is not None:
                    self.segments.append((self._speech_start, event.t))
                self._speech_start = None
                if self.policy.audio.size:
                    return True
        if self._in_segment:
            self._append_until(self._consumed)
        else:
            self._routed = max(self._routed, self._consumed)
        self._forget()
        return False

    def _append_until(self, end: int) -> None:
        if end <= self._routed:
            return
        piece = self._store[self._routed - self._store_start : end - self._store_start]
        self.policy.insert_audio_chunk(piece, self._routed / RATE)
        self._since_request += piece.size
        self._routed = end

    def _forget(self) -> None:
        """Keep only the audio not yet routed plus the pre-roll."""
        keep_from = min(self._routed, self._consumed) - round(self.config.preroll_s * RATE)
        drop = keep_from - self._store_start
        if drop > 0:
            self._store = self._store[drop:]
            self._store_start += drop


def vad_events(vad: StreamingVad, pieces: Sequence[npt.NDArray[Any]]) -> list[VadEvents]:
    """The results `StreamSession.analysed()` wants for `to_analyse()` pieces: each piece's events from `vad` (one
    model run for consecutive pieces), the VAD's flush for an empty piece (end of input)."""
    out: list[VadEvents] = []
    run: list[npt.NDArray[Any]] = []
    for piece in pieces:
        if piece.size:
            run.append(piece)
            continue
        if run:
            out.extend(vad.process_many(run))
            run = []
        out.append([*vad.flush()])
    if run:
        out.extend(vad.process_many(run))
    return out
