"""The real Whisper base model (../shared/models/whisper-base) on short real-voice clips, through the AMD path:
the engine's padded input and loop handling give words in which the expected phrase family is found, and whole
AMD runs on recorded prompts reach the expected verdict. A few seconds each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from robot.amd.detector import AmdDetector
from robot.amd.keywords import Family, KeywordSet, load_keywords
from robot.asr.decoder import DecodeRequest, WhisperBatchDecoder
from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel
from robot.clock import SystemClock
from robot.events import AmdResult
from robot.media.audio import TARGET_RATE, read_wav_16k
from robot.settings import Settings

from ..conftest import REPO, SHARED

pytestmark = pytest.mark.integration

BASE = SHARED / "models" / "whisper-base"
STARTER = SHARED / "audio" / "amd-starter"


@pytest.fixture(scope="module")
def engine() -> Iterator[AsrEngine]:
    if not (BASE / "model.bin").is_file():
        pytest.fail(f"real Whisper base model not found at {BASE}")
    settings = Settings().asr.model_copy(update={"model": str(BASE), "local_files_only": True})
    engine = AsrEngine.load_sync(settings)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def keywords() -> KeywordSet:
    return load_keywords(REPO / "amd_keywords.yaml")


@pytest.mark.parametrize(
    ("clip", "family"),
    [
        ("ast_vm-intro.wav", Family.VOICEMAIL),  # "Veuillez laisser votre message après le bip sonore..."
        ("ast_vm-nobodyavail.wav", Family.VOICEMAIL),  # "Personne n'est en mesure de prendre votre appel ..."
        ("ast_ss-noservice.wav", Family.OPERATOR),  # "Le numéro composé n'est pas en service..."
        ("ast_hello.wav", Family.HUMAN),  # "Allo"
    ],
)
def test_real_voice_window_gives_the_expected_phrase_family(
    engine: AsrEngine, keywords: KeywordSet, clip: str, family: Family
) -> None:
    samples = read_wav_16k(STARTER / clip)[: int(3.5 * TARGET_RATE)]  # an AMD-sized window
    transcript = engine.transcribe_sync(samples, priority=Priority.AMD, timeout=60)
    assert transcript is not None and transcript.text, clip
    families = {m.family for m in keywords.match(transcript.text)}
    assert family in families, (clip, transcript.text)


def test_no_decoding_loop_on_a_short_real_window(engine: AsrEngine) -> None:
    samples = read_wav_16k(STARTER / "ast_all-circuits-busy-now.wav")[: int(2.3 * TARGET_RATE)]
    result = engine.submit(samples, priority=Priority.AMD).result(timeout=60)
    assert result is not None
    words = result.text.lower().split()
    assert 2 <= len(words) <= 12, result.text  # a 2.3 s window holds a few words, never a loop up to the cap


def repeated_trigrams(tokens: tuple[int, ...]) -> int:
    grams = [tokens[i : i + 3] for i in range(len(tokens) - 2)]
    return len(grams) - len(set(grams))


def test_the_amd_ngram_block_cuts_a_loop_in_one_pass(engine: AsrEngine) -> None:
    """Unpadded, a 2.3 s real window makes Whisper loop ("n n n n ..."); the AMD request's n-gram block
    (asr.amd_no_repeat_ngram_size) keeps any 3 tokens from coming back, in the one pass it gets."""
    samples = read_wav_16k(STARTER / "ast_ss-noservice.wav")[: int(2.3 * TARGET_RATE)]
    ngram = engine.no_repeat_ngram_size(Priority.AMD)
    request = engine.decoder.request(samples.astype(np.float32) / 32768, no_repeat_ngram_size=ngram)
    unpadded = replace(request, padded_frames=-(-samples.size // 160) + (-(-samples.size // 160)) % 2)
    loose = WhisperBatchDecoder(engine.model, engine.settings.model_copy(update={"loop_retry": False}))
    looping = loose.run([replace(unpadded, no_repeat_ngram_size=0)])[0]
    blocked = engine.decoder.run([unpadded])[0]
    assert ngram == 3 and repeated_trigrams(looping.tokens) >= 5, looping.text
    assert blocked.text and repeated_trigrams(blocked.tokens) == 0, blocked.text


@pytest.mark.parametrize(
    ("clip", "expected"),
    [("ast_vm-intro.wav", AmdResult.MACHINE), ("ast_cannot-complete-as-dialed.wav", AmdResult.OPERATOR)],
)
async def test_amd_on_recorded_prompts_with_words(
    engine: AsrEngine, keywords: KeywordSet, clip: str, expected: AmdResult
) -> None:
    detector = AmdDetector(Settings(), engine, SileroModel(), keywords, SystemClock())
    result = await detector.detect_file(Path(STARTER / clip))
    assert result.verdict.result is expected, (result.transcript, result.verdict.reasons)
    assert any("phrases" in r for r in result.verdict.reasons), result.verdict.reasons


def test_real_windows_batched_with_a_longer_one_equal_their_results_alone_at_that_padding(engine: AsrEngine) -> None:
    """Cross-call batching pads shorter windows to the batch's longest: on real speech, each window's words and
    times are the ones it gets alone at that padding (exact), so a result never depends on its batch companions."""
    decoder = engine.decoder

    def request(clip: str, seconds: float) -> DecodeRequest:
        samples = read_wav_16k(STARTER / clip)[: int(seconds * TARGET_RATE)]
        return decoder.request(samples.astype(np.float32) / 32768, word_timestamps=True)

    longest = request("ast_vm-rec-unv.wav", 7.0)
    windows = [request("ast_vm-nobodyavail.wav", 2.7), request("ast_vm-mailboxfull.wav", 4.2)]
    together = decoder.run([*windows, longest])
    for window, batched in zip(windows, together, strict=False):
        assert window.padded_frames < longest.padded_frames
        alone = decoder.run([replace(window, padded_frames=longest.padded_frames)])[0]
        assert batched.text and batched.tokens == alone.tokens
        assert [(w.text, w.start, w.end) for w in batched.words] == [(w.text, w.start, w.end) for w in alone.words]
        assert [w.probability for w in batched.words] == pytest.approx([w.probability for w in alone.words], abs=1e-4)


@pytest.mark.parametrize("budget", [9, 16])
def test_a_request_gets_its_whole_token_budget(engine: AsrEngine, budget: int) -> None:
    """CTranslate2 Whisper stops a hypothesis at about max_length / 2 text tokens: a long answer decoded with a
    budget of N tokens must get N of them (with max_length = prompt + N it got about half: answers were cut)."""
    settings = engine.settings.model_copy(update={"max_new_tokens": budget})
    decoder = WhisperBatchDecoder(engine.model, settings)
    samples = read_wav_16k(STARTER / "ast_vm-rec-unv.wav")[: int(7.0 * TARGET_RATE)]  # ~25 tokens of speech
    for previous_text in ("", "Bonjour, vous êtes bien sur la messagerie vocale de la société, merci de patienter."):
        request = decoder.request(samples.astype(np.float32) / 32768, previous_text)
        assert decoder.token_budget(samples.size) == budget
        (result,) = decoder.run([request])
        assert len(result.tokens) == budget, (previous_text, len(request.prompt), result.text)
