"""A signalling-only dialer for campaign tests and the workers benchmark (`--dialer tests.integration.sim_dialer:
make_dialer`): originates through the switch pool (robot.esl.pool, every `esl.endpoints` server), parks the call,
reports the answer and waits for the callee's hangup. No audio, no model: what is measured is the store, the
runner and ESL. It implements the runner's SwitchLink / OutcomeLookup / Hangup like the live dialer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from robot.calls.esl_control import originate
from robot.calls.session import hangup_fields
from robot.campaign.dialing import AttemptRequest, CallOutcome, NotDialled
from robot.errors import EslError
from robot.esl import commands
from robot.esl.connection import EslNotConnectedError
from robot.esl.parser import EslEvent
from robot.esl.pool import SwitchPool
from robot.esl.routing import CallEvents
from robot.settings import Settings


class SimDialer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = SwitchPool(settings.esl)
        self._started = False

    async def start(self) -> None:
        if not self._started:
            self._started = True
            await self.pool.start(wait=True)

    async def aclose(self) -> None:
        await self.pool.close()

    def switch_down_since(self) -> float | None:
        return self.pool.down_since() if self._started else None

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        await self.start()
        switch = self.pool.pick()
        if switch is None:
            raise NotDialled("no FreeSWITCH server up with free capacity")
        uuid = attempt.call_uuid
        with self.pool.placing(uuid, switch) as esl:
            events = esl.call_events(uuid)
            try:
                job = asyncio.create_task(
                    originate(esl, attempt.dial_string, uuid, {}, timeout_s=self.settings.campaign.originate_timeout_s)
                )
                answered, cause, q850 = False, "", None
                while True:
                    event = await _next(events, job, lambda: esl.connected)
                    if event is LOST:
                        cause = "ROBOT_ESL_LOST"  # the server went away with the call: the runner's rules apply
                        break
                    if event is None:
                        exc = job.exception() if job.done() else None
                        if isinstance(exc, EslNotConnectedError):
                            raise NotDialled(str(exc))
                        result = None if exc is not None else job.result()
                        if result is not None and result.ok:
                            continue  # the job result came before the events
                        cause = cause or (result.cause if result is not None else "ROBOT_ESL_LOST")
                        break
                    assert isinstance(event, EslEvent)
                    if event.name == "CHANNEL_ANSWER" and not answered:
                        answered = True
                        attempt.on_answer()
                    elif event.name == "CHANNEL_HANGUP_COMPLETE":
                        cause, q850 = hangup_fields(event)
                        break
            finally:
                events.close()
                if not job.done():
                    job.cancel()
                with contextlib.suppress(BaseException):
                    await job
        return CallOutcome(uuid, answered, cause, q850, disposition=cause.lower())

    async def lookup(self, call_uuid: str) -> CallOutcome | None:
        await self.start()
        esl = await self.pool.find(call_uuid)
        if esl is None:
            return None
        answered = (await esl.api(commands.getvar(call_uuid, "endpoint_disposition"))).strip() == "ANSWER"
        await esl.api(commands.kill(call_uuid, "MANAGER_REQUEST"))
        return CallOutcome(call_uuid, answered, "UNKNOWN_CRASH", disposition="orphan_hung_up")

    async def hangup_all(self, cause: str) -> None:
        for uuid, esl in self.pool.placed():
            with contextlib.suppress(EslError):
                await esl.api(commands.kill(uuid, cause))


LOST = object()


async def _next(events: CallEvents, job: asyncio.Future[Any], up: Callable[[], bool]) -> object | None:
    """The next event of the call; None when the originate job ended first; LOST when the link dropped."""
    getter = asyncio.ensure_future(events.get())
    waiting: set[asyncio.Future[Any]] = {getter}
    if not job.done():
        waiting.add(job)
    done: set[asyncio.Future[Any]] = set()
    while not done:
        done, _ = await asyncio.wait(waiting, timeout=0.5, return_when=asyncio.FIRST_COMPLETED)
        if not done and not up():
            getter.cancel()
            return LOST
    if getter in done:
        with contextlib.suppress(EOFError):
            return getter.result()
        return None
    getter.cancel()
    with contextlib.suppress(asyncio.CancelledError, EOFError):
        await getter
    return None


def make_dialer(settings: Settings) -> SimDialer:
    return SimDialer(settings)
