from __future__ import annotations

import asyncio
import threading
import time
import wave
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from robot.asr.decoder import DecodeResult
from robot.asr.engine import AsrEngine, Priority
from robot.asr.recognizers import EngineRecognizer
from robot.asr.streaming import OnlineAgreement
from robot.errors import AsrError, ConfigError
from robot.settings import AsrSettings

pytestmark = pytest.mark.integration

AMD_DIR = Path(__file__).resolve().parents[3] / "shared" / "audio" / "amd-starter"
CLIPS = ("tts_allo.wav", "tts_vm_julien.wav", "ast_hello.wav", "tel_jecoute.wav")
PROMPTS = (
    "Bonjour, je suis l'assistant de la société Dupont, je vous appelle au sujet de votre contrat.",
    "Vous êtes bien sur la messagerie vocale, merci de laisser un message après le bip sonore.",
    "Allô, oui, bonjour, c'est bien moi, que puis-je faire pour vous aujourd'hui madame ?",
    "Le numéro que vous avez composé n'est pas attribué, veuillez vérifier votre numéro.",
)
WAIT = 30.0


def read_wav(name: str) -> np.ndarray:
    with wave.open(str(AMD_DIR / name)) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def window(audio: np.ndarray, seconds: float = 2.3) -> np.ndarray:
    n = int(seconds * 16000)
    return np.pad(audio[:n], (0, max(0, n - audio.size))).astype(np.float32)


@pytest.fixture(scope="module")
def engine(tiny_model_dir: Path) -> Iterator[AsrEngine]:
    # one worker: `occupy` then holds the only model replica, so the requests submitted after it wait together (with
    # a second worker free, the first of them could start alone before the next one is queued)
    settings = AsrSettings(
        model=str(tiny_model_dir), local_files_only=True, max_new_tokens=24, max_batch=8, workers=1, urgent_workers=0
    )
    eng = AsrEngine.load_sync(settings)
    yield eng
    eng.close()


def occupy(engine: AsrEngine) -> Future[DecodeResult | None]:
    """Give the engine's only worker a request of another length and return once it has taken it, so the requests
    submitted next wait together behind it. Wait for the returned future before reading the engine's batch count:
    it may finish after them."""
    blocker = engine.submit(np.zeros(16000 * 5, np.float32), priority=Priority.BARGEIN)
    taken_by = time.monotonic() + WAIT
    while engine.stats().queue_depth > 0:  # a thread hand-off on a real engine: no clock to inject here
        assert time.monotonic() < taken_by, "the worker never took the blocking request"
        time.sleep(0.002)
    return blocker


def test_batched_greedy_output_equals_unbatched_token_for_token(engine: AsrEngine) -> None:
    clips = [window(read_wav(name)) for name in CLIPS]
    alone = []
    for clip, prompt in zip(clips, PROMPTS, strict=True):
        result = engine.submit(clip, priority=Priority.AMD, prompt=prompt).result(WAIT)
        assert result is not None
        alone.append(result)
    before = engine.stats()
    blocker = occupy(engine)
    futures = [
        engine.submit(clip, priority=Priority.AMD, prompt=prompt) for clip, prompt in zip(clips, PROMPTS, strict=True)
    ]
    together = [f.result(WAIT) for f in futures]
    blocker.result(WAIT)
    after = engine.stats()
    assert after.max_batch_size == 4 and after.batches == before.batches + 2
    for one, batched in zip(alone, together, strict=True):
        assert batched is not None
        assert batched.tokens == one.tokens
        assert batched.text == one.text
        assert batched.no_speech_prob == pytest.approx(one.no_speech_prob, abs=1e-4)
    assert len({r.tokens for r in alone}) > 1  # different clips/prompts really decode differently


