"""Input checks shared by both servers (pure): raw S16LE bytes -> int16 samples, with clear errors.

A TCP stream may split anywhere, so an odd byte is carried to the next read; it is an error only when the stream
ends on it. The first bytes of a TCP stream are checked once: a WAV header (RIFF) is accepted when it declares
16 kHz mono 16-bit and refused otherwise; text (an HTTP request, a typed command) is refused.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

RATE = 16000
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


class InputError(Exception):
    """The client sent something the stream cannot take; the message is meant for the client."""


def samples_from(data: bytes, where: str = "message") -> npt.NDArray[np.int16]:
    """Whole-message decoding (WebSocket): an odd length is an error."""
    if len(data) % 2:
        raise InputError(f"{where} has {len(data)} bytes: PCM16LE samples are 2 bytes each (an even count)")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def looks_like_text(head: bytes) -> bool:
    sample = head[:64]
    return len(sample) >= 4 and all(b in _PRINTABLE for b in sample)


def wav_header(data: bytes) -> int | None:
    """Length of a complete RIFF/WAVE header up to the start of its samples (None: need more bytes).
    Raises InputError unless it declares 16 kHz, mono, 16-bit PCM."""
    if len(data) < 12:
        return None
    if data[8:12] != b"WAVE":
        raise InputError("RIFF data that is not WAVE: send raw 16 kHz S16LE PCM or a 16 kHz mono WAV")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"data":
            if fmt is None:
                raise InputError("WAV without a fmt chunk before its data")
            return pos + 8
        if chunk == b"fmt ":
            if pos + 8 + 16 > len(data):
                return None
            fmt = struct.unpack("<HHI6xH", data[pos + 8 : pos + 24])
            tag, channels, rate, bits = fmt
            if tag not in (1, 0xFFFE) or channels != 1 or rate != RATE or bits != 16:
                raise InputError(
                    f"WAV declares {rate} Hz, {channels} channel(s), {bits}-bit (format {tag}): this server takes "
                    "16000 Hz mono 16-bit PCM (resample first, e.g. sox in.wav -r 16000 -c 1 -b 16 out.wav)"
                )
        pos += 8 + size + (size % 2)
    return None


class PcmStream:
    """Raw S16LE (or a 16 kHz mono WAV) arriving in arbitrary pieces."""

    def __init__(self) -> None:
        self._head = b""
        self._started = False
        self._carry = b""

    def push(self, data: bytes) -> npt.NDArray[np.int16]:
        if not self._started:
            self._head += data
            if len(self._head) < 12:
                return np.zeros(0, dtype=np.int16)
            if self._head.startswith(b"RIFF"):
                skip = wav_header(self._head)
                if skip is None:
                    if len(self._head) > 1 << 16:
                        raise InputError("WAV header longer than 64 KiB")
                    return np.zeros(0, dtype=np.int16)
                data = self._head[skip:]
            elif looks_like_text(self._head):
                raise InputError(
                    "text received: this port takes raw 16 kHz mono S16LE PCM "
                    "(commands such as flush go to the WebSocket server)"
                )
            else:
                data = self._head
            self._started, self._head = True, b""
        data = self._carry + data
        cut = len(data) - len(data) % 2
        self._carry = data[cut:]
        return np.frombuffer(data[:cut], dtype="<i2").astype(np.int16)

    def close(self) -> None:
        """End of the stream: a dangling odd byte is an error."""
        if self._carry:
            raise InputError("the stream ended on an odd byte: S16LE samples are 2 bytes each")
        if not self._started and self._head:
            if self._head.startswith(b"RIFF"):
                raise InputError("the stream ended inside a WAV header")
            if looks_like_text(self._head):
                raise InputError("text received: this port takes raw 16 kHz mono S16LE PCM")
            if len(self._head) % 2:
                raise InputError("the stream ended on an odd byte: S16LE samples are 2 bytes each")
