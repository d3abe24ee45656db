from __future__ import annotations

import numpy as np
import pytest

from robot.asr.scripted import ScriptedRecognizer
from robot.asr.streaming import HypothesisBuffer, OnlineAgreement, merge_pieces
from robot.events import Word

pytestmark = pytest.mark.unit

SR = 16000


def words(spec: str, start: float = 0.0, step: float = 0.3) -> list[Word]:
    return [
        Word(text, round(start + i * step, 3), round(start + (i + 1) * step, 3)) for i, text in enumerate(spec.split())
    ]


class Scripted:
    """Recogniser that replays a fixed list of hypotheses and records the prompts it was given."""

    def __init__(self, hypotheses: list[list[Word]]) -> None:
        self.hypotheses = list(hypotheses)
        self.prompts: list[str] = []
        self.sizes: list[int] = []

    def recognize(self, audio: np.ndarray, prompt: str) -> list[Word]:
        self.prompts.append(prompt)
        self.sizes.append(audio.size)
        return self.hypotheses.pop(0)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.float32)


def test_commit_after_two_agreeing_iterations() -> None:
    proc = OnlineAgreement()
    rec = Scripted([words("bonjour je"), words("bonjour je voudrais"), words("bonjour je voudrais parler")])
    proc.insert_audio_chunk(silence(1.0))
    first = proc.process_iter(rec)
    assert first.committed == () and first.partial_text == "bonjour je"
    proc.insert_audio_chunk(silence(0.5))
    second = proc.process_iter(rec)
    assert second.committed_text == "bonjour je"
    assert second.partial_text == "voudrais"
    third = proc.process_iter(rec)
    assert third.committed_text == "voudrais"
    assert [w.text for w in proc.committed] == ["bonjour", "je", "voudrais"]


def test_no_commit_while_hypotheses_disagree() -> None:
    proc = OnlineAgreement()
    rec = Scripted([words("allo oui"), words("hello oui"), words("allô non")])
    proc.insert_audio_chunk(silence(1.0))
    for _ in range(3):
        assert proc.process_iter(rec).committed == ()
    assert proc.committed == []


def test_comparison_ignores_case_and_punctuation() -> None:
    proc = OnlineAgreement()
    rec = Scripted([words("Allô, oui"), words("allô oui.")])
    proc.insert_audio_chunk(silence(1.0))
    proc.process_iter(rec)
    assert proc.process_iter(rec).committed_text == "allô oui."


def test_words_before_last_commit_are_ignored() -> None:
    buf = HypothesisBuffer()
    buf.insert(words("un deux trois"), 0.0)
    buf.flush()
    buf.insert(words("un deux trois"), 0.0)
    assert [w.text for w in buf.flush()] == ["un", "deux", "trois"]
    # the same words again (old timestamps) never commit twice
    buf.insert(words("un deux trois quatre"), 0.0)
    assert buf.flush() == []
    assert [w.text for w in buf.uncommitted] == ["quatre"]


def test_repeated_ngram_at_the_junction_is_dropped() -> None:
    buf = HypothesisBuffer()
    first = words("je vous appelle")
    buf.insert(first, 0.0)
    buf.flush()
    buf.insert(first, 0.0)
    assert len(buf.flush()) == 3
    # the recogniser repeats the committed bigram "vous appelle" with new times right after the commit
    repeat = [Word("vous", 0.95, 1.1), Word("appelle", 1.1, 1.3), Word("pour", 1.3, 1.5)]
    buf.insert(repeat, 0.0)
    assert [w.text for w in buf.incoming] == ["pour"]
    # far from the last commit (> 1 s) nothing is dropped
    buf.insert([Word("appelle", 3.0, 3.2)], 0.0)
    assert [w.text for w in buf.incoming] == ["appelle"]


def test_prompt_is_committed_text_before_the_buffer() -> None:
    proc = OnlineAgreement(prompt_chars=12, trim_s=1.0)
    said = words("un deux trois quatre cinq", step=0.4)
    rec = Scripted([said, said, words("six", start=0.1)])
    proc.insert_audio_chunk(silence(2.0))
    proc.process_iter(rec)
    update = proc.process_iter(rec)
    assert update.committed_text == "un deux trois quatre cinq"
    # buffer was 2.0 s > trim_s: cut at the end of the last committed word (2.0 s)
    assert proc.buffer_offset == pytest.approx(2.0)
    assert proc.audio.size == 0
    assert proc.prompt() == "quatre cinq"  # last <= 12 characters of committed text
    proc.insert_audio_chunk(silence(0.5))
    proc.process_iter(rec)
    assert rec.prompts[-1] == "quatre cinq"
    assert rec.sizes[-1] == int(0.5 * SR)
    assert [w.text for w in proc.hypotheses.uncommitted] == ["six"]
    assert proc.hypotheses.uncommitted[0].start == pytest.approx(2.1)  # stream time = buffer offset + 0.1


def test_trim_prefers_sentence_end() -> None:
    proc = OnlineAgreement(trim_s=2.0)
    hyp = [Word("oui.", 0.0, 0.5), Word("alors", 0.6, 1.0), Word("je", 1.0, 1.2)]
    rec = Scripted([hyp, hyp])
    proc.insert_audio_chunk(silence(1.0))
    proc.process_iter(rec)
    proc.insert_audio_chunk(silence(1.5))
    proc.process_iter(rec)
    assert proc.buffer_offset == pytest.approx(0.5)
    assert proc.buffer_seconds == pytest.approx(2.0)


