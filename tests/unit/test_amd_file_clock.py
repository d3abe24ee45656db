"""File mode of the AMD detector: audio time is virtual, the transcript arrives a fixed audio latency after it is
asked, and the verdict never depends on how long the ASR took on this machine (no sleeps: the fake ASR advances an
injected clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from robot.amd.detector import AmdDetector, RecordedChunks, chunks_of
from robot.amd.keywords import Family, KeywordSet, Phrase, Weight, match_keys
from robot.asr.engine import Priority
from robot.clock import ManualClock
from robot.events import AmdResult, ToneDetected, Transcript
from robot.media.audio import AudioChunk
from robot.settings import Settings

pytestmark = pytest.mark.unit

RATE = 16000
FloatArray = npt.NDArray[np.float32]


class EnergyVad:
    """VadModel double: probability 0.9 for a window with signal, 0.0 for digital silence."""

    def run(self, windows: FloatArray, h: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        energy = np.abs(windows[:, 64:]).mean(axis=1)
        return np.where(energy > 1e-3, 0.9, 0.0).astype(np.float32), h, c


class SlowAsr:
    """AsrEngine double: returns a fixed text, taking `compute_s` of the injected clock."""

    def __init__(self, clock: ManualClock, text: str, compute_s: float) -> None:
        self.clock, self.text, self.compute_s = clock, text, compute_s
        self.asked_with_s: list[float] = []

    async def transcribe(self, audio: npt.NDArray[Any], *, priority: Priority) -> Transcript | None:
        self.asked_with_s.append(audio.size / RATE)
        self.clock.advance(self.compute_s)
        return Transcript(self.text)


class ToneDouble:
    sounding_since: float | None = None

    def process(self, samples: npt.NDArray[np.int16]) -> list[ToneDetected]:
        raise NotImplementedError

    def process_many(self, chunks: Sequence[npt.NDArray[np.int16]]) -> list[tuple[list[ToneDetected], float | None]]:
        return [(self.process(samples), self.sounding_since) for samples in chunks]


class NoTones(ToneDouble):
    def process(self, samples: npt.NDArray[np.int16]) -> list[ToneDetected]:
        return []

    def flush(self) -> list[ToneDetected]:
        return []


class BeepAt(ToneDouble):
    """Tone-detector double: a voicemail beep reported once the audio clock passes `t`."""

    def __init__(self, t: float) -> None:
        self.t, self.seen, self.fired = t, 0, False

    @property
    def sounding_since(self) -> float | None:
        sounding = self.t <= self.seen / RATE and not self.fired
        return self.t if sounding else None

    def process(self, samples: npt.NDArray[np.int16]) -> list[ToneDetected]:
        self.seen += samples.size
        if not self.fired and self.seen / RATE >= self.t + 0.3:
            self.fired = True
            return [ToneDetected("beep", self.t, 0.3, 1000.0)]
        return []

    def flush(self) -> list[ToneDetected]:
        return []


def keywords() -> KeywordSet:
    return KeywordSet(
        [
            Phrase("laissez un message", Family.VOICEMAIL, Weight.STRONG, match_keys("laissez un message"), 1),
            Phrase("allô", Family.HUMAN, Weight.STRONG, match_keys("allô"), 2),
            Phrase("n'est pas attribué", Family.OPERATOR, Weight.STRONG, match_keys("n'est pas attribué"), 3),
        ]
    )


def call(speech_s: float, total_s: float, onset_s: float = 0.5) -> npt.NDArray[np.int16]:
    samples = np.zeros(int(total_s * RATE), dtype=np.int16)
    t = np.arange(int(speech_s * RATE)) / RATE
    start = int(onset_s * RATE)
    samples[start : start + t.size] = (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    return samples


async def feed(samples: npt.NDArray[np.int16]) -> AsyncIterator[AudioChunk]:
    for chunk in chunks_of(samples):
        yield chunk


async def detect(samples: npt.NDArray[np.int16], text: str, compute_s: float, *, tones: Any = None) -> Any:
    settings = Settings()
    clock = ManualClock()
    asr = SlowAsr(clock, text, compute_s)
    detector = AmdDetector(
        settings,
        asr,
        EnergyVad(),
        keywords(),
        clock,
        tones=(lambda: tones) if tones else NoTones,  # type: ignore[arg-type]
    )
    verdict = await detector.run(feed(samples), realtime=False, asr_latency_s=0.4)
    return verdict, detector.last_timing, asr


@pytest.mark.parametrize("compute_s", [0.05, 0.4, 3.0])
async def test_same_clip_same_verdict_and_time_on_a_fast_or_slow_machine(compute_s: float) -> None:
    verdict, timing, _ = await detect(call(1.0, 6.0), "Allô ?", compute_s)
    reference, ref_timing, _ = await detect(call(1.0, 6.0), "Allô ?", 0.01)
    assert verdict.result is AmdResult.HUMAN
    assert (verdict.result, verdict.decided_at) == (reference.result, reference.decided_at)
    assert timing.asr_compute_s == pytest.approx(compute_s)
    assert ref_timing.asr_compute_s == pytest.approx(0.01)


async def test_transcript_is_used_a_fixed_audio_latency_after_it_was_asked() -> None:
    verdict, timing, asr = await detect(call(3.0, 6.0), "Bonjour, laissez un message", 2.0)
    assert verdict.result is AmdResult.MACHINE
    assert timing.asr_started_at is not None
    assert verdict.decided_at == pytest.approx(timing.asr_started_at + 0.4, abs=0.021)
    # the ASR heard only audio up to where it was asked (plus the lead before the onset)
    assert asr.asked_with_s[0] <= timing.asr_started_at + 1e-6


async def test_a_beep_while_the_asr_is_pending_decides_at_the_beep_not_later() -> None:
    # a short greeting ends at 1.5 s, the beep sounds at 1.8 s while the transcript asked when the greeting's segment
    # closed (~1.7 s, amd.vad_min_silence_ms) is on its way; the ASR is slow
    verdict, timing, _ = await detect(call(1.0, 6.0), "Allô ?", 5.0, tones=BeepAt(1.8))
    assert verdict.result is AmdResult.MACHINE
    assert any("beep" in r for r in verdict.reasons)
    assert verdict.decided_at <= 2.6
    assert verdict.decided_at <= timing.audio_s


async def test_the_frames_after_the_deciding_one_stay_in_the_stream_for_what_follows() -> None:
    # file mode reads in batches (RecordedChunks hands out what is waiting): AMD decides inside a batch and gives the
    # rest back, so the voicemail wait or the dialog reads the call's audio from the frame after the decision
    settings = Settings()
    detector = AmdDetector(settings, None, EnergyVad(), None, ManualClock(), tones=lambda: BeepAt(0.8))
    stream = RecordedChunks(chunks_of(call(0.3, 6.0)))
    verdict = await detector.run(stream, realtime=False)
    assert verdict.result is AmdResult.MACHINE
    rest = [chunk async for chunk in stream]
    assert rest[0].t == pytest.approx(verdict.decided_at)
    assert rest[-1].end == pytest.approx(6.0)
