"""AudioServer over real loopback sockets: a websockets client, and the exact bytes mod_audio_stream sent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import soxr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from robot.clock import ManualClock
from robot.media.audio import AudioChunk
from robot.media.call_audio import CallAudio
from robot.media.server import AudioServer
from robot.settings import MediaSettings

pytestmark = pytest.mark.integration

UUID_A = "e061cddd-eac5-4cc6-825c-e4b981b79802"
UUID_B = "0f788ff1-8cf7-458a-818d-e6d796b1690a"
UUID_C = "b794fa0b-70ce-4ec3-b1df-ebc1ff867387"
WAIT = 5.0  # generous upper bound for one awaited event, seconds


def media_settings(**overrides: object) -> MediaSettings:
    base: dict[str, object] = {"host": "127.0.0.1", "port": 0, "public_url": "ws://127.0.0.1:0"}
    base.update(overrides)
    return MediaSettings.model_validate(base)


@pytest.fixture
async def server() -> AsyncIterator[AudioServer]:
    srv = AudioServer(media_settings(buffer_s=100.0))
    await srv.start()
    yield srv
    await srv.close()


def pcm_frames(path: Path, frame_bytes: int) -> list[bytes]:
    data = path.read_bytes()
    return [data[i : i + frame_bytes] for i in range(0, len(data), frame_bytes)]


async def take(call: CallAudio, n: int) -> list[AudioChunk]:
    out: list[AudioChunk] = []
    async with asyncio.timeout(WAIT):
        async for chunk in call.chunks():
            out.append(chunk)
            if len(out) == n:
                break
    return out


async def drain(call: CallAudio) -> list[AudioChunk]:
    """All chunks of a call that is closed (the iterator ends after the queued ones)."""
    async with asyncio.timeout(WAIT):
        return [chunk async for chunk in call.chunks()]


def disconnect_future(call: CallAudio) -> asyncio.Future[CallAudio]:
    fut: asyncio.Future[CallAudio] = asyncio.get_running_loop().create_future()

    def fire(c: CallAudio) -> None:
        if not fut.done():
            fut.set_result(c)

    call.add_disconnect_callback(fire)
    return fut


async def stream(ws: ClientConnection, frames: list[bytes], metadata: str | None = '{"campaign":"c1"}') -> None:
    if metadata is not None:
        await ws.send(metadata)
    for frame in frames:
        await ws.send(frame)


async def test_websockets_client_16k_in_order_with_metadata(server: AudioServer, fixtures_dir: Path) -> None:
    call = server.open_call(UUID_A)
    frames = pcm_frames(fixtures_dir / "ws_human_16k.pcm", 640)[:60]
    async with connect(server.stream_url(UUID_A), compression=None) as ws:
        await stream(ws, frames)
        chunks = await take(call, len(frames))
    assert call.metadata == '{"campaign":"c1"}'
    assert b"".join(c.samples.astype("<i2").tobytes() for c in chunks) == b"".join(frames)
    assert [c.t for c in chunks] == pytest.approx([i * 0.02 for i in range(len(frames))])
    assert call.stats.frames == 60 and call.stats.bytes == 60 * 640 and call.stats.dropped_frames == 0


async def replay_capture(server: AudioServer, capture: bytes, call_uuid: str) -> bytes:
    """Send mod_audio_stream's captured client bytes, with the token swapped for a valid one; return the 101 head."""
    head_end = capture.index(b"\r\n\r\n") + 4
    request_line, rest = capture[:head_end].split(b"\r\n", 1)
    assert request_line.startswith(b"GET /call/") and request_line.endswith(b"?token=abc HTTP/1.1")
    assert b"Host:127.0.0.1" in rest  # the capture's header style: no space after the colon
    path = server.stream_url(call_uuid).split(f":{server.port}", 1)[1]
    new_head = b"GET " + path.encode() + b" HTTP/1.1\r\n" + rest
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(new_head)
    await writer.drain()
    async with asyncio.timeout(WAIT):
        response = await reader.readuntil(b"\r\n\r\n")
    writer.write(capture[head_end:])  # metadata text, masked binary frames, close 1000 "Normal closure"
    await writer.drain()
    async with asyncio.timeout(WAIT):
        tail = await reader.read()  # the server's close echo, then EOF: the closing handshake finished
    writer.close()
    assert tail[:1] == b"\x88"  # close frame, unmasked (server side)
    assert int.from_bytes(tail[2:4], "big") == 1000
    return response


async def test_replayed_capture_16k_is_accepted_bit_exact(server: AudioServer, fixtures_dir: Path) -> None:
    call = server.open_call(UUID_A)
    dropped = disconnect_future(call)
    capture = (fixtures_dir / "ws_human_16k_client_stream.raw").read_bytes()
    response = await replay_capture(server, capture, UUID_A)
    assert response.startswith(b"HTTP/1.1 101")
    await asyncio.wait_for(dropped, WAIT)  # FreeSWITCH closed while the call is still open
    await server.close_call(UUID_A)
    chunks = await drain(call)
    got = np.concatenate([c.samples for c in chunks]).astype("<i2").tobytes()
    assert got == (fixtures_dir / "ws_human_16k.pcm").read_bytes()
    assert call.metadata == (fixtures_dir / "ws_human_16k_first_text.txt").read_text()
    assert call.stats.frames == 243 and call.stats.odd_frames == 0 and call.stats.text_frames == 0


