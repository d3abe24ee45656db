"""The campaign's live dialer: `make_dialer(settings)` returns a Dialer backed by a RobotApp.

The RobotApp (ESL client, audio server, ASR engine) starts on the first dial, so a campaign that has
nothing to dial right now (calling windows) does not hold a model in memory; `aclose()` stops it.
"""

from __future__ import annotations

import asyncio

from robot.calls.app import RobotApp
from robot.campaign.runner import AttemptRequest, CallOutcome
from robot.metrics import RobotMetrics
from robot.settings import Settings


class RobotDialer:
    def __init__(self, settings: Settings, metrics: RobotMetrics | None = None) -> None:
        self._app = RobotApp(settings, metrics=metrics, serve_handoff=False, serve_metrics=False)
        self._lock = asyncio.Lock()
        self._started = False

    @property
    def app(self) -> RobotApp:
        return self._app

    async def _ensure_started(self) -> None:
        async with self._lock:
            if not self._started:
                await self._app.start()
                self._started = True

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        await self._ensure_started()
        return await self._app.dial(attempt)

    async def aclose(self) -> None:
        async with self._lock:
            if self._started:
                await self._app.close()
                self._started = False


def make_dialer(settings: Settings, metrics: RobotMetrics | None = None) -> RobotDialer:
    return RobotDialer(settings, metrics)
