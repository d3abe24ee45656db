"""Both servers of the service, started and stopped together on one engine."""

from __future__ import annotations

import asyncio
from types import TracebackType

from websockets.asyncio.server import Server

from robot.asr.engine import AsrEngine
from robot.asr.service.tcp import ServiceContext, start_tcp
from robot.asr.service.ws import start_ws
from robot.media.analysis import AnalysisWorker
from robot.settings import AsrServiceSettings, VadSettings


class AsrService:
    """`async with AsrService(engine, settings, vad) as service:` listens on `service.tcp_port`/`ws_port`
    (None where that server is off). Every client's VAD runs in `analysis` (the RobotApp's worker when the robot runs
    in the same process), else in a worker of the service's own, closed with it."""

    def __init__(
        self,
        engine: AsrEngine,
        settings: AsrServiceSettings,
        vad: VadSettings,
        *,
        tcp: bool = True,
        ws: bool = True,
        analysis: AnalysisWorker | None = None,
    ) -> None:
        self._own_analysis = analysis is None
        worker = AnalysisWorker(name="asr-service-vad") if analysis is None else analysis
        self.ctx = ServiceContext(engine, settings, vad, worker)
        self._want_tcp = tcp
        self._want_ws = ws
        self._tcp: asyncio.Server | None = None
        self._ws: Server | None = None

    @property
    def tcp_port(self) -> int | None:
        return None if self._tcp is None else int(self._tcp.sockets[0].getsockname()[1])

    @property
    def ws_port(self) -> int | None:
        return None if self._ws is None else int(next(iter(self._ws.sockets)).getsockname()[1])

    async def __aenter__(self) -> AsrService:
        s = self.ctx.settings
        if self._want_tcp:
            self._tcp = await start_tcp(self.ctx, s.host, s.tcp_port)
        if self._want_ws:
            self._ws = await start_ws(self.ctx, s.host, s.ws_port)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._tcp is not None:
            self._tcp.close()
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._tcp is not None:
            await self._tcp.wait_closed()
        if self._own_analysis:
            self.ctx.analysis.close()
