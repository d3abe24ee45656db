"""The ASR engine: one faster-whisper model (`asr.workers` replicas of `asr.cpu_threads` threads each) behind a
bounded, prioritised queue served by one batching worker thread per replica.

Use `await AsrEngine.load(settings)` on the event loop (the model loads in a thread), then
`await engine.transcribe(audio, priority=Priority.AMD)`. Requests from many calls that wait at the same time
are decoded together in one CTranslate2 encode + generate (see robot.asr.scheduler): those whose prompts have one
length, their encoder inputs padded to the longest (asr.batch_pad_max_s at most), streaming and turn requests
waiting asr.batch_gather_ms for the other calls' requests. The event loop only
awaits futures; features, encoder, decoder and alignment all run in the worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy.typing as npt
from faster_whisper import WhisperModel

from robot.asr.decoder import (
    HOP,
    SAMPLE_RATE,
    BatchKey,
    DecodeRequest,
    DecodeResult,
    WhisperBatchDecoder,
    as_float_audio,
)
from robot.asr.guard import collapse_loops, rejection_reason
from robot.asr.scheduler import BatchScheduler, Job, SchedulerStats
from robot.clock import Clock, SystemClock
from robot.errors import AsrError, ConfigError
from robot.events import Transcript
from robot.settings import AsrSettings

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower is served first. AMD and BARGEIN requests are never refused when the queue is full."""

    BARGEIN = 0
    AMD = 1
    DIALOG = 2
    PARTIAL = 3
    SERVICE = 4  # clients of the streaming recognition service (robot asr serve): after every call's traffic


@dataclass(frozen=True, slots=True)
class AsrStats:
    queue_depth: int
    submitted: int
    served: int
    batches: int
    p50_batch_size: float
    max_batch_size: int
    dropped_deadline: int
    refused_full: int
    skipped_no_speech: int
    guard_rejected: int
    failed: int
    busy_s: float


def load_whisper(settings: AsrSettings) -> WhisperModel:
    """Load the model named or located by `settings.model` (blocking: call it off the event loop)."""
    path = Path(settings.model).expanduser()
    source = str(path) if path.is_dir() else settings.model
    try:
        return WhisperModel(
            source,
            device=settings.device,
            compute_type=settings.compute_type,
            cpu_threads=settings.cpu_threads,
            # one model replica per worker thread (urgent ones included), so workers decode in parallel
            num_workers=settings.workers + settings.urgent_workers,
            download_root=str(settings.download_root) if settings.download_root else None,
            local_files_only=settings.local_files_only,
        )
    except (OSError, RuntimeError, ValueError) as err:
        raise AsrError(f"asr.model={settings.model!r}: cannot load the Whisper model: {err}") from err


