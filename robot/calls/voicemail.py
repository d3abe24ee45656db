"""Voicemail drop: after a MACHINE verdict, follow the greeting until its beep (or its end) to leave a message.

The decision rules are the pure `robot.amd.beepwait.BeepWait`; this module only feeds it with the call's
audio (VAD + tone detector in the process's audio-analysis worker, robot.media.analysis) and returns when the
message may start; frames read past the decision go back to the stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from robot.amd.beepwait import BeepWait, BeepWaitOutcome, BeepWaitResult
from robot.amd.tones import ToneDetector
from robot.asr.vad import StreamingVad, VadModel
from robot.events import SpeechEnded, SpeechStarted, ToneDetected
from robot.media.analysis import AnalysedStream, AnalysisWorker
from robot.media.audio import AudioChunk, Int16Array
from robot.settings import Settings


async def wait_for_beep(
    stream: AsyncIterator[AudioChunk],
    settings: Settings,
    vad_model: VadModel,
    started_at: float,
    *,
    worker: AnalysisWorker | None = None,
) -> BeepWaitResult:
    """Consume the call's audio from `started_at` (seconds after answer) until the beep, the greeting's end
    or `amd.wait_for_beep_ms`. Event times are shifted from detector time to stream time. Without `worker`, a
    thread of its own analyses the audio for this wait."""
    wait = BeepWait(settings.amd, started_at)
    vad = StreamingVad(settings.vad, vad_model)
    tones = ToneDetector(16000, settings.amd)
    origin: float | None = None
    now = started_at

    def analyse(batch: list[Int16Array]) -> list[tuple[list[SpeechStarted | SpeechEnded], list[ToneDetected]]]:
        found = [events for events, _sounding in tones.process_many(batch)]
        return list(zip(vad.process_many(batch), found, strict=True))

    runner = worker or AnalysisWorker()
    try:
        async with AnalysedStream(stream, runner.lane(batch=analyse)) as analysed:
            async for chunk, (speech, found) in analysed:
                origin = chunk.t if origin is None else origin
                now = chunk.end
                for event in speech:
                    wait.on_speech(replace(event, t=event.t + origin))
                for tone in found:
                    wait.on_tone(replace(tone, t=tone.t + origin))
                result = wait.poll(now)
                if result is not None:
                    return result
    finally:
        if worker is None:
            runner.close()
    return BeepWaitResult(BeepWaitOutcome.TIMEOUT, now)
