"""A recogniser that already knows the words (a product piece for benchmarks, not a test double).

`ScriptedRecognizer` answers with the true words of a recording whose end time is covered by the audio it has
been given so far. The barge-in benchmark uses it as the "perfect ASR" baseline to separate the streaming
policy's latency from the model's.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from robot.events import Word

SAMPLE_RATE = 16000


class ScriptedRecognizer:
    """`words` carry times from the start of the stream. Each call receives the current buffer; `stream_offset`
    tells where that buffer starts in the stream (OnlineAgreement trims its buffer), the default follows the
    audio length seen so far, assuming buffers are never trimmed."""

    def __init__(self, words: Iterable[Word]) -> None:
        self.words = tuple(sorted(words, key=lambda w: w.start))
        self.calls = 0

    def recognize_at(self, audio: npt.NDArray[np.float32], stream_offset: float) -> list[Word]:
        self.calls += 1
        end = stream_offset + audio.size / SAMPLE_RATE
        return [
            Word(w.text, round(w.start - stream_offset, 3), round(w.end - stream_offset, 3), w.probability)
            for w in self.words
            if w.start >= stream_offset - 1e-9 and w.end <= end + 1e-9
        ]

    def recognize(self, audio: npt.NDArray[np.float32], prompt: str) -> list[Word]:
        """Recognizer protocol, for buffers that start at stream time 0."""
        return self.recognize_at(audio, 0.0)