def test_a_shorter_request_padded_into_a_batch_gets_what_it_gets_alone_at_that_padding(engine: AsrEngine) -> None:
    """Different encoder lengths share a batch (padded to the longest) and different token budgets share one
    generate (each request cut to its own): results equal those of each request alone at the batch's padding."""
    decoder = engine.decoder
    short = decoder.request(window(read_wav("tts_allo.wav"), 0.5), PROMPTS[0], word_timestamps=True)
    long = decoder.request(window(read_wav("tts_vm_julien.wav"), 7.0), PROMPTS[1], word_timestamps=True)
    assert short.padded_frames < long.padded_frames and short.batch_key == long.batch_key
    assert decoder.token_budget(short.audio.size) < decoder.token_budget(long.audio.size)
    together = decoder.run([short, long])
    alone = [decoder.run([replace(short, padded_frames=long.padded_frames)])[0], decoder.run([long])[0]]
    for batched, one in zip(together, alone, strict=True):
        assert batched.tokens == one.tokens and batched.text == one.text
        assert [(w.text, w.start, w.end) for w in batched.words] == [(w.text, w.start, w.end) for w in one.words]
        assert batched.samples == one.samples
    assert len(together[0].tokens) <= decoder.token_budget(short.audio.size)
    before = engine.stats()
    blocker = occupy(engine)
    futures = [
        engine.submit(w.audio, priority=Priority.DIALOG, prompt=p) for w, p in ((short, PROMPTS[0]), (long, PROMPTS[1]))
    ]
    through_engine = [f.result(WAIT) for f in futures]
    blocker.result(WAIT)
    assert engine.stats().batches == before.batches + 2, "the two lengths were decoded in one batch"
    assert [r.tokens for r in through_engine if r is not None] == [r.tokens for r in together]


def test_amd_beam_requests_batch_together_never_with_greedy_ones(engine: AsrEngine) -> None:
    """asr.amd_beam_size applies to AMD requests only; beam requests of several calls share one batch and get what
    they get alone; a greedy dialog request waiting with them runs in its own batch."""
    beam = AsrEngine(engine.settings.model_copy(update={"amd_beam_size": 3}), engine.model)
    try:
        assert [beam.beam_size(p) for p in (Priority.AMD, Priority.DIALOG, Priority.BARGEIN)] == [3, 1, 1]
        clips = [window(read_wav(name)) for name in CLIPS]
        alone = [
            beam.submit(c, priority=Priority.AMD, prompt=p).result(WAIT) for c, p in zip(clips, PROMPTS, strict=True)
        ]
        before = beam.stats()
        blocker = occupy(beam)
        futures = [beam.submit(c, priority=Priority.AMD, prompt=p) for c, p in zip(clips, PROMPTS, strict=True)]
        dialog = beam.submit(clips[0], priority=Priority.DIALOG, prompt=PROMPTS[0])
        together = [f.result(WAIT) for f in futures]
        greedy = dialog.result(WAIT)
        blocker.result(WAIT)
        after = beam.stats()
        assert after.max_batch_size == 4 and after.batches == before.batches + 3
        assert [r.tokens for r in together if r is not None] == [r.tokens for r in alone if r is not None]
        assert len([r for r in together if r is not None]) == len(CLIPS)
        greedy_alone = [
            engine.submit(c, priority=Priority.DIALOG, prompt=p).result(WAIT)
            for c, p in zip(clips, PROMPTS, strict=True)
        ]
        assert greedy is not None and greedy_alone[0] is not None and greedy.tokens == greedy_alone[0].tokens
        # the beam really searches: on these clips it ends elsewhere than greedy decoding
        assert [r.tokens for r in alone if r is not None] != [r.tokens for r in greedy_alone if r is not None]
        decoder = beam.decoder
        mixed = [decoder.request(clips[0], beam_size=3), decoder.request(clips[1], beam_size=1)]
        assert mixed[0].batch_key != mixed[1].batch_key
        with pytest.raises(ValueError, match="beam size"):
            decoder.run(mixed)
        with pytest.raises(ValueError, match="beam_size"):
            decoder.request(clips[0], beam_size=0)
    finally:
        beam.close()


def test_amd_requests_block_repeated_ngrams_and_never_share_a_batch_with_others(engine: AsrEngine) -> None:
    """AMD decodes with asr.amd_no_repeat_ngram_size (3 by default), everything else with asr.no_repeat_ngram_size
    (0); a batch holds one n-gram size (the real-model tests show the block at work)."""
    assert engine.no_repeat_ngram_size(Priority.AMD) == 3
    assert {engine.no_repeat_ngram_size(p) for p in (Priority.DIALOG, Priority.BARGEIN, Priority.SERVICE)} == {0}
    clip = window(read_wav(CLIPS[0]))
    decoder = engine.decoder
    plain = decoder.request(clip)
    blocked = decoder.request(clip, no_repeat_ngram_size=3)
    assert (plain.no_repeat_ngram_size, blocked.no_repeat_ngram_size) == (0, 3)
    assert plain.batch_key != blocked.batch_key
    with pytest.raises(ValueError, match="n-gram"):
        decoder.run([plain, blocked])
    with pytest.raises(ValueError, match="no_repeat_ngram_size"):
        decoder.request(clip, no_repeat_ngram_size=-1)
    before = engine.stats()
    blocker = occupy(engine)
    futures = [engine.submit(clip, priority=Priority.AMD), engine.submit(clip, priority=Priority.DIALOG)]
    assert all(f.result(WAIT) is not None for f in futures)
    blocker.result(WAIT)
    assert engine.stats().batches == before.batches + 3


