"""Live campaign progress: a small plain-text table redrawn in place on a TTY, one line per update otherwise;
notices (waiting for FreeSWITCH, stopping...) as lines of their own; and the `campaign status` lines."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TextIO

from robot.campaign.store import CampaignCounts, CampaignRecord, Lease, Waiting, WorkerRecord

_STATES = ("pending", "dialing", "done", "skipped")
ProgressHook = Callable[[CampaignRecord, CampaignCounts], Awaitable[None] | None]  # awaited when async
Counts = Callable[[], Awaitable[tuple[CampaignRecord, CampaignCounts]]]


class ProgressFeed:
    """Progress updates asked for by the runner. The counts aggregate the whole campaign (a few ms on PostgreSQL at a
    few thousand attempts, more as it grows): they are read off the loop, one query at a time; updates asked for
    meanwhile are merged into the next one, so the last state is always shown, in order."""

    def __init__(self, show: ProgressHook, counts: Counts) -> None:
        self._show, self._counts = show, counts
        self._task: asyncio.Task[None] | None = None
        self._dirty = False

    def ask(self) -> None:
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._refresh(), name="campaign-progress")

    async def _refresh(self) -> None:
        while self._dirty:
            self._dirty = False
            shown = self._show(*await self._counts())
            if inspect.isawaitable(shown):
                await shown

    async def flush(self) -> None:
        """Wait for the update in progress (its errors are the hook's own, not the runner's)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def progress_line(campaign: CampaignRecord, counts: CampaignCounts) -> str:
    states = " ".join(f"{s}={counts.by_state.get(s, 0)}" for s in _STATES)
    results = ",".join(f"{k}:{v}" for k, v in sorted(counts.results.items())) or "-"
    return (
        f"campaign={campaign.name} contacts={counts.total} {states} attempts={counts.attempts}"
        f" in_flight={counts.in_flight} results={results}"
    )


def progress_table(campaign: CampaignRecord, counts: CampaignCounts) -> list[str]:
    rows = [("campaign", campaign.name), ("contacts", str(counts.total))]
    rows += [(s, str(counts.by_state.get(s, 0))) for s in _STATES]
    rows += [("attempts", str(counts.attempts)), ("in flight", str(counts.in_flight))]
    rows += [(f"result {k}", str(v)) for k, v in sorted(counts.results.items())]
    width = max(len(k) for k, _ in rows)
    return [f"{k:<{width}}  {v}" for k, v in rows]


class ProgressPrinter:
    """Call it with each update. On a TTY the previous table is erased (ANSI cursor-up + clear) and redrawn."""

    def __init__(self, out: TextIO, *, tty: bool | None = None) -> None:
        self.out = out
        self.tty = out.isatty() if tty is None else tty
        self._drawn = 0
        self._last = ""

    def notice(self, text: str) -> None:
        """A line of its own (the table is redrawn below it)."""
        self.out.write(text + "\n")
        self.out.flush()
        self._drawn = 0

    def __call__(self, campaign: CampaignRecord, counts: CampaignCounts) -> None:
        if not self.tty:
            line = progress_line(campaign, counts)
            if line != self._last:
                self.out.write(line + "\n")
                self.out.flush()
                self._last = line
            return
        lines = progress_table(campaign, counts)
        erase = "\x1b[F\x1b[2K" * self._drawn
        self.out.write(erase + "\n".join(lines) + "\n")
        self.out.flush()
        self._drawn = len(lines)


def _clock_time(ts: float, now: float) -> str:
    moment = datetime.fromtimestamp(ts).astimezone()
    return moment.strftime("%H:%M" if abs(ts - now) < 20 * 3600 else "%a %d %b %H:%M")


def lease_line(lease: Lease, ttl_s: float, now: float, alive: bool) -> str:
    """Whether a live process holds the campaign (its lease, renewed every ttl/3 s)."""
    if lease.owner is None or lease.until is None:
        return "process: none holds it"
    if lease.until < now or not alive:
        return f"process: none alive (last holder {lease.owner} stopped without releasing it: crashed or killed)"
    beat = max(0.0, now - (lease.until - ttl_s))
    return f"process: {lease.owner} (heartbeat {beat:.0f} s ago)"


def waiting_lines(groups: list[Waiting], now: float) -> list[str]:
    """Pending contacts split into never called / retry scheduled, and why each group waits."""
    fresh = sum(g.contacts for g in groups if g.never_called)
    retry = sum(g.contacts for g in groups if not g.never_called)
    lines = [f"pending: {fresh + retry} (never called {fresh}, retry scheduled {retry})"] if groups else []
    for g in groups:
        if g.next_at <= now:
            why = "due now" + (f" ({g.reason})" if g.reason and not g.never_called else "")
        elif g.never_called or " " in g.reason:
            why = g.reason or f"due at {_clock_time(g.next_at, now)}"
        else:
            why = f"retry at {_clock_time(g.next_at, now)} after {g.reason}"
        lines.append(f"  {g.contacts} {'never called' if g.never_called else 'to retry'}: {why}")
    return lines


def worker_lines(workers: list[WorkerRecord], now: float, is_dead: Callable[[str], bool]) -> list[str]:
    """Every worker on the campaign (`run --worker`): heartbeat age and calls in flight; gone ones flagged."""
    live = [w for w in workers if w.lease_until >= now and not is_dead(w.owner)]
    lines = [f"workers: {len(live)} alive of {len(workers)}, {sum(w.dialing for w in live)} call(s) in flight"]
    for w in workers:
        state = "alive" if w in live else "gone (its calls are taken over by a live worker)"
        lines.append(f"  {w.owner}: {state}, heartbeat {max(0.0, now - w.seen):.0f} s ago, {w.dialing} in flight")
    return lines
