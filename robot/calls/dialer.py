"""The campaign's live dialer: `make_dialer(settings)` returns a Dialer backed by a RobotApp.

The RobotApp (ESL client, audio server, ASR engine) starts ONCE, on the first dial, so a campaign that has
nothing to dial right now (calling windows) does not hold a model in memory; `aclose()` stops it. A FreeSWITCH
that is down is waited for (the ESL client keeps reconnecting): `switch_down_since()` tells the runner, which
stops dialling meanwhile. `lookup()` asks FreeSWITCH about a call a crashed run left behind and hangs a surviving
one up; `hangup_all()` ends the calls in flight (stop after the grace period). With several servers
(`esl.endpoints`) each call goes to the least loaded one that is up (robot.esl.pool); the campaign waits only
while all are down, and a call left by a crash is looked up on every server.
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
        """Wall time the last FreeSWITCH server was lost, None while one is connected (esl.endpoints: several);
        raises when reconnecting was given up (password) on every server."""
        if not self._started:
            return None
        given_up = [c.gave_up for c in self._app.pool.clients]
        if given_up[0] is not None and all(given_up):
            raise given_up[0]
        return self._app.pool.down_since()

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        await self.start()
        return await self._app.dial(attempt)

    async def lookup(self, call_uuid: str) -> CallOutcome | None:
        """What FreeSWITCH knows of a call left in flight by a crashed run: None when the channel is gone; else the
        channel is hung up and the outcome says whether it had been answered."""
        await self.start()
        uuid = commands.check_uuid(call_uuid)
        esl = await self._app.pool.find(uuid)  # every server; raises while one that may hold it is down
        if esl is None:
            return None
        answered = (await esl.api(commands.getvar(uuid, "endpoint_disposition"))).strip() == "ANSWER"
        await esl.api(commands.kill(uuid, "MANAGER_REQUEST"))
        log.warning("call %s survived a crash of the robot (%s): hung up", uuid, "answered" if answered else "ringing")
        return CallOutcome(uuid, answered, ORPHAN_CAUSE, disposition="orphan_hung_up")

    async def hangup_all(self, cause: str) -> None:
        for uuid in list(self._app.placing):
            try:
                await self._app.client_of(uuid).api(commands.kill(uuid, cause))
            except EslError as err:
                log.warning("call %s: hangup failed: %s", uuid, err)

    async def aclose(self) -> None:
        async with self._lock:
            if self._started:
                await self._app.close()
                self._started = False


def make_dialer(settings: Settings, metrics: RobotMetrics | None = None) -> RobotDialer:
    return RobotDialer(settings, metrics)
