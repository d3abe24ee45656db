"""AMD for one call (async glue): audio chunks -> VAD + tones -> classifier -> ASR once -> AmdVerdict.

VAD (onnx) and tone detection run in the process's audio-analysis worker (robot.media.analysis: one thread for
every call, the frames that arrived since its last pass analysed together), the ASR in the engine's worker
(Priority.AMD): the event loop only awaits. Results stay per frame, so a batch decides exactly as frame by frame
would; the frames of a batch after the deciding one go back to the stream for what follows (voicemail, dialog).

The classifier says when to ask for a transcript (at most amd.max_asr_requests per call): early, when the first
greeting ends or speech goes on, so that words are there at the decision point, and at a decision point if speech
came after that; only if someone spoke. A beep or SIT that arrives while it runs decides at once and the
ASR result is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from robot.amd.classifier import AmdClassifier
from robot.amd.keywords import KeywordSet
from robot.amd.tones import ToneDetector
from robot.asr.engine import Priority
from robot.asr.vad import StreamingVad, VadModel
from robot.asr.vad_gate import LevelGate
from robot.clock import Clock
from robot.events import AmdVerdict, SpeechEnded, SpeechStarted, ToneDetected, Transcript
from robot.media.analysis import AnalysedStream, AnalysisWorker
from robot.media.audio import TARGET_RATE, AudioChunk, read_wav_16k
from robot.settings import Settings

Int16Array = npt.NDArray[np.int16]
CHUNK_S = 0.02  # mod_audio_stream frames
ASR_LEAD_S = 0.3  # audio kept before the first speech onset when transcribing


class ToneSource(Protocol):
    def process(self, samples: Int16Array) -> list[ToneDetected]: ...

    def process_many(self, chunks: Sequence[Int16Array]) -> list[tuple[list[ToneDetected], float | None]]:
        """Consecutive chunks at once: for each, its tones and `sounding_since` after it (as `process` would)."""
        ...

    def flush(self) -> list[ToneDetected]: ...

    @property
    def sounding_since(self) -> float | None: ...


ToneFactory = Callable[[], ToneSource]
FrameAnalysis = tuple[list[SpeechStarted | SpeechEnded], list[ToneDetected], float | None, float]


@dataclass(frozen=True, slots=True)
class AmdTiming:
    """Where the time went: `decided_at` is audio seconds after answer; compute figures are clock seconds."""

    decided_at: float
    asr_started_at: float | None  # audio time when the first transcript was asked
    asr_compute_s: float | None  # clock time the slowest transcript took
    analysis_s: float  # clock time spent in VAD + tone detection
    audio_s: float  # audio consumed
    asr_requests: int = 0  # transcripts asked (see amd.max_asr_requests)


@dataclass(frozen=True, slots=True)
class AmdFileResult:
    verdict: AmdVerdict
    transcript: str
    timing: AmdTiming


def amd_vad(settings: Settings, model: VadModel) -> StreamingVad:
    """The VAD AMD listens with: amd.vad_threshold, amd.vad_min_silence_ms, and the energy assist when
    amd.vad_assist is on."""
    amd = settings.amd
    gate = LevelGate(
        min_probability=amd.vad_assist_probability,
        margin_db=amd.vad_assist_margin_db,
        voice_probability=amd.vad_assist_voice_probability,
        voice_min_ms=amd.vad_assist_voice_min_ms,
    )
    vad_settings = settings.vad.model_copy(
        update={"threshold": amd.vad_threshold, "min_silence_ms": amd.vad_min_silence_ms}
    )
    return StreamingVad(vad_settings, model, gate=gate if amd.vad_assist else None)


def chunks_of(samples: Int16Array, chunk_s: float = CHUNK_S) -> Iterator[AudioChunk]:
    """Split a 16 kHz recording into mod_audio_stream-sized chunks."""
    size = round(chunk_s * TARGET_RATE)
    for start in range(0, samples.size, size):
        yield AudioChunk(samples[start : start + size], start / TARGET_RATE)


class ProbePlayer(Protocol):
    """Plays amd.probe_prompt to the callee (robot.calls.session): `duration_s` is how long it lasts."""

    duration_s: float

    def start(self) -> None:
        """Start the playback and return at once (the player owns the command and its errors)."""
        ...


class AmdTranscriber(Protocol):
    """What AMD needs of the ASR: robot.asr.engine.AsrEngine, or robot.amd.tuning.TranscriptCache in front of it."""

    async def transcribe(self, audio: npt.NDArray[np.int16], *, priority: Priority) -> Transcript | None: ...


class AmdDetector:
    """Runs AMD on one call's audio at a time (create one per call, or reuse it sequentially)."""

    def __init__(
        self,
        settings: Settings,
        engine: AmdTranscriber | None,
        vad_model: VadModel,
        keywords: KeywordSet | None,
        clock: Clock,
        *,
        tones: ToneFactory | None = None,
        executor: Executor | None = None,
        worker: AnalysisWorker | None = None,
    ) -> None:
        """`worker`: the process's audio-analysis worker (without one, each run starts and joins its own thread);
        `executor`: where detect_file reads its WAV."""
        self.settings = settings
        self.engine = engine
        self.vad_model = vad_model
        self.keywords = keywords
        self.clock = clock
        self._tones: ToneFactory = tones or (lambda: ToneDetector(TARGET_RATE, settings.amd))
        self._executor = executor
        self._worker = worker
        self.last_timing: AmdTiming | None = None
        self.keep_audio = False  # set it to get `heard` after run (amd.capture_dir)
        self.heard: Int16Array | None = None  # with keep_audio: the audio read until the verdict, 16 kHz
        self.probe_at: float | None = None  # audio time the last run played amd.probe_prompt (None: it did not)

    async def run(
        self,
        chunks: AsyncIterator[AudioChunk],
        *,
        realtime: bool = True,
        asr_latency_s: float | None = None,
        probe: ProbePlayer | None = None,
    ) -> AmdVerdict:
        """Decide on a live stream (t = 0 at answer): the transcript is used at the first frame after it is ready.

        `realtime=False` (files, read faster than real time): audio time is a virtual clock. The ASR runs to the end
        where it is asked, and its transcript reaches the decision `asr_latency_s` of AUDIO later (default
        amd.file_asr_latency_ms), after the frames in between were analysed, as on a live call whose ASR took that
        long. The verdict never uses audio not yet read and does not depend on this machine's speed.

        `probe`: the call can play amd.probe_prompt (robot/amd/probe.py); it is started, without waiting for it, when
        nobody has spoken amd.probe_after_ms after the answer."""
        use_asr = self.engine is not None and self.settings.amd.use_asr and self.keywords is not None
        clf = AmdClassifier(self.settings.amd, self.keywords, use_asr=use_asr)
        if probe is not None:
            clf.enable_probe(probe.duration_s)
        self.probe_at = None
        vad = amd_vad(self.settings, self.vad_model)
        tones = self._tones()
        latency = self.settings.amd.file_asr_latency_ms / 1000.0 if asr_latency_s is None else asr_latency_s
        kept: list[Int16Array] = []
        now = 0.0
        analysis_s = 0.0
        asked: list[float] = []  # audio times of the transcript requests
        computes: list[float] = []  # clock seconds each took
        task: asyncio.Task[Transcript | None] | None = None  # the request in flight
        clock0 = 0.0

        def analyse(batch: list[Int16Array]) -> list[FrameAnalysis]:  # in the worker thread
            started = self.clock.monotonic()
            speech = vad.process_many(batch)  # one VAD model run, one FFT call for the whole batch
            found = tones.process_many(batch)
            spent = (self.clock.monotonic() - started) / len(batch)  # the batch's time, shared by its frames
            return [(events, *tone, spent) for events, tone in zip(speech, found, strict=True)]

        def done(verdict: AmdVerdict) -> AmdVerdict:
            if self.keep_audio:
                self.heard = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16)
            first = asked[0] if asked else None
            slowest = max(computes) if computes else None
            self.last_timing = AmdTiming(verdict.decided_at, first, slowest, analysis_s, now, len(asked))
            return verdict

        def ask() -> asyncio.Task[Transcript | None]:
            nonlocal clock0
            audio = self._asr_audio(kept, clf.features(now).first_onset)
            asked.append(now)
            clf.on_asked(now)
            clock0 = self.clock.monotonic()
            return asyncio.create_task(self._transcribe(audio), name="amd-asr")

        def deliverable(pending: asyncio.Task[Transcript | None]) -> bool:
            if not pending.done():
                return False
            return realtime or now + 1e-9 >= asked[-1] + latency

        worker = self._worker or AnalysisWorker(clock=self.clock)
        analysed = AnalysedStream(chunks, worker.lane(batch=analyse))
        try:
            async for chunk, (speech, found, sounding, spent) in analysed:
                now = chunk.end
                kept.append(chunk.samples)
                analysis_s += spent
                for event in speech:
                    clf.on_speech(event)
                for tone in found:
                    clf.on_tone(tone)
                clf.on_tone_sounding(sounding)
                if task is not None and deliverable(task):
                    if realtime:
                        computes.append(self.clock.monotonic() - clock0)
                    clf.on_transcript(task.result())
                    task = None
                verdict = clf.poll(now)
                if verdict is not None:
                    return done(verdict)
                if probe is not None and clf.needs_probe(now):
                    clf.on_probe(now)
                    self.probe_at = now
                    probe.start()
                if task is None and clf.needs_transcript(now):
                    task = ask()
                    if not realtime:  # compute now; the transcript is delivered `latency` of audio later
                        await asyncio.wait({task})
                        computes.append(self.clock.monotonic() - clock0)
            for event in vad.flush():
                clf.on_speech(event)
            for tone in tones.flush():
                clf.on_tone(tone)
            clf.on_tone_sounding(None)
            # the audio ended (the caller hung up, or the file ended): use what the ASR gives
            if task is None and clf.needs_transcript(now):
                task = ask()
            if task is not None:
                transcript = await task
                if realtime or len(computes) < len(asked):
                    computes.append(self.clock.monotonic() - clock0)
                clf.on_transcript(transcript)
                task = None
            return done(clf.poll(now) or clf.finish(now))
        finally:
            analysed.close()  # frames read past the decision go back to the stream
            if self._worker is None:
                worker.close()
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _transcribe(self, audio: Int16Array) -> Transcript | None:
        if self.engine is None:
            return None
        return await self.engine.transcribe(audio, priority=Priority.AMD)

    @staticmethod
    def _asr_audio(kept: list[Int16Array], first_onset: float | None) -> Int16Array:
        audio = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16)
        if first_onset is not None:
            start = max(0, int((first_onset - ASR_LEAD_S) * TARGET_RATE))
            audio = audio[start:]
        return audio

    async def detect_file(self, path: Path, *, asr_latency_s: float | None = None) -> AmdFileResult:
        """AMD on a WAV file of any rate (resampled to 16 kHz); t = 0 is the file's first sample. Audio time is
        virtual (see `run`): the same file gives the same verdict and decision time on any machine."""
        loop = asyncio.get_running_loop()
        samples = await loop.run_in_executor(self._executor, read_wav_16k, path)
        verdict = await self.run(RecordedChunks(chunks_of(samples)), realtime=False, asr_latency_s=asr_latency_s)
        timing = self.last_timing or AmdTiming(verdict.decided_at, None, None, 0.0, samples.size / TARGET_RATE)
        return AmdFileResult(verdict, verdict.transcript, timing)


class RecordedChunks:
    """A recording's chunks as a stream that hands out what is waiting in batches (robot.media.analysis.Backlog)."""

    def __init__(self, chunks: Iterator[AudioChunk]) -> None:
        self._chunks = deque(chunks)

    def __aiter__(self) -> RecordedChunks:
        return self

    async def __anext__(self) -> AudioChunk:
        if not self._chunks:
            raise StopAsyncIteration
        return self._chunks.popleft()

    def take_ready(self, limit: int) -> list[AudioChunk]:
        return [self._chunks.popleft() for _ in range(min(limit, len(self._chunks)))]

    def unread(self, chunks: Sequence[AudioChunk]) -> None:
        self._chunks.extendleft(reversed(chunks))
