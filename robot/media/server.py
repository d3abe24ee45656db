"""The WebSocket server that receives mod_audio_stream audio, one connection per call.

Each connection is a robot.media.ws_protocol.StreamConnection (an asyncio.Protocol over websockets' Sans-I/O
ServerProtocol): frames go straight from the socket read into the call's bounded queue, with no per-frame Task.

Routing and auth happen at the HTTP upgrade (`route`), before any audio is accepted:
- a path that is not `/call/<uuid>` -> 404;
- a missing or wrong token (see robot.media.tokens) -> 401;
- a call that is not open (unknown, or already closed) -> 403.
Refusals are logged with the path but never the token.

A second connection for a call that is still connected REPLACES the first (the old one is closed with 1000
"replaced", without disconnect callbacks): after a network blip the restarted stream must win over a half-dead one.
`close_call` closes the live connection with 1000 and completes the closing handshake (FreeSWITCH's hangup waits for
it). Keepalive pings are off by default: mod_audio_stream sends a frame every media.stream_buffer_ms, so
`CallAudio.last_frame_at` shows a stalled stream.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.http11 import Request, Response

from robot.clock import Clock, SystemClock
from robot.errors import MediaError
from robot.media.call_audio import CallAudio
from robot.media.tokens import stream_token, verify_token
from robot.media.wire import CALL_PATH_PREFIX, canonical_uuid, parse_stream_path
from robot.media.ws_protocol import ReadBuffer, StreamConnection
from robot.settings import MediaSettings

log = logging.getLogger(__name__)

_TOKEN_IN_TEXT = re.compile(r"token=[^&\s]*")


class _RedactTokens(logging.Filter):
    """Keeps stream tokens out of websockets' own (debug) log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg = _TOKEN_IN_TEXT.sub("token=<redacted>", message)
            record.args = None
        return True


_ws_log = logging.getLogger("robot.media.websockets")
_ws_log.addFilter(_RedactTokens())


def _path_only(path: str) -> str:
    return path.split("?", 1)[0]


class AudioServer:
    """Accepts mod_audio_stream connections for the calls opened with `open_call`."""

    def __init__(self, settings: MediaSettings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._calls: dict[str, CallAudio] = {}
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._connections: set[StreamConnection] = set()
        self._read_buffer = ReadBuffer()
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen on settings.host:settings.port (0 = an ephemeral port, see `.port`)."""
        if self._server is not None:
            raise MediaError("audio server already started")
        s = self.settings
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._new_connection, s.host, s.port)
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("audio server listening on %s:%d", s.host, self._port)

    @property
    def port(self) -> int:
        if self._port is None:
            raise MediaError("audio server not started")
        return self._port

    async def close(self) -> None:
        """Close every call's stream, then stop listening."""
        for call_uuid in list(self._calls):
            await self.close_call(call_uuid)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        stragglers = list(self._connections)  # refused or half-open connections: each has a bounded close
        await asyncio.gather(*(conn.close(1001, "server shutting down") for conn in stragglers))
        for task in list(self._background):
            await task

    def stream_url(self, call_uuid: str) -> str:
        """The URL to give `uuid_audio_stream <uuid> start` (public_url + /call/<uuid>?token=...)."""
        call_uuid = canonical_uuid(call_uuid)
        base = self.settings.public_url.rstrip("/")
        if self.settings.port == 0 and self._port is not None:
            parts = urlsplit(base)
            host = parts.hostname or self.settings.host
            host = f"[{host}]" if ":" in host else host
            base = urlunsplit((parts.scheme, f"{host}:{self._port}", parts.path, "", ""))
        token = stream_token(self.settings.secret, call_uuid)
        return f"{base}{CALL_PATH_PREFIX}{call_uuid}?token={token}"

    def open_call(self, call_uuid: str, *, rate: int | None = None) -> CallAudio:
        """Expect a stream for `call_uuid` (at `rate` Hz, default settings.stream_rate); idempotent while open."""
        call_uuid = canonical_uuid(call_uuid)
        call = self._calls.get(call_uuid)
        if call is None:
            call = CallAudio(
                call_uuid,
                rate=rate if rate is not None else self.settings.stream_rate,
                max_frame_bytes=self.settings.max_frame_bytes,
                buffer_frames=max(1, round(self.settings.buffer_s * 1000 / self.settings.stream_buffer_ms)),
                clock=self._clock,
            )
            self._calls[call_uuid] = call
        return call

    def get_call(self, call_uuid: str) -> CallAudio | None:
        return self._calls.get(call_uuid.lower())

    async def close_call(self, call_uuid: str) -> None:
        """The call is over: end its chunk stream, close its WebSocket (1000) and wait for the closing handshake."""
        call = self._calls.pop(call_uuid.lower(), None)
        if call is None:
            return
        connection = call.close()
        if connection is not None:
            await connection.close(1000, "call closed")
        log.info("call %s: audio closed, stats %s", call.call_uuid, call.stats.as_dict())

    # -- StreamConnection callbacks (robot.media.ws_protocol.StreamRouter) --------------------------------------
    def _new_connection(self) -> StreamConnection:
        s = self.settings
        connection = StreamConnection(
            self,
            self._read_buffer,
            max_size=s.max_frame_bytes * 2,
            open_timeout_s=s.open_timeout_s,
            close_timeout_s=s.close_timeout_s,
            ping_interval_s=s.ping_interval_s,
            ws_logger=_ws_log,
        )
        self._connections.add(connection)
        return connection

    def route(self, connection: StreamConnection, request: Request) -> Response | CallAudio:
        path = _path_only(request.path)
        try:
            stream = parse_stream_path(request.path)
        except MediaError as err:
            log.warning("refused audio stream from %s: %s", connection.peer, err)
            return connection.reject(HTTPStatus.NOT_FOUND, "not a call stream path\n")
        if stream.token is None or not verify_token(self.settings.secret, stream.call_uuid, stream.token):
            why = "missing token" if stream.token is None else "wrong token"
            log.warning("refused audio stream %s from %s: %s", path, connection.peer, why)
            return connection.reject(HTTPStatus.UNAUTHORIZED, "bad stream token\n")
        call = self._calls.get(stream.call_uuid)
        if call is None or call.closed:
            log.warning("refused audio stream %s from %s: call not open", path, connection.peer)
            return connection.reject(HTTPStatus.FORBIDDEN, "call not open\n")
        return call

    def accepted(self, connection: StreamConnection, call: CallAudio) -> None:
        previous = call.attach(connection)
        log.info("call %s: audio stream connected (connection %d)", call.call_uuid, call.stats.connections)
        if previous is not None:
            log.warning("call %s: new audio connection replaces the previous one", call.call_uuid)
            self._spawn(previous.close(1000, "replaced"))

    def connection_closed(self, connection: StreamConnection) -> None:
        self._connections.discard(connection)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro, name="robot.media.close-replaced")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
