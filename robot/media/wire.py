"""The mod_audio_stream wire format, as one pure adapter (no sockets here).

What FreeSWITCH's mod_audio_stream sends (see ../shared/fixtures/freeswitch/ws_*.md):
- an upgrade request to `/call/<uuid>?token=<token>` (the URL the robot gave to `uuid_audio_stream start`);
- one TEXT frame first: the metadata argument verbatim (absent when no metadata was given);
- then BINARY frames of little-endian signed 16-bit mono PCM, 20 ms each (640 bytes at 16 kHz, 320 at 8 kHz), or
  STREAM_BUFFER_SIZE ms each when the channel has that variable when the stream starts (100 -> 3200 bytes at 16 kHz).

`StreamDecoder` turns the messages of one call into int16 sample arrays and counts everything it refuses in
`StreamStats`: a binary frame with an odd byte count, an empty one or one bigger than `max_frame_bytes` is dropped
whole (later frames keep their sample alignment); a text frame after the metadata (or after audio started) is
counted and ignored. None of these end the stream.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, urlsplit

import numpy as np
import numpy.typing as npt

from robot.errors import MediaError

CALL_PATH_PREFIX = "/call/"
STREAM_BUFFER_VAR = "STREAM_BUFFER_SIZE"  # channel variable: ms of audio per binary frame (multiple of 20, at start)
TOKEN_PARAM = "token"


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """What the upgrade request's path says: which call, and the token it presents (None when absent)."""

    call_uuid: str
    token: str | None


def parse_stream_path(path: str) -> StreamRequest:
    """Parse `/call/<uuid>?token=...` (other query parameters are ignored).

    Raises MediaError naming the path (without its query string) when it is not a call path or the uuid is invalid.
    """
    parts = urlsplit(path)
    if not parts.path.startswith(CALL_PATH_PREFIX):
        raise MediaError(f"stream path {parts.path!r}: expected {CALL_PATH_PREFIX}<call uuid>")
    raw_uuid = parts.path[len(CALL_PATH_PREFIX) :]
    call_uuid = canonical_uuid(raw_uuid, where=f"stream path {parts.path!r}")
    tokens = parse_qs(parts.query, keep_blank_values=True).get(TOKEN_PARAM)
    token = tokens[0] if tokens else None
    return StreamRequest(call_uuid=call_uuid, token=token)


def canonical_uuid(value: str, *, where: str = "call uuid") -> str:
    """`value` as a lower-case 8-4-4-4-12 uuid; MediaError (naming `where`) when it is anything else."""
    if len(value) != 36:
        raise MediaError(f"{where}: {value[:60]!r} is not a call uuid (8-4-4-4-12 hex)")
    try:
        parsed = uuid.UUID(value)
    except ValueError as err:
        raise MediaError(f"{where}: {value!r} is not a call uuid (8-4-4-4-12 hex)") from err
    canonical = str(parsed)
    if canonical != value.lower():
        raise MediaError(f"{where}: {value!r} is not a call uuid (8-4-4-4-12 hex)")
    return canonical


@dataclass(slots=True)
class StreamStats:
    """Counters of one call's stream, over all its connections."""

    connections: int = 0
    frames: int = 0  # binary frames accepted
    bytes: int = 0  # payload bytes accepted
    samples: int = 0  # samples accepted, at the wire rate
    odd_frames: int = 0  # binary frames with an odd byte count (dropped)
    oversized_frames: int = 0  # binary frames bigger than max_frame_bytes (dropped)
    empty_frames: int = 0  # binary frames without payload (ignored)
    text_frames: int = 0  # text frames other than the metadata (ignored)
    dropped_frames: int = 0  # accepted frames thrown away because the consumer was too slow

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class StreamDecoder:
    """Decodes one call's mod_audio_stream messages; pure, one instance per call (shared by reconnections)."""

    def __init__(self, max_frame_bytes: int, stats: StreamStats | None = None) -> None:
        if max_frame_bytes <= 0:
            raise ValueError("max_frame_bytes must be positive")
        self.max_frame_bytes = max_frame_bytes
        self.stats = stats if stats is not None else StreamStats()
        self.metadata: str | None = None
        self._expect_metadata = False

    def new_connection(self) -> None:
        """A connection opened: its first text frame (before any audio) is the metadata."""
        self.stats.connections += 1
        self._expect_metadata = True

    def on_text(self, text: str) -> str | None:
        """Returns the metadata when this text frame is it, else counts the frame and returns None."""
        if self._expect_metadata:
            self._expect_metadata = False
            self.metadata = text
            return text
        self.stats.text_frames += 1
        return None

    def on_binary(self, payload: bytes) -> npt.NDArray[np.int16] | None:
        """The frame's samples, or None (counted) for an empty, odd-sized or oversized frame."""
        self._expect_metadata = False
        size = len(payload)
        if size == 0:
            self.stats.empty_frames += 1
            return None
        if size > self.max_frame_bytes:
            self.stats.oversized_frames += 1
            return None
        if size % 2:
            self.stats.odd_frames += 1
            return None
        samples = pcm_to_int16(payload)
        self.stats.frames += 1
        self.stats.bytes += size
        self.stats.samples += samples.size
        return samples


def pcm_to_int16(payload: bytes) -> npt.NDArray[np.int16]:
    """Little-endian s16 PCM bytes -> a native int16 array (a copy: the caller may keep it)."""
    if len(payload) % 2:
        raise MediaError(f"PCM payload of {len(payload)} bytes: not a whole number of 16-bit samples")
    return np.frombuffer(payload, dtype="<i2").astype(np.int16)


def int16_to_pcm(samples: npt.NDArray[np.int16]) -> bytes:
    """int16 samples -> little-endian s16 PCM bytes."""
    return np.asarray(samples, dtype="<i2").tobytes()


def encode_stream_audio(pcm: bytes, sample_rate: int, audio_type: str = "raw") -> str:
    """The text message asking mod_audio_stream to write `pcm` to a temp file (it reports `::play`, never plays)."""
    if sample_rate not in (8000, 16000, 24000, 48000):
        raise MediaError(f"streamAudio sampleRate {sample_rate}: expected 8000, 16000, 24000 or 48000")
    data = {"audioDataType": audio_type, "sampleRate": sample_rate, "audioData": base64.b64encode(pcm).decode()}
    return json.dumps({"type": "streamAudio", "data": data}, separators=(",", ":"))


def decode_stream_audio(message: str) -> tuple[bytes, int, str]:
    """Inverse of `encode_stream_audio` -> (pcm, sample_rate, audio_type); MediaError naming the bad field."""
    try:
        obj = json.loads(message)
    except json.JSONDecodeError as err:
        raise MediaError(f"streamAudio message: not JSON ({err})") from err
    if not isinstance(obj, dict) or obj.get("type") != "streamAudio" or not isinstance(obj.get("data"), dict):
        raise MediaError("streamAudio message: expected {'type': 'streamAudio', 'data': {...}}")
    data = obj["data"]
    rate, audio_type, encoded = data.get("sampleRate"), data.get("audioDataType"), data.get("audioData")
    if not isinstance(rate, int):
        raise MediaError("streamAudio message: data.sampleRate must be an integer")
    if not isinstance(audio_type, str) or not isinstance(encoded, str):
        raise MediaError("streamAudio message: data.audioDataType and data.audioData must be strings")
    try:
        pcm = base64.b64decode(encoded, validate=True)
    except binascii.Error as err:
        raise MediaError(f"streamAudio message: data.audioData is not base64 ({err})") from err
    return pcm, rate, audio_type