async def test_replayed_capture_8k_is_resampled_to_16k(fixtures_dir: Path) -> None:
    srv = AudioServer(media_settings(stream_rate=8000, buffer_s=100.0))
    await srv.start()
    try:
        call = srv.open_call(UUID_B)
        dropped = disconnect_future(call)
        await replay_capture(srv, (fixtures_dir / "ws_human_8k_client_stream.raw").read_bytes(), UUID_B)
        await asyncio.wait_for(dropped, WAIT)
        await srv.close_call(UUID_B)
        chunks = await drain(call)
    finally:
        await srv.close()
    pcm8 = np.frombuffer((fixtures_dir / "ws_human_8k.pcm").read_bytes(), dtype="<i2")
    got = np.concatenate([c.samples for c in chunks])
    assert got.size == 2 * pcm8.size
    whole = soxr.resample(pcm8.astype(np.int16), 8000, 16000)
    assert np.sqrt(np.mean((got.astype(float) - whole) ** 2)) < 0.01 * np.sqrt(np.mean(whole.astype(float) ** 2))
    times = [c.t for c in chunks]
    assert times == sorted(times) and chunks[-1].end == pytest.approx(pcm8.size / 8000)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/call/{UUID_A}?token=abc", 401),
        (f"/call/{UUID_A}", 401),
        (f"/call/{UUID_C}?token=VALID_C", 403),  # valid token, but the call was never opened
        ("/calls/whatever?token=abc", 404),
        ("/call/not-a-uuid?token=abc", 404),
    ],
)
async def test_refused_at_upgrade(
    server: AudioServer, path: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    server.open_call(UUID_A)
    if "VALID_C" in path:
        path = server.stream_url(UUID_C).split(f":{server.port}", 1)[1]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{server.port}{path}"):
            pass
    assert info.value.response.status_code == status
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("robot."))
    assert "refused audio stream" in ours
    token = path.partition("token=")[2]
    if token:
        assert token not in ours


async def test_closed_call_is_refused(server: AudioServer) -> None:
    server.open_call(UUID_A)
    url = server.stream_url(UUID_A)
    await server.close_call(UUID_A)
    with pytest.raises(InvalidStatus) as info:
        async with connect(url):
            pass
    assert info.value.response.status_code == 403


