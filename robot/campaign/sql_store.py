"""The SQL both campaign stores share (robot.campaign.sqlite_store, robot.campaign.pg_store).

Queries are written once with `?` placeholders and portable SQL (RETURNING, ON CONFLICT); a dialect supplies the
connection (`_tx` / `_read` yield a `Db`), the row lock clause (`FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on
SQLite, whose `BEGIN IMMEDIATE` already serialises writers) and the per-number lock taken before the legal caps are
read (a PostgreSQL advisory lock; SQLite's write lock).

Several workers on one campaign (robot.campaign.store, "Workers"): `claim_due` leases due contacts to one owner;
`begin_claimed` turns a leased contact into an attempt after the caller's gate approved the number's history, in the
same transaction that holds the number's lock, so two workers (or two campaigns) never exceed a cap between them;
the leases, heartbeats and take-over of gone workers are in robot.campaign.sql_workers; the `Db`, dialect hooks and
migrations in robot.campaign.sql_base.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from robot.campaign.contacts import Contact, RowProblem
from robot.campaign.sql_base import Db, Row, marks
from robot.campaign.sql_workers import SqlWorkers
from robot.campaign.store import (
    AttemptRecord,
    AttemptResult,
    CampaignCounts,
    CampaignRecord,
    CampaignStatus,
    ContactNext,
    ContactRecord,
    NumberTimes,
    Waiting,
)
from robot.errors import AttemptNotInFlight, StoreError

_STATUSES = ("running", "paused", "done")
Gate = Callable[[NumberTimes], ContactNext | None]
_CONTACT_COLS = (
    "c.id, c.campaign_id, c.line, c.phone, c.name, c.timezone, c.consent_ref, c.variables_json, c.state, c.next_at,"
    " c.result, (SELECT COUNT(*) FROM attempts a WHERE a.contact_id = c.id) AS n_attempts"
)


class SqlStore(SqlWorkers):
    """`CampaignStore` on any `Db` (campaigns, contacts, attempts; the workers' side is SqlWorkers)."""

    # campaigns

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
    ) -> CampaignRecord:
        """All or nothing: the campaign, its contacts and its skipped rows in one transaction."""
        try:
            with self._tx() as db:
                row = db.one(
                    "INSERT INTO campaigns (name, scenario, prospecting, legal_basis, status, settings_json, created)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?) RETURNING id",
                    (name, scenario, int(prospecting), legal_basis, json.dumps(settings, sort_keys=True), now),
                )
                assert row is not None
                cid = int(row["id"])
                db.many(
                    "INSERT INTO contacts (campaign_id, line, phone, name, timezone, consent_ref, variables_json,"
                    " state, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                    [
                        (cid, c.line, c.phone, c.name, c.timezone, c.consent_ref, json.dumps(c.variables), now)
                        for c in contacts
                    ],
                )
                by_line: dict[int, list[RowProblem]] = {}
                for problem in skipped:
                    by_line.setdefault(problem.line, []).append(problem)
                db.many(
                    "INSERT INTO contacts (campaign_id, line, phone, name, timezone, consent_ref, variables_json,"
                    " state, result) VALUES (?, ?, ?, '', '', '', '{}', 'skipped', ?)",
                    [
                        (
                            cid,
                            line,
                            probs[0].raw_phone,
                            "SKIPPED: " + "; ".join(f"{p.field}: {p.message}" for p in probs),
                        )
                        for line, probs in sorted(by_line.items())
                    ],
                )
        except Exception as err:
            if not self._is_integrity_error(err):
                raise
            if any(c.name == name for c in self.list_campaigns()):
                raise StoreError(f"campaign {name!r} already exists (use `robot campaign resume {name}`)") from err
            raise StoreError(f"campaign {name!r}: {err}") from err
        return self.get_campaign(name)

    @staticmethod
    def _campaign(row: Row) -> CampaignRecord:
        return CampaignRecord(
            id=int(row["id"]),
            name=row["name"],
            scenario=row["scenario"],
            prospecting=bool(row["prospecting"]),
            legal_basis=row["legal_basis"],
            status=row["status"],
            settings=json.loads(row["settings_json"]),
            created=row["created"],
        )

    def get_campaign(self, name: str) -> CampaignRecord:
        with self._read() as db:
            row = db.one("SELECT * FROM campaigns WHERE name = ?", (name,))
        if row is None:
            raise StoreError(f"no campaign named {name!r} in {self.where}")
        return self._campaign(row)

    def list_campaigns(self) -> list[CampaignRecord]:
        with self._read() as db:
            rows = db.all("SELECT * FROM campaigns ORDER BY id")
        return [self._campaign(r) for r in rows]

    def set_status(self, name: str, status: CampaignStatus) -> None:
        if status not in _STATUSES:
            raise StoreError(f"unknown campaign status {status!r}")
        with self._tx() as db:
            if db.run("UPDATE campaigns SET status = ? WHERE name = ?", (status, name)) != 1:
                raise StoreError(f"no campaign named {name!r} in {self.where}")

    def finish_if_done(self, campaign_id: int) -> bool:
        """Mark the campaign done when no contact is pending or being dialled by any worker (one statement)."""
        with self._tx() as db:
            changed = db.run(
                "UPDATE campaigns SET status = 'done' WHERE id = ? AND NOT EXISTS (SELECT 1 FROM contacts"
                " WHERE campaign_id = ? AND state IN ('pending', 'dialing'))",
                (campaign_id, campaign_id),
            )
        return changed == 1

    # contacts and attempts

    @staticmethod
    def _contact(r: Row) -> ContactRecord:
        return ContactRecord(
            id=int(r["id"]),
            campaign_id=int(r["campaign_id"]),
            line=r["line"],
            phone=r["phone"],
            name=r["name"],
            timezone=r["timezone"],
            consent_ref=r["consent_ref"],
            variables=json.loads(r["variables_json"]),
            state=r["state"],
            next_at=r["next_at"],
            result=r["result"],
            attempts=int(r["n_attempts"]),
        )

    def due_contacts(self, campaign_id: int, now: float, limit: int) -> list[ContactRecord]:
        with self._read() as db:
            rows = db.all(
                f"SELECT {_CONTACT_COLS} FROM contacts c WHERE c.campaign_id = ? AND c.state = 'pending'"
                " AND c.next_at <= ? ORDER BY c.next_at, c.id LIMIT ?",
                (campaign_id, now, limit),
            )
        return [self._contact(r) for r in rows]

    def claim_due(
        self, campaign_id: int, owner: str, now: float, limit: int, lease_until: float
    ) -> list[ContactRecord]:
        """Lease up to `limit` due contacts to `owner` (none leased by a live other worker; skips locked rows)."""
        with self._tx() as db:
            ids = db.all(
                "UPDATE contacts SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM contacts"
                " WHERE campaign_id = ? AND state = 'pending' AND next_at <= ?"
                " AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)"
                f" ORDER BY next_at, id LIMIT ?{self.skip_locked}) RETURNING id",
                (owner, lease_until, campaign_id, now, owner, now, limit),
            )
            if not ids:
                return []
            keys = [int(r["id"]) for r in ids]
            rows = db.all(
                f"SELECT {_CONTACT_COLS} FROM contacts c WHERE c.id IN ({marks(len(keys))}) ORDER BY c.next_at, c.id",
                keys,
            )
        return [self._contact(r) for r in rows]

    def next_due_at(self, campaign_id: int) -> float | None:
        with self._read() as db:
            row = db.one(
                "SELECT MIN(next_at) AS t FROM contacts WHERE campaign_id = ? AND state = 'pending'", (campaign_id,)
            )
        return None if row is None or row["t"] is None else float(row["t"])

    def reschedule(self, contact_id: int, nxt: ContactNext) -> None:
        with self._tx() as db:
            _move_on(db, contact_id, nxt, only_pending=True)

    @staticmethod
    def _times(db: Db, phone: str) -> NumberTimes:
        attempts = db.all("SELECT created FROM attempts WHERE phone = ?", (phone,))
        refusals = db.all("SELECT at FROM refusals WHERE phone = ?", (phone,))
        return NumberTimes(tuple(r["created"] for r in attempts), tuple(r["at"] for r in refusals))

    def number_times(self, phone: str) -> NumberTimes:
        with self._read() as db:
            return self._times(db, phone)

    @staticmethod
    def _insert_attempt(db: Db, row: Row, contact_id: int, call_uuid: str, now: float) -> AttemptRecord:
        made = db.one(
            "INSERT INTO attempts (campaign_id, contact_id, phone, call_uuid, state, created)"
            " VALUES (?, ?, ?, ?, 'dialing', ?) RETURNING id",
            (row["campaign_id"], contact_id, row["phone"], call_uuid, now),
        )
        assert made is not None
        return AttemptRecord(
            int(made["id"]), int(row["campaign_id"]), contact_id, row["phone"], call_uuid, "dialing", now
        )

    def begin_attempt(self, contact_id: int, call_uuid: str, now: float) -> AttemptRecord:
        """Commit the attempt (state dialing) before anything is sent; refuses a contact that is not pending."""
        with self._tx() as db:
            row = db.one(f"SELECT campaign_id, phone, state FROM contacts WHERE id = ?{self.row_lock}", (contact_id,))
            if row is None or row["state"] != "pending":
                raise StoreError(f"contact {contact_id} is not pending (state {row and row['state']})")
            db.run("UPDATE contacts SET state = 'dialing' WHERE id = ?", (contact_id,))
            return self._insert_attempt(db, row, contact_id, call_uuid, now)

    def begin_claimed(
        self, contact_id: int, call_uuid: str, now: float, owner: str, lease_until: float, gate: Gate
    ) -> AttemptRecord | ContactNext | None:
        """One transaction: the contact must still be pending and leased to `owner` (else None: another worker has
        it); the number is locked, its attempts and refusals (every campaign) go through `gate`; a refusal of the
        gate reschedules the contact (returned), otherwise the attempt is committed `dialing` and returned."""
        with self._tx() as db:
            row = db.one(
                f"SELECT campaign_id, phone, state, lease_owner FROM contacts WHERE id = ?{self.row_lock}",
                (contact_id,),
            )
            if row is None or row["state"] != "pending" or row["lease_owner"] != owner:
                return None
            self._lock_number(db, row["phone"])
            blocked = gate(self._times(db, row["phone"]))
            if blocked is not None:
                _move_on(db, contact_id, blocked)
                return blocked
            db.run("UPDATE contacts SET state = 'dialing', lease_until = ? WHERE id = ?", (lease_until, contact_id))
            return self._insert_attempt(db, row, contact_id, call_uuid, now)

    def finish_attempt(self, attempt_id: int, result: AttemptResult, nxt: ContactNext, now: float) -> None:
        """Close the attempt, move its contact on (its lease released), and record a refusal, in one transaction."""
        with self._tx() as db:
            row = db.one("SELECT contact_id, phone, state, call_uuid FROM attempts WHERE id = ?", (attempt_id,))
            if row is None or row["state"] != "dialing":
                raise AttemptNotInFlight(f"attempt {attempt_id} is not in flight")
            db.run(
                "UPDATE attempts SET state = 'done', ended = ?, result = ?, hangup_cause = ?, q850 = ?,"
                " amd_result = ?, intent = ?, answered = ?, ring_s = ?, talk_s = ? WHERE id = ?",
                (
                    now,
                    result.result,
                    result.hangup_cause,
                    result.q850,
                    result.amd_result,
                    result.intent,
                    int(result.answered),
                    result.ring_s,
                    result.talk_s,
                    attempt_id,
                ),
            )
            _move_on(db, row["contact_id"], nxt)
            if result.refusal:
                _insert_refusal(db, row["phone"], row["call_uuid"], now)

    def cancel_attempt(self, attempt_id: int, next_at: float) -> None:
        """Withdraw an attempt whose originate never reached the switch: it never happened (no cap counts it); the
        contact is due again at `next_at`."""
        with self._tx() as db:
            row = db.one("SELECT contact_id, state FROM attempts WHERE id = ?", (attempt_id,))
            if row is None or row["state"] != "dialing":
                raise AttemptNotInFlight(f"attempt {attempt_id} is not in flight")
            db.run("DELETE FROM attempts WHERE id = ?", (attempt_id,))
            db.run(
                "UPDATE contacts SET state = 'pending', next_at = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE id = ?",
                (next_at, row["contact_id"]),
            )

    def mark_answered(self, attempt_id: int) -> None:
        """The call was answered (stored at once: a crash later still knows a human or machine was reached)."""
        with self._tx() as db:
            db.run("UPDATE attempts SET answered = 1 WHERE id = ? AND state = 'dialing'", (attempt_id,))

    def record_refusal(self, attempt_id: int, now: float) -> None:
        """The callee refused further calls during this attempt (stored the moment it is heard; idempotent)."""
        with self._tx() as db:
            row = db.one("SELECT phone, call_uuid FROM attempts WHERE id = ?", (attempt_id,))
            if row is None:
                raise StoreError(f"no attempt {attempt_id}")
            _insert_refusal(db, row["phone"], row["call_uuid"], now)

    def waiting(self, campaign_id: int) -> list[Waiting]:
        """Pending contacts grouped by why they wait (their result) and whether they were ever dialled."""
        with self._read() as db:
            rows = db.all(
                "SELECT reason, fresh, COUNT(*) AS n, MIN(next_at) AS first FROM (SELECT COALESCE(c.result, '')"
                " AS reason, c.next_at, CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.contact_id = c.id)"
                " THEN 0 ELSE 1 END AS fresh FROM contacts c WHERE c.campaign_id = ? AND c.state = 'pending') AS p"
                " GROUP BY reason, fresh ORDER BY first",
                (campaign_id,),
            )
        return [Waiting(r["reason"], int(r["n"]), float(r["first"] or 0.0), bool(r["fresh"])) for r in rows]

    def in_flight_attempts(self, campaign_id: int) -> list[AttemptRecord]:
        with self._read() as db:
            rows = db.all(
                "SELECT * FROM attempts WHERE campaign_id = ? AND state = 'dialing' ORDER BY id", (campaign_id,)
            )
        return [self._attempt(r) for r in rows]

    def attempts_of_contact(self, contact_id: int) -> int:
        with self._read() as db:
            row = db.one("SELECT COUNT(*) AS n FROM attempts WHERE contact_id = ?", (contact_id,))
        return int(row["n"]) if row else 0

    def counts(self, campaign_id: int) -> CampaignCounts:
        with self._read() as db:
            states = db.all(
                "SELECT state, COUNT(*) AS n FROM contacts WHERE campaign_id = ? GROUP BY state", (campaign_id,)
            )
            attempts = db.all(
                "SELECT state, result, COUNT(*) AS n FROM attempts WHERE campaign_id = ? GROUP BY state, result",
                (campaign_id,),
            )
        by_state = {r["state"]: int(r["n"]) for r in states}
        results: dict[str, int] = {}
        for r in attempts:
            if r["state"] == "done":
                results[r["result"]] = results.get(r["result"], 0) + int(r["n"])
        return CampaignCounts(
            total=sum(by_state.values()),
            by_state=by_state,
            attempts=sum(int(r["n"]) for r in attempts),
            in_flight=sum(int(r["n"]) for r in attempts if r["state"] == "dialing"),
            results=results,
        )

    def export_rows(self, campaign_id: int) -> list[dict[str, Any]]:
        """One row per attempt (contacts never dialled appear once with empty attempt fields)."""
        with self._read() as db:
            rows = db.all(
                "SELECT c.line, c.phone, c.name, c.state AS contact_state, c.result AS contact_result,"
                " c.variables_json, a.call_uuid, a.created, a.ended, a.result, a.hangup_cause, a.q850,"
                " a.amd_result, a.intent, a.answered, a.ring_s, a.talk_s"
                " FROM contacts c LEFT JOIN attempts a ON a.contact_id = c.id"
                " WHERE c.campaign_id = ? ORDER BY c.line, a.id",
                (campaign_id,),
            )
        out: list[dict[str, Any]] = []
        for r in rows:
            item = {k: v for k, v in r.items() if k != "variables_json"}
            item["variables"] = json.loads(r["variables_json"])
            out.append(item)
        return out

    def add_dnc(self, numbers: set[str], source: str, now: float) -> None:
        with self._tx() as db:
            db.many(
                "INSERT INTO dnc (phone, added, source) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING",
                [(n, now, source) for n in sorted(numbers)],
            )

    def dnc_numbers(self) -> set[str]:
        with self._read() as db:
            return {r["phone"] for r in db.all("SELECT phone FROM dnc")}


def _move_on(db: Db, contact_id: int, nxt: ContactNext, *, only_pending: bool = False) -> None:
    """The contact goes where `nxt` says (pending again at `next_at`, or done when it is None), its lease released."""
    db.run(
        "UPDATE contacts SET state = ?, next_at = ?, result = ?, lease_owner = NULL, lease_until = NULL"
        " WHERE id = ?" + (" AND state = 'pending'" if only_pending else ""),
        ("pending" if nxt.next_at is not None else "done", nxt.next_at, nxt.result, contact_id),
    )


def _insert_refusal(db: Db, phone: str, call_uuid: str, now: float) -> None:
    source = f"call {call_uuid}"
    db.run(
        "INSERT INTO refusals (phone, at, source) SELECT ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM refusals WHERE phone = ? AND source = ?)",
        (phone, now, source, phone, source),
    )
