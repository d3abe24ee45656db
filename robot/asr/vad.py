"""Streaming Silero VAD: the ONNX model shipped inside faster-whisper, one shared session, state per call.

The model reads windows of 512 new samples (32 ms at 16 kHz) preceded by the previous 64 samples, and carries an
LSTM state h/c of shape [1, 1, 128]. `StreamingVad` keeps that state and the 64-sample context between chunks, so
feeding a call's audio 20 ms at a time gives exactly the probabilities of the whole recording at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime
from faster_whisper.utils import get_assets_path

from robot.asr.vad_gate import LevelGate
from robot.events import SpeechEnded, SpeechStarted
from robot.settings import VadSettings

WINDOW = 512
CONTEXT = 64
SAMPLE_RATE = 16000
WINDOW_S = WINDOW / SAMPLE_RATE  # 0.032 s

FloatArray = npt.NDArray[np.float32]


class VadModel(Protocol):
    def run(self, windows: FloatArray, h: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """windows [N, 576] in time order + state -> (speech probabilities [N], new h, new c)."""
        ...


class SileroModel:
    """One onnxruntime session (1 thread), shareable by every call; `run` is thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(get_assets_path()) / "silero_vad_v6.onnx"
        if not self.path.is_file():
            raise FileNotFoundError(f"Silero VAD model not found: {self.path}")
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(self.path), providers=["CPUExecutionProvider"], sess_options=options
        )

    def run(self, windows: FloatArray, h: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """windows [N, 576] (64 context + 512 new samples each, in time order) -> (probabilities [N], h, c)."""
        out, h2, c2 = self._session.run(None, {"input": windows, "h": h, "c": c})
        probs = np.asarray(out, dtype=np.float32).reshape(-1)
        return probs, np.asarray(h2, dtype=np.float32), np.asarray(c2, dtype=np.float32)


def to_float(samples: npt.NDArray[Any]) -> FloatArray:
    if samples.ndim != 1:
        raise ValueError(f"VAD input must be mono 1-D samples, got shape {samples.shape}")
    if samples.dtype == np.int16:
        return (samples.astype(np.float32) / 32768.0).astype(np.float32)
    if samples.dtype == np.float32:
        return samples
    raise ValueError(f"VAD input must be int16 or float32 samples, got {samples.dtype}")


class StreamingVad:
    """Per-call VAD state. `process()` takes any number of 16 kHz samples and returns the speech events
    decided so far; times are seconds since the first sample given."""

    def __init__(self, settings: VadSettings, model: VadModel, *, gate: LevelGate | None = None) -> None:
        """`gate`: an energy assist (robot.asr.vad_gate) whose windows count as speech too (AMD uses one)."""
        self.settings = settings
        self.model = model
        self.gate = gate
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._windows_done = 0
        self.probabilities: FloatArray = np.zeros(0, dtype=np.float32)
        self.in_speech = False
        self._run_start: float | None = None  # candidate speech start (not yet confirmed)
        self._voice_start: float | None = None  # the same with the gate's voiced windows (see _step)
        self._speech_start = 0.0
        self._silence_start: float | None = None

    @property
    def position_s(self) -> float:
        """Audio time covered by decided windows, seconds."""
        return self._windows_done * WINDOW_S

    def process(self, samples: npt.NDArray[Any]) -> list[SpeechStarted | SpeechEnded]:
        return self.process_many([samples])[0]

    def process_many(self, chunks: Sequence[npt.NDArray[Any]]) -> list[list[SpeechStarted | SpeechEnded]]:
        """Consecutive chunks at once, with ONE model run for all their windows (cheaper per window when there are
        several); the events come per chunk, exactly those `process` would return chunk by chunk (a window's events
        belong to the chunk that completes it). `probabilities`: every window decided here."""
        floats = [to_float(samples) for samples in chunks]
        audio = np.concatenate([self._pending, *floats])
        count = audio.size // WINDOW
        self._pending = audio[count * WINDOW :]
        per_chunk: list[list[SpeechStarted | SpeechEnded]] = [[] for _ in floats]
        if count == 0:
            self.probabilities = np.zeros(0, dtype=np.float32)
            return per_chunk
        fresh = audio[: count * WINDOW].reshape(count, WINDOW)
        contexts = np.empty((count, CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = fresh[:-1, -CONTEXT:]
        self._context = fresh[-1, -CONTEXT:].copy()
        windows = np.ascontiguousarray(np.concatenate([contexts, fresh], axis=1))
        self.probabilities, self._h, self._c = self.model.run(windows, self._h, self._c)
        if self.gate is not None:
            assisted, voiced = self.gate.classify(fresh, self.probabilities)
        else:
            assisted = voiced = np.zeros(count, dtype=np.bool_)
        chunk_ends = np.cumsum([audio.size - sum(f.size for f in floats), *(f.size for f in floats)])[1:]
        owners = np.searchsorted(chunk_ends, (np.arange(count) + 1) * WINDOW, side="left")
        for prob, owner, assist, voice in zip(self.probabilities, owners, assisted, voiced, strict=True):
            start = self._windows_done * WINDOW_S
            self._windows_done += 1
            events = self._step(float(prob), start, start + WINDOW_S, assisted=bool(assist), voiced=bool(voice))
            per_chunk[int(owner)].extend(events)
        return per_chunk

    def _voice_step(self, start: float, end: float, voiced: bool) -> list[SpeechStarted | SpeechEnded]:
        """The voice run (robot.asr.vad_gate's voice tier): consecutive windows that are active or voiced; it opens
        speech only when it lasts the gate's voice_min_ms (a phone-band voice Silero scores 0.03-0.1)."""
        if self.gate is None or self.gate.voice_probability is None:
            return []
        if not voiced:
            self._voice_start = None
            return []
        if self._voice_start is None:
            self._voice_start = start
        if (end - self._voice_start) * 1000 + 1e-9 >= self.gate.voice_min_ms:
            return self._open(self._voice_start)
        return []

    def _open(self, start: float) -> list[SpeechStarted | SpeechEnded]:
        self.in_speech = True
        self._speech_start = start
        self._run_start = None
        self._voice_start = None
        self._silence_start = None
        return [SpeechStarted(t=round(start, 3))]

    def flush(self) -> list[SpeechEnded]:
        """End of the stream: close an open speech segment at the last decided window."""
        if not self.in_speech:
            return []
        self.in_speech = False
        end = self._silence_start if self._silence_start is not None else self.position_s
        self._silence_start = None
        return [SpeechEnded(t=round(end, 3), duration=round(end - self._speech_start, 3))]

    def _step(
        self, prob: float, start: float, end: float, *, assisted: bool, voiced: bool = False
    ) -> list[SpeechStarted | SpeechEnded]:
        threshold = self.settings.threshold
        if not self.in_speech:
            # a run opens at a window >= threshold and goes on while >= the negative threshold (the same hysteresis
            # as inside speech, and as Silero's reference get_speech_timestamps applies from its first trigger)
            floor = threshold if self._run_start is None else threshold - self.settings.neg_threshold_offset
            active = prob >= floor or assisted
            if not active:
                self._run_start = None
            else:
                if self._run_start is None:
                    self._run_start = start
                if (end - self._run_start) * 1000 + 1e-9 >= self.settings.min_speech_ms:
                    return self._open(self._run_start)
            return self._voice_step(start, end, active or voiced)
        if prob >= threshold - self.settings.neg_threshold_offset or assisted:
            self._silence_start = None
            return []
        if self._silence_start is None:
            self._silence_start = start
        if (end - self._silence_start) * 1000 + 1e-9 >= self.settings.min_silence_ms:
            self.in_speech = False
            ended = SpeechEnded(
                t=round(self._silence_start, 3), duration=round(self._silence_start - self._speech_start, 3)
            )
            self._silence_start = None
            return [ended]
        return []
