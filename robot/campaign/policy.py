"""How one campaign is dialled: pacing, retries, calling window and legal caps, as stored with the campaign."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from robot.campaign.rules import FRENCH_PROSPECTING_WINDOW, CallingWindow, LegalCaps
from robot.campaign.store import CampaignRecord


@dataclass(frozen=True, slots=True)
class RunPolicy:
    concurrency: int
    cps: float
    dial_template: str
    max_attempts: int
    retry_delay_s: Mapping[str, float]
    window: CallingWindow | None = None
    caps: LegalCaps | None = None
    idle_poll_s: float = 1.0
    lease_ttl_s: float = 30.0
    grace_s: float = 30.0

    @classmethod
    def for_campaign(cls, campaign: CampaignRecord, overrides: Mapping[str, Any] | None = None) -> RunPolicy:
        """The policy stored with the campaign (+ overrides); French prospecting rules when prospecting."""
        s = {**campaign.settings, **(overrides or {})}
        caps = None
        if campaign.prospecting:
            caps = LegalCaps(
                max_attempts=int(s["legal_max_attempts"]),
                window=_days(s["legal_window_days"]),
                refusal_quiet=_days(s["refusal_quiet_days"]),
            )
        return cls(
            concurrency=int(s["concurrency"]),
            cps=float(s["cps"]),
            dial_template=str(s["dial_template"]),
            max_attempts=int(s["max_attempts"]),
            retry_delay_s={str(k): float(v) for k, v in s["retry_delay_s"].items()},
            window=FRENCH_PROSPECTING_WINDOW if campaign.prospecting else None,
            caps=caps,
            idle_poll_s=float(s["idle_poll_s"]),
            lease_ttl_s=float(s["lease_ttl_s"]),
            grace_s=float(s.get("grace_s", 30.0)),
        )


def _days(value: Any) -> timedelta:
    return timedelta(days=float(value))