async def test_bad_frames_are_counted_and_the_call_goes_on(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    good = np.arange(320, dtype="<i2").tobytes()
    async with connect(server.stream_url(UUID_A), compression=None) as ws:
        await stream(ws, [good])
        await ws.send(b"\x01\x02\x03")  # odd byte count
        await ws.send("garbage {not json")  # text mid-stream
        await ws.send(b"")  # empty
        await ws.send(b"\x00" * 20000)  # > max_frame_bytes (16000) but < max_size
        await ws.send(good)
        chunks = await take(call, 2)
    assert [c.t for c in chunks] == [0.0, 0.02]
    s = call.stats
    assert (s.frames, s.odd_frames, s.text_frames, s.empty_frames, s.oversized_frames) == (2, 1, 1, 1, 1)


async def test_slow_consumer_drops_oldest_without_hurting_another_call() -> None:
    clock = ManualClock()
    srv = AudioServer(media_settings(buffer_s=0.2, stream_buffer_ms=20), clock=clock)
    await srv.start()
    try:
        slow, fast = srv.open_call(UUID_A), srv.open_call(UUID_B)
        slow_gone = disconnect_future(slow)
        frames = [np.full(320, i, dtype="<i2").tobytes() for i in range(50)]
        fast_chunks: list[AudioChunk] = []
        fast_reader = fast.chunks()
        async with connect(srv.stream_url(UUID_A)) as ws_slow, connect(srv.stream_url(UUID_B)) as ws_fast:
            for frame in frames:  # the slow call is never read; the fast one is read frame by frame
                await ws_slow.send(frame)
                await ws_fast.send(frame)
                fast_chunks.append(await asyncio.wait_for(anext(fast_reader), WAIT))
        await asyncio.wait_for(slow_gone, WAIT)
        assert slow.stats.dropped_frames == 40 and slow.pending == 10
        assert slow.last_frame_at == clock.monotonic()  # stall detection uses the injected clock
        await srv.close_call(UUID_A)
        kept = await drain(slow)
    finally:
        await srv.close()
    assert [int(c.samples[0]) for c in kept] == list(range(40, 50))  # the newest survive
    assert kept[0].t == pytest.approx(40 * 0.02)  # time counts the dropped audio
    assert [int(c.samples[0]) for c in fast_chunks] == list(range(50))
    assert fast.stats.dropped_frames == 0


async def test_disconnect_callback_and_reconnection_resumes_time(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    frame = np.ones(320, dtype="<i2").tobytes()
    gone = disconnect_future(call)
    async with connect(server.stream_url(UUID_A)) as ws:
        await stream(ws, [frame] * 3)
        first = await take(call, 3)
    assert await asyncio.wait_for(gone, WAIT) is call
    assert not call.connected
    async with connect(server.stream_url(UUID_A)) as ws:
        await stream(ws, [frame] * 2, metadata="again")
        second = await take(call, 2)
        assert call.connected
    assert second[0].t == pytest.approx(first[-1].end)
    assert call.metadata == "again" and call.stats.connections == 2


async def test_close_call_closes_the_socket_with_1000(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    gone = disconnect_future(call)
    async with connect(server.stream_url(UUID_A)) as ws:
        await stream(ws, [b"\x00\x00" * 320])
        await take(call, 1)
        await server.close_call(UUID_A)
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(WAIT):
                await ws.recv()
        assert ws.close_code == 1000
    assert not gone.done()  # closing the call is not a drop
    assert await drain(call) == []


async def test_second_connection_replaces_the_first(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    gone = disconnect_future(call)
    frame = np.ones(320, dtype="<i2").tobytes()
    async with connect(server.stream_url(UUID_A)) as old:
        await stream(old, [frame])
        await take(call, 1)
        async with connect(server.stream_url(UUID_A)) as new:
            with pytest.raises(ConnectionClosed):
                async with asyncio.timeout(WAIT):
                    await old.recv()
            assert old.close_code == 1000 and old.close_reason == "replaced"
            await stream(new, [frame])
            await take(call, 1)
            assert call.connected
    assert await asyncio.wait_for(gone, WAIT) is call  # only the current connection's end counts
    assert call.stats.connections == 2


async def test_fragmented_messages_and_pings_from_a_websockets_client(server: AudioServer) -> None:
    call = server.open_call(UUID_A)
    pcm = np.arange(320, dtype="<i2").tobytes()
    async with connect(server.stream_url(UUID_A), compression=None) as ws:
        await ws.send(['{"campaign":', '"c2"}'])  # one text message in two fragments
        await ws.send([pcm[:200], pcm[200:]])
        pong = await ws.ping(b"are you there")
        async with asyncio.timeout(WAIT):
            await pong
        chunks = await take(call, 1)
    assert call.metadata == '{"campaign":"c2"}'
    assert chunks[0].samples.astype("<i2").tobytes() == pcm


async def raw_upgrade(server: AudioServer, call_uuid: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that upgrades, then only does what the test says (no pong, no close echo)."""
    path = server.stream_url(call_uuid).split(f":{server.port}", 1)[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    async with asyncio.timeout(WAIT):
        head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    return reader, writer


def server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of unmasked server frames with short payloads."""
    frames, i = [], 0
    while i < len(data):
        length = data[i + 1] & 0x7F
        assert length < 126
        frames.append((data[i] & 0x0F, data[i + 2 : i + 2 + length]))
        i += 2 + length
    return frames


async def test_keepalive_ping_unanswered_fails_the_stream() -> None:
    srv = AudioServer(media_settings(ping_interval_s=0.05))
    await srv.start()
    try:
        call = srv.open_call(UUID_A)
        gone = disconnect_future(call)
        reader, writer = await raw_upgrade(srv, UUID_A)
        async with asyncio.timeout(WAIT):
            sent = await reader.read()  # a ping, then close 1011 and EOF: this client never answers
        writer.close()
        assert await asyncio.wait_for(gone, WAIT) is call
    finally:
        await srv.close()
    frames = server_frames(sent)
    assert frames[0][0] == 0x9 and frames[-1][0] == 0x8
    assert int.from_bytes(frames[-1][1][:2], "big") == 1011


async def test_close_call_is_bounded_when_the_peer_never_answers_the_close() -> None:
    srv = AudioServer(media_settings(close_timeout_s=0.05))
    await srv.start()
    try:
        call = srv.open_call(UUID_A)
        reader, writer = await raw_upgrade(srv, UUID_A)
        async with asyncio.timeout(WAIT):
            await call.wait_connected()
            await srv.close_call(UUID_A)  # returns once the socket is aborted
            sent = await reader.read()
        writer.close()
    finally:
        await srv.close()
    assert server_frames(sent) == [(0x8, (1000).to_bytes(2, "big") + b"call closed")]


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        async with asyncio.timeout(WAIT):
            return await reader.read() == b""
    except ConnectionResetError:
        return True


async def test_silent_connections_are_dropped_and_shutdown_ends_half_open_ones() -> None:
    srv = AudioServer(media_settings(open_timeout_s=0.05))
    await srv.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        assert await closed_by_server(reader)  # never sent its upgrade request: dropped
        writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"GET /call/")  # half a request line
        await writer.drain()
    finally:
        async with asyncio.timeout(WAIT):
            await srv.close()
    assert await closed_by_server(reader)
    writer.close()
