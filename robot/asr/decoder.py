"""Whisper on CTranslate2 directly: short-audio features (not padded to 30 s), batched encode + greedy/beam
generate, token decoding and optional word times from cross-attention alignment.

Everything here runs in the inference worker thread. The only part meant for the event loop is
`WhisperBatchDecoder.request()`, which tokenizes the previous-text prompt (microseconds) and computes the batch key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from robot.asr.guard import is_loop
from robot.events import Word
from robot.settings import AsrSettings

SAMPLE_RATE = 16000
HOP = 160  # samples per mel frame
MAX_FRAMES = 3000  # Whisper's encoder window: 30 s
TOKENS_PER_SECOND = 50  # encoder positions per second (stride 2 over 100 frames/s)
DECODER_POSITIONS = 448  # Whisper's text context: prompt + generated tokens

AudioArray = npt.NDArray[np.float32]
BatchKey = tuple[int, int, int]  # prompt length, beam size, no-repeat n-gram size


@dataclass(frozen=True, slots=True)
class DecodeRequest:
    """One window of audio to recognise; `prompt` is the full decoder prompt (context + SOT sequence)."""

    audio: AudioArray
    prompt: tuple[int, ...]
    padded_frames: int
    word_timestamps: bool = False
    beam_size: int = 1
    no_repeat_ngram_size: int = 0  # n-grams of this many tokens never repeat in the first pass (0 = off)
    tokens_per_s: float | None = None  # decoding budget per second of audio (None: asr.max_tokens_per_s)

    @property
    def batch_key(self) -> BatchKey:
        """Requests decode together only with prompts of one length (CTranslate2 wants <|startoftranscript|> at one
        index), one beam size and one n-gram block (one generate call); their encoder inputs are padded to the
        batch's longest (`WhisperBatchDecoder.run`)."""
        return len(self.prompt), self.beam_size, self.no_repeat_ngram_size


@dataclass(frozen=True, slots=True)
class DecodeResult:
    tokens: tuple[int, ...]
    text: str
    no_speech_prob: float
    score: float  # CTranslate2's length-normalised log probability of the hypothesis
    words: tuple[Word, ...] = ()
    samples: int = 0  # length of the audio recognised (a refreshed request's newest window)


def as_float_audio(audio: npt.NDArray[Any], where: str = "audio") -> AudioArray:
    """Validate 16 kHz mono audio (float32 in [-1, 1] or int16 PCM) and return it as float32."""
    if audio.ndim != 1:
        raise ValueError(f"{where}: expected mono 1-D samples, got shape {audio.shape}")
    if audio.dtype == np.int16:
        return (audio.astype(np.float32) / 32768.0).astype(np.float32)
    if audio.dtype != np.float32:
        raise ValueError(f"{where}: expected float32 or int16 samples, got {audio.dtype}")
    return audio


def padded_frames(n_samples: int, pad_multiple_s: float, min_input_s: float = 0.0, min_tail_s: float = 0.0) -> int:
    """Encoder input length for `n_samples`: at least `min_input_s`, and at least `min_tail_s` of zero padding after
    the content, rounded up to the padding step (even, <= 3000)."""
    step = max(2, round(pad_multiple_s * SAMPLE_RATE / HOP))
    step += step % 2
    content = math.ceil(n_samples / HOP)
    frames = max(1, content + round(min_tail_s * SAMPLE_RATE / HOP), round(min_input_s * SAMPLE_RATE / HOP))
    return min(MAX_FRAMES, math.ceil(frames / step) * step)


def generation_length(prompt_length: int, budget: int) -> int:
    """CTranslate2 Whisper's `max_length` for up to `budget` text tokens after a prompt of `prompt_length` tokens.
    Measured on ctranslate2 4.x: a hypothesis that does not stop by itself holds
    min(max_length - prompt_length + 1, max_length // 2) text tokens, so `prompt_length + budget` cut every request
    to about half its budget (tests/integration/test_asr_real_model.py). The budget is clamped to the decoder's
    448 positions."""
    budget = max(1, min(budget, DECODER_POSITIONS - prompt_length))
    return max(2 * budget, budget + prompt_length - 1)


def token_budget(n_samples: int, settings: AsrSettings, tokens_per_s: float | None = None) -> int:
    """New tokens allowed for `n_samples` of audio content: it follows the audio length (a long answer is never
    cut), so a decoding loop stops early on a short window. `tokens_per_s` defaults to asr.max_tokens_per_s."""
    rate = settings.max_tokens_per_s if tokens_per_s is None else tokens_per_s
    per_audio = math.ceil(n_samples / SAMPLE_RATE * rate) + settings.min_new_tokens
    return max(1, min(settings.max_new_tokens, per_audio))