def test_amd_requests_decode_within_the_amd_token_budget(engine: AsrEngine) -> None:
    """asr.amd_max_tokens_per_s sets the AMD transcript's budget; every other request keeps asr.max_tokens_per_s
    (random weights rarely stop by themselves: an AMD request runs to its smaller budget)."""
    amd_rate = 2.0
    tight = AsrEngine(engine.settings.model_copy(update={"amd_max_tokens_per_s": amd_rate}), engine.model)
    try:
        assert tight.tokens_per_s(Priority.AMD) == amd_rate
        others = (Priority.DIALOG, Priority.BARGEIN, Priority.PARTIAL, Priority.SERVICE)
        assert {tight.tokens_per_s(p) for p in others} == {engine.settings.max_tokens_per_s}
        clip = window(read_wav(CLIPS[0]))
        decoder = tight.decoder
        amd_budget = decoder.token_budget(clip.size, amd_rate)
        assert amd_budget == 13 < decoder.token_budget(clip.size) == 24  # ceil(2.3 x 2) + 8; the fixture's cap
        amd = tight.submit(clip, priority=Priority.AMD).result(WAIT)
        assert amd is not None and 0 < len(amd.tokens) <= amd_budget
        request = decoder.request(clip, no_repeat_ngram_size=3, tokens_per_s=amd_rate)
        assert decoder.run([request])[0].tokens == amd.tokens
        with pytest.raises(ValueError, match="tokens_per_s"):
            decoder.request(clip, tokens_per_s=0.0)
    finally:
        tight.close()


def test_amd_requests_decode_after_the_amd_prompt_and_others_without_it(engine: AsrEngine) -> None:
    """asr.amd_prompt is the context of AMD requests asked without one (<|startofprev|> + its tokens): the AMD
    transcript is what the decoder gives after it; dialog, barge-in, streaming and service requests of the same
    audio decode with the context they were given (none here), as with the prompt off."""
    primed = AsrEngine(engine.settings.model_copy(update={"amd_prompt": PROMPTS[1]}), engine.model)
    try:
        others = (Priority.DIALOG, Priority.BARGEIN, Priority.PARTIAL, Priority.SERVICE)
        assert primed.prompt(Priority.AMD, "") == PROMPTS[1] and engine.prompt(Priority.AMD, "") == ""
        assert [primed.prompt(p, "") for p in others] == [""] * len(others)
        assert primed.prompt(Priority.AMD, PROMPTS[0]) == PROMPTS[0]
        decoder = primed.decoder
        clip = window(read_wav(CLIPS[1]))
        amd_rate = primed.tokens_per_s(Priority.AMD)
        after_prompt = decoder.run([decoder.request(clip, PROMPTS[1], no_repeat_ngram_size=3, tokens_per_s=amd_rate)])
        no_context = decoder.run([decoder.request(clip, no_repeat_ngram_size=3, tokens_per_s=amd_rate)])
        assert after_prompt[0].tokens != no_context[0].tokens, "the prompt must change this clip's decoding"
        amd = primed.submit(clip, priority=Priority.AMD).result(WAIT)
        assert amd is not None and amd.tokens == after_prompt[0].tokens
        off = engine.submit(clip, priority=Priority.AMD).result(WAIT)
        assert off is not None and off.tokens == no_context[0].tokens
        dialog_plain = decoder.run([decoder.request(clip)])[0]
        assert dialog_plain.tokens != decoder.run([decoder.request(clip, PROMPTS[1])])[0].tokens
        dialog = primed.submit(clip, priority=Priority.DIALOG).result(WAIT)
        assert dialog is not None and dialog.tokens == dialog_plain.tokens
    finally:
        primed.close()
    with pytest.raises(ConfigError, match=r"asr\.amd_prompt"):
        AsrEngine(engine.settings.model_copy(update={"amd_prompt": "Allô ?"}), engine.model)


def test_prompts_line_up_the_start_of_transcript(engine: AsrEngine) -> None:
    sot = engine.decoder.tokenizer.sot
    lengths = {engine.decoder.prompt_tokens(p).index(sot) for p in PROMPTS}
    assert len(lengths) == 1
    assert engine.decoder.prompt_tokens("").index(sot) == 0


