"""SimServer end to end on loopback: outbound hand-off vs capture, audio streams, playback records, scale."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from robot.esl.parser import EslMessage, EslParser, encode_command, is_event, parse_event
from robot.settings import SimSettings
from robot.sim import CalleeScript, SimServer, load_scripts
from tests.integration.test_sim_conformance import compare, shape

pytestmark = pytest.mark.integration

WAIT_S = 8.0


class EslClient:
    """A bare ESL client for tests: send lines, read framed messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = EslParser()
        self.pending: list[EslMessage] = []
        self.pending_events: list[EslMessage] = []

    @classmethod
    async def open(cls, port: int, password: str = "ClueCon") -> EslClient:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        await client.next()  # auth/request
        await client.send(f"auth {password}")
        return client

    async def next(self) -> EslMessage:
        while not self.pending:
            data = await asyncio.wait_for(self.reader.read(65536), WAIT_S)
            if not data:
                raise ConnectionError("closed")
            self.pending += self.parser.feed(data)
        return self.pending.pop(0)

    async def send(self, line: str, headers: list[tuple[str, str]] | None = None) -> EslMessage:
        self.writer.write(encode_command(line, headers or []))
        while True:
            msg = await self.next()
            if not is_event(msg):
                return msg
            self.pending_events.append(msg)

    async def event(self, name: str, predicate: str = "") -> EslMessage:
        while True:
            if self.pending_events:
                msg = self.pending_events.pop(0)
            else:
                msg = await self.next()
            if is_event(msg):
                ev = parse_event(msg)
                if name in ("", ev.name) and predicate in (ev.subclass, ev.get("Playback-Status"), ev.unique_id, ""):
                    return msg


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    scripts = load_scripts()
    server = SimServer(SimSettings(port=0, missing_file_s=0.3), scripts=scripts)
    await server.start()
    yield server
    await server.close()


