"""`robot asr serve` on loopback with the real Whisper base model: TCP clients on raw sockets (format, words, two at
once, bad input), the WebSocket contract (ready -> audio -> flush -> final, auth, bad rate, odd bytes), the CLI
client, and the same streaming VAD on a file and on 20 ms / 250 ms chunks (same segments, same committed text)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from robot.asr.engine import AsrEngine
from robot.asr.service import AsrService
from robot.asr.service.client import ClientOptions, run_client
from robot.asr.service.stream import EngineRecognize, new_session
from robot.asr.vad import SileroModel
from robot.commands.asr_cmd import serve
from robot.events import Word
from robot.media.audio import read_wav_16k
from robot.settings import Settings, SimSettings
from robot.sim import SimServer

from .asr_kit import BASE, STARTER, base_engine, need_base, pcm
from .campaign_faults_kit import REPO, free_port

pytestmark = pytest.mark.integration

LINE = re.compile(r"^(\d+) (\d+) (\S.*)$")
engine = pytest.fixture(scope="module")(base_engine)


@pytest.fixture
async def service(engine: AsrEngine) -> AsyncIterator[AsrService]:
    s = Settings()
    settings = s.asr_service.model_copy(update={"tcp_port": 0, "ws_port": 0, "token": SecretStr("s3cret")})
    async with AsrService(engine, settings, s.vad) as svc:
        yield svc


async def tcp_lines(port: int | None, data: bytes, piece: int = 6400) -> list[str]:
    assert port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for i in range(0, len(data), piece):
        writer.write(data[i : i + piece])
        await writer.drain()
    writer.write_eof()
    lines = [line.decode().rstrip("\n") async for line in reader]
    writer.close()
    return lines


def words_of(lines: list[str]) -> str:
    return " ".join(m.group(3) for m in map(LINE.match, lines) if m).lower()


async def test_tcp_raw_socket_gets_whisper_streaming_lines(service: AsrService) -> None:
    lines = await tcp_lines(service.tcp_port, pcm("ast_vm-intro.wav"))
    assert lines and all(LINE.match(line) for line in lines), lines
    times = [(int(m.group(1)), int(m.group(2))) for m in map(LINE.match, lines) if m]
    assert all(beg <= end for beg, end in times)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))  # never back in time
    assert times[-1][1] <= 7300
    text = words_of(lines)
    for word in ("laisser", "votre", "message", "terminé"):
        assert word in text, text


async def test_two_tcp_clients_at_once(service: AsrService) -> None:
    a, b = await asyncio.gather(
        tcp_lines(service.tcp_port, pcm("ast_vm-intro.wav")),
        tcp_lines(service.tcp_port, pcm("ast_vm-nobodyavail.wav")),
    )
    assert "message" in words_of(a) and "personne" not in words_of(a)
    assert "personne" in words_of(b) and "appel" in words_of(b)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"hello server, please transcribe\n", "text received"),
        (b"\x00\x00" * 800 + b"\x01", "odd byte"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes.fromhex("01000100401f0000803e000002001000"), "8000"),
    ],
)
async def test_tcp_bad_input_gets_an_error_line_and_others_go_on(service: AsrService, data: bytes, reason: str) -> None:
    good = asyncio.create_task(tcp_lines(service.tcp_port, pcm("ast_vm-nobodyavail.wav")))
    lines = await tcp_lines(service.tcp_port, data)
    assert lines and lines[-1].startswith("ERROR ") and reason in lines[-1], lines
    assert "personne" in words_of(await good)
    assert service.ctx.clients == 0


async def test_ws_ready_audio_flush_final(service: AsrService) -> None:
    url = f"ws://127.0.0.1:{service.ws_port}/?token=s3cret&sample_rate=16000"
    async with connect(url) as ws:
        ready = json.loads(await ws.recv())
        assert ready == {"type": "ready", "sample_rate": 16000, "policy": "localagreement", "format": "pcm"}
        data = pcm("ast_vm-nobodyavail.wav")
        for i in range(0, len(data), 8000):
            await ws.send(data[i : i + 8000])
        await ws.send("flush")
        finals: list[str] = []
        while (message := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "flushed":
            assert message["type"] in ("partial", "final"), message
            if message["type"] == "final":
                assert message["beg_ms"] <= message["end_ms"]
                finals.append(message["text"])
        text = " ".join(finals).lower()
        assert "personne" in text and "appel" in text, text
        await ws.send(b"\x01\x02\x03")  # odd byte count: a clear error, then the stream closes
        error = json.loads(await ws.recv())
        assert error["type"] == "error" and "3 bytes" in error["message"]


async def test_ws_auth_and_declared_rate(service: AsrService) -> None:
    with pytest.raises(InvalidStatus, match="401"):
        async with connect(f"ws://127.0.0.1:{service.ws_port}/?token=wrong"):
            pass
    async with connect(f"ws://127.0.0.1:{service.ws_port}/?token=s3cret&sample_rate=8000") as ws:
        error = json.loads(await ws.recv())
        assert error["type"] == "error" and "16000" in error["message"]


async def test_cli_client_over_both_servers(service: AsrService, tmp_path: Path) -> None:
    raw = tmp_path / "clip.raw"
    raw.write_bytes(pcm("ast_vm-nobodyavail.wav"))
    for url in (f"tcp://127.0.0.1:{service.tcp_port}", f"ws://127.0.0.1:{service.ws_port}"):
        lines: list[str] = []
        options = ClientOptions(url=url, fast=True, token="s3cret", policy="alignatt")
        await run_client(str(raw), options, lines.append, lines.append)
        assert all(LINE.match(line) for line in lines) and "appel" in words_of(lines), (url, lines)


class Memo:
    """The engine, remembered by (audio, prompt, final): a later run with identical requests never misses."""

    def __init__(self, inner: EngineRecognize) -> None:
        self.inner = inner
        self.cache: dict[tuple[str, str, bool], list[Word] | None] = {}
        self.misses = 0

    async def __call__(self, audio: np.ndarray, prompt: str, final: bool) -> list[Word] | None:
        key = (hashlib.sha1(audio.tobytes()).hexdigest(), prompt, final)
        if key not in self.cache:
            self.misses += 1
            self.cache[key] = await self.inner(audio, prompt, final)
        return self.cache[key]


async def test_same_vad_segments_and_text_on_a_file_and_on_chunks(engine: AsrEngine) -> None:
    s = Settings()
    settings = s.asr_service.model_copy(update={"step_ms": 1000})
    clip = read_wav_16k(STARTER / "ast_vm-intro.wav")
    memo = Memo(EngineRecognize(engine, 30.0))
    vad_model = SileroModel()
    results = []
    for chunk in (None, 320, 4000):  # the whole file, 20 ms, 250 ms
        session = new_session(settings, s.vad, vad_model, catch_up=False)
        committed: list[str] = []
        pieces = [clip] if chunk is None else [clip[i : i + chunk] for i in range(0, clip.size, chunk)]
        for i, piece in enumerate(pieces):
            session.feed(piece)
            if i == len(pieces) - 1:
                session.end()
            while (req := session.next_request()) is not None:
                out = session.complete(await memo(req.audio, req.prompt, req.final))
                committed.extend(w.text for w in out.committed)
        results.append((session.segments, " ".join(committed)))
        if chunk is None:
            misses = memo.misses
    assert results[0][0] and "message" in results[0][1].lower()
    assert results[1] == results[0] and results[2] == results[0]
    assert memo.misses == misses  # the chunked runs asked for exactly the file's recognitions


async def test_robot_asr_serve_and_client_commands(tmp_path: Path) -> None:
    """The README recipe without a microphone: `robot asr serve`, then raw PCM on stdin into `robot asr client -`."""
    need_base()
    robot = str(Path(sys.executable).with_name("robot"))
    env = {**os.environ, "ROBOT_ASR__LOCAL_FILES_ONLY": "true"}
    server = await asyncio.create_subprocess_exec(
        robot, "asr", "serve", "--tcp-port", "0", "--ws-port", "0", "--model", str(BASE),
        stdout=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        port = None
        async with asyncio.timeout(60):
            while port is None:
                line = (await server.stdout.readline()).decode()
                assert line, "robot asr serve exited"
                if match := re.search(r"TCP .* on [\d.]+:(\d+)", line):
                    port = int(match.group(1))
        client = await asyncio.create_subprocess_exec(
            robot, "asr", "client", "-", "--fast", "--url", f"tcp://127.0.0.1:{port}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(client.communicate(pcm("ast_vm-nobodyavail.wav")), 60)
        lines = out.decode().splitlines()
        assert client.returncode == 0 and lines and all(LINE.match(line) for line in lines), lines
        assert "appel" in words_of(lines)
    finally:
        server.terminate()
        assert await server.wait() == 0


async def test_service_with_the_robot_shares_its_engine(tmp_path: Path) -> None:
    """`robot asr serve --with-robot`: the robot (hand-off, audio server, FreeSWITCH simulator on ESL) and the
    service in one process, one model; a TCP client is served while the robot runs."""
    need_base()
    tcp_port = free_port()
    async with SimServer(SimSettings.model_validate({"port": 0})) as sim:
        settings = Settings.model_validate(
            {
                "esl": {"port": sim.port, "outbound_port": 0},
                "media": {"port": 0},
                "asr": {"model": str(BASE), "local_files_only": True},
                "amd": {"keywords_file": str(REPO / "amd_keywords.yaml")},
                "campaign": {"metrics_port": 0},
                "log": {"call_log": str(tmp_path / "calls.jsonl")},
                "asr_service": {"tcp_port": tcp_port, "ws_port": 0},
            }
        )
        ready = asyncio.Event()
        task = asyncio.create_task(serve(settings, ready, with_robot=True))
        try:
            await asyncio.wait_for(ready.wait(), timeout=60)
            lines = await tcp_lines(tcp_port, pcm("ast_vm-nobodyavail.wav"))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert "appel" in words_of(lines), lines


async def test_ws_webm_that_does_not_decode_gets_an_error(service: AsrService) -> None:
    async with connect(f"ws://127.0.0.1:{service.ws_port}/?token=s3cret&format=webm") as ws:
        assert json.loads(await ws.recv())["format"] == "webm"
        await ws.send(b"not a webm stream" * 64)
        await ws.send("end")
        error = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert error["type"] == "error" and "WebM/Opus" in error["message"], error


async def test_clients_beyond_the_limit_are_told_so(engine: AsrEngine) -> None:
    s = Settings()
    settings = s.asr_service.model_copy(update={"tcp_port": 0, "ws_port": 0, "max_clients": 1})
    async with AsrService(engine, settings, s.vad) as svc:
        assert svc.tcp_port is not None
        first = await asyncio.open_connection("127.0.0.1", svc.tcp_port)
        await asyncio.sleep(0.1)  # admitted
        lines = await tcp_lines(svc.tcp_port, pcm("ast_hello.wav"))
        assert lines == ["ERROR server full (1 clients)"]
        with pytest.raises(InvalidStatus, match="503"):
            async with connect(f"ws://127.0.0.1:{svc.ws_port}/"):
                pass
        first[1].close()
