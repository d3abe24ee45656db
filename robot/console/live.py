"""The live view's model: pure, fed by the call log's own events (`CallLogWriter.subscribe`) and by the campaign
runner's progress updates (the store's counts), read as JSON-able snapshots by the API, the web console and
`robot top`. No second bookkeeping: what the call log says is what the operator sees."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from robot.calllog import CallLogEvent
from robot.campaign.store import CampaignCounts, CampaignRecord
from robot.metrics import RobotMetrics

RATE_WINDOW_S = 300.0  # campaign rate and ETA: contacts finished over the last five minutes
CHART_POINTS = 500  # AMD decisions and barge-in latencies kept for the console's charts
DEFAULT_MAX_AGE_S = 86400.0 + 3600.0  # longer than campaign.max_call_s allows (FreeSWITCH's own cap) + ringing
GONE_CAUSE = "UNKNOWN (no hangup logged)"


def mask_number(number: str) -> str:
    """+33612345678 -> +336******78: enough to tell calls apart, not enough to call back."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


@dataclass(slots=True)
class LiveCall:
    uuid: str
    campaign: str | None
    contact: str | None
    started: float
    state: str = "ringing"
    step: str | None = None
    answered_at: float | None = None
    amd: str | None = None
    amd_reason: str | None = None
    amd_decided_s: float | None = None
    words: str = ""
    bargeins: int = 0
    ended_at: float | None = None
    cause: str | None = None
    timeline: deque[dict[str, Any]] = field(default_factory=deque)


def _reason(fields: dict[str, Any]) -> str | None:
    reasons = fields.get("reasons")
    if isinstance(reasons, list) and reasons:
        return "; ".join(str(r) for r in reasons[:2])
    return None


