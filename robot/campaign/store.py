"""Campaign store: the repository interface (`CampaignStore`) and the records it deals in.

The SQLite implementation is `robot.campaign.sqlite_store.SqliteStore`.

Crash safety: `begin_attempt` commits the attempt in state `dialing` BEFORE the dialer sends the originate.
After a crash, `in_flight_attempts` finds those attempts; the runner asks the switch about them (robot.campaign.
reconcile), closes them (an answered one as reached: `mark_answered` records the answer the moment it happens) and
applies the retry rules, so nothing is forgotten and nothing is redialled beyond the rules. An attempt whose
originate never reached the switch (ESL down) is withdrawn (`cancel_attempt`): it counts toward no cap.
Refusals are stored the moment they are heard (`record_refusal`), not only at hangup.
A campaign is run by one runner at a time: `acquire_lease` (owner `host:pid`, expiry; a dead owner on this host or
an expired lease can be taken over).

A PostgreSQL implementation carrying one campaign over several machines would keep this interface and make
`due_contacts` a claim: `UPDATE contacts SET state='dialing', lease_owner=$1 ... WHERE id IN (SELECT ... FOR UPDATE
SKIP LOCKED) RETURNING ...`, with one lease per contact instead of per campaign.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from robot.campaign.contacts import Contact, RowProblem

CampaignStatus = Literal["running", "paused", "done"]


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: int
    name: str
    scenario: str
    prospecting: bool
    legal_basis: str
    status: CampaignStatus
    settings: dict[str, Any]
    created: float


@dataclass(frozen=True, slots=True)
class ContactRecord:
    id: int
    campaign_id: int
    line: int
    phone: str
    name: str
    timezone: str
    consent_ref: str
    variables: dict[str, str]
    state: str
    next_at: float | None
    result: str | None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: int
    campaign_id: int
    contact_id: int
    phone: str
    call_uuid: str
    state: str
    created: float
    answered: bool = False


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What is stored about a finished attempt."""

    result: str
    hangup_cause: str = ""
    q850: int | None = None
    amd_result: str | None = None
    intent: str | None = None
    answered: bool = False
    refusal: bool = False
    ring_s: float = 0.0
    talk_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ContactNext:
    """The contact's next state after an attempt: `next_at` set -> pending until then, None -> done."""

    next_at: float | None
    result: str


@dataclass(frozen=True, slots=True)
class NumberTimes:
    attempts: tuple[float, ...] = ()
    refusals: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    in_flight: int = 0
    results: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Lease:
    owner: str | None
    until: float | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """Pending contacts sharing one reason (the contact's result), and when the first of them is due."""

    reason: str
    contacts: int
    next_at: float
    never_called: bool


class CampaignStore(Protocol):
    def create_campaign(
        self,
        *,
        name: str,
        scenario: str,
        prospecting: bool,
        legal_basis: str,
        settings: dict[str, Any],
        contacts: list[Contact],
        skipped: list[RowProblem],
        now: float,
    ) -> CampaignRecord: ...
    def get_campaign(self, name: str) -> CampaignRecord: ...
    def list_campaigns(self) -> list[CampaignRecord]: ...
    def set_status(self, name: str, status: CampaignStatus) -> None: ...
    def acquire_lease(self, campaign_id: int, owner: str, now: float, ttl_s: float) -> None: ...
    def release_lease(self, campaign_id: int, owner: str) -> None: ...
    def due_contacts(self, campaign_id: int, now: float, limit: int) -> list[ContactRecord]: ...
    def next_due_at(self, campaign_id: int) -> float | None: ...
    def reschedule(self, contact_id: int, nxt: ContactNext) -> None: ...
    def number_times(self, phone: str) -> NumberTimes: ...
    def begin_attempt(self, contact_id: int, call_uuid: str, now: float) -> AttemptRecord: ...
    def finish_attempt(self, attempt_id: int, result: AttemptResult, nxt: ContactNext, now: float) -> None: ...
    def cancel_attempt(self, attempt_id: int, next_at: float) -> None: ...
    def mark_answered(self, attempt_id: int) -> None: ...
    def record_refusal(self, attempt_id: int, now: float) -> None: ...
    def lease(self, campaign_id: int) -> Lease: ...
    def set_note(self, campaign_id: int, note: str | None) -> None: ...
    def note(self, campaign_id: int) -> str | None: ...
    def waiting(self, campaign_id: int) -> list[Waiting]: ...
    def in_flight_attempts(self, campaign_id: int) -> list[AttemptRecord]: ...
    def attempts_of_contact(self, contact_id: int) -> int: ...
    def counts(self, campaign_id: int) -> CampaignCounts: ...
    def export_rows(self, campaign_id: int) -> list[dict[str, Any]]: ...
    def add_dnc(self, numbers: set[str], source: str, now: float) -> None: ...
    def dnc_numbers(self) -> set[str]: ...


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
