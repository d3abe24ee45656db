"""Live campaign progress: a small plain-text table redrawn in place on a TTY, one line per update otherwise."""

from __future__ import annotations

from typing import TextIO

from robot.campaign.store import CampaignCounts, CampaignRecord

_STATES = ("pending", "dialing", "done", "skipped")


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
