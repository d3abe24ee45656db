"""Call audio ingest: the mod_audio_stream WebSocket server, its wire format, and 16 kHz PCM helpers."""

from robot.media.audio import AudioChunk, Resampler8kTo16k, read_wav_16k
from robot.media.call_audio import CallAudio
from robot.media.server import AudioServer
from robot.media.tokens import stream_token, verify_token
from robot.media.wire import StreamStats

__all__ = [
    "AudioChunk",
    "AudioServer",
    "CallAudio",
    "Resampler8kTo16k",
    "StreamStats",
    "read_wav_16k",
    "stream_token",
    "verify_token",
]
