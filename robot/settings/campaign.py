"""Settings sections of campaign runs: dialing and the store (campaign), the call log (log) and the live view
(console)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from robot.settings.base import _Section


class CampaignSettings(_Section):
    """Dialing, pacing, retries and the store."""

    db_path: Path = Field(Path("var/robot.sqlite"), description="SQLite store (WAL mode).")
    store: SecretStr = Field(
        SecretStr(""),
        description="Campaign store: empty = the SQLite file db_path (one machine); postgresql://user:password@host"
        ":port/database = PostgreSQL, shared by `robot campaign run --worker` processes on several machines "
        "(secret: never logged).",
    )
    store_pool_size: int = Field(4, ge=1, le=64, description="PostgreSQL store: connections per process at most.")
    concurrency: int = Field(10, ge=1, description="Calls in flight at most, calls.")
    cps: float = Field(2.0, gt=0, description="New calls per second at most, calls/s.")
    dial_template: str = Field(
        "sofia/gateway/operator/{number}",
        description="Dial string; {number} is replaced by the contact's validated number.",
    )
    max_attempts: int = Field(3, ge=1, description="Attempts per contact at most (the legal cap may be lower).")
    retry_delay_s: dict[str, float] = Field(
        default_factory=lambda: {
            "USER_BUSY": 600.0,
            "NO_ANSWER": 1800.0,
            "NO_USER_RESPONSE": 1800.0,
            "NORMAL_TEMPORARY_FAILURE": 300.0,
            "RECOVERY_ON_TIMER_EXPIRE": 300.0,
            "MACHINE": 3600.0,
            "UNKNOWN_CRASH": 3600.0,
            "DIALER_ERROR": 300.0,
            "ROBOT_ESL_LOST": 300.0,
        },
        description="Delay before retrying, per hangup cause / AMD result, seconds. Causes not listed are final. "
        "UNKNOWN_CRASH: an unanswered attempt left in flight by a crashed run; DIALER_ERROR: the dialer raised; "
        "ROBOT_ESL_LOST: the switch was lost while the call rang. An originate that never reached the switch "
        "is no attempt at all (not counted, dialled again once the switch is back).",
    )
    originate_timeout_s: int = Field(45, gt=0, description="Ringing time before NO_ANSWER, seconds.")
    dnc_file: Path | None = Field(None, description="Do-not-call list file (one E.164 number per line).")
    default_timezone: str = Field("Europe/Paris", description="Time zone of contacts without one (IANA name).")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Paris, America/Martinique)") from err
        return value

    metrics_port: int = Field(
        9108, ge=0, le=65535, description="Port of /metrics, the live API and the web console (0 = off)."
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Listen address of /metrics and the console; other than loopback, console.token is required.",
    )
    legal_max_attempts: int = Field(
        4, ge=1, description="Prospecting: attempts per number at most within legal_window_days (D223-9), attempts."
    )
    legal_window_days: int = Field(30, ge=1, description="Prospecting: rolling window of the attempt cap, days.")
    refusal_quiet_days: int = Field(
        60, ge=0, description="Prospecting: no new call to a number for this long after a refusal, days."
    )
    idle_poll_s: float = Field(
        1.0, gt=0, description="Longest runner sleep between store checks (pause, due retries), seconds."
    )
    lease_ttl_s: float = Field(
        30.0, gt=0, description="A running campaign's lease; another runner may take it over once expired, seconds."
    )
    grace_s: float = Field(
        30.0,
        ge=0,
        description="On SIGINT/SIGTERM: calls in flight may finish for this long before they are hung up "
        "(a second signal hangs up at once), seconds.",
    )
    max_call_s: int = Field(
        900,
        ge=10,
        le=86400,
        description="Hard cap on an answered call's length, enforced by FreeSWITCH itself (sched_hangup on answer, "
        "cause ALLOTTED_TIMEOUT), so a call orphaned by a robot crash cannot live on, seconds.",
    )


class LogSettings(_Section):
    """Call log and process log."""

    call_log: Path = Field(Path("var/calls.jsonl"), description="JSON Lines call log that `robot logs` reads.")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Process log level.")
    follow_poll_s: float = Field(0.5, gt=0, description="`robot logs -f`: interval between file checks, seconds.")


class ConsoleSettings(_Section):
    """The live view (web console, `robot top`, JSON API) served beside /metrics on campaign.metrics_port."""

    token: SecretStr | None = Field(
        None,
        description="Bearer token (or basic-auth password, any user) for /metrics, the API and the console. "
        "Required when campaign.metrics_host is not loopback; none by default (secret).",
    )
    mask_numbers: bool = Field(True, description="Show callee numbers masked (+336******78) in the live view.")
    push_interval_s: float = Field(
        1.0, gt=0, le=10, description="Server-sent events: live snapshot sent to each viewer this often, seconds."
    )
    recent_calls: int = Field(50, ge=0, le=1000, description="Ended calls kept for their timeline, calls.")
    timeline_events: int = Field(200, ge=10, le=5000, description="Events kept per call timeline, events.")