class WhisperBatchDecoder:
    """Turns DecodeRequests into DecodeResults, many at a time, on a loaded faster-whisper model."""

    def __init__(self, model: WhisperModel, settings: AsrSettings) -> None:
        self.model = model
        self.settings = settings
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=settings.language
        )
        self._sot = list(self.tokenizer.sot_sequence)
        self._suppress = list(get_suppressed_tokens(self.tokenizer, [-1]) or [])
        self._features = model.feature_extractor
        if self._features.sampling_rate != SAMPLE_RATE or self._features.hop_length != HOP:
            raise ValueError("model feature extractor must be 16 kHz with a 160-sample hop")

    def prompt_tokens(self, previous_text: str) -> tuple[int, ...]:
        """Decoder prompt: optional <|startofprev|> + the last context tokens (trimmed to a bucket multiple so
        different calls line <|startoftranscript|> up at the same index) + SOT, language, task, no-timestamps."""
        prompt: list[int] = []
        keep = 0
        if previous_text.strip() and self.settings.prompt_max_tokens > 0:
            context = self.tokenizer.encode(" " + previous_text.strip())
            keep = min(len(context), self.settings.prompt_max_tokens)
            keep -= keep % self.settings.prompt_bucket_tokens
            if keep > 0:
                prompt = [self.tokenizer.sot_prev, *context[-keep:]]
        return (*prompt, *self._sot, self.tokenizer.no_timestamps)

    def request(
        self,
        audio: AudioArray,
        previous_text: str = "",
        *,
        word_timestamps: bool = False,
        beam_size: int | None = None,
        no_repeat_ngram_size: int | None = None,
        tokens_per_s: float | None = None,
    ) -> DecodeRequest:
        """A request for `audio`; `beam_size` defaults to `asr.beam_size`, `no_repeat_ngram_size` to
        `asr.no_repeat_ngram_size`, `tokens_per_s` (its decoding budget) to `asr.max_tokens_per_s`."""
        if audio.size == 0:
            raise ValueError("audio is empty")
        if audio.size > MAX_FRAMES * HOP:
            raise ValueError(f"audio is {audio.size / SAMPLE_RATE:.2f} s long; windows are limited to 30 s")
        s = self.settings
        frames = padded_frames(audio.size, s.pad_multiple_s, s.min_input_s, s.min_tail_s)
        beam = s.beam_size if beam_size is None else beam_size
        if beam < 1:
            raise ValueError(f"beam_size must be >= 1, got {beam}")
        ngram = s.no_repeat_ngram_size if no_repeat_ngram_size is None else no_repeat_ngram_size
        if ngram < 0:
            raise ValueError(f"no_repeat_ngram_size must be >= 0, got {ngram}")
        if tokens_per_s is not None and not tokens_per_s > 0:
            raise ValueError(f"tokens_per_s must be > 0, got {tokens_per_s}")
        prompt = self.prompt_tokens(previous_text)
        return DecodeRequest(audio, prompt, frames, word_timestamps, beam, ngram, tokens_per_s)

    def token_budget(self, n_samples: int, tokens_per_s: float | None = None) -> int:
        return token_budget(n_samples, self.settings, tokens_per_s)

    def features(self, request: DecodeRequest, frames: int | None = None) -> npt.NDArray[np.float32]:
        """Log-mel of the audio zero-padded to `frames` (default `padded_frames`; as faster-whisper does for 30 s,
        but shorter)."""
        frames = request.padded_frames if frames is None else frames
        if frames < request.padded_frames:
            raise ValueError(f"cannot pad a request of {request.padded_frames} frames to {frames}")
        audio = np.pad(request.audio, (0, max(0, frames * HOP - request.audio.size)))
        mel: npt.NDArray[np.float32] = self._features(audio, padding=HOP)
        return mel[:, :frames]

    def run(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        """Decode requests whose prompts have one length in one encode + one generate call: every encoder input is
        padded to the longest `padded_frames` of the batch, and each request's tokens are cut to its own budget,
        so a request's result is the one it gets alone at that padding."""
        if len({r.batch_key for r in requests}) != 1:
            raise ValueError("a batch must share one prompt length, one beam size and one no-repeat n-gram size")
        beam, ngram = requests[0].beam_size, requests[0].no_repeat_ngram_size
        frames = max(r.padded_frames for r in requests)
        mels = np.stack([self.features(r, frames) for r in requests])
        # on a GPU, keep the encoder output on the host when some requests need alignment, so that it can be sliced
        to_cpu = self.model.model.device != "cpu" and any(r.word_timestamps for r in requests)
        encoder_output = self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(mels)), to_cpu=to_cpu
        )
        prompts = [list(r.prompt) for r in requests]
        budgets = [self.token_budget(r.audio.size, r.tokens_per_s) for r in requests]
        generated = self._generate(encoder_output, prompts, max(budgets), beam, ngram)
        tokens = [self._tokens(g, own) for g, own in zip(generated, budgets, strict=True)]
        scores = [float(g.scores[0]) if g.scores else 0.0 for g in generated]
        if self.settings.loop_retry and ngram == 0:  # a first pass that blocked n-grams is not decoded again
            self._retry_loops(mels, prompts, budgets, tokens, scores, beam)
        words: dict[int, tuple[Word, ...]] = {}
        wanted = [i for i, r in enumerate(requests) if r.word_timestamps and tokens[i]]
        if wanted:
            words = self._align(encoder_output, requests, frames, tokens, wanted)
        return [
            DecodeResult(
                tokens=tokens[i],
                text=self.tokenizer.decode(list(tokens[i])).strip(),
                no_speech_prob=float(g.no_speech_prob),
                score=scores[i],
                words=words.get(i, ()),
                samples=requests[i].audio.size,
            )
            for i, g in enumerate(generated)
        ]

    def _tokens(self, generated: Any, budget: int) -> tuple[int, ...]:
        """The text tokens among the first `budget` tokens of a hypothesis (greedy decoding is causal: a request
        sharing a batch with a longer one gets the first tokens it would get alone; a beam search can only differ
        from the one it runs alone when it runs up to the request's own budget, i.e. on a loop)."""
        return tuple(int(t) for t in generated.sequences_ids[0][:budget] if t < self.tokenizer.eot)

    def _generate(
        self,
        features: Any,
        prompts: list[list[int]],
        budget: int,
        beam_size: int,
        no_repeat_ngram_size: int,
        *,
        anti_loop: bool = False,
    ) -> list[Any]:
        s = self.settings
        result: list[Any] = self.model.model.generate(
            features,
            prompts,
            beam_size=beam_size,
            max_length=generation_length(len(prompts[0]), budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            no_repeat_ngram_size=max(3, no_repeat_ngram_size) if anti_loop else no_repeat_ngram_size,
            repetition_penalty=max(1.2, s.repetition_penalty) if anti_loop else s.repetition_penalty,
        )
        return result

    def _retry_loops(
        self,
        mels: npt.NDArray[np.float32],
        prompts: list[list[int]],
        budgets: list[int],
        tokens: list[tuple[int, ...]],
        scores: list[float],
        beam_size: int,
    ) -> None:
        """Decode again, with n-gram blocking, the requests whose text loops (in place; rare once padded)."""
        looping = [
            i
            for i, t in enumerate(tokens)
            if t and is_loop(self.tokenizer.decode(list(t)), compression_ratio_max=self.settings.compression_ratio_max)
        ]
        if not looping:
            return
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mels[looping]))
        budget = max(budgets[i] for i in looping)
        again = self._generate(features, [prompts[i] for i in looping], budget, beam_size, 0, anti_loop=True)
        for i, g in zip(looping, again, strict=True):
            tokens[i] = self._tokens(g, budgets[i])
            scores[i] = float(g.scores[0]) if g.scores else 0.0

    def _align(
        self,
        encoder_output: Any,
        requests: Sequence[DecodeRequest],
        frames: int,
        tokens: Sequence[tuple[int, ...]],
        wanted: list[int],
    ) -> dict[int, tuple[Word, ...]]:
        if len(wanted) != len(requests):
            encoder_output = ctranslate2.StorageView.from_array(
                np.ascontiguousarray(np.asarray(encoder_output)[wanted])
            )
        content_frames = [min(frames, math.ceil(requests[i].audio.size / HOP)) for i in wanted]
        alignments = self.model.model.align(
            encoder_output, self._sot, [list(tokens[i]) for i in wanted], content_frames, median_filter_width=7
        )
        return {
            i: self._words(list(tokens[i]), a.alignments, a.text_token_probs, requests[i].audio.size / SAMPLE_RATE)
            for i, a in zip(wanted, alignments, strict=True)
        }

    def _words(
        self,
        tokens: list[int],
        alignments: Sequence[tuple[int, int]],
        token_probs: Sequence[float],
        duration: float,
    ) -> tuple[Word, ...]:
        """Word start/end = times where the alignment path first reaches the word's first token / the next word."""
        texts, groups = self.tokenizer.split_to_word_tokens([*tokens, self.tokenizer.eot])
        if len(groups) <= 1 or not alignments:
            return ()
        first_time: dict[int, float] = {}
        for text_index, time_index in alignments:
            first_time.setdefault(int(text_index), int(time_index) / TOKENS_PER_SECOND)
        words: list[Word] = []
        position = 0
        last = 0.0
        for text, group in zip(texts[:-1], groups[:-1], strict=True):
            start = first_time.get(position, last)
            end = first_time.get(position + len(group), start)
            probs = token_probs[position : position + len(group)]
            position += len(group)
            start, end = min(start, duration), min(max(end, start), duration)
            last = end
            if text.strip():
                words.append(
                    Word(text.strip(), round(start, 3), round(end, 3), float(np.mean(probs)) if probs else 0.0)
                )
        return tuple(words)
