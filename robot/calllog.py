"""JSON Lines call log: one event per line, written with one `write(2)` on an O_APPEND descriptor (so lines from
several processes never interleave: lines up to PIPE_BUF bytes go out in one write, longer ones under an exclusive
`flock`). The writes happen in a writer thread: `write` only encodes the line and queues it, so the event loop never
waits on the disk or on another process's lock; `flush()` waits until what was queued is written, `close()` flushes.
Reader and follower for `robot logs`.

Line: {"ts": <epoch seconds>, "event": <type>, "call_uuid": ..., "campaign": ..., "contact": ..., <fields>...}
Event types: originate, answer (the call was answered), amd, prompt_start, prompt_stop, barge_in, interruption
(what the speech that broke a prompt turned out to be), transcript (the caller's committed words, with start/end),
intent (the caller's answer to a step: text, intent, branch), hangup, error.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import queue
import select
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from robot.clock import Clock
from robot.errors import ConfigError
from robot.private_files import open_private, private_dir, write_all

EVENT_TYPES = frozenset(
    {
        "originate",
        "answer",
        "amd",
        "prompt_start",
        "prompt_stop",
        "barge_in",
        "interruption",
        "transcript",
        "intent",
        "hangup",
        "error",
    }
)
_RESERVED = ("ts", "event", "call_uuid", "campaign", "contact")
PIPE_BUF = getattr(select, "PIPE_BUF", 4096)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallLogEvent:
    ts: float
    event: str
    call_uuid: str
    campaign: str | None = None
    contact: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        head = {"ts": round(self.ts, 6), "event": self.event, "call_uuid": self.call_uuid}
        if self.campaign is not None:
            head["campaign"] = self.campaign
        if self.contact is not None:
            head["contact"] = self.contact
        return json.dumps({**head, **self.fields}, ensure_ascii=False, separators=(",", ":"), default=str)

    def human(self) -> str:
        when = datetime.fromtimestamp(self.ts).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        where = " ".join(x for x in (self.campaign, self.contact) if x)
        extra = " ".join(f"{k}={_short(v)}" for k, v in self.fields.items())
        return f"{when}  {self.call_uuid[:8]:8}  {self.event:12}  {where}  {extra}".rstrip()


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False) if " " in text else text


def parse_line(line: str, where: str) -> CallLogEvent:
    """One log line -> event; ConfigError naming `where` (file:line) when it is not a call log line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{where}: not JSON: {err.msg} at column {err.colno}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a call log line must be a JSON object")
    try:
        ts, event, call_uuid = float(data["ts"]), str(data["event"]), str(data["call_uuid"])
    except KeyError as err:
        raise ConfigError(f"{where}: missing field {err.args[0]!r}") from err
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where}: field 'ts' is not a number") from err
    campaign, contact = data.get("campaign"), data.get("contact")
    fields = {k: v for k, v in data.items() if k not in _RESERVED}
    return CallLogEvent(
        ts,
        event,
        call_uuid,
        None if campaign is None else str(campaign),
        None if contact is None else str(contact),
        fields,
    )


