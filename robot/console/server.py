"""One aiohttp server on `campaign.metrics_port`: `/metrics` (Prometheus), the read-only live API and the web console.

  GET /                 the web console (one static page; live through server-sent events, no reloads)
  GET /metrics          Prometheus text exposition (prometheus_client)
  GET /api/state        the live snapshot (robot.console.live.LiveView.snapshot) as JSON
  GET /api/calls/{id}   one call's timeline (uuid or a unique prefix; 404 otherwise)
  GET /api/events       server-sent events: the snapshot every `console.push_interval_s`

Only GET/HEAD exist (nothing here can touch a call). Bound to loopback by default; on any other address
`console.token` is required (refused at start otherwise), as `Authorization: Bearer <token>` or as the basic-auth
password (any user name: what a browser asks for).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from robot.clock import Clock
from robot.console.live import LiveView
from robot.errors import ConfigError
from robot.metrics import CONTENT_TYPE, RobotMetrics
from robot.settings import Settings

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SHUTDOWN_S = 2.0


def _dumps(data: Any) -> str:
    """JSON as the call log writes it: a field that is no JSON type goes out as its text."""
    return json.dumps(data, ensure_ascii=False, default=str)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _authorized(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return hmac.compare_digest(value.strip().encode(), token.encode())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(decoded.partition(":")[2].encode(), token.encode())
    return False


class ConsoleServer:
    """Start with `await start()` (returns the port; port 0 picks a free one), stop with `await close()`."""

    def __init__(self, metrics: RobotMetrics, live: LiveView, settings: Settings, clock: Clock) -> None:
        self.metrics, self.live, self.clock = metrics, live, clock
        self.host, self.port = settings.campaign.metrics_host, settings.campaign.metrics_port
        self._interval = settings.console.push_interval_s
        token = settings.console.token
        self._token = token.get_secret_value() if token is not None else None
        if not is_loopback(self.host) and not self._token:
            raise ConfigError(
                f"campaign.metrics_host {self.host!r} is not loopback: set console.token "
                "(ROBOT_CONSOLE__TOKEN) so the live console and /metrics need it"
            )
        self._closing = asyncio.Event()
        self._page = resources.files("robot.console").joinpath("static/index.html").read_bytes()
        app = web.Application(middlewares=[self._auth])
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/metrics", self._metrics),
                web.get("/api/state", self._state),
                web.get("/api/calls/{uuid}", self._call),
                web.get("/api/events", self._events),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_S)

    async def start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def close(self) -> None:
        self._closing.set()  # live streams end now instead of holding the shutdown
        await self._runner.cleanup()

    # ---- handlers ------------------------------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._token and not _authorized(request.headers.get("Authorization", ""), self._token):
            return web.Response(
                status=401, text="token required\n", headers={"WWW-Authenticate": 'Basic realm="robot console"'}
            )
        return await handler(request)

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(body=self._page, content_type="text/html", charset="utf-8")

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    def _snapshot(self) -> dict[str, Any]:
        return self.live.snapshot(self.metrics, self.clock.wall())

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self._snapshot(), dumps=_dumps)

    async def _call(self, request: web.Request) -> web.Response:
        found = self.live.timeline(request.match_info["uuid"], self.clock.wall())
        if found is None:
            raise web.HTTPNotFound(text="no such call in flight or recently ended (or the prefix is ambiguous)\n")
        return web.json_response(found, dumps=_dumps)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        try:
            while not self._closing.is_set():
                await response.write(b"data: " + _dumps(self._snapshot()).encode() + b"\n\n")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self._interval)
        except ConnectionResetError:
            log.debug("console viewer left")
        return response
