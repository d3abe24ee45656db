"""Inbound ESL client: connect, auth, subscribe, api/bgapi with timeouts, per-call event routing, reconnect.

One reader task per connection turns bytes into messages (robot.esl.parser) and hands them out: replies to
the FIFO of waiting requests (robot.esl.pending), BACKGROUND_JOB results to their `bgapi` caller, events to
per-call queues and listeners (robot.esl.routing). Nothing on the loop blocks; every request has a timeout;
on connection loss every in-flight request fails at once with EslConnectionError and a supervisor task
reconnects with capped exponential backoff, re-authenticates and re-subscribes. `start(wait=True)` also accepts
a switch that is not up yet: the supervisor keeps trying in the background (`down_since` says since when it is
missing). A request made while no link is up fails with `EslNotConnectedError`: nothing was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from robot.clock import Clock, SystemClock
from robot.errors import (
    EslAuthError,
    EslCommandError,
    EslConnectionError,
    EslError,
    EslProtocolError,
    EslTimeoutError,
)
from robot.esl.parser import EslMessage, EslParser, encode_command, is_event, parse_event
from robot.esl.pending import REPLY_TYPES, JobWaiters, ReplyQueue, is_error_reply
from robot.esl.routing import DEFAULT_EVENTS, CallEvents, EventListener, EventRouter, subscription_line
from robot.settings import EslSettings

log = logging.getLogger(__name__)

ReconnectCallback = Callable[[], Awaitable[None] | None]


class EslNotConnectedError(EslConnectionError):
    """No ESL link when the request was made: nothing reached FreeSWITCH."""


def reconnect_delays(initial_s: float, max_s: float) -> Iterator[float]:
    """initial, 2*initial, 4*initial ... capped at max_s, forever."""
    delay = initial_s
    while True:
        yield min(delay, max_s)
        delay = min(delay * 2, max_s)


@dataclass(eq=False)
class _Link:
    """One TCP connection and its reader task."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    parser: EslParser
    backlog: list[EslMessage] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class EslClient:
    """Inbound ESL client. `await start()`, then `api`/`bgapi`/`call_events`; `await close()` at the end."""

    def __init__(
        self,
        settings: EslSettings,
        *,
        events: Sequence[str] = DEFAULT_EVENTS,
        clock: Clock | None = None,
        call_queue_max: int = 512,
    ) -> None:
        self._settings = settings
        self._subscription = subscription_line(events)
        self._clock: Clock = clock or SystemClock()
        self._router = EventRouter(call_queue_max)
        self._replies = ReplyQueue()
        self._jobs = JobWaiters()
        self._link: _Link | None = None
        self._ready = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._reconnect_callbacks: list[ReconnectCallback] = []
        self._closing = False
        self._gave_up: EslError | None = None
        self.reconnects = 0
        self.connected_since: float | None = None
        self.down_since: float | None = None  # wall time the link was lost (or first missing); None while up

    @property
    def where(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    @property
    def request_timeout_s(self) -> float:
        return self._settings.request_timeout_s

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    @property
    def gave_up(self) -> EslError | None:
        """The error that stopped reconnecting for good (FreeSWITCH refused the password), else None."""
        return self._gave_up

    @property
    def dropped_events(self) -> int:
        return self._router.dropped

    # ---- lifecycle ----

    async def start(self, *, wait: bool = False) -> None:
        """Connect, authenticate and subscribe once; raises EslConnectionError / EslAuthError / EslTimeoutError.

        With `wait`, a switch that cannot be reached (connection refused, timeout) is not an error: the client
        keeps trying in the background (a refused password still raises)."""
        if self._supervisor is not None:
            raise RuntimeError("EslClient.start() called twice")
        link: _Link | None = None
        try:
            link = await self._open()
        except EslAuthError:
            raise
        except EslError as err:
            if not wait:
                raise
            self.down_since = self._clock.wall()
            log.warning("%s; waiting for FreeSWITCH (retrying in the background)", err)
        self._supervisor = asyncio.create_task(self._supervise(link), name=f"esl-client {self.where}")

    async def wait_connected(self, timeout: float) -> None:  # noqa: ASYNC109 (per-request reply timeout)
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError as err:
            raise EslTimeoutError(f"ESL {self.where}: not connected after {timeout} s") from err

    def on_reconnect(self, callback: ReconnectCallback) -> Callable[[], None]:
        """Run `callback` (sync or async) after every successful reconnect; returns a remover."""
        self._reconnect_callbacks.append(callback)
        return lambda: self._reconnect_callbacks.remove(callback) if callback in self._reconnect_callbacks else None

    async def close(self) -> None:
        """Send `exit`, close the socket, stop reconnecting."""
        self._closing = True
        link = self._link
        if link is not None and self.connected:
            try:
                await self._request("exit", timeout=2.0)
            except EslError as err:  # shutting down anyway: the socket is closed below
                log.debug("ESL %s: exit not acknowledged: %s", self.where, err)
        if link is not None:
            link.writer.close()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        self._lost(EslConnectionError(f"ESL {self.where}: client closed"))

    # ---- requests ----

    async def api(self, command: str, timeout: float | None = None) -> str:  # noqa: ASYNC109 (per-request reply timeout)
        """`api <command>`; returns the response body (which may itself say -ERR)."""
        reply = await self._request(f"api {command}", timeout=timeout)
        if reply.content_type != "api/response":
            raise EslCommandError(command, reply.reply_text or f"unexpected {reply.content_type!r}")
        return reply.body_text

    async def api_ok(self, command: str, timeout: float | None = None) -> str:  # noqa: ASYNC109 (per-request reply timeout)
        """Like api(), but raises EslCommandError when the output starts with -ERR or -USAGE."""
        body = await self.api(command, timeout)
        if is_error_reply(body):
            raise EslCommandError(command, body.strip())
        return body

    async def bgapi(self, command: str, timeout: float | None = None) -> str:  # noqa: ASYNC109 (per-request reply timeout)
        """`bgapi <command>`; returns the BACKGROUND_JOB body (`+OK <uuid>\\n`, `-ERR USER_BUSY\\n`...)."""
        job_id = str(uuidlib.uuid4())
        result = self._jobs.expect(job_id)
        try:
            reply = await self._request(f"bgapi {command}", [("Job-UUID", job_id)], timeout)
            if is_error_reply(reply.reply_text):
                raise EslCommandError(command, reply.reply_text)
            server_id = reply.headers.get("Job-UUID") or reply.reply_text.partition("Job-UUID:")[2].strip()
            if server_id:
                self._jobs.rekey(job_id, server_id)
                job_id = server_id
            wait_s = timeout if timeout is not None else self._settings.bgapi_timeout_s
            try:
                return await asyncio.wait_for(result, wait_s)
            except TimeoutError as err:
                raise EslTimeoutError(f"ESL {self.where}: no BACKGROUND_JOB for {command!r} in {wait_s} s") from err
        finally:
            self._jobs.forget(job_id)

    async def command(self, line: str, timeout: float | None = None) -> EslMessage:  # noqa: ASYNC109 (per-request reply timeout)
        """Any other ESL command (e.g. `filter ...`); returns the reply message as is."""
        return await self._request(line, timeout=timeout)

    async def _request(
        self,
        line: str,
        headers: Iterable[tuple[str, str]] = (),
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> EslMessage:
        link = self._link
        if link is None or link.writer.is_closing():
            why = f" ({self._gave_up})" if self._gave_up else ""
            raise EslNotConnectedError(f"ESL {self.where}: not connected{why}")
        data = encode_command(line, headers)
        reply = self._replies.expect()  # no await between expect() and write(): the FIFO order is the wire order
        link.writer.write(data)
        wait_s = timeout if timeout is not None else self._settings.request_timeout_s
        try:
            await link.writer.drain()
            return await asyncio.wait_for(reply, wait_s)
        except TimeoutError as err:
            raise EslTimeoutError(f"ESL {self.where}: no reply to {line.split(' ', 2)[:2]} within {wait_s} s") from err
        except (ConnectionError, OSError) as err:
            raise EslConnectionError(f"ESL {self.where}: write failed: {err}") from err

    # ---- events ----

    def call_events(self, uuid: str) -> CallEvents:
        """Events whose Unique-ID is `uuid`. Register BEFORE originating; `.close()` unregisters."""
        return self._router.call_events(uuid)

    def add_listener(self, listener: EventListener) -> Callable[[], None]:
        """Call `listener(event)` for every event (must not block); returns a remover."""
        return self._router.add_listener(listener)

    # ---- connection management ----

    async def _open(self) -> _Link:
        s = self._settings
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(s.host, s.port), s.connect_timeout_s)
        except (OSError, TimeoutError) as err:
            raise EslConnectionError(f"cannot connect to FreeSWITCH ESL at {self.where}: {err!r}") from err
        link = _Link(reader, writer, EslParser())
        try:
            await asyncio.wait_for(self._authenticate(link), s.connect_timeout_s)
        except TimeoutError as err:
            writer.close()
            raise EslTimeoutError(f"ESL {self.where}: no auth exchange within {s.connect_timeout_s} s") from err
        except (EslError, OSError) as err:
            writer.close()
            if isinstance(err, EslError):
                raise
            raise EslConnectionError(f"ESL {self.where}: connection lost during auth: {err!r}") from err
        self._link = link
        link.task = asyncio.create_task(self._read_loop(link), name=f"esl-reader {self.where}")
        try:
            reply = await self._request(self._subscription, timeout=s.connect_timeout_s)
        except EslError:
            writer.close()
            raise
        if is_error_reply(reply.reply_text):
            writer.close()
            raise EslCommandError(self._subscription, reply.reply_text)
        self.connected_since = self._clock.monotonic()
        self.down_since = None
        self._ready.set()
        log.info("ESL %s: connected and subscribed", self.where)
        return link

    async def _authenticate(self, link: _Link) -> None:
        greeting = await self._next_message(link)
        if greeting.content_type != "auth/request":
            raise EslProtocolError(f"ESL {self.where}: expected auth/request, got {greeting.content_type!r}")
        link.writer.write(encode_command(f"auth {self._settings.password.get_secret_value()}"))
        reply = await self._next_message(link)
        if not reply.reply_text.startswith("+OK"):
            raise EslAuthError(
                f"FreeSWITCH ESL at {self.where} refused the password ({reply.reply_text or reply.content_type}); "
                "check esl.password (ROBOT_ESL__PASSWORD)"
            )

    async def _next_message(self, link: _Link) -> EslMessage:
        while not link.backlog:
            data = await link.reader.read(65536)
            if not data:
                raise EslConnectionError(f"ESL {self.where}: connection closed by FreeSWITCH during auth")
            link.backlog.extend(link.parser.feed(data))
        return link.backlog.pop(0)

    async def _read_loop(self, link: _Link) -> None:
        reason = "closed by FreeSWITCH"
        try:
            for message in link.backlog:
                self._handle(message)
            link.backlog.clear()
            while data := await link.reader.read(65536):
                for message in link.parser.feed(data):
                    self._handle(message)
        except (OSError, EslProtocolError) as err:
            reason = repr(err)
        finally:
            link.writer.close()
            if self._link is link:
                self._lost(EslConnectionError(f"ESL connection to {self.where} lost: {reason}"))

    def _lost(self, error: EslConnectionError) -> None:
        was_ready = self._ready.is_set()
        self._link = None
        self._ready.clear()
        self._replies.fail_all(error)
        self._jobs.fail_all(error)
        if was_ready and not self._closing:
            self.down_since = self._clock.wall()
            log.warning("%s", error)

    def _handle(self, message: EslMessage) -> None:
        ctype = message.content_type
        if ctype in REPLY_TYPES:
            if not self._replies.resolve(message):
                log.warning("ESL %s: reply nobody waited for: %s", self.where, message.reply_text or ctype)
        elif is_event(message):
            try:
                event = parse_event(message)
            except EslProtocolError as err:
                log.warning("ESL %s: undecodable event skipped: %s", self.where, err)
                return
            if event.name == "BACKGROUND_JOB":
                self._jobs.resolve(event)
            self._router.dispatch(event)
        elif ctype == "text/disconnect-notice":
            log.info("ESL %s: disconnect notice", self.where)
        else:
            log.debug("ESL %s: ignored message %r", self.where, ctype)

    async def _supervise(self, link: _Link | None) -> None:
        if link is None:  # started with wait=True while the switch was down
            link = await self._reconnect()
            if link is None:
                return
        while True:
            if link.task is not None:
                await link.task
            if self._closing:
                return
            next_link = await self._reconnect()
            if next_link is None:
                return
            link = next_link
            self.reconnects += 1
            for callback in list(self._reconnect_callbacks):
                try:
                    result = callback()
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # one faulty callback must not stop reconnecting; logged with its traceback
                    log.exception("ESL %s: on_reconnect callback %r failed", self.where, callback)

    async def _reconnect(self) -> _Link | None:
        s = self._settings
        for delay in reconnect_delays(s.reconnect_initial_s, s.reconnect_max_s):
            await asyncio.sleep(delay)
            if self._closing:
                return None
            try:
                return await self._open()
            except EslAuthError as err:
                log.error("%s; giving up reconnecting", err)
                self._gave_up = err
                return None
            except EslError as err:
                log.info("ESL %s: reconnect failed (%s), next try in <= %.1f s", self.where, err, s.reconnect_max_s)
        return None  # pragma: no cover - the delay generator never ends
