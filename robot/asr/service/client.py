"""`robot asr client`: stream a WAV or raw 16 kHz S16LE PCM (a file, or stdin) to the TCP or WebSocket server at
real-time pace (or as fast as the server reads), and print the committed lines `<beg_ms> <end_ms> <text>`.

Real-time pace: chunk k is sent no earlier than k * chunk_ms after the first, so a live source (arecord) is
forwarded as it comes and a file plays as if spoken.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode, urlsplit

from websockets.asyncio.client import connect

from robot.asr.service.wire import RATE, InputError, PcmStream
from robot.media.audio import read_wav_16k

Printer = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ClientOptions:
    url: str = "tcp://127.0.0.1:43007"
    chunk_ms: int = 100
    fast: bool = False
    policy: str | None = None
    token: str | None = None
    partials: bool = False


class ClientError(Exception):
    """The server refused the stream or answered an error (message for the user)."""


def read_pcm_file(path: Path) -> bytes:
    """A WAV (any rate, resampled) or a raw 16 kHz S16LE file, as S16LE bytes."""
    with path.open("rb") as head:
        is_wav = head.read(4) == b"RIFF"
    data = read_wav_16k(path).astype("<i2").tobytes() if is_wav else path.read_bytes()
    if len(data) % 2:
        raise InputError(f"{path}: {len(data)} bytes is not whole S16LE samples")
    return data


async def _stdin_chunks(stream: BinaryIO, chunk_bytes: int) -> AsyncIterator[bytes]:
    read1 = getattr(stream, "read1", stream.read)
    while data := await asyncio.to_thread(read1, chunk_bytes):
        yield data


async def pcm_chunks(source: str, chunk_ms: int, stdin: BinaryIO | None = None) -> AsyncIterator[bytes]:
    """16 kHz S16LE bytes in pieces of `chunk_ms` (the last may be shorter). A WAV file of any rate is resampled;
    stdin may be raw PCM or a 16 kHz mono WAV."""
    chunk_bytes = RATE * chunk_ms // 1000 * 2
    if source != "-":
        data = await asyncio.to_thread(read_pcm_file, Path(source))
        for i in range(0, len(data), chunk_bytes):
            yield data[i : i + chunk_bytes]
        return
    pcm = PcmStream()
    pending = b""
    async for data in _stdin_chunks(stdin or sys.stdin.buffer, chunk_bytes):
        pending += pcm.push(data).astype("<i2").tobytes()
        while len(pending) >= chunk_bytes:
            yield pending[:chunk_bytes]
            pending = pending[chunk_bytes:]
    pcm.close()
    if pending:
        yield pending


async def paced(chunks: AsyncIterator[bytes], fast: bool) -> AsyncIterator[bytes]:
    started = time.monotonic()
    sent_s = 0.0
    async for chunk in chunks:
        if not fast:
            delay = started + sent_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        yield chunk
        sent_s += len(chunk) / 2 / RATE


async def run_client(source: str, options: ClientOptions, out: Printer, err: Printer) -> None:
    scheme = urlsplit(options.url).scheme
    audio = paced(pcm_chunks(source, options.chunk_ms), options.fast)
    if scheme == "tcp":
        await _tcp(options.url, audio, out)
    elif scheme in ("ws", "wss"):
        await _ws(options, audio, out, err)
    else:
        raise ClientError(f"{options.url}: use tcp://host:port or ws://host:port")


async def _tcp(url: str, audio: AsyncIterator[bytes], out: Printer) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 43007)

    async def send() -> None:
        async for chunk in audio:
            writer.write(chunk)
            await writer.drain()
        writer.write_eof()

    sender = asyncio.create_task(send(), name="asr-client-send")
    try:
        while line := await reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\n")
            if text.startswith("ERROR "):
                raise ClientError(text[6:])
            out(text)
        await sender
    finally:
        sender.cancel()
        writer.close()


async def _ws(options: ClientOptions, audio: AsyncIterator[bytes], out: Printer, err: Printer) -> None:
    query = {k: v for k, v in (("policy", options.policy), ("token", options.token)) if v}
    parts = urlsplit(options.url)
    url = parts._replace(query=urlencode({"format": "pcm", **query})).geturl()
    async with connect(url, compression=None, max_size=1 << 20) as ws:
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            raise ClientError(ready.get("message", f"unexpected first message {ready}"))

        async def send() -> None:
            async for chunk in audio:
                await ws.send(chunk)
            await ws.send("end")

        sender = asyncio.create_task(send(), name="asr-client-send")
        try:
            async for message in ws:
                data = json.loads(message)
                kind = data.get("type")
                if kind == "final":
                    out(f"{data['beg_ms']} {data['end_ms']} {data['text']}")
                elif kind == "partial" and options.partials and data.get("text"):
                    err(f"... {data['text']}")
                elif kind == "error":
                    raise ClientError(str(data.get("message")))
        finally:
            sender.cancel()
