"""Outbound-socket server: the dialplan `socket 127.0.0.1:8084 async full` hands calls to robot.

Per accepted connection: send `connect` (the reply's headers are the channel data, URL-decoded), `myevents`,
`linger`, then run `handler(session)` in its own task. A handler that raises is logged and counted; it never
affects other sessions. The session drives its call with `sendmsg` (execute / hangup) and reads the
channel's events; `disconnected` is set by the linger disconnect-notice (the call is over) or socket loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from typing import Any

from robot.errors import EslCommandError, EslConnectionError, EslError, EslProtocolError, EslTimeoutError
from robot.esl import commands
from robot.esl.parser import EslEvent, EslMessage, EslParser, encode_command, is_event, parse_event
from robot.esl.pending import REPLY_TYPES, ReplyQueue, is_error_reply

log = logging.getLogger(__name__)

SessionHandler = Callable[["OutboundSession"], Coroutine[Any, Any, None]]


class OutboundSession:
    """One call handed off by FreeSWITCH's `socket` application."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        request_timeout_s: float = 10.0,
        events_max: int = 512,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = EslParser()
        self._replies = ReplyQueue()
        self._events: asyncio.Queue[EslEvent | None] = asyncio.Queue()
        self._events_max = events_max
        self._timeout_s = request_timeout_s
        self._reader_task: asyncio.Task[None] | None = None
        self._pending_early: list[EslMessage] = []
        self.channel_data: Mapping[str, str] = {}
        self.disconnected = asyncio.Event()
        self.dropped_events = 0

    @property
    def uuid(self) -> str:
        return self.channel_data.get("Unique-ID", "")

    async def connect(self) -> None:
        """Send `connect`, keep the channel data, start reading, then `myevents` and `linger`."""
        self._writer.write(encode_command("connect"))
        reply = await asyncio.wait_for(self._first_message(), self._timeout_s)
        if not reply.reply_text.startswith("+OK"):
            raise EslCommandError("connect", reply.reply_text or reply.content_type)
        self.channel_data = reply.headers
        self._reader_task = asyncio.create_task(self._read_loop(), name=f"esl-outbound {self.uuid}")
        for line in ("myevents", "linger"):
            answer = await self._command(line)
            if is_error_reply(answer.reply_text):
                raise EslCommandError(line, answer.reply_text)

    async def execute(self, app: str, arg: str = "", event_lock: bool = True) -> None:
        """`sendmsg` call-command execute; returns when FreeSWITCH accepted it (not when the app ends)."""
        headers = [
            ("call-command", "execute"),
            ("execute-app-name", commands.check_app_name(app)),
        ]
        if arg:
            headers.append(("execute-app-arg", commands.check_app_arg(arg)))
        if event_lock:
            headers.append(("event-lock", "true"))
        await self._sendmsg(headers, f"execute {app}")

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        await self._sendmsg([("call-command", "hangup"), ("hangup-cause", commands.check_cause(cause))], "hangup")

    async def exit(self) -> None:
        """`exit` (+OK bye), then close the socket."""
        try:
            if not self._writer.is_closing():
                await self._command("exit")
        except EslError as err:  # the peer may already be gone; closing anyway
            log.debug("outbound %s: exit not acknowledged: %s", self.uuid, err)
        finally:
            await self.close()

    async def close(self) -> None:
        self._writer.close()
        if self._reader_task is not None:
            await self._reader_task

    async def events(self) -> AsyncIterator[EslEvent]:
        """The channel's events (myevents), until the socket closes."""
        while (event := await self._events.get()) is not None:
            yield event
        self._events.put_nowait(None)  # later iterations end too

    async def _sendmsg(self, headers: Iterable[tuple[str, str]], what: str) -> None:
        reply = await self._command("sendmsg", headers)
        if is_error_reply(reply.reply_text):
            raise EslCommandError(what, reply.reply_text)

    async def _command(self, line: str, headers: Iterable[tuple[str, str]] = ()) -> EslMessage:
        if self._writer.is_closing():
            raise EslConnectionError(f"outbound session {self.uuid}: socket closed")
        data = encode_command(line, headers)
        reply = self._replies.expect()
        self._writer.write(data)
        try:
            await self._writer.drain()
            return await asyncio.wait_for(reply, self._timeout_s)
        except TimeoutError as err:
            raise EslTimeoutError(f"outbound session {self.uuid}: no reply to {line!r} in {self._timeout_s} s") from err
        except (ConnectionError, OSError) as err:
            raise EslConnectionError(f"outbound session {self.uuid}: write failed: {err!r}") from err

    async def _first_message(self) -> EslMessage:
        while True:
            data = await self._reader.read(65536)
            if not data:
                raise EslConnectionError("outbound socket closed before the connect reply")
            messages = self._parser.feed(data)
            if messages:
                first, rest = messages[0], messages[1:]
                if first.content_type != "command/reply":
                    raise EslProtocolError(f"expected the connect reply, got {first.content_type!r}")
                if rest:  # unlikely (FreeSWITCH waits for myevents), but keep them in order
                    self._pending_early = rest
                return first

    async def _read_loop(self) -> None:
        reason = "closed by FreeSWITCH"
        try:
            for message in self._pending_early:
                self._handle(message)
            while data := await self._reader.read(65536):
                for message in self._parser.feed(data):
                    self._handle(message)
        except (OSError, EslProtocolError) as err:
            reason = repr(err)
        finally:
            self._writer.close()
            self._replies.fail_all(EslConnectionError(f"outbound session {self.uuid}: {reason}"))
            self.disconnected.set()
            self._events.put_nowait(None)

    def _handle(self, message: EslMessage) -> None:
        ctype = message.content_type
        if ctype in REPLY_TYPES:
            if not self._replies.resolve(message):
                log.warning("outbound %s: unexpected reply %r", self.uuid, message.reply_text)
        elif is_event(message):
            try:
                event = parse_event(message)
            except EslProtocolError as err:
                log.warning("outbound %s: undecodable event skipped: %s", self.uuid, err)
                return
            if self._events.qsize() >= self._events_max:
                self._events.get_nowait()
                self.dropped_events += 1
                log.warning("outbound %s: event queue full, dropped the oldest", self.uuid)
            self._events.put_nowait(event)
        elif ctype == "text/disconnect-notice":
            log.info("outbound %s: disconnect notice (%s)", self.uuid, message.headers.get("Content-Disposition"))
            self.disconnected.set()


