"""The WebSocket server (JSON contract) and the browser page, on the same port.

Plain HTTP GET `/` serves the page (static/index.html, static/pcm-worklet.js). A WebSocket upgrade on any path
opens a stream; query parameters: `token` (when asr_service.token is set; else 401 at the upgrade), `policy`
(localagreement | alignatt), `format` (pcm = binary PCM16LE mono 16 kHz messages, the default; webm = MediaRecorder
Opus/WebM chunks, decoded on the server), `sample_rate` (if given for pcm, it must be 16000).

server -> client: {"type":"ready","sample_rate":16000,"policy":..,"format":..}, {"type":"partial","text","beg_ms",
"end_ms"}, {"type":"final","beg_ms","end_ms","text"} for each committed piece, {"type":"flushed"} once a `flush`
is done, {"type":"error","message"} (then the stream closes when the error makes the audio unusable).
client -> server: binary audio; text `flush` (or {"type":"flush"}); text `end` (or {"type":"end"}) finishes the
stream: the last words come, then the server closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from robot.asr.alignatt import POLICIES
from robot.asr.service.session import Output
from robot.asr.service.stream import ClientStream, format_line
from robot.asr.service.tcp import ServiceContext
from robot.asr.service.webm import WebmDecoder
from robot.asr.service.wire import RATE, InputError, samples_from

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAGES = {"/": ("index.html", "text/html"), "/pcm-worklet.js": ("pcm-worklet.js", "text/javascript")}


def _query(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def _options(query: dict[str, str], default_policy: str) -> tuple[str, str]:
    """(policy, format) from the query; InputError explains a wrong value."""
    policy = query.get("policy", default_policy)
    if policy not in POLICIES:
        raise InputError(f"policy={policy!r}: use one of {', '.join(POLICIES)}")
    fmt = query.get("format", "pcm")
    if fmt not in ("pcm", "webm"):
        raise InputError(f"format={fmt!r}: use pcm (PCM16LE mono 16 kHz) or webm (MediaRecorder Opus/WebM)")
    rate = query.get("sample_rate")
    if fmt == "pcm" and rate is not None and rate != str(RATE):
        raise InputError(f"sample_rate={rate}: this server takes {RATE} Hz PCM16LE mono; resample on the client")
    return policy, fmt


class JsonEmitter:
    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.last_end_ms = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message, ensure_ascii=False))

    async def emit(self, output: Output) -> None:
        if output.committed:
            line, self.last_end_ms = format_line(output.committed, self.last_end_ms)
            beg, end, text = line.split(" ", 2)
            await self.send({"type": "final", "beg_ms": int(beg), "end_ms": int(end), "text": text})
        if output.partial or not output.final:
            words = output.partial
            await self.send(
                {
                    "type": "partial",
                    "text": " ".join(w.text for w in words),
                    "beg_ms": round(words[0].start * 1000) if words else self.last_end_ms,
                    "end_ms": round(words[-1].end * 1000) if words else self.last_end_ms,
                }
            )

    async def flushed(self) -> None:
        await self.send({"type": "flushed"})


class WsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if request.headers.get("Upgrade", "").lower() != "websocket":
            page = PAGES.get(path)
            if page is None:
                return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
            response = connection.respond(HTTPStatus.OK, (STATIC / page[0]).read_text(encoding="utf-8"))
            response.headers["Content-Type"] = f"{page[1]}; charset=utf-8"
            return response
        token = self.ctx.settings.token
        if token is not None:
            given = _query(request.path).get("token", "")
            if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
                return connection.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong token\n")
        if self.ctx.clients >= self.ctx.settings.max_clients:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "server full\n")
        return None

    async def handle(self, ws: ServerConnection) -> None:
        emitter = JsonEmitter(ws)
        try:
            policy, fmt = _options(_query(ws.request.path if ws.request else "/"), self.ctx.settings.policy)
        except InputError as err:
            await emitter.send({"type": "error", "message": str(err)})
            await ws.close(1008, "bad parameters")
            return
        if not self.ctx.admit():
            await ws.close(1013, "server full")
            return
        stream = self.ctx.stream(emitter.emit, policy)
        stream.on_flushed = emitter.flushed
        runner = asyncio.create_task(stream.run(), name="asr-ws-stream")
        decoder = WebmDecoder() if fmt == "webm" else None
        pump = asyncio.create_task(self._pump(decoder, stream), name="asr-ws-webm") if decoder else None
        try:
            await emitter.send({"type": "ready", "sample_rate": RATE, "policy": policy, "format": fmt})
            await self._receive(ws, emitter, stream, decoder)
            if decoder is not None and pump is not None:
                await decoder.end()
                await pump
                if decoder.error:
                    raise InputError(decoder.error)
            stream.end()
            await runner
            await ws.close()
        except InputError as err:
            with contextlib.suppress(ConnectionClosed):
                await emitter.send({"type": "error", "message": str(err)})
                await ws.close(1007, "bad audio")
        except ConnectionClosed:
            pass
        finally:
            for task in (runner, pump):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await task
            if decoder is not None:
                await decoder.end()
            self.ctx.leave()

    async def _receive(
        self, ws: ServerConnection, emitter: JsonEmitter, stream: ClientStream, decoder: WebmDecoder | None
    ) -> None:
        """Until `end` or the client closes."""
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                if isinstance(message, bytes):
                    if decoder is not None:
                        await decoder.push(message)
                        if decoder.error is not None:  # say it now, not when the client stops
                            raise InputError(decoder.error)
                    else:
                        await stream.feed(samples_from(message))
                    continue
                command = _command(message)
                if command == "flush":
                    if decoder is None:
                        stream.flush()
                    else:
                        await emitter.send({"type": "error", "message": "flush is for pcm streams; send end"})
                elif command == "end":
                    return
                else:
                    await emitter.send({"type": "error", "message": f"unknown command {message[:40]!r}"})

    async def _pump(self, decoder: WebmDecoder, stream: ClientStream) -> None:
        while (block := await decoder.pcm()) is not None:
            await stream.feed(block)


def _command(text: str) -> str:
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return ""
        return str(data.get("type", "")) if isinstance(data, dict) else ""
    return text


async def start_ws(ctx: ServiceContext, host: str, port: int) -> Server:
    service = WsService(ctx)
    return await serve(
        service.handle,
        host,
        port,
        process_request=service.process_request,
        compression=None,
        max_size=ctx.settings.max_message_bytes,
        max_queue=16,
        ping_interval=None,
    )