class AsrEngine:
    """Shared by every call of the process. Thread-safe; `close()` stops the worker."""

    def __init__(self, settings: AsrSettings, model: WhisperModel, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.model = model
        self.clock: Clock = clock or SystemClock()
        self.decoder = WhisperBatchDecoder(model, settings)
        amd_context = self.decoder.prompt_tokens(settings.amd_prompt)
        if settings.amd_prompt.strip() and amd_context[0] != self.decoder.tokenizer.sot_prev:
            raise ConfigError(
                f"asr.amd_prompt: {settings.amd_prompt!r} gives the decoder no context: it is shorter than "
                f"asr.prompt_bucket_tokens={settings.prompt_bucket_tokens} tokens or asr.prompt_max_tokens is 0"
            )
        self._scheduler: BatchScheduler[DecodeRequest, DecodeResult] = BatchScheduler(
            self.decoder.run,
            max_batch=settings.max_batch,
            queue_max=settings.queue_max,
            workers=settings.workers,
            urgent_workers=settings.urgent_workers,
            urgent_priority=int(Priority.AMD),
            size_slack=round(settings.batch_pad_max_s * SAMPLE_RATE / HOP),
            gather_s=settings.batch_gather_ms / 1000,
            clock=self.clock,
        )
        self._skipped_no_speech = 0
        self._guard_rejected = 0

    @classmethod
    async def load(cls, settings: AsrSettings, *, clock: Clock | None = None) -> AsrEngine:
        """Load the model in a thread so the event loop keeps running."""
        model = await asyncio.to_thread(load_whisper, settings)
        return cls(settings, model, clock=clock)

    @classmethod
    def load_sync(cls, settings: AsrSettings, *, clock: Clock | None = None) -> AsrEngine:
        """For CLIs and benchmarks without an event loop."""
        return cls(settings, load_whisper(settings), clock=clock)

    @property
    def worker_thread_ids(self) -> frozenset[int]:
        return frozenset(self._scheduler.worker_idents)

    def beam_size(self, priority: Priority) -> int:
        """The AMD transcript decodes with `asr.amd_beam_size`; everything else (dialog, streaming, barge-in,
        service) with `asr.beam_size`. Requests of different beam sizes never share a batch."""
        return self.settings.amd_beam_size if priority == Priority.AMD else self.settings.beam_size

    def no_repeat_ngram_size(self, priority: Priority) -> int:
        """The AMD transcript blocks repeated n-grams of `asr.amd_no_repeat_ngram_size` tokens in its only pass (a
        loop never costs a second decode while a call waits for its verdict); everything else uses
        `asr.no_repeat_ngram_size` (a caller may repeat a phone number's digits). Never in one batch together."""
        return (
            self.settings.amd_no_repeat_ngram_size if priority == Priority.AMD else self.settings.no_repeat_ngram_size
        )

    def tokens_per_s(self, priority: Priority) -> float:
        """The AMD transcript's decoding budget follows `asr.amd_max_tokens_per_s` (its words decide a verdict
        that a call waits for; a garbled window otherwise decodes up to the dialog budget); everything else
        `asr.max_tokens_per_s`."""
        return self.settings.amd_max_tokens_per_s if priority == Priority.AMD else self.settings.max_tokens_per_s

    def prompt(self, priority: Priority, prompt: str) -> str:
        """An AMD request asked without context decodes after `asr.amd_prompt` (vocabulary of greetings,
        voicemails and carrier announcements; '' = none); every other request keeps the context it was given."""
        return self.settings.amd_prompt if priority == Priority.AMD and not prompt else prompt

    def _request(
        self, audio: npt.NDArray[Any], prompt: str, priority: Priority, word_timestamps: bool
    ) -> DecodeRequest:
        return self.decoder.request(
            as_float_audio(audio),
            self.prompt(priority, prompt),
            word_timestamps=word_timestamps,
            beam_size=self.beam_size(priority),
            no_repeat_ngram_size=self.no_repeat_ngram_size(priority),
            tokens_per_s=self.tokens_per_s(priority),
        )

    def submit(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> Future[DecodeResult | None]:
        """Queue one window; the future resolves to the raw result, or None if refused (queue full) or dropped
        (deadline, a `clock.monotonic()` value, passed before its turn). Usable from any thread."""
        return self._submit(self._request(audio, prompt, priority, word_timestamps), priority, deadline)

    def submit_latest(
        self,
        source: Callable[[], tuple[npt.NDArray[Any], str]],
        *,
        priority: Priority,
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> Future[DecodeResult | None]:
        """Like `submit`, but the window is `source()` -> (audio, prompt) as it is each time batches are formed
        while the request waits (called here first, then in the worker thread: it must only read a snapshot, e.g.
        a numpy array the owner replaces rather than mutates). A streaming iteration that waited for the engine
        thus decodes the newest audio; `DecodeResult.samples` says how much of it."""

        def refresh() -> tuple[DecodeRequest, BatchKey, int]:
            audio, prompt = source()
            request = self._request(audio, prompt, priority, word_timestamps)
            return request, request.batch_key, request.padded_frames

        return self._submit(refresh()[0], priority, deadline, refresh)

    def _submit(
        self,
        request: DecodeRequest,
        priority: Priority,
        deadline: float | None,
        refresh: Callable[[], tuple[DecodeRequest, BatchKey, int]] | None = None,
    ) -> Future[DecodeResult | None]:
        job: Job[DecodeRequest, DecodeResult] = Job(
            payload=request,
            priority=int(priority),
            batch_key=request.batch_key,
            deadline=deadline,
            refusable=priority >= Priority.DIALOG,
            size=request.padded_frames,
            patient=priority >= Priority.DIALOG,
            refresh=refresh,
        )
        self._scheduler.submit(job)
        return job.future

    async def decode(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> DecodeResult | None:
        """Like `transcribe` but returns tokens and scores, without the guard."""
        future = self.submit(
            audio, priority=priority, prompt=prompt, deadline=deadline, word_timestamps=word_timestamps
        )
        return await asyncio.wrap_future(future)

    async def transcribe(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
    ) -> Transcript | None:
        """Recognise 16 kHz mono audio (float32 or int16). None when `speech_detected` is False (the model is not
        touched), when the queue refused a low-priority request, or when `deadline` passed before its turn.
        Text the guard rejects (hallucination, no_speech_prob too high) comes back as an empty Transcript."""
        if not speech_detected:
            self._skipped_no_speech += 1
            return None
        result = await self.decode(
            audio, priority=priority, prompt=prompt, deadline=deadline, word_timestamps=word_timestamps
        )
        return None if result is None else self._to_transcript(result)

    async def transcribe_latest(
        self,
        source: Callable[[], tuple[npt.NDArray[Any], str]],
        *,
        priority: Priority,
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> tuple[Transcript, int] | None:
        """`transcribe` of the newest window `source()` gives when the request's batch starts (see `submit_latest`):
        the transcript and the number of samples it covers; None when refused or dropped."""
        future = self.submit_latest(source, priority=priority, deadline=deadline, word_timestamps=word_timestamps)
        result = await asyncio.wrap_future(future)
        return None if result is None else (self._to_transcript(result), result.samples)

    def transcribe_sync(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority = Priority.DIALOG,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
        timeout: float | None = None,
    ) -> Transcript | None:
        """Blocking variant for CLIs and benchmarks (never call it on the event loop)."""
        if not speech_detected:
            self._skipped_no_speech += 1
            return None
        future = self.submit(
            audio, priority=priority, prompt=prompt, deadline=deadline, word_timestamps=word_timestamps
        )
        result = future.result(timeout)
        return None if result is None else self._to_transcript(result)

    def plain_transcribe(self, audio: npt.NDArray[Any], *, same_budget: bool = True) -> tuple[str, float]:
        """Baseline for benchmarks: faster-whisper's own `transcribe` (audio padded to 30 s, language fr, beam 1,
        no VAD), its lazy segments fully consumed here. Returns (text, seconds). Blocking: call it in a thread.

        `same_budget` gives it the fast path's decoding budget (max_new_tokens, temperature 0 without fallback,
        no timestamps, no previous-text conditioning) so that only the padding and the call path differ; without
        it, a model that loops (such as the random-weight test model) decodes 448 tokens at six temperatures."""
        samples = as_float_audio(audio)
        budget: dict[str, Any] = (
            {
                "max_new_tokens": self.settings.max_new_tokens,
                "temperature": 0.0,
                "without_timestamps": True,
                "condition_on_previous_text": False,
            }
            if same_budget
            else {}
        )
        started = time.perf_counter()
        segments, _info = self.model.transcribe(
            samples, language=self.settings.language, beam_size=1, vad_filter=False, **budget
        )
        text = " ".join(segment.text.strip() for segment in segments)
        return text.strip(), time.perf_counter() - started

    def stats(self) -> AsrStats:
        s: SchedulerStats = self._scheduler.stats()
        return AsrStats(
            queue_depth=s.queue_depth,
            submitted=s.submitted,
            served=s.served,
            batches=s.batches,
            p50_batch_size=s.p50_batch_size,
            max_batch_size=s.max_batch_size,
            dropped_deadline=s.dropped_deadline,
            refused_full=s.refused_full,
            skipped_no_speech=self._skipped_no_speech,
            guard_rejected=self._guard_rejected,
            failed=s.failed,
            busy_s=s.busy_s,
        )

    def close(self) -> None:
        self._scheduler.close()

    def _to_transcript(self, result: DecodeResult) -> Transcript:
        reason = rejection_reason(
            result.text,
            result.no_speech_prob,
            no_speech_prob_max=self.settings.no_speech_prob_max,
            avg_logprob=result.score,
            logprob_min=self.settings.logprob_min,
        )
        if reason is not None:
            self._guard_rejected += 1
            log.debug("ASR text discarded (%s)", reason)
            return Transcript(text="", words=(), committed=True, no_speech_prob=result.no_speech_prob)
        text = collapse_loops(result.text)
        return Transcript(text=text, words=result.words, committed=True, no_speech_prob=result.no_speech_prob)
