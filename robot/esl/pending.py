"""Request matching for one ESL connection (pure asyncio futures, no I/O).

FreeSWITCH answers commands strictly in order on a connection: each command gets exactly one
`command/reply` (or `api/response` for `api`). `ReplyQueue` keeps one future per command sent, in order.
A request that timed out keeps its slot (its future is cancelled) so the late reply is dropped and the
order stays right. `JobWaiters` matches BACKGROUND_JOB events to `bgapi` callers by Job-UUID; a job event
that arrives before its caller registered is kept (bounded) until it is claimed.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque

from robot.esl.parser import EslEvent, EslMessage

REPLY_TYPES = ("command/reply", "api/response")
_EARLY_JOBS_MAX = 256
_ERROR_PREFIXES = ("-ERR", "-USAGE")


def is_error_reply(text: str) -> bool:
    return text.lstrip().startswith(_ERROR_PREFIXES)


class ReplyQueue:
    """FIFO of futures waiting for `command/reply` / `api/response` messages."""

    def __init__(self) -> None:
        self._waiting: deque[asyncio.Future[EslMessage]] = deque()

    def expect(self) -> asyncio.Future[EslMessage]:
        """Register the next reply slot. Call right before writing the command, with no await in between."""
        future: asyncio.Future[EslMessage] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        return future

    def resolve(self, message: EslMessage) -> bool:
        """Hand a reply to the oldest waiting request; False if nobody waited (an unexpected reply)."""
        if not self._waiting:
            return False
        future = self._waiting.popleft()
        if not future.done():  # a timed-out request's future is cancelled: its late reply is dropped
            future.set_result(message)
        return True

    def fail_all(self, error: BaseException) -> None:
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: a caller that gave up must not cause a warning

    def __len__(self) -> int:
        return len(self._waiting)


class JobWaiters:
    """Job-UUID -> future of the BACKGROUND_JOB body."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[str]] = {}
        self._early: OrderedDict[str, str] = OrderedDict()

    def expect(self, job_uuid: str) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        key = job_uuid.lower()
        if key in self._early:
            future.set_result(self._early.pop(key))
        else:
            self._waiting[key] = future
        return future

    def rekey(self, old: str, new: str) -> None:
        """The server chose another Job-UUID than the one we proposed: follow it."""
        old_key, new_key = old.lower(), new.lower()
        if old_key == new_key:
            return
        future = self._waiting.pop(old_key, None)
        if future is None:
            return
        if new_key in self._early:
            future.set_result(self._early.pop(new_key))
        else:
            self._waiting[new_key] = future

    def forget(self, job_uuid: str) -> None:
        self._waiting.pop(job_uuid.lower(), None)

    def resolve(self, event: EslEvent) -> None:
        key = event.job_uuid.lower()
        if not key:
            return
        future = self._waiting.pop(key, None)
        if future is None:
            self._early[key] = event.body
            while len(self._early) > _EARLY_JOBS_MAX:
                self._early.popitem(last=False)
        elif not future.done():
            future.set_result(event.body)

    def fail_all(self, error: BaseException) -> None:
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)
                future.exception()
        self._early.clear()

    def __len__(self) -> int:
        return len(self._waiting)
