"""LocalAgreement-2 streaming on top of any recogniser (pure: no model, no I/O).

Semantics follow whisper_streaming's OnlineASRProcessor: audio accumulates in a buffer; each iteration
re-recognises the whole buffer (with the committed text before it as prompt); a word is committed once two
consecutive hypotheses agree on it (longest common prefix, after the last committed word); words that repeat the
end of the committed text at the junction (1..5-gram) are dropped; once the buffer is longer than `trim_s`, it is
cut at the end of a committed word (a sentence end when there is one) so it never grows without bound.

Whisper's word splitting is undone first (`merge_pieces`): a piece that starts with an apostrophe or a hyphen
("n" + "'est", "est" + "-ce") or that is only punctuation (".", "?") joins the word before it.
Times are stream seconds: `insert_audio_chunk(samples, t)` on an empty buffer anchors it at `t`.

`process_iter(recognizer)` drives a sync recogniser; an async caller does
`audio, prompt = proc.request()` -> `words = await recognize(audio, prompt)` -> `proc.accept(words)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from robot.asr.guard import normalise
from robot.events import Word

SAMPLE_RATE = 16000
FloatArray = npt.NDArray[np.float32]


class Recognizer(Protocol):
    def recognize(self, audio: FloatArray, prompt: str) -> list[Word]:
        """Words of `audio` (16 kHz float32) with times in seconds from the start of `audio`."""
        ...


class AsyncRecognizer(Protocol):
    def recognize(self, audio: FloatArray, prompt: str) -> Awaitable[list[Word]]: ...


@dataclass(frozen=True, slots=True)
class StreamUpdate:
    """Newly committed words (never change again) and the current uncommitted tail; times from stream start."""

    committed: tuple[Word, ...]
    partial: tuple[Word, ...]

    @property
    def committed_text(self) -> str:
        return " ".join(w.text for w in self.committed)

    @property
    def partial_text(self) -> str:
        return " ".join(w.text for w in self.partial)


_JOINERS = ("'", "\u2019", "-")
_PUNCT = frozenset(".,;:!?\u2026\u00bb\u00ab\"'\u2019-")


def _is_punct(text: str) -> bool:
    return bool(text) and all(ch in _PUNCT for ch in text)


def merge_pieces(words: Sequence[Word]) -> list[Word]:
    """Join Whisper's word pieces back into words (see the module docstring); a leading punctuation piece with
    no word before it is dropped."""
    merged: list[Word] = []
    for word in words:
        text = word.text.strip()
        if not text:
            continue
        joins = text.startswith(_JOINERS) or _is_punct(text) or (merged and merged[-1].text.endswith(_JOINERS))
        if joins and merged:
            prev = merged[-1]
            merged[-1] = Word(
                prev.text + text, prev.start, max(prev.end, word.end), min(prev.probability, word.probability)
            )
        elif not _is_punct(text):
            merged.append(Word(text, word.start, word.end, word.probability))
    return merged


def same_word(a: Word, b: Word) -> bool:
    """The same word once `normalise`d (case, accents and punctuation ignored)."""
    return normalise(a.text) == normalise(b.text)


def _shift(word: Word, offset: float) -> Word:
    return Word(word.text, round(word.start + offset, 3), round(word.end + offset, 3), word.probability)


class HypothesisBuffer:
    """Commits the longest common prefix of two consecutive hypotheses. Words are compared after
    `normalise` (case, accents and punctuation ignored), a tolerance whisper_streaming does not have."""

    def __init__(self, max_ngram: int = 5, junction_window_s: float = 1.0) -> None:
        self.max_ngram = max_ngram
        self.junction_window_s = junction_window_s
        self.committed_in_buffer: list[Word] = []
        self.previous: list[Word] = []
        self.incoming: list[Word] = []
        self.last_committed_time = 0.0

    def insert(self, words: Sequence[Word], offset: float) -> None:
        """Take a new hypothesis (times relative to `offset`): keep only words after the last commit, and drop
        an n-gram at its head that repeats the tail of what is already committed."""
        shifted = [_shift(w, offset) for w in merge_pieces(words)]
        fresh = [w for w in shifted if w.start > self.last_committed_time - 0.1]
        if fresh and abs(fresh[0].start - self.last_committed_time) < self.junction_window_s:
            longest = min(len(self.committed_in_buffer), len(fresh), self.max_ngram)
            for n in range(1, longest + 1):
                tail = self.committed_in_buffer[-n:]
                if all(same_word(a, b) for a, b in zip(tail, fresh[:n], strict=True)):
                    fresh = fresh[n:]
                    break
        self.incoming = fresh

    def flush_all(self) -> list[Word]:
        """Commit the whole incoming hypothesis (end of the caller's speech: nothing more will come to agree)."""
        return self.commit(len(self.incoming))

    def flush(self) -> list[Word]:
        """Commit the common prefix of the previous and the incoming hypothesis."""
        count = 0
        for new, old in zip(self.incoming, self.previous, strict=False):
            if not same_word(new, old):
                break
            count += 1
        return self.commit(count)

    def commit(self, count: int) -> list[Word]:
        """Commit the first `count` words of the incoming hypothesis; the rest waits as the previous one."""
        agreed = self.incoming[:count]
        if agreed:
            self.last_committed_time = agreed[-1].end
        self.previous, self.incoming = self.incoming[count:], []
        self.committed_in_buffer.extend(agreed)
        return agreed

    def pop_committed_before(self, time: float) -> None:
        self.committed_in_buffer = [w for w in self.committed_in_buffer if w.end > time]

    @property
    def uncommitted(self) -> list[Word]:
        return list(self.previous)


class OnlineAgreement:
    """One call's streaming recogniser state."""

    def __init__(self, *, prompt_chars: int = 200, trim_s: float = 15.0) -> None:
        self.prompt_chars = prompt_chars
        self.trim_s = trim_s
        self.audio: FloatArray = np.zeros(0, dtype=np.float32)
        self.buffer_offset = 0.0  # stream time of audio[0], seconds
        self.hypotheses = HypothesisBuffer()
        self.committed: list[Word] = []

    def insert_audio_chunk(self, samples: npt.NDArray[Any], t: float | None = None) -> None:
        """Append audio; `t` (stream seconds of its first sample) anchors an empty buffer there."""
        if samples.ndim != 1:
            raise ValueError(f"audio chunk must be mono 1-D, got shape {samples.shape}")
        chunk = samples.astype(np.float32) / 32768.0 if samples.dtype == np.int16 else samples.astype(np.float32)
        if t is not None and self.audio.size == 0:
            self.buffer_offset = t
            self.hypotheses.last_committed_time = max(self.hypotheses.last_committed_time, t)
        self.audio = np.concatenate([self.audio, chunk])

    @property
    def buffer_end(self) -> float:
        """Stream time of the end of the buffered audio, seconds."""
        return self.buffer_offset + self.buffer_seconds

    @property
    def buffer_seconds(self) -> float:
        return self.audio.size / SAMPLE_RATE

    def prompt(self) -> str:
        """Up to `prompt_chars` of committed text that lies before the audio buffer."""
        before = [w.text for w in self.committed if w.end <= self.buffer_offset]
        text = ""
        for word in reversed(before):
            candidate = f"{word} {text}".strip()
            if len(candidate) > self.prompt_chars:
                break
            text = candidate
        return text

    def request(self) -> tuple[FloatArray, str]:
        """What to recognise now: the whole buffer and the prompt."""
        return self.audio, self.prompt()

    def accept(self, words: Sequence[Word]) -> StreamUpdate:
        """Feed the recogniser's words for the last `request()`; returns what got committed."""
        self.hypotheses.insert(words, self.buffer_offset)
        agreed = self.hypotheses.flush()
        self.committed.extend(agreed)
        if self.buffer_seconds > self.trim_s:
            self._trim()
        return StreamUpdate(tuple(agreed), tuple(self.hypotheses.uncommitted))

    def process_iter(self, recognizer: Recognizer) -> StreamUpdate:
        audio, prompt = self.request()
        return self.accept(recognizer.recognize(audio, prompt))

    async def aprocess_iter(self, recognizer: AsyncRecognizer) -> StreamUpdate:
        audio, prompt = self.request()
        return self.accept(await recognizer.recognize(audio, prompt))

    def accept_final(self, words: Sequence[Word], consumed: int | None = None) -> StreamUpdate:
        """Feed the last recognition of the buffer (the speaker stopped): all its words after the last commit are
        committed, then the first `consumed` samples (default: all) leave the buffer; audio appended after the
        request stays, as the start of a new buffer."""
        self.hypotheses.insert(words, self.buffer_offset)
        agreed = self.hypotheses.flush_all()
        self.committed.extend(agreed)
        self._clear(consumed)
        return StreamUpdate(tuple(agreed), ())

    def finish(self) -> StreamUpdate:
        """End of stream: the uncommitted tail is returned as committed and the state is cleared."""
        tail = self.hypotheses.uncommitted
        self.committed.extend(tail)
        self._clear()
        return StreamUpdate(tuple(tail), ())

    def _clear(self, consumed: int | None = None) -> None:
        last = self.hypotheses.last_committed_time
        drop = self.audio.size if consumed is None else min(consumed, self.audio.size)
        self.buffer_offset += drop / SAMPLE_RATE
        self.audio = self.audio[drop:]
        self.hypotheses = HypothesisBuffer()
        self.hypotheses.last_committed_time = max(last, self.buffer_offset)

    def _trim(self) -> None:
        """Cut the buffer at the end of the last committed sentence in it, else of the last committed word."""
        inside = [w for w in self.committed if w.end > self.buffer_offset]
        if not inside:
            return
        sentence_ends = [w for w in inside if w.text.rstrip().endswith((".", "?", "!"))]
        cut = (sentence_ends or inside)[-1].end
        self._cut_at(cut)

    def _cut_at(self, time: float) -> None:
        drop = round((time - self.buffer_offset) * SAMPLE_RATE)
        if drop <= 0:
            return
        self.audio = self.audio[drop:]
        self.buffer_offset = time
        self.hypotheses.pop_committed_before(time)
