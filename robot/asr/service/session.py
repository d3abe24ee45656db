"""One client's recognition stream (pure: no sockets, no model): VAD-gated audio in, recognition requests out.

Audio of any chunk size goes in with `feed()`. `next_request()` consumes it in steps that end on fixed stream
positions (multiples of `step_s` from the first sample), runs the streaming Silero VAD on each step (its state
carries across steps, so probabilities are those of the whole recording), opens a speech segment at each VAD onset
(minus a pre-roll) and closes it at each VAD end (plus a tail). At each step boundary inside a segment it asks for
a partial recognition of the segment's buffer; at each segment end, `flush()` and the end of input it asks for a
final one. Because steps and VAD events fall on the same stream positions whatever the chunking, a file fed at once
and the same audio fed 20 ms at a time produce the same requests, hence the same committed text.

`catch_up=True` (live servers): a partial is skipped when more than a step of audio already waits, so a client
whose recognitions fall behind catches up instead of queuing iterations. Only one request is out at a time:
call `complete(words)` (None when the engine dropped it) before the next `next_request()`.
"""

from __future__ import annotations

from collections import deque
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
    def __init__(self, config: SessionConfig, vad: StreamingVad, policy: OnlineAgreement) -> None:
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

    @property
    def backlog_s(self) -> float:
        return self._inbox_n / RATE

    @property
    def position_s(self) -> float:
        return self._consumed / RATE

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
        if chunk.size:
            self._inbox.append(chunk.copy())
            self._inbox_n += chunk.size

    def flush(self) -> None:
        """Recognise all audio received so far and commit every word of it."""
        self._flush_wanted = True

    def end(self) -> None:
        """End of input: like flush, then the stream is over."""
        self._flush_wanted = True
        self._ended = True

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
            if self._inbox_n >= want:
                self._ingest(self._take(want))
                continue
            if self._flush_wanted:
                if self._inbox_n:
                    self._ingest(self._take(self._inbox_n))
                    continue
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
            self._events.extend(self.vad.flush())
            if self._route():
                return self._request(final=True)
        if self._in_segment:
            self._append_until(self._consumed)
        if self.policy.audio.size:
            return self._request(final=True)
        return None

    def _take(self, n: int) -> FloatArray:
        parts: list[FloatArray] = []
        while n > 0:
            head = self._inbox[0]
            if head.size <= n:
                parts.append(self._inbox.popleft())
                n -= head.size
            else:
                parts.append(head[:n])
                self._inbox[0] = head[n:]
                n = 0
        chunk = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._inbox_n -= chunk.size
        return chunk

    def _ingest(self, chunk: FloatArray) -> None:
        self._events.extend(self.vad.process(chunk))
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
