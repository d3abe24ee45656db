"""Speech recognition: faster-whisper behind a batching worker, streaming Silero VAD, LocalAgreement-2
streaming, and a guard against Whisper's non-speech hallucinations."""

from robot.asr.decoder import DecodeResult
from robot.asr.engine import AsrEngine, AsrStats, Priority
from robot.asr.guard import rejection_reason
from robot.asr.streaming import AsyncRecognizer, OnlineAgreement, Recognizer, StreamUpdate
from robot.asr.vad import SileroModel, StreamingVad

__all__ = [
    "AsrEngine",
    "AsrStats",
    "AsyncRecognizer",
    "DecodeResult",
    "OnlineAgreement",
    "Priority",
    "Recognizer",
    "SileroModel",
    "StreamUpdate",
    "StreamingVad",
    "rejection_reason",
]
