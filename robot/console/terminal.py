"""`robot top`'s screen: the live snapshot (robot.console.live) as rich renderables. Pure: snapshot in, renderable
out; the command polls the API and redraws."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _health(snapshot: dict[str, Any], where: str) -> Text:
    esl = snapshot["esl"]["connected"]
    line = Text(f"robot top · {where} · ")
    if esl is None:
        line.append("FreeSWITCH: not this process's", style="dim")
    else:
        line.append("FreeSWITCH connected" if esl else "FreeSWITCH DOWN", style="green" if esl else "bold red")
    if snapshot.get("asr_queue_depth") is not None:
        line.append(f" · ASR queue {snapshot['asr_queue_depth']:.0f}")
    return line


def _campaign(k: dict[str, Any] | None) -> RenderableType:
    if k is None:
        return Text("no campaign in this process", style="dim")
    eta = "ETA -" if k["eta_s"] is None else f"ETA {duration(k['eta_s'])}"
    head = Text(
        f"campaign {k['name']} ({k['status']}): {k['done']}/{k['total']} contacts, {k['in_flight']} in flight, "
        f"{k['attempts']} attempts, {k['rate_per_min']:.1f} contacts/min, {eta}"
    )
    bar = ProgressBar(total=max(1, k["total"]), completed=k["done"], width=60)
    results = " · ".join(f"{name} {n}" for name, n in sorted(k["results"].items()))
    waiting = [Text(line, style="dim") for line in k.get("waiting", [])]
    return Group(head, bar, Text(f"results: {results or '-'}", style="dim"), *waiting)


def _calls(title: str, calls: list[dict[str, Any]], *, ended: bool) -> Table:
    table = Table(title=title, title_justify="left", expand=True)
    for name in ("call", "number", "cause" if ended else "state", "step", "AMD", "last words", "barge-ins", "time"):
        table.add_column(name, overflow="fold", max_width=40 if name == "last words" else None)
    for c in calls:
        amd = (c["amd"] or "") + (f" ({c['amd_reason']})" if c.get("amd_reason") else "")
        table.add_row(
            c["uuid"][:8],
            c["number"],
            (c["cause"] if ended else c["state"]) or "",
            c["step"] or "",
            amd,
            c["words"],
            str(c["bargeins"]),
            duration(c["duration_s"]),
        )
    return table


def render(snapshot: dict[str, Any], where: str) -> RenderableType:
    """The whole screen for one snapshot."""
    counts = dict(snapshot["outcomes"])
    outcome = " · ".join(f"{name} {n:.0f}" for name, n in sorted(counts.items())) or "-"
    amd = " · ".join(f"{name} {n:.0f}" for name, n in sorted(snapshot["amd_verdicts"].items())) or "-"
    return Group(
        _health(snapshot, where),
        _campaign(snapshot["campaign"]),
        _calls(f"calls in flight: {len(snapshot['calls'])}", snapshot["calls"], ended=False),
        _calls("recently ended", snapshot["recent"][:5], ended=True),
        Text(f"hangup causes: {outcome}   AMD: {amd}   barge-ins: {snapshot['bargeins']:.0f}"),
    )


def timeline(call: dict[str, Any]) -> RenderableType:
    """One call (`GET /api/calls/<uuid>`): its summary line and every event, seconds after the originate."""
    head = Text(f"call {call['uuid']} {call['number']} · {call['state']} · {duration(call['duration_s'])}")
    if call.get("cause"):
        head.append(f" · {call['cause']}")
    table = Table(expand=True)
    table.add_column("t (s)", justify="right")
    table.add_column("event")
    table.add_column("details", overflow="fold")
    for item in call["timeline"]:
        details = " ".join(f"{k}={v}" for k, v in item.items() if k not in ("t", "event"))
        table.add_row(f"{item['t']:.3f}", item["event"], details)
    return Group(head, table)