def test_no_trim_below_the_limit() -> None:
    proc = OnlineAgreement(trim_s=15.0)
    rec = Scripted([words("un deux"), words("un deux")])
    proc.insert_audio_chunk(silence(3.0))
    proc.process_iter(rec)
    proc.process_iter(rec)
    assert proc.buffer_offset == 0.0 and proc.buffer_seconds == pytest.approx(3.0)


def test_finish_flushes_the_uncommitted_tail() -> None:
    proc = OnlineAgreement()
    rec = Scripted([words("oui bonjour"), words("oui bonjour madame")])
    proc.insert_audio_chunk(silence(1.0))
    proc.process_iter(rec)
    proc.process_iter(rec)
    final = proc.finish()
    assert final.committed_text == "madame"
    assert [w.text for w in proc.committed] == ["oui", "bonjour", "madame"]
    assert proc.buffer_seconds == 0.0 and proc.buffer_offset == pytest.approx(1.0)


def test_int16_chunks_are_scaled_and_bad_shapes_refused() -> None:
    proc = OnlineAgreement()
    proc.insert_audio_chunk(np.full(160, 16384, dtype=np.int16))
    assert proc.audio.dtype == np.float32 and proc.audio[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="mono"):
        proc.insert_audio_chunk(np.zeros((2, 160), dtype=np.float32))


async def test_async_iteration_uses_the_same_agreement() -> None:
    class AsyncScripted:
        def __init__(self) -> None:
            self.inner = Scripted([words("allô"), words("allô oui")])

        async def recognize(self, audio: np.ndarray, prompt: str) -> list[Word]:
            return self.inner.recognize(audio, prompt)

    proc = OnlineAgreement()
    rec = AsyncScripted()
    proc.insert_audio_chunk(silence(1.0))
    await proc.aprocess_iter(rec)
    assert (await proc.aprocess_iter(rec)).committed_text == "allô"


def test_scripted_recognizer_returns_words_heard_so_far() -> None:
    truth = words("allô oui bonjour", step=0.5)
    rec = ScriptedRecognizer(truth)
    assert rec.recognize(silence(0.4), "") == []
    assert [w.text for w in rec.recognize(silence(1.0), "")] == ["allô", "oui"]
    proc = OnlineAgreement()
    for _ in range(4):
        proc.insert_audio_chunk(silence(0.5))
        proc.process_iter(rec)
    assert [w.text for w in proc.committed] == ["allô", "oui", "bonjour"]
    later = rec.recognize_at(silence(0.8), 0.5)
    assert [(w.text, w.start) for w in later] == [("oui", 0.0)]


def test_word_pieces_and_punctuation_are_joined() -> None:
    pieces = [Word("Ce", 0.0, 0.2), Word("n", 0.2, 0.3), Word("'est", 0.3, 0.5), Word("pas", 0.5, 0.7)]
    pieces += [Word(".", 0.7, 0.7), Word("Qu", 0.8, 0.9), Word("'est", 0.9, 1.0), Word("-ce", 1.0, 1.1)]
    pieces += [Word("?", 1.1, 1.1)]
    merged = merge_pieces([Word(",", 0.0, 0.0), *pieces])
    assert [w.text for w in merged] == ["Ce", "n'est", "pas.", "Qu'est-ce?"]
    assert (merged[1].start, merged[1].end) == (0.2, 0.5)


def test_streamed_words_are_whole_words() -> None:
    proc = OnlineAgreement()
    hyp = [Word("n", 0.0, 0.1), Word("'est", 0.1, 0.3), Word("pas", 0.3, 0.5), Word(".", 0.5, 0.5)]
    rec = Scripted([hyp, hyp])
    proc.insert_audio_chunk(silence(1.0))
    proc.process_iter(rec)
    assert proc.process_iter(rec).committed_text == "n'est pas."


def test_buffer_anchored_at_stream_time() -> None:
    proc = OnlineAgreement()
    proc.insert_audio_chunk(silence(0.5), t=12.0)
    proc.insert_audio_chunk(silence(0.5), t=99.0)  # only an empty buffer is anchored
    assert proc.buffer_offset == 12.0 and proc.buffer_end == pytest.approx(13.0)
    rec = Scripted([words("oui"), words("oui")])
    proc.process_iter(rec)
    assert [(w.text, w.start) for w in proc.process_iter(rec).committed] == [("oui", 12.0)]


def test_final_commits_everything_and_keeps_audio_that_came_after_the_request() -> None:
    proc = OnlineAgreement()
    proc.insert_audio_chunk(silence(1.0), t=5.0)
    audio, _prompt = proc.request()
    proc.insert_audio_chunk(silence(0.25))  # arrived while the final request was in flight
    update = proc.accept_final(words("non merci"), consumed=audio.size)
    assert update.committed_text == "non merci" and update.partial == ()
    assert proc.buffer_offset == pytest.approx(6.0) and proc.buffer_seconds == pytest.approx(0.25)


def test_long_answer_is_not_truncated_by_a_token_cap() -> None:
    """A recogniser that returns at most 12 words of any buffer (a decoding budget, as Whisper's 48-token cap did
    on ~6 s of French): with the buffer trimmed at committed words, a 16 s answer comes out whole."""
    truth = words(" ".join(f"mot{i}" for i in range(40)), step=0.4)
    inner = ScriptedRecognizer(truth)
    proc = OnlineAgreement(trim_s=4.0)

    class Capped:
        def recognize(self, audio: np.ndarray, prompt: str) -> list[Word]:
            return inner.recognize_at(audio, proc.buffer_offset)[:12]

    for _ in range(32):
        proc.insert_audio_chunk(silence(0.5))
        proc.process_iter(Capped())
    proc.accept_final(Capped().recognize(proc.audio, ""))
    assert [w.text for w in proc.committed] == [w.text for w in truth]
    assert proc.buffer_seconds < 0.5