class LiveView:
    """Calls in flight (and the last few ended ones), campaign progress, AMD and barge-in figures."""

    def __init__(
        self,
        *,
        mask_numbers: bool = True,
        recent_calls: int = 50,
        timeline_events: int = 200,
        max_age_s: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        self.mask_numbers, self.max_age_s = mask_numbers, max_age_s
        self._timeline_events = timeline_events
        self.calls: dict[str, LiveCall] = {}
        self.recent: deque[LiveCall] = deque(maxlen=recent_calls)
        self.campaign: dict[str, Any] | None = None
        self._done_history: deque[tuple[float, int]] = deque()
        self.amd_points: deque[tuple[float, str, float]] = deque(maxlen=CHART_POINTS)  # (ts, result, decided s)
        self.bargein_latencies: deque[float] = deque(maxlen=CHART_POINTS)

    # ---- inputs --------------------------------------------------------------------------------------------------
    def apply(self, event: CallLogEvent) -> None:
        """One call log event (the same object the call log writer just wrote)."""
        call = self.calls.get(event.call_uuid)
        if call is None:
            if event.event == "hangup" and "cause" not in event.fields:
                return
            timeline: deque[dict[str, Any]] = deque(maxlen=self._timeline_events)
            call = LiveCall(event.call_uuid, event.campaign, event.contact, event.ts, timeline=timeline)
            self.calls[event.call_uuid] = call
        f = event.fields
        call.timeline.append({"t": round(event.ts - call.started, 3), "event": event.event, **f})
        if isinstance(f.get("step"), str):
            call.step = f["step"]
        kind = event.event
        if kind == "answer":
            call.answered_at, call.state = event.ts, ("answered" if f.get("handoff") else "AMD")
        elif kind == "amd":
            call.amd, call.amd_reason, call.state = str(f.get("result")), _reason(f), "answered"
            decided = f.get("decided_at")
            if isinstance(decided, int | float):
                call.amd_decided_s = float(decided)
                self.amd_points.append((event.ts, str(f.get("result")), float(decided)))
        elif kind == "prompt_start":
            call.state = "prompt playing"
        elif kind == "prompt_stop":
            call.state = "listening"
        elif kind == "barge_in":
            call.bargeins += 1
            call.state = "listening"
            onset, sent = f.get("speech_onset"), f.get("break_sent_at")
            if isinstance(onset, int | float) and isinstance(sent, int | float):
                self.bargein_latencies.append(float(sent) - float(onset))
        elif kind in ("transcript", "intent") and isinstance(f.get("text"), str) and f["text"].strip():
            call.words = f["text"].strip()
        elif (kind == "hangup" and "cause" in f) or (kind == "error" and call.answered_at is None):
            call.ended_at, call.cause, call.state = event.ts, str(f.get("cause") or "ERROR"), "ended"
            self.recent.append(self.calls.pop(event.call_uuid))

    def step(self, call_uuid: str, step: str) -> None:
        """The scenario entered `step` (the dialog's own event: the call log only names steps that listened)."""
        call = self.calls.get(call_uuid)
        if call is not None:
            call.step = step

    def campaign_progress(
        self, campaign: CampaignRecord, counts: CampaignCounts, now: float, waiting: list[str] | None = None
    ) -> None:
        """The runner's progress callback: the store's counts, as `campaign status` shows them; `waiting`: why
        pending contacts wait (robot.campaign.progress.waiting_lines), None: unchanged since the last call."""
        if waiting is None:
            waiting = self.campaign["waiting"] if self.campaign is not None else []
        done = counts.by_state.get("done", 0) + counts.by_state.get("skipped", 0)
        if self.campaign is not None and self.campaign["name"] != campaign.name:
            self._done_history.clear()
        self._done_history.append((now, done))
        while len(self._done_history) > 2 and self._done_history[0][0] < now - RATE_WINDOW_S:
            self._done_history.popleft()
        first_ts, first_done = self._done_history[0]
        span = now - first_ts
        rate = (done - first_done) / span if span > 0 else 0.0
        remaining = max(0, counts.total - done)
        self.campaign = {
            "name": campaign.name,
            "status": campaign.status,
            "total": counts.total,
            "done": done,
            "remaining": remaining,
            "by_state": dict(counts.by_state),
            "attempts": counts.attempts,
            "in_flight": counts.in_flight,
            "results": dict(counts.results),
            "rate_per_min": round(rate * 60.0, 2),
            "eta_s": round(remaining / rate, 1) if rate > 0 and remaining else (0.0 if not remaining else None),
            "waiting": list(waiting),
        }

    # ---- outputs -------------------------------------------------------------------------------------------------
    def _number(self, number: str | None) -> str:
        if not number:
            return ""
        return mask_number(number) if self.mask_numbers else number

    def _row(self, call: LiveCall, now: float) -> dict[str, Any]:
        end = call.ended_at if call.ended_at is not None else now
        return {
            "uuid": call.uuid,
            "number": self._number(call.contact),
            "campaign": call.campaign,
            "state": call.state,
            "step": call.step,
            "amd": call.amd,
            "amd_reason": call.amd_reason,
            "amd_decided_s": call.amd_decided_s,
            "words": call.words,
            "bargeins": call.bargeins,
            "duration_s": round(end - call.started, 1),
            "talk_s": None if call.answered_at is None else round(end - call.answered_at, 1),
            "cause": call.cause,
        }

    def sweep(self, now: float) -> None:
        """Calls older than any call can live (FreeSWITCH hangs them up at max_call_s) whose hangup never reached
        the call log (the robot lost track of them on an error) leave the calls in flight."""
        for uuid in [u for u, c in self.calls.items() if now - c.started > self.max_age_s]:
            call = self.calls.pop(uuid)
            call.ended_at, call.cause, call.state = now, GONE_CAUSE, "ended"
            self.recent.append(call)

    def snapshot(self, metrics: RobotMetrics | None, now: float) -> dict[str, Any]:
        self.sweep(now)
        esl = metrics.esl_connected.read() if metrics is not None else None
        queue = metrics.asr_queue_depth.read() if metrics is not None else None
        return {
            "now": now,
            "esl": {"connected": None if esl is None else bool(esl)},
            "asr_queue_depth": queue,
            "calls": [self._row(c, now) for c in sorted(self.calls.values(), key=lambda c: c.started)],
            "recent": [self._row(c, now) for c in reversed(self.recent)][:10],
            "campaign": self.campaign,
            "outcomes": metrics.originate_results.values() if metrics is not None else {},
            "amd_verdicts": metrics.amd_verdicts.values() if metrics is not None else {},
            "bargeins": metrics.bargeins.value() if metrics is not None else 0.0,
            "charts": {
                "amd": [{"ts": ts, "result": r, "decided_s": d} for ts, r, d in self.amd_points],
                "bargein_latency_s": list(self.bargein_latencies),
            },
        }

    def timeline(self, uuid: str, now: float) -> dict[str, Any] | None:
        """One call (in flight or recently ended, by uuid or a unique prefix) with its events."""
        matches = [c for c in (*self.calls.values(), *self.recent) if c.uuid.startswith(uuid)] if uuid else []
        if len({c.uuid for c in matches}) != 1:
            return None
        call = matches[0]
        secret = call.contact if self.mask_numbers and call.contact else None
        events = [_hide(item, secret, self._number(secret)) for item in call.timeline]
        return {**self._row(call, now), "timeline": events}


def _hide(item: dict[str, Any], secret: str | None, shown: str) -> dict[str, Any]:
    """The callee's number masked wherever a field quotes it (the originate's dial string)."""
    if secret is None:
        return item
    return {k: v.replace(secret, shown) if isinstance(v, str) else v for k, v in item.items()}
