"""Campaign store: the repository interface (`CampaignStore`) and the records it deals in.

Implementations: `robot.campaign.sqlite_store.SqliteStore` (embedded default, one machine) and
`robot.campaign.pg_store.PgStore` (PostgreSQL, several workers and machines on one campaign); both share their SQL
(robot.campaign.sql_store) and pass one contract test suite. `open_store` (robot.campaign.open_store) picks one from
the settings.

Crash safety: `begin_claimed` (`begin_attempt`) commits the attempt in state `dialing` BEFORE the dialer sends the
originate. After a crash, `take_orphans` hands those attempts to the next run; the runner (robot.campaign.runner)
asks the switch about them, closes them (an answered one as reached: `mark_answered` records the answer the moment
it happens) and applies the retry rules, so nothing is forgotten and nothing is redialled beyond the rules. An
attempt whose originate never reached the switch (ESL down) is withdrawn (`cancel_attempt`): it counts toward no cap.
Refusals are stored the moment they are heard (`record_refusal`), not only at hangup.
A campaign is run by one runner at a time: `acquire_lease` (owner `host:pid`, expiry; a dead owner on this host or
an expired lease can be taken over).

Workers: `robot campaign run --worker` lets several processes (machines) share one campaign. Each contact carries a
lease (owner, expiry): `claim_due` leases due contacts (`FOR UPDATE SKIP LOCKED` on PostgreSQL), `begin_claimed`
dials a leased contact only after the legal caps were checked against the number's attempts and refusals in every
campaign, in the same transaction that locks the number; `heartbeat` renews a worker's leases; `take_orphans` hands
the calls of a worker whose leases expired (killed, machine lost) or whose process is gone to a live one, which
applies the crash rules above to them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
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
class WorkerRecord:
    """One process working on a campaign (`robot campaign run --worker`): its heartbeat and calls in flight."""

    owner: str
    started: float
    seen: float
    lease_until: float
    dialing: int


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
    def claim_due(
        self, campaign_id: int, owner: str, now: float, limit: int, lease_until: float
    ) -> list[ContactRecord]: ...
    def begin_claimed(
        self,
        contact_id: int,
        call_uuid: str,
        now: float,
        owner: str,
        lease_until: float,
        gate: Callable[[NumberTimes], ContactNext | None],
    ) -> AttemptRecord | ContactNext | None: ...
    def heartbeat(self, campaign_id: int, owner: str, now: float, lease_until: float) -> None: ...
    def leave(self, campaign_id: int, owner: str) -> None: ...
    def workers(self, campaign_id: int) -> list[WorkerRecord]: ...
    def take_orphans(
        self, campaign_id: int, owner: str, now: float, lease_until: float, is_dead: Callable[[str], bool]
    ) -> list[AttemptRecord]: ...
    def finish_if_done(self, campaign_id: int) -> bool: ...
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
    def close(self) -> None: ...


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
