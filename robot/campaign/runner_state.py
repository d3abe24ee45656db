"""The state of a campaign run and the primitives every part of the runner shares: the store off the loop, waiting
(until a call ends, a stop is requested or time passes), switch outages (no new call while FreeSWITCH is down),
notices and progress. `CampaignRunner` (robot.campaign.runner) is built on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from robot.campaign.dialing import Dialer, SwitchLink, TokenBucket
from robot.campaign.policy import RunPolicy
from robot.campaign.progress import ProgressFeed, ProgressHook
from robot.campaign.store import AttemptRecord, CampaignCounts, CampaignRecord, CampaignStore, process_owner
from robot.clock import Clock
from robot.metrics import RobotMetrics

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


def _local(ts: float, tz: ZoneInfo | None = None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %b %H:%M")


NoticeHook = Callable[[str], None]


class RunnerState:
    """A campaign run's state and the primitives its parts share (CampaignRunner is built on it)."""

    def __init__(
        self,
        store: CampaignStore,
        dialer: Dialer,
        campaign: CampaignRecord,
        policy: RunPolicy,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        on_progress: ProgressHook | None = None,
        on_notice: NoticeHook | None = None,
        metrics: RobotMetrics | None = None,
        owner: str | None = None,
        worker: bool = False,
    ) -> None:
        self.store, self.dialer, self.campaign, self.policy = store, dialer, campaign, policy
        self.clock, self._sleep, self.metrics = clock, sleep, metrics
        self._on_notice = on_notice or (lambda text: log.info("%s", text))
        self.owner = owner or process_owner()
        self.worker = worker  # one of several processes on the campaign: no exclusive lease (robot.campaign.store)
        self.bucket = TokenBucket(policy.cps, max(1.0, policy.cps), clock)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._dnc: set[str] = set()
        self._lease_renewed_at = float("-inf")
        self._wake = asyncio.Event()
        self._stop_at: float | None = None  # monotonic deadline of the grace period once stopping
        self._hangup_sent_at: float | None = None
        self.waiting_since: float | None = None  # wall time the switch was found down
        self.held_lease = False
        self._idle_announced: float | None = None
        self.max_in_flight_seen = 0
        self._unresolved: dict[int, tuple[AttemptRecord, float]] = {}  # crash calls no server could be asked about
        self._progress_feed = None if on_progress is None else ProgressFeed(on_progress, self._counts)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def _counts(self) -> tuple[CampaignRecord, CampaignCounts]:
        return self.campaign, await self._db(self.store.counts, self.campaign.id)

    async def _switch_up(self) -> bool:
        """True when calls may be placed; else notes the outage, waits a little and returns False."""
        down = self.dialer.switch_down_since() if isinstance(self.dialer, SwitchLink) else None
        if down is None:
            if self.waiting_since is not None:
                gone = self.clock.wall() - self.waiting_since
                self._notice(f"FreeSWITCH is back after {gone:.1f} s: dialling again")
                self.waiting_since = None
                await self._db(self.store.set_note, self.campaign.id, None)
            return True
        if self.waiting_since is None:
            self.waiting_since = down
            text = f"waiting for FreeSWITCH (since {_local(down)})"
            self._notice(f"{text}: no new calls until it is back")
            await self._db(self.store.set_note, self.campaign.id, text)
        await self._wait(min(self.policy.idle_poll_s, 1.0))
        return False

    async def _wait(self, seconds: float) -> None:
        """Until a call ends, a stop is requested or `seconds` pass (injected sleep)."""
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait({sleeper, woken, *self._in_flight}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()
        self._wake.clear()
        for task in done:
            if task is not sleeper and task is not woken:
                self._in_flight.discard(task)
                task.result()  # a bug in _call must not pass silently

    def _notice(self, text: str) -> None:
        self._on_notice(f"campaign {self.campaign.name}: {text}")

    def _progress(self) -> None:
        if self._progress_feed is not None:
            self._progress_feed.ask()
