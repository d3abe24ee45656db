"""AlignAtt-style commit policy (SimulStreaming's idea) next to LocalAgreement-2 (pure: no model, no I/O).

LocalAgreement commits a word once two consecutive hypotheses agree on it, so a word waits at least one more
iteration after it was first heard. AlignAtt decides from ONE hypothesis: the decoder's cross-attention (Whisper's
alignment heads, CTranslate2 `Whisper.align`, which robot.asr.decoder already runs for word times) tells where in
the audio each token was read. A word whose aligned frames stop before the last `guard_s` of the buffer was read
from audio that is complete; a word that reaches into the last `guard_s` may still change as more audio arrives
(Whisper guesses the end of a word cut mid-way), so it and every word after it stay uncommitted.

The words come from the engine with `word_timestamps=True`: a word's end is where the alignment path reaches the
next token, so `end <= buffer_seconds - guard_s` is "its attention never pointed into the last frames".
Optional confidence gate (`min_probability` > 0): a word aligned before the guard band is committed from one
hypothesis only when its probability reaches `min_probability`; otherwise it waits until the next hypothesis
repeats it (LocalAgreement's rule), which trades some of the latency gain for fewer early mistakes.
Buffer, prompt, junction de-duplication and trimming are OnlineAgreement's (robot.asr.streaming).
"""

from __future__ import annotations

from collections.abc import Sequence

from robot.asr.streaming import OnlineAgreement, StreamUpdate, same_word
from robot.events import Word


class AlignAttAgreement(OnlineAgreement):
    """Commits the longest prefix of the latest hypothesis whose words are aligned before the guard band."""

    def __init__(
        self, *, guard_s: float = 0.4, min_probability: float = 0.0, prompt_chars: int = 200, trim_s: float = 15.0
    ) -> None:
        super().__init__(prompt_chars=prompt_chars, trim_s=trim_s)
        if guard_s < 0 or not 0 <= min_probability <= 1:
            raise ValueError(f"guard_s must be >= 0 and min_probability in [0, 1], got {guard_s}, {min_probability}")
        self.guard_s = guard_s
        self.min_probability = min_probability

    def accept(self, words: Sequence[Word]) -> StreamUpdate:
        hyp = self.hypotheses
        previous = hyp.uncommitted
        hyp.insert(words, self.buffer_offset)
        limit = self.buffer_end - self.guard_s
        stable: list[Word] = []
        for i, word in enumerate(hyp.incoming):
            confident = word.probability >= self.min_probability or (i < len(previous) and same_word(word, previous[i]))
            if word.end > limit or not confident:
                break
            stable.append(word)
        hyp.commit(len(stable))
        self.committed.extend(stable)
        if self.buffer_seconds > self.trim_s:
            self._trim()
        return StreamUpdate(tuple(stable), tuple(hyp.uncommitted))


def make_policy(
    name: str, *, guard_s: float, trim_s: float, prompt_chars: int = 200, min_probability: float = 0.0
) -> OnlineAgreement:
    """`localagreement` (LocalAgreement-2) or `alignatt`."""
    if name == "localagreement":
        return OnlineAgreement(prompt_chars=prompt_chars, trim_s=trim_s)
    if name == "alignatt":
        return AlignAttAgreement(
            guard_s=guard_s, min_probability=min_probability, prompt_chars=prompt_chars, trim_s=trim_s
        )
    raise ValueError(f"unknown streaming policy {name!r} (localagreement or alignatt)")


POLICIES = ("localagreement", "alignatt")