class CallLogWriter:
    """Appends events to the log from a writer thread; `write` (on the event loop) never blocks on the file."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self._clock = path, clock
        private_dir(path.parent)  # names, numbers, transcripts: 0600 in a 0700 folder
        self._fd = open_private(path, "a")
        self._subscribers: list[Callable[[CallLogEvent], None]] = []
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._writer, name="call-log-writer", daemon=True)
        self._thread.start()
        self._closed = False
        self.write_errors = 0  # lines the writer thread could not write (logged)

    def subscribe(self, callback: Callable[[CallLogEvent], None]) -> None:
        """`callback(event)` for each event, called by `write` itself (on the caller's thread: the event loop), in
        order (the live view reads the log's own events)."""
        self._subscribers.append(callback)

    def write(
        self, event: str, call_uuid: str, *, campaign: str | None = None, contact: str | None = None, **fields: Any
    ) -> CallLogEvent:
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown call log event {event!r} (one of {', '.join(sorted(EVENT_TYPES))})")
        clash = set(fields) & set(_RESERVED)
        if clash:
            raise ValueError(f"call log fields {sorted(clash)} are reserved")
        item = CallLogEvent(self._clock.wall(), event, call_uuid, campaign, contact, dict(fields))
        if self._closed:
            raise ValueError("the call log is closed")
        self._lines.put((item.to_json() + "\n").encode())
        for callback in self._subscribers:
            callback(item)
        return item

    def flush(self) -> None:
        """Wait until every line written so far is in the file (a blocking call: not on the event loop)."""
        self._lines.join()

    def close(self) -> None:
        """Write what is queued, stop the writer thread, close the file."""
        if self._closed:
            return
        self._closed = True
        self._lines.put(None)
        self._thread.join()
        os.close(self._fd)

    def _writer(self) -> None:
        while (data := self._lines.get()) is not None:
            try:
                self._write_line(data)
            except OSError as err:  # disk full, file gone...: the calls go on, the line is lost and counted
                self.write_errors += 1
                log.error("call log %s: a line could not be written: %s", self.path, err)
            finally:
                self._lines.task_done()
        self._lines.task_done()

    def _write_line(self, data: bytes) -> None:
        if len(data) <= PIPE_BUF:
            write_all(self._fd, data)
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            write_all(self._fd, data)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def read_events(path: Path, on_error: Callable[[str], None]) -> Iterator[CallLogEvent]:
    """Every event of the file; bad lines go to `on_error` with file:line and are skipped."""
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield parse_line(line, f"{path}:{number}")
            except ConfigError as err:
                on_error(str(err))


@dataclass(frozen=True, slots=True)
class EventFilter:
    call_uuid: str | None = None
    campaign: str | None = None
    event: str | None = None

    def match(self, item: CallLogEvent) -> bool:
        return (
            (self.call_uuid is None or item.call_uuid.startswith(self.call_uuid))
            and (self.campaign is None or item.campaign == self.campaign)
            and (self.event is None or item.event == self.event)
        )


class CallLogFollower:
    """Reads what was appended since the last `poll`; survives rotation (new inode: the old file is drained, then
    the new one is read from its start) and truncation (size below our offset: read again from the start)."""

    def __init__(self, path: Path, on_error: Callable[[str], None], *, from_start: bool = True) -> None:
        self.path, self._on_error = path, on_error
        self._handle: BinaryIO | None = None
        self._inode: int | None = None
        self._partial = b""
        self._line = 0
        self._from_start = from_start

    def _open(self) -> bool:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return False
        self._handle, self._inode = handle, os.fstat(handle.fileno()).st_ino
        self._partial, self._line = b"", 0
        if not self._from_start:
            handle.seek(0, os.SEEK_END)
            self._from_start = True  # later (rotated) files are read whole
        return True

    def poll(self) -> list[CallLogEvent]:
        if self._handle is None and not self._open():
            return []
        assert self._handle is not None
        events = self._drain()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return events
        if st.st_ino != self._inode:
            self._handle.close()
            self._handle = None
            if self._open():
                events += self._drain()
        elif st.st_size < self._handle.tell():
            self._handle.seek(0)
            self._partial, self._line = b"", 0
            events += self._drain()
        return events

    def _drain(self) -> list[CallLogEvent]:
        assert self._handle is not None
        data = self._partial + self._handle.read()
        *lines, self._partial = data.split(b"\n")
        out: list[CallLogEvent] = []
        for raw in lines:
            self._line += 1
            if not raw.strip():
                continue
            try:
                out.append(parse_line(raw.decode("utf-8", errors="replace"), f"{self.path}:{self._line}"))
            except ConfigError as err:
                self._on_error(str(err))
        return out

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


async def follow(follower: CallLogFollower, wait: Callable[[], Awaitable[None]]) -> AsyncIterator[CallLogEvent]:
    """Yield events forever; `wait()` is awaited between polls (a sleep in the command, a gate in tests)."""
    while True:
        for item in follower.poll():
            yield item
        await wait()
