"""Several FreeSWITCH servers behind one dialer: one `EslClient` per endpoint (settings `esl.endpoints`).

`pick()` chooses the server for a new call: among those connected and under their capacity, the one with the fewest
calls in flight per unit of weight (ties: the first listed). A call handed over by a dialplan is controlled through
the server that holds it (`holder`). A server that is down gets no new call; each client
keeps reconnecting on its own, so a server that comes back takes calls again. `down_since()` is set only while
EVERY server is down (the campaign then waits); `client_of(uuid)` says where a call was placed.

A call left in flight by a crashed worker is looked up on every server (`find`); while a server that may hold it is
down, `find` raises `EslNotConnectedError`, so the caller asks again once that server is back rather than guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from robot.clock import Clock, SystemClock
from robot.errors import EslError
from robot.esl import commands
from robot.esl.connection import EslClient, EslNotConnectedError
from robot.settings import EslSettings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Switch:
    client: EslClient
    weight: float = 1.0
    capacity: int = 0  # 0: no limit
    in_flight: int = 0

    @property
    def full(self) -> bool:
        return self.capacity > 0 and self.in_flight >= self.capacity


def endpoint_settings(settings: EslSettings) -> list[tuple[EslSettings, float, int]]:
    """(client settings, weight, capacity) per server: `esl.endpoints`, or the one at esl.host:esl.port."""
    if not settings.endpoints:
        return [(settings, 1.0, 0)]
    out = []
    for ep in settings.endpoints:
        update = {"host": ep.host, "port": ep.port, "endpoints": []}
        if ep.password is not None:
            update["password"] = ep.password
        out.append((settings.model_copy(update=update), ep.weight, ep.capacity))
    return out


class SwitchPool:
    def __init__(self, settings: EslSettings, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.switches = [
            Switch(EslClient(s, clock=self.clock), weight, capacity)
            for s, weight, capacity in endpoint_settings(settings)
        ]
        self._calls: dict[str, Switch] = {}

    @property
    def clients(self) -> list[EslClient]:
        return [s.client for s in self.switches]

    async def start(self, *, wait: bool = True) -> None:
        for switch in self.switches:
            await switch.client.start(wait=wait)

    async def close(self) -> None:
        for switch in self.switches:
            await switch.client.close()

    def down_since(self) -> float | None:
        """Wall time the last server went down, while none is connected; None while one is up."""
        if any(s.client.connected for s in self.switches):
            return None
        return max((s.client.down_since or 0.0) for s in self.switches)

    def pick(self) -> Switch | None:
        """The server for a new call (None: all down or full)."""
        ready = [s for s in self.switches if s.client.connected and not s.full]
        if not ready:
            return None
        return min(ready, key=lambda s: (s.in_flight + 1) / s.weight)

    @contextmanager
    def placing(self, uuid: str, switch: Switch) -> Iterator[EslClient]:
        """Count the call on `switch` while it lasts."""
        switch.in_flight += 1
        self._calls[uuid] = switch
        try:
            yield switch.client
        finally:
            switch.in_flight -= 1
            self._calls.pop(uuid, None)

    def switch_of(self, client: EslClient) -> Switch:
        return next(s for s in self.switches if s.client is client)

    async def holder(self, uuid: str, candidates: list[EslClient]) -> EslClient | None:
        """Which of `candidates` (connected servers) has channel `uuid`: a dialplan hand-off came from one of them.

        With one server there is nothing to ask. A server that fails to answer is skipped (its link is going down).
        """
        if len(self.switches) == 1:
            return self.switches[0].client
        uuid = commands.check_uuid(uuid)
        for client in candidates:
            try:
                if (await client.api(f"uuid_exists {uuid}")).strip() == "true":
                    return client
            except EslError as err:
                log.warning("call %s: uuid_exists on %s failed: %s", uuid, client.where, err)
        return None

    def placed(self) -> list[tuple[str, EslClient]]:
        """The calls in flight and their server."""
        return [(uuid, switch.client) for uuid, switch in self._calls.items()]

    def client_of(self, uuid: str) -> EslClient | None:
        switch = self._calls.get(uuid)
        return None if switch is None else switch.client

    async def find(self, uuid: str) -> EslClient | None:
        """The server that still has channel `uuid`; None when every server says it is gone."""
        uuid = commands.check_uuid(uuid)
        down = []
        for switch in self.switches:
            if not switch.client.connected:
                down.append(switch.client.where)
                continue
            if (await switch.client.api(f"uuid_exists {uuid}")).strip() == "true":
                return switch.client
        if down:
            raise EslNotConnectedError(f"call {uuid}: cannot ask {', '.join(down)} (down) whether it is alive")
        return None
