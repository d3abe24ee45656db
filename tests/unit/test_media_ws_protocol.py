"""StreamConnection (asyncio.BufferedProtocol over websockets' Sans-I/O ServerProtocol) with a fake transport.

The other end is the real captured mod_audio_stream client byte stream, cut at awkward places and delivered the way
the selector transport does (get_buffer, recv_into, buffer_updated); the transport records what the connection
writes and asks (pause/resume reading, EOF, abort).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.frames import Frame, Opcode

from robot.errors import MediaError
from robot.media.call_audio import CallAudio
from robot.media.server import AudioServer
from robot.media.ws_protocol import StreamConnection
from robot.settings import MediaSettings

pytestmark = pytest.mark.unit

UUID_A = "e061cddd-eac5-4cc6-825c-e4b981b79802"


class RecordingTransport(asyncio.Transport):
    """Records writes and flow-control requests; closing it ends the connection like a socket would."""

    def __init__(self, connection: StreamConnection) -> None:
        super().__init__()
        self.connection = connection
        self.written = bytearray()
        self.eof_written = self.closed = self.aborted = self.reading_paused = False

    def _end(self) -> None:
        if not (self.closed or self.aborted):
            asyncio.get_running_loop().call_soon(self.connection.connection_lost, None)

    def write(self, data: Any) -> None:
        self.written += data

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof_written = True

    def close(self) -> None:
        self._end()
        self.closed = True

    def abort(self) -> None:
        self._end()
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def pause_reading(self) -> None:
        self.reading_paused = True

    def resume_reading(self) -> None:
        self.reading_paused = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default


async def connected(server: AudioServer) -> tuple[StreamConnection, RecordingTransport]:
    connection = server._new_connection()
    transport = RecordingTransport(connection)
    connection.connection_made(transport)
    return connection, transport


def deliver(connection: StreamConnection, data: bytes) -> None:
    """What the selector transport does for each socket read: recv_into(get_buffer()), then buffer_updated."""
    while data:
        buffer = connection.get_buffer(-1)
        n = min(len(buffer), len(data))
        buffer[:n] = data[:n]
        connection.buffer_updated(n)
        data = data[n:]


def capture_with_valid_token(server: AudioServer, capture: bytes) -> bytes:
    head_end = capture.index(b"\r\n\r\n") + 4
    request_line, rest = capture[:head_end].split(b"\r\n", 1)
    assert request_line.endswith(b"?token=abc HTTP/1.1")
    path = server.stream_url(UUID_A).split(f":{server.port}", 1)[1]
    return b"GET " + path.encode() + b" HTTP/1.1\r\n" + rest + capture[head_end:]


@pytest.fixture
async def server() -> Any:
    srv = AudioServer(MediaSettings.model_validate({"port": 0, "buffer_s": 100.0}))
    await srv.start()
    yield srv
    await srv.close()


@pytest.mark.parametrize("piece", [1, 7, 641, 100_000])
async def test_capture_cut_anywhere_is_decoded_bit_exact(server: AudioServer, fixtures_dir: Path, piece: int) -> None:
    call = server.open_call(UUID_A)
    lost: asyncio.Future[CallAudio] = asyncio.get_running_loop().create_future()
    call.add_disconnect_callback(lost.set_result)
    data = capture_with_valid_token(server, (fixtures_dir / "ws_human_16k_client_stream.raw").read_bytes())
    connection, transport = await connected(server)
    for i in range(0, len(data), piece):
        deliver(connection, data[i : i + piece])
    assert transport.written.startswith(b"HTTP/1.1 101")
    assert transport.written.endswith(b"\x88\x10\x03\xe8Normal closure")  # the close echo (1000), then EOF
    assert transport.eof_written
    connection.connection_lost(None)
    assert await asyncio.wait_for(lost, 5.0) is call  # the peer's close while the call is open is a drop
    await server.close_call(UUID_A)
    got = np.concatenate([c.samples async for c in call.chunks()]).astype("<i2").tobytes()
    assert got == (fixtures_dir / "ws_human_16k.pcm").read_bytes()
    assert call.metadata == (fixtures_dir / "ws_human_16k_first_text.txt").read_text()


async def test_fragmented_messages_are_reassembled(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    connection, transport = await connected(server)
    path = server.stream_url(UUID_A).split(f":{server.port}", 1)[1]
    deliver(
        connection,
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
    )
    pcm = np.arange(320, dtype="<i2").tobytes()
    frames = [
        Frame(Opcode.TEXT, "méta".encode()[:2], fin=False),  # cut inside the two-byte "é"
        Frame(Opcode.CONT, "méta".encode()[2:], fin=True),
        Frame(Opcode.BINARY, pcm[:100], fin=False),
        Frame(Opcode.PING, b"hi"),  # control frames may sit between fragments
        Frame(Opcode.CONT, pcm[100:500], fin=False),
        Frame(Opcode.CONT, pcm[500:], fin=True),
    ]
    transport.written.clear()
    deliver(connection, b"".join(f.serialize(mask=True, extensions=[]) for f in frames))
    assert call.metadata == "méta"
    assert call.pending == 1 and call.stats.frames == 1
    assert bytes(transport.written) == b"\x8a\x02hi"  # the pong
    connection.abort()
    assert transport.aborted


async def test_invalid_utf8_text_fails_the_connection_with_1007(server: AudioServer) -> None:
    server.open_call(UUID_A)
    connection, transport = await connected(server)
    path = server.stream_url(UUID_A).split(f":{server.port}", 1)[1]
    deliver(
        connection,
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
    )
    transport.written.clear()
    deliver(connection, Frame(Opcode.TEXT, b"\xff\xfe").serialize(mask=True, extensions=[]))
    assert bytes(transport.written[:4]) == b"\x88" + bytes([len(transport.written) - 2]) + (1007).to_bytes(2, "big")
    assert transport.eof_written  # a server fails the connection by closing TCP right away
    connection.abort()


async def test_a_peer_that_reads_nothing_pauses_our_reading(server: AudioServer) -> None:
    connection, transport = await connected(server)
    connection.pause_writing()
    assert transport.reading_paused
    connection.resume_writing()
    assert not transport.reading_paused
    connection.abort()


async def test_one_reader_at_a_time_and_a_cancelled_reader_frees_its_place(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    got_one: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def read_all() -> None:
        async for _chunk in call.chunks():
            got_one.set_result(None)  # the generator then waits again, in this same step

    first = asyncio.create_task(read_all())
    call.on_binary(b"\x00\x00" * 320)
    await asyncio.wait_for(got_one, 5.0)
    with pytest.raises(MediaError, match="already has a reader"):
        await anext(call.chunks())
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    second = call.chunks()
    call.on_binary(b"\x01\x00" * 320)
    chunk = await asyncio.wait_for(anext(second), 5.0)
    assert int(chunk.samples[0]) == 1


def _upgrade(server: AudioServer) -> bytes:
    path = server.stream_url(UUID_A).split(f":{server.port}", 1)[1]
    return (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def _wire(*frames: Frame, mask: bool = True) -> bytes:
    return b"".join(f.serialize(mask=mask, extensions=[]) for f in frames)


def _close_code(written: bytes) -> int:
    assert written[0] == 0x88, written[:8]
    return int.from_bytes(written[2:4], "big")


@pytest.mark.parametrize("piece", [1, 3, 700, 100_000])
async def test_audio_frames_of_any_size_around_control_frames_in_any_cut(server: AudioServer, piece: int) -> None:
    """The fast path (frames cut by the connection) with frames in the request's own segment, 20 and 100 ms
    frames (7- and 4-byte headers with the mask), a ping and a text frame between them, cut anywhere."""
    call = server.open_call(UUID_A)
    connection, transport = await connected(server)
    pcm = np.arange(1600, dtype="<i2").tobytes()
    frames = [
        Frame(Opcode.TEXT, b"meta"),
        Frame(Opcode.BINARY, pcm[:640]),
        Frame(Opcode.PING, b"hi"),
        Frame(Opcode.BINARY, pcm),
        Frame(Opcode.BINARY, pcm[:100]),  # 7-bit length
        Frame(Opcode.TEXT, b"later"),  # counted and ignored
        Frame(Opcode.BINARY, pcm[640:1280]),
    ]
    data = _upgrade(server) + _wire(*frames)
    for i in range(0, len(data), piece):
        deliver(connection, data[i : i + piece])
    assert call.metadata == "meta"
    assert call.stats.frames == 4 and call.stats.text_frames == 1
    got = b"".join(c.samples.astype("<i2").tobytes() for c in call.take_ready(10))
    assert got == pcm[:640] + pcm + pcm[:100] + pcm[640:1280]
    assert bytes(transport.written).endswith(b"\x8a\x02hi")  # the pong
    assert connection._fast, "the audio went through the fast path"
    connection.abort()


@pytest.mark.parametrize(
    ("frames", "mask", "code"),
    [
        ([Frame(Opcode.BINARY, bytes(40_000))], True, 1009),  # over max_size (2 x max_frame_bytes)
        ([Frame(Opcode.BINARY, bytes(640))], False, 1002),  # a client frame must be masked
        ([Frame(Opcode.BINARY, bytes(64), fin=False), Frame(Opcode.BINARY, bytes(64))], True, 1002),  # no CONT
    ],
)
async def test_frames_the_fast_path_must_not_take_still_fail_the_connection(
    server: AudioServer, frames: list[Frame], mask: bool, code: int
) -> None:
    call = server.open_call(UUID_A)
    connection, transport = await connected(server)
    deliver(connection, _upgrade(server))
    transport.written.clear()
    deliver(connection, _wire(*frames, mask=mask) + _wire(Frame(Opcode.BINARY, bytes(640))))
    assert _close_code(bytes(transport.written)) == code
    assert call.stats.frames == 0  # nothing after the failure reached the call
    assert transport.eof_written
    connection.abort()
