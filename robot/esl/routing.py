"""Fan-out of ESL events: per-call bounded queues (by Unique-ID) and plain listeners.

The reader never waits here: a call whose queue is full loses its OLDEST event (counted and logged), so
the latest state (e.g. CHANNEL_HANGUP_COMPLETE) is kept and other calls are never held up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Final

from robot.esl.parser import EslEvent

log = logging.getLogger(__name__)

AUDIO_STREAM_EVENTS = tuple(f"mod_audio_stream::{name}" for name in ("connect", "disconnect", "error", "play", "json"))
DEFAULT_EVENTS: tuple[str, ...] = (
    "CHANNEL_ANSWER",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_PARK",
    "CHANNEL_EXECUTE_COMPLETE",
    "PLAYBACK_START",
    "PLAYBACK_STOP",
    "DTMF",
    "BACKGROUND_JOB",
    *AUDIO_STREAM_EVENTS,
)
_EVENT_TOKEN = re.compile(r"[A-Za-z0-9_]+(::[A-Za-z0-9_]+)?")


def subscription_line(events: Iterable[str]) -> str:
    """`event plain A B ... CUSTOM sub::class ...`; BACKGROUND_JOB is always included."""
    plain: list[str] = []
    custom: list[str] = []
    for name in events:
        if not _EVENT_TOKEN.fullmatch(name):
            raise ValueError(f"bad ESL event name {name!r}")
        target = custom if "::" in name else plain
        if name != "CUSTOM" and name not in target:
            target.append(name)
    if "BACKGROUND_JOB" not in plain:
        plain.append("BACKGROUND_JOB")
    return " ".join(["event", "plain", *plain, *(["CUSTOM", *custom] if custom else [])])


EventListener = Callable[[EslEvent], None]
_CLOSED: Final = None


class CallEvents:
    """Events of one call. `async for event in call_events` or `await call_events.get()`; `close()` to stop."""

    def __init__(self, uuid: str, maxsize: int, on_close: Callable[[CallEvents], None]) -> None:
        self.uuid = uuid
        self.dropped = 0
        self._queue: asyncio.Queue[EslEvent | None] = asyncio.Queue(maxsize + 1)  # +1 keeps room for close
        self._maxsize = maxsize
        self._on_close = on_close
        self._closed = False

    def push(self, event: EslEvent) -> None:
        if self._closed:
            return
        if self._queue.qsize() >= self._maxsize:
            self._queue.get_nowait()
            self.dropped += 1
            log.warning("call %s: event queue full (%d), dropped the oldest event", self.uuid, self._maxsize)
        self._queue.put_nowait(event)

    async def get(self) -> EslEvent:
        """The next event; raises EOFError once closed and drained."""
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # later get() calls end too
            raise EOFError(f"call {self.uuid}: event stream closed")
        return item

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._on_close(self)
        self._queue.put_nowait(_CLOSED)

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> AsyncIterator[EslEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[EslEvent]:
        while True:
            try:
                yield await self.get()
            except EOFError:
                return


class EventRouter:
    """Routes events to the CallEvents registered for their Unique-ID and to every listener."""

    def __init__(self, call_queue_max: int = 512) -> None:
        self._calls: dict[str, list[CallEvents]] = {}
        self._listeners: list[EventListener] = []
        self._call_queue_max = call_queue_max
        self.listener_errors = 0

    def call_events(self, uuid: str) -> CallEvents:
        stream = CallEvents(uuid.lower(), self._call_queue_max, self._unregister)
        self._calls.setdefault(stream.uuid, []).append(stream)
        return stream

    def _unregister(self, stream: CallEvents) -> None:
        streams = self._calls.get(stream.uuid, [])
        if stream in streams:
            streams.remove(stream)
        if not streams:
            self._calls.pop(stream.uuid, None)

    def add_listener(self, listener: EventListener) -> Callable[[], None]:
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def dispatch(self, event: EslEvent) -> None:
        for stream in self._calls.get(event.unique_id.lower(), ()):
            stream.push(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the reader for every call; logged and counted
                self.listener_errors += 1
                log.exception("ESL event listener %r failed on %s", listener, event.name)

    @property
    def dropped(self) -> int:
        return sum(stream.dropped for streams in self._calls.values() for stream in streams)

    @property
    def active_calls(self) -> int:
        return len(self._calls)