class OutboundServer:
    """TCP server for the dialplan `socket` application; one handler task per handed-off call."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: SessionHandler,
        *,
        request_timeout_s: float = 10.0,
        events_max: int = 512,
    ) -> None:
        self._host = host
        self._port = port
        self._handler = handler
        self._timeout_s = request_timeout_s
        self._events_max = events_max
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sessions_started = 0
        self.handler_errors = 0

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        log.info("outbound ESL server listening on %s:%d", self._host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> OutboundServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        session = OutboundSession(reader, writer, request_timeout_s=self._timeout_s, events_max=self._events_max)
        try:
            await session.connect()
        except (EslError, OSError, TimeoutError) as err:
            log.warning("outbound hand-off failed before the handler ran: %r", err)
            await session.close()
            return
        self.sessions_started += 1
        handler_task = asyncio.create_task(self._handler(session), name=f"outbound-handler {session.uuid}")
        try:
            await handler_task
        except asyncio.CancelledError:  # server shutdown: no polite exit, just drop the socket
            handler_task.cancel()
            writer.close()
            raise
        except Exception:  # one crashing handler never affects other calls: logged with traceback, counted
            self.handler_errors += 1
            log.exception("outbound handler failed for call %s", session.uuid)
        finally:
            if not writer.is_closing():
                await session.exit()
