"""The campaign's live dialer: `make_dialer(settings)` returns a Dialer backed by a RobotApp.

The RobotApp (ESL client, audio server, ASR engine) starts ONCE, on the first dial, so a campaign that has
nothing to dial right now (calling windows) does not hold a model in memory; `aclose()` stops it. A FreeSWITCH
that is down is waited for (the ESL client keeps reconnecting): `switch_down_since()` tells the runner, which
stops dialling meanwhile. `lookup()` asks FreeSWITCH about a call a crashed run left behind and hangs a surviving
one up; `hangup_all()` ends the calls in flight (stop after the grace period).
"""

from __future__ import annotations

import asyncio
import logging

from robot.calls.app import RobotApp
from robot.campaign.dialing import AttemptRequest, CallOutcome
from robot.errors import EslError
from robot.esl import commands
from robot.metrics import RobotMetrics
from robot.settings import Settings

log = logging.getLogger(__name__)
ORPHAN_CAUSE = "UNKNOWN_CRASH"


class RobotDialer:
    def __init__(self, settings: Settings, metrics: RobotMetrics | None = None) -> None:
        self._app = RobotApp(settings, metrics=metrics, serve_handoff=False, serve_metrics=False)
        self._lock = asyncio.Lock()
        self._started = False
        self._start_error: BaseException | None = None

    @property
    def app(self) -> RobotApp:
        return self._app

    async def start(self) -> None:
        """Start the app once per process (a failure is kept and raised again: nothing restarts twice)."""
        async with self._lock:
            if self._start_error is not None:
                raise self._start_error
            if not self._started:
                try:
                    await self._app.start(wait_for_switch=True)
                except BaseException as err:
                    self._start_error = err
                    raise
                self._started = True

    def switch_down_since(self) -> float | None:
        """Wall time FreeSWITCH was lost, None while connected; raises when reconnecting was given up (password)."""
        if not self._started:
            return None
        if self._app.esl.gave_up is not None:
            raise self._app.esl.gave_up
        return None if self._app.esl.connected else (self._app.esl.down_since or 0.0)

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        await self.start()
        return await self._app.dial(attempt)

    async def lookup(self, call_uuid: str) -> CallOutcome | None:
        """What FreeSWITCH knows of a call left in flight by a crashed run: None when the channel is gone; else the
        channel is hung up and the outcome says whether it had been answered."""
        await self.start()
        uuid = commands.check_uuid(call_uuid)
        esl = self._app.esl
        if (await esl.api(f"uuid_exists {uuid}")).strip() != "true":
            return None
        answered = (await esl.api(commands.getvar(uuid, "endpoint_disposition"))).strip() == "ANSWER"
        await esl.api(commands.kill(uuid, "MANAGER_REQUEST"))
        log.warning("call %s survived a crash of the robot (%s): hung up", uuid, "answered" if answered else "ringing")
        return CallOutcome(uuid, answered, ORPHAN_CAUSE, disposition="orphan_hung_up")

    async def hangup_all(self, cause: str) -> None:
        for uuid in list(self._app.placing):
            try:
                await self._app.esl.api(commands.kill(uuid, cause))
            except EslError as err:
                log.warning("call %s: hangup failed: %s", uuid, err)

    async def aclose(self) -> None:
        async with self._lock:
            if self._started:
                await self._app.close()
                self._started = False


def make_dialer(settings: Settings, metrics: RobotMetrics | None = None) -> RobotDialer:
    return RobotDialer(settings, metrics)