async def test_outbound_handoff_matches_capture(sim: SimServer, fixtures_dir: Path) -> None:
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_accept(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await accepted.put((r, w))

    listener = await asyncio.start_server(on_accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    sim.scripts["handoff"] = CalleeScript(name="handoff", dialplan_socket=f"127.0.0.1:{port} async full")
    control = await EslClient.open(sim.port)
    await control.send("event plain BACKGROUND_JOB CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE")
    a_uuid = str(uuid.uuid4())
    await control.send(
        f"bgapi originate {{origination_uuid={a_uuid},robot_campaign=c1,robot_contact=45}}"
        "loopback/handoff/default &park()"
    )
    reader, writer = await asyncio.wait_for(accepted.get(), WAIT_S)
    outbound = EslClient(reader, writer)
    expected_msgs = EslParser().feed((fixtures_dir / "outbound_handoff_received.raw").read_bytes())
    commands = (fixtures_dir / "outbound_handoff_sent.raw").read_bytes().split(b"\n\n")[:-1]
    counts = [1, 1, 2, 3, 8, 2]  # messages the capture got back for each command
    got, expected, start = [], [], 0
    for command, count in zip(commands, counts, strict=True):
        writer.write(command + b"\n\n")
        got.append([shape(await outbound.next()) for _ in range(count)])
        expected.append([shape(m) for m in expected_msgs[start : start + count]])
        start += count
    compare("outbound_handoff", got, expected)
    channel_data = EslParser().feed((fixtures_dir / "outbound_handoff_received.raw").read_bytes())[0]
    assert got[0][0].kind == "command/reply"
    hangups = [parse_event(await control.event("CHANNEL_HANGUP_COMPLETE")) for _ in range(2)]
    assert {h.get("Channel-Name") for h in hangups} == {"loopback/handoff-a", "loopback/handoff-b"}
    assert channel_data.headers["Reply-Text"] == "+OK\n"
    listener.close()


async def test_channel_data_reply_has_capture_headers(sim: SimServer, fixtures_dir: Path) -> None:
    real = EslParser().feed((fixtures_dir / "outbound_handoff_received.raw").read_bytes())[0]
    seen: asyncio.Future[EslMessage] = asyncio.get_running_loop().create_future()

    async def on_accept(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        client = EslClient(r, w)
        w.write(b"connect\n\n")
        seen.set_result(await client.next())
        w.write(b"exit\n\n")

    listener = await asyncio.start_server(on_accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    sim.scripts["h2"] = CalleeScript(name="h2", dialplan_socket=f"127.0.0.1:{port} async full")
    control = await EslClient.open(sim.port)
    await control.send("api originate {robot_campaign=c1,robot_contact=45}loopback/h2/default &park()")
    mine = await asyncio.wait_for(seen, WAIT_S)
    assert list(mine.headers)[-4:] == ["Content-Type", "Reply-Text", "Socket-Mode", "Control"]
    assert mine.headers["Reply-Text"] == "+OK\n" and mine.headers["Event-Name"] == "CHANNEL_DATA"
    assert set(real.headers) - set(mine.headers) == set()
    assert mine.headers["variable_robot_contact"] == "45"
    listener.close()


async def _stream_call(
    sim: SimServer, script: str, rate: str, seconds: float, variables: str = "", setvar: str = ""
) -> tuple[str, list[tuple[float, bytes]]]:
    frames: list[tuple[float, bytes]] = []
    texts: list[str] = []
    done = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        loop = asyncio.get_running_loop()
        async for message in ws:
            if isinstance(message, str):
                texts.append(message)
            else:
                frames.append((loop.time(), message))
                if frames[-1][0] - frames[0][0] >= seconds:
                    done.set()

    async with serve(handler, "127.0.0.1", 0, compression=None) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        client = await EslClient.open(sim.port)
        await client.send("event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM mod_audio_stream::connect")
        a_uuid = str(uuid.uuid4())
        reply = await client.send(
            f"api originate {{origination_uuid={a_uuid}{variables}}}loopback/{script}/default &park()"
        )
        assert reply.body_text == f"+OK {a_uuid}\n"
        if setvar:
            assert (await client.send(f"api uuid_setvar {a_uuid} {setvar}")).body_text == "+OK\n"
        url = f"ws://127.0.0.1:{port}/call/{a_uuid}?token=abc"
        reply = await client.send(f'api uuid_audio_stream {a_uuid} start {url} mono {rate} {{"campaign":"c1"}}')
        assert reply.body_text == "+OK Success\n"
        await client.event("CUSTOM", "mod_audio_stream::connect")
        await asyncio.wait_for(done.wait(), WAIT_S)
        await client.send(f"api uuid_kill {a_uuid}")
        await client.event("CHANNEL_HANGUP_COMPLETE")
    assert texts[0] == '{"campaign":"c1"}'
    return a_uuid, frames


@pytest.mark.parametrize(("rate", "size"), [("16k", 640), ("8k", 320)])
async def test_stream_sends_metadata_then_paced_frames(sim: SimServer, rate: str, size: int) -> None:
    _, frames = await _stream_call(sim, "human", rate, 1.0)
    assert {len(f) for _, f in frames} == {size}
    span = frames[-1][0] - frames[0][0]
    # drift-free: n frames cover (n-1) x 20 ms (first two leave together), within scheduler jitter
    assert abs(span - (len(frames) - 2) * 0.020) < 0.030
    speech = np.frombuffer(b"".join(f for _, f in frames[:40]), dtype="<i2")
    assert np.abs(speech).max() > 1000  # "Allô ? Oui, bonjour." starts at answer


@pytest.mark.parametrize(
    ("variables", "setvar", "rate", "frame_ms", "size"),
    [
        (",STREAM_BUFFER_SIZE=100", "", "16k", 100, 3200),  # an originate variable (dialled calls)
        ("", "STREAM_BUFFER_SIZE 60", "8k", 60, 960),  # uuid_setvar before start (hand-offs)
        (",STREAM_BUFFER_SIZE=50", "", "16k", 20, 640),  # not a multiple of 20: the module keeps 20 ms
    ],
)
async def test_stream_buffer_size_sets_the_frame_size_and_pace(
    sim: SimServer, variables: str, setvar: str, rate: str, frame_ms: int, size: int
) -> None:
    _, frames = await _stream_call(sim, "human", rate, 1.0, variables, setvar)
    assert {len(f) for _, f in frames} == {size}
    span = frames[-1][0] - frames[0][0]
    gaps = len(frames) - (2 if frame_ms == 20 else 1)  # 20 ms: the first two leave together
    assert abs(span - gaps * frame_ms / 1000) < 0.030  # real time: one frame per frame_ms, drift-free


async def test_break_and_bargein_records(sim: SimServer, fixtures_dir: Path) -> None:
    prompt = fixtures_dir / "sounds" / "prompt_fr.wav"
    client = await EslClient.open(sim.port)
    await client.send("event plain PLAYBACK_START PLAYBACK_STOP")
    a_uuid = str(uuid.uuid4())
    await client.send(f"api originate {{origination_uuid={a_uuid}}}loopback/human_bargein/default &park()")
    assert (await client.send(f"api uuid_broadcast {a_uuid} {prompt} aleg")).body_text == "+OK Message sent\n"
    await client.event("PLAYBACK_START", a_uuid)
    while not any(r.anchor == "broadcast 1" for r in sim.speech_log(a_uuid)):
        await client.event("PLAYBACK_START")  # the callee's barge-in segment starts on the B leg
    assert (await client.send(f"api uuid_break {a_uuid} all")).body_text == "+OK\n"
    stop = parse_event(await client.event("PLAYBACK_STOP", "break"))
    assert stop.unique_id == a_uuid and int(stop.variable("playback_last_offset_pos")) > 0
    [record] = sim.playbacks(a_uuid)
    assert record.status == "break" and record.ended is not None and record.ended >= record.started
    bargein = next(r for r in sim.speech_log(a_uuid) if r.anchor == "broadcast 1")
    assert bargein.started - record.started == pytest.approx(0.7, abs=0.1)
    assert (await client.send(f"api uuid_kill {a_uuid}")).body_text == "+OK\n"
    assert (await client.send(f"api uuid_kill {a_uuid}")).body_text in ("+OK\n", "-ERR No such channel!\n")


async def test_playback_done_after_file_duration(sim: SimServer, fixtures_dir: Path) -> None:
    prompt = fixtures_dir / "sounds" / "prompt_fr.wav"
    client = await EslClient.open(sim.port)
    await client.send("event plain PLAYBACK_STOP")
    a_uuid = str(uuid.uuid4())
    await client.send(f"api originate {{origination_uuid={a_uuid}}}loopback/silence/default &park()")
    await client.send(f"api uuid_broadcast {a_uuid} {prompt} aleg")
    stop = parse_event(await client.event("PLAYBACK_STOP", "done"))
    assert stop.get("Playback-File-Path") == str(prompt)
    [record] = sim.playbacks(a_uuid)
    assert record.duration_s == pytest.approx(3.44, abs=0.05)
    assert record.ended is not None and record.ended - record.started == pytest.approx(record.duration_s, abs=0.15)


async def test_hundred_concurrent_calls_complete(sim: SimServer) -> None:
    client = await EslClient.open(sim.port)
    await client.send("event plain BACKGROUND_JOB CHANNEL_HANGUP_COMPLETE")
    quick = CalleeScript(name="quick", hangup_after_ms=300, timeline=sim.scripts["human"].timeline)
    sim.scripts["quick"] = quick
    for _ in range(100):
        await client.send(f"bgapi originate {{origination_uuid={uuid.uuid4()}}}loopback/quick/default &park()")
    jobs = hangups = 0
    while hangups < 200:
        ev = parse_event(await client.event(""))
        jobs += ev.name == "BACKGROUND_JOB" and ev.body.startswith("+OK")
        hangups += ev.name == "CHANNEL_HANGUP_COMPLETE"
    assert jobs == 100
    assert all(call.hung_up.is_set() for call in sim.calls.values())


async def test_wrong_password_is_refused(sim: SimServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    client = EslClient(reader, writer)
    await client.next()
    writer.write(b"auth nope\n\n")
    assert (await client.next()).reply_text == "-ERR invalid"
    assert (await client.next()).content_type == "text/disconnect-notice"
    assert await reader.read() == b""


async def test_stream_stop_text_and_refused_handshake(sim: SimServer) -> None:
    received: list[str | bytes] = []
    closed: asyncio.Future[tuple[int | None, str | None]] = asyncio.get_running_loop().create_future()

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            received.append(message)
        closed.set_result((ws.close_code, ws.close_reason))

    def auth(conn: ServerConnection, request: Request) -> Response | None:
        return conn.respond(401, "no token\n") if "token=good" not in (request.path or "") else None

    async with serve(handler, "127.0.0.1", 0, process_request=auth, compression=None) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]
        client = await EslClient.open(sim.port)
        await client.send("event plain CUSTOM mod_audio_stream::connect mod_audio_stream::error")
        a_uuid = str(uuid.uuid4())
        await client.send(f"api originate {{origination_uuid={a_uuid}}}loopback/silence/default &park()")
        bad = f"ws://127.0.0.1:{port}/call/{a_uuid}?token=bad"
        assert (await client.send(f"api uuid_audio_stream {a_uuid} start {bad} mono 8k m")).body_text == "+OK Success\n"
        error = parse_event(await client.event("CUSTOM", "mod_audio_stream::error"))
        assert '"code":6' in error.body and "401" in error.body
        good = f"ws://127.0.0.1:{port}/call/{a_uuid}?token=good"
        await client.send(f"api uuid_audio_stream {a_uuid} start {good} mono 8k meta data")
        await client.event("CUSTOM", "mod_audio_stream::connect")
        reply = await client.send(f"api uuid_audio_stream {a_uuid} stop bye now")
        assert reply.body_text == "+OK Success\n"
        assert await asyncio.wait_for(closed, WAIT_S) == (1000, "Normal closure")
    assert received[0] == "meta data" and received[-1] == "bye now"
    assert {len(m) for m in received[1:-1]} <= {320}
