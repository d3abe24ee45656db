"""One mod_audio_stream WebSocket connection: an asyncio.Protocol around websockets' Sans-I/O ServerProtocol.

websockets' `ServerProtocol` keeps RFC 6455 correct (handshake, unmasking, control frames, fragmentation limits,
close handshake, pong replies); this class only moves bytes and hands frames over. There is no Task, future or
message queue per frame: `receive` parses the bytes and feeds each binary message straight into the call's
bounded queue (`CallAudio.on_binary`).

It is an asyncio.BufferedProtocol: the socket is read with recv_into() a buffer shared by all connections
(`ReadBuffer`: the loop runs one callback at a time and `receive` copies what it keeps). A plain asyncio.Protocol is
read with sock.recv(256 KiB), a 256 KiB allocation per read: ~4 us per read once the allocator has adapted, but
measured ~16 us per read for the first tens of thousands of reads of a fresh process; recv_into never pays that.

Fast path, once the connection is OPEN: this class cuts the byte stream into whole frames itself (`_frames`); a
complete, final, masked BINARY frame without RSV bits, no larger than max_size and outside a fragmented message (every
audio frame of mod_audio_stream) is unmasked (websockets' C `apply_mask`) and handed to the call directly; every other
frame (text, control, fragments, anything malformed or too big) goes WHOLE to the ServerProtocol, which therefore
always sees frame boundaries and keeps every RFC 6455 check and answer (pong, close, 1002/1009 failures). The HTTP
request is fed to the protocol up to its blank line (a GET has no body), so the protocol parses no frame before the
fast path starts. Measured (benchmarks/results/ws_receive.json): the Python work of websockets' frame parser was a
large share of the CPU per frame.

The owner (AudioServer) implements `StreamRouter`: `route` decides at the HTTP upgrade (a refusal Response, or the
CallAudio to feed), `connection_closed` hears when the TCP connection is gone.

Timers, all on the loop: an opening handshake not done within `open_timeout_s` is aborted; once a close frame or EOF
was sent, the peer has `close_timeout_s` to finish the closing handshake before the socket is aborted; optional
keepalive pings every `ping_interval_s` (a ping still unanswered at the next tick fails the connection, 1011).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Protocol, cast

from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import SEND_EOF, State
from websockets.server import ServerProtocol

try:
    from websockets.speedups import apply_mask  # C, as websockets' own parser uses when it is built
except ImportError:  # pragma: no cover - a websockets build without its C extension
    from websockets.utils import apply_mask

from robot.media.call_audio import CallAudio

log = logging.getLogger(__name__)

_BINARY, _TEXT, _CONT, _PONG, _CLOSE = Opcode.BINARY, Opcode.TEXT, Opcode.CONT, Opcode.PONG, Opcode.CLOSE
_OPEN, _CLOSED, _CONNECTING = State.OPEN, State.CLOSED, State.CONNECTING
_FIN_BINARY = 0x82  # FIN, no RSV bits, opcode BINARY: the first header byte of every mod_audio_stream audio frame
_HEAD_MAX = 64 * 1024  # request bytes looked through for its end; past that the protocol alone decides


class StreamRouter(Protocol):
    """What a StreamConnection asks its server."""

    def route(self, connection: StreamConnection, request: Request) -> Response | CallAudio:
        """A refusal (built with `connection.reject`), or the open call this stream feeds."""

    def accepted(self, connection: StreamConnection, call: CallAudio) -> None:
        """The upgrade succeeded: `connection` now feeds `call`."""

    def connection_closed(self, connection: StreamConnection) -> None:
        """The TCP connection is gone (after `call.detach`)."""


class ReadBuffer:
    """The buffer every connection of one server reads its socket into (consumed before the next read)."""

    def __init__(self, size: int = 64 * 1024) -> None:
        self.view = memoryview(bytearray(size))


class StreamConnection(asyncio.BufferedProtocol):
    """The asyncio side of one audio WebSocket."""

    def __init__(
        self,
        router: StreamRouter,
        read_buffer: ReadBuffer,
        *,
        max_size: int,
        open_timeout_s: float,
        close_timeout_s: float,
        ping_interval_s: float | None,
        ws_logger: logging.Logger,
    ) -> None:
        self._router = router
        self._read_view = read_buffer.view
        self._protocol = ServerProtocol(max_size=max_size, logger=ws_logger)
        self._max_size = max_size
        self._head: bytearray | None = bytearray()  # the HTTP request so far (None once it is over)
        self._fast = False  # frames are cut here (see the module docstring)
        self._partial = b""  # the start of a frame not complete yet (fast path)
        self._close_timeout_s = close_timeout_s
        self._ping_interval_s = ping_interval_s
        self._open_timeout_s = open_timeout_s
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._lost: asyncio.Future[None] = self._loop.create_future()
        self.call: CallAudio | None = None
        self.peer: object = None
        self._timer: asyncio.TimerHandle | None = None  # open deadline, then keepalive, then close deadline
        self._ping_outstanding = False
        self._close_armed = False  # the close deadline is running
        self._fragments: list[bytes] = []
        self._fragment_opcode: Opcode | None = None

    # -- what AudioServer uses -------------------------------------------------------------------------------
    def reject(self, status: int, text: str) -> Response:
        return self._protocol.reject(status, text)

    @property
    def state(self) -> State:
        return self._protocol.state

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (when open) and wait for the TCP connection to end, at most close_timeout_s."""
        if self._transport is None:
            return
        proto = self._protocol
        if proto.state is _OPEN:
            proto.send_close(code, reason)
            self._flush()
        elif proto.state is State.CONNECTING:
            self._transport.close()
        await asyncio.shield(self._lost)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # -- asyncio.Protocol -------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.peer = transport.get_extra_info("peername")
        self._timer = self._loop.call_later(self._open_timeout_s, self._open_timed_out)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_view

    def buffer_updated(self, nbytes: int) -> None:
        self.receive(self._read_view[:nbytes].tobytes())

    def receive(self, data: bytes) -> None:
        """Bytes from the peer: audio frames straight to the call once OPEN, the rest through the protocol."""
        if self._fast:
            self._frames(data)
        elif self._head is not None and self._protocol.state is _CONNECTING:
            self._request_bytes(data)
        else:
            self._feed(data)

    def _request_bytes(self, data: bytes) -> None:
        """Feed the request up to its blank line; the bytes after it go through the fast path once OPEN."""
        head = self._head
        assert head is not None
        seen = len(head)
        head += data
        end = head.find(b"\r\n\r\n", max(0, seen - 3))
        if end < 0:
            if len(head) > _HEAD_MAX:
                self._head = None  # not a request we will ever accept: the protocol alone handles the rest
            self._feed(data)
            return
        self._head = None
        cut = end + 4 - seen
        self._feed(data[:cut])
        self._fast = self._protocol.state is _OPEN
        if len(data) > cut:
            self.receive(data[cut:])

    def _frames(self, data: bytes) -> None:
        """Cut whole frames (fast path): audio frames to the call, any other frame whole to the protocol."""
        buf = self._partial + data if self._partial else data
        size, pos, call = len(buf), 0, self.call
        while size - pos >= 2:
            second = buf[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            masked = second & 0x80
            head += 4 if masked else 0
            if length > self._max_size:  # the protocol fails the connection (1009) from the header alone
                self._slow(buf[pos:])
                return
            end = pos + head + length
            if end > size:
                break
            if buf[pos] == _FIN_BINARY and masked and call is not None and self._fragment_opcode is None:
                call.on_binary(apply_mask(buf[pos + head : end], buf[pos + head - 4 : pos + head]))
            else:
                self._feed(buf[pos:end])
                if self._protocol.state is not _OPEN:  # closing: what follows is the protocol's
                    self._slow(buf[end:])
                    return
            pos = end
        self._partial = buf[pos:] if pos < size else b""

    def _slow(self, rest: bytes) -> None:
        self._fast, self._partial = False, b""
        if rest:
            self._feed(rest)

    def _feed(self, data: bytes) -> None:
        """Bytes through the ServerProtocol: parse, answer what it answers, feed the call."""
        proto = self._protocol
        proto.receive_data(data)
        events = proto.events_received()
        if proto.writes:  # pongs, close echo, EOF, handshake errors (most calls write nothing)
            self._flush()
        call = self.call
        for event in events:
            if isinstance(event, Frame):
                if event.opcode is _BINARY and event.fin and call is not None and self._fragment_opcode is None:
                    call.on_binary(cast(bytes, event.data))  # the hot path: one whole frame
                else:
                    self._on_frame(event)
            elif isinstance(event, Request):
                self._on_request(event)
                call = self.call

    def eof_received(self) -> bool:
        self._protocol.receive_eof()
        self._flush()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        proto = self._protocol
        proto.receive_eof()  # idempotent: the state is CLOSED after this
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        call = self.call
        if call is not None:
            clean = proto.close_rcvd is not None and proto.close_rcvd.code in (CloseCode.NORMAL_CLOSURE, 1001)
            if not clean and proto.close_sent is None:
                log.warning("call %s: audio stream dropped: %s", call.call_uuid, exc or proto.close_exc)
            if call.detach(self):
                log.info("call %s: audio stream closed while the call is open", call.call_uuid)
        self._router.connection_closed(self)
        if not self._lost.done():
            self._lost.set_result(None)

    def pause_writing(self) -> None:
        """The peer does not read our pongs/closes: stop reading (and generating replies) until it does."""
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    # -- internals --------------------------------------------------------------------------------------------
    def _on_request(self, request: Request) -> None:
        proto = self._protocol
        routed = self._router.route(self, request)
        if isinstance(routed, Response):
            proto.send_response(routed)
        else:
            response = proto.accept(request)
            proto.send_response(response)
            if response.status_code == 101:
                self.call = routed
                self._router.accepted(self, routed)
            else:
                log.warning(
                    "refused audio stream from %s: bad WebSocket handshake (%s)", self.peer, proto.handshake_exc
                )
        self._flush()
        if proto.state is _OPEN and self._timer is not None:
            self._timer.cancel()
            self._timer = None
            if self._ping_interval_s is not None:
                self._timer = self._loop.call_later(self._ping_interval_s, self._keepalive)

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is _PONG:
            self._ping_outstanding = False
            return
        if opcode is _TEXT or opcode is _BINARY:
            self._fragment_opcode = opcode
            self._fragments = [bytes(frame.data)]
        elif opcode is _CONT and self._fragment_opcode is not None:
            self._fragments.append(bytes(frame.data))
        else:
            return  # ping (answered by ServerProtocol), close (handled by it too)
        if not frame.fin:
            return
        opcode, self._fragment_opcode = self._fragment_opcode, None
        payload, self._fragments = b"".join(self._fragments), []
        call = self.call
        if call is None:
            return
        if opcode is _BINARY:
            call.on_binary(payload)
            return
        try:
            text = payload.decode()
        except UnicodeDecodeError as err:
            self._protocol.fail(CloseCode.INVALID_DATA, f"{err.reason} at position {err.start}")
            self._flush()
            return
        call.on_text(text)

    def _flush(self) -> None:
        """Write what the protocol wants sent; arm the close deadline once the connection is closing."""
        transport = self._transport
        if transport is None:
            return
        for data in self._protocol.data_to_send():
            if data is not SEND_EOF and data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
        if not self._close_armed and self._protocol.close_expected():
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_later(self._close_timeout_s, self._close_timed_out)
            self._close_armed = True

    def _open_timed_out(self) -> None:
        self._timer = None
        log.warning("audio connection from %s: no WebSocket upgrade within %.1f s", self.peer, self._open_timeout_s)
        if self._transport is not None:
            self._transport.close()

    def _close_timed_out(self) -> None:
        self._timer = None
        if self._protocol.state is not _CLOSED:
            log.warning("audio connection from %s: closing handshake timed out, aborting", self.peer)
            self.abort()

    def _keepalive(self) -> None:
        self._timer = None
        proto = self._protocol
        if proto.state is not _OPEN:
            return
        if self._ping_outstanding:
            log.warning("audio connection from %s: keepalive ping unanswered, closing", self.peer)
            proto.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        else:
            proto.send_ping(os.urandom(4))
            self._ping_outstanding = True
            assert self._ping_interval_s is not None
            self._timer = self._loop.call_later(self._ping_interval_s, self._keepalive)
        self._flush()
