"""The WebSocket server that receives mod_audio_stream audio, one connection per call.

Routing and auth happen at the HTTP upgrade (`process_request`), before any audio is accepted:
- a path that is not `/call/<uuid>` -> 404;
- a missing or wrong token (see robot.media.tokens) -> 401;
- a call that is not open (unknown, or already closed) -> 403.
Refusals are logged with the path but never the token.

A second connection for a call that is still connected REPLACES the first (the old one is closed with 1000
"replaced", without disconnect callbacks): after a network blip the restarted stream must win over a half-dead one.
`close_call` closes the live connection with 1000 and completes the closing handshake (FreeSWITCH's hangup waits for
it). Keepalive pings are off by default: mod_audio_stream sends a frame every 20 ms, so `CallAudio.last_frame_at`
shows a stalled stream.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosedError
from websockets.http11 import Request, Response

from robot.clock import Clock, SystemClock
from robot.errors import MediaError
from robot.media.call_audio import CallAudio
from robot.media.tokens import stream_token, verify_token
from robot.media.wire import CALL_PATH_PREFIX, canonical_uuid, parse_stream_path
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
        self._server: Server | None = None
        self._port: int | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen on settings.host:settings.port (0 = an ephemeral port, see `.port`)."""
        if self._server is not None:
            raise MediaError("audio server already started")
        s = self.settings
        self._server = await serve(
            self._handle,
            s.host,
            s.port,
            process_request=self._process_request,
            compression=None,
            max_size=s.max_frame_bytes * 2,
            ping_interval=s.ping_interval_s,
            close_timeout=s.close_timeout_s,
            logger=_ws_log,
        )
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
                buffer_frames=self.settings.buffer_frames,
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

    # -- websockets callbacks -------------------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = _path_only(request.path)
        try:
            stream = parse_stream_path(request.path)
        except MediaError as err:
            log.warning("refused audio stream from %s: %s", connection.remote_address, err)
            return connection.respond(HTTPStatus.NOT_FOUND, "not a call stream path\n")
        if stream.token is None or not verify_token(self.settings.secret, stream.call_uuid, stream.token):
            why = "missing token" if stream.token is None else "wrong token"
            log.warning("refused audio stream %s from %s: %s", path, connection.remote_address, why)
            return connection.respond(HTTPStatus.UNAUTHORIZED, "bad stream token\n")
        call = self._calls.get(stream.call_uuid)
        if call is None or call.closed:
            log.warning("refused audio stream %s from %s: call not open", path, connection.remote_address)
            return connection.respond(HTTPStatus.FORBIDDEN, "call not open\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        call_uuid = parse_stream_path(connection.request.path).call_uuid if connection.request else ""
        call = self._calls.get(call_uuid)
        if call is None or call.closed:  # closed between the upgrade and now
            await connection.close(1008, "call not open")
            return
        previous = call.attach(connection)
        log.info("call %s: audio stream connected (connection %d)", call_uuid, call.stats.connections)
        if previous is not None:
            log.warning("call %s: new audio connection replaces the previous one", call_uuid)
            self._spawn(previous.close(1000, "replaced"))
        try:
            async for message in connection:
                if isinstance(message, str):
                    call.on_text(message)
                else:
                    call.on_binary(message)
        except ConnectionClosedError as err:
            log.warning("call %s: audio stream dropped: %s", call_uuid, err)
        finally:
            if call.detach(connection):
                log.info("call %s: audio stream closed while the call is open", call_uuid)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro, name="robot.media.close-replaced")
        self._background.add(task)
        task.add_done_callback(self._background.discard)