def test_expired_deadline_drops_without_touching_the_model(engine: AsrEngine) -> None:
    before = engine.stats()
    late = engine.submit(window(read_wav("tts_allo.wav")), priority=Priority.PARTIAL, deadline=time.monotonic() - 0.01)
    assert late.result(WAIT) is None
    after = engine.stats()
    assert after.dropped_deadline == before.dropped_deadline + 1
    assert after.served == before.served


def test_amd_served_before_partial_when_both_wait(engine: AsrEngine) -> None:
    order: list[str] = []
    occupy(engine)
    partial = engine.submit(window(read_wav("tts_allo.wav"), 1.5), priority=Priority.PARTIAL)
    amd = engine.submit(window(read_wav("tts_allo.wav"), 2.3), priority=Priority.AMD)
    partial.add_done_callback(lambda _: order.append("partial"))
    amd.add_done_callback(lambda _: order.append("amd"))
    partial.result(WAIT)
    amd.result(WAIT)
    assert order == ["amd", "partial"]


async def test_event_loop_keeps_ticking_while_inference_runs(engine: AsrEngine) -> None:
    loop_thread = threading.get_ident()
    gaps: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(heartbeat())
    clips = [window(read_wav(name), s) for name in CLIPS for s in (1.0, 2.3)]
    started = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(*(engine.transcribe(c, priority=Priority.DIALOG) for c in clips)), WAIT
    )
    busy = time.perf_counter() - started
    stop.set()
    await ticker
    assert all(r is not None for r in results)
    assert loop_thread not in engine.worker_thread_ids
    assert len(gaps) > 3
    assert max(gaps) < max(0.25, busy / 2)  # inference never held the loop for long


async def test_no_speech_means_no_inference(engine: AsrEngine) -> None:
    before = engine.stats()
    out = await engine.transcribe(np.zeros(16000, np.float32), priority=Priority.AMD, speech_detected=False)
    after = engine.stats()
    assert out is None
    assert after.skipped_no_speech == before.skipped_no_speech + 1
    assert after.submitted == before.submitted


async def test_word_timestamps_stay_inside_the_audio(engine: AsrEngine) -> None:
    clip = window(read_wav("tts_vm_julien.wav"), 2.3)
    result = await engine.decode(clip, priority=Priority.DIALOG, word_timestamps=True)
    assert result is not None and result.tokens
    assert result.words
    for word in result.words:
        assert 0.0 <= word.start <= word.end <= 2.3 + 1e-6
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)


async def test_engine_recognizer_drives_local_agreement(engine: AsrEngine) -> None:
    proc = OnlineAgreement()
    recognizer = EngineRecognizer(engine, priority=Priority.PARTIAL)
    audio = read_wav("tts_vm_julien.wav")
    before = engine.stats().served
    for i in range(3):
        proc.insert_audio_chunk(audio[i * 8000 : (i + 1) * 8000])
        update = await proc.aprocess_iter(recognizer)
        assert all(0 <= w.start <= w.end <= 1.5 + 1e-6 for w in update.partial)
    assert engine.stats().served == before + 3
    final = proc.finish()
    assert proc.buffer_seconds == 0.0
    assert proc.committed[len(proc.committed) - len(final.committed) :] == list(final.committed)


def test_plain_transcribe_baseline_consumes_segments(engine: AsrEngine) -> None:
    text, seconds = engine.plain_transcribe(window(read_wav("tts_allo.wav")))
    assert isinstance(text, str) and seconds > 0


def test_bad_audio_is_refused_with_a_clear_error(engine: AsrEngine) -> None:
    with pytest.raises(ValueError, match="mono"):
        engine.submit(np.zeros((2, 1600), np.float32), priority=Priority.AMD)
    with pytest.raises(ValueError, match="float64"):
        engine.submit(np.zeros(1600, np.float64), priority=Priority.AMD)
    with pytest.raises(ValueError, match="30 s"):
        engine.submit(np.zeros(16000 * 31, np.float32), priority=Priority.AMD)
    with pytest.raises(ValueError, match="empty"):
        engine.submit(np.zeros(0, np.float32), priority=Priority.AMD)


async def test_missing_model_directory_is_a_clear_asr_error(tmp_path: Path) -> None:
    settings = AsrSettings(model=str(tmp_path), local_files_only=True)
    with pytest.raises(AsrError, match=r"asr\.model="):
        await AsrEngine.load(settings)
