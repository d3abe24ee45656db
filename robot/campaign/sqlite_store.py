"""SQLite implementation of `CampaignStore` (robot.campaign.store).

One file, WAL, foreign keys on, `schema_version` in `meta`. Every method is one short transaction on a local file
(well under a millisecond to a few ms); the runner calls them through `asyncio.to_thread`, so the event loop never
waits on disk. One connection guarded by a lock (usable from any thread).

The file holds personal data (names, numbers, consent references): a folder it creates is 0700, the database and
its -wal/-shm files are 0600 (robot.private_files).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from robot.campaign.contacts import Contact, RowProblem
from robot.campaign.store import (
    AttemptRecord,
    AttemptResult,
    CampaignCounts,
    CampaignRecord,
    CampaignStatus,
    ContactNext,
    ContactRecord,
    Lease,
    NumberTimes,
    Waiting,
    owner_is_dead,
)
from robot.errors import StoreError
from robot.private_files import private_dir, private_file

SCHEMA_VERSION = 1
_STATUSES = ("running", "paused", "done")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    prospecting INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'done')),
    settings_json TEXT NOT NULL,
    created REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL
);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    phone TEXT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    consent_ref TEXT NOT NULL,
    variables_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dialing', 'done', 'skipped')),
    next_at REAL,
    result TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS contacts_phone ON contacts(campaign_id, phone) WHERE state != 'skipped';
CREATE INDEX IF NOT EXISTS contacts_due ON contacts(campaign_id, state, next_at);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    call_uuid TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('dialing', 'done')),
    created REAL NOT NULL,
    ended REAL,
    result TEXT,
    hangup_cause TEXT,
    q850 INTEGER,
    amd_result TEXT,
    intent TEXT,
    answered INTEGER,
    ring_s REAL,
    talk_s REAL
);
CREATE INDEX IF NOT EXISTS attempts_phone ON attempts(phone, created);
CREATE INDEX IF NOT EXISTS attempts_state ON attempts(campaign_id, state);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY, phone TEXT NOT NULL, at REAL NOT NULL, source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refusals_phone ON refusals(phone, at);
CREATE TABLE IF NOT EXISTS dnc (phone TEXT PRIMARY KEY, added REAL NOT NULL, source TEXT NOT NULL);
"""


class SqliteStore:
    """`CampaignStore` on one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            on_disk = str(path) != ":memory:"
            if on_disk:
                private_dir(path.parent)
                private_file(path)  # SQLite gives -wal/-shm the database file's mode
            self._db = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            if on_disk:
                for suffix in ("-wal", "-shm"):
                    side = path.with_name(path.name + suffix)
                    if side.exists():
                        private_file(side)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=FULL")
            self._init_schema()
        except sqlite3.Error as err:
            raise StoreError(f"{path}: cannot open campaign store: {err}") from err

    def _init_schema(self) -> None:
        with self._lock:
            self._db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row["value"]) != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: schema version {row['value']}, this robot knows {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise StoreError(f"{self.path}: {err}") from err
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as err:
                self._db.execute("ROLLBACK")
                raise StoreError(f"{self.path}: commit failed: {err}") from err

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
                cur = db.execute(
                    "INSERT INTO campaigns (name, scenario, prospecting, legal_basis, status, settings_json, created)"
                    " VALUES (?, ?, ?, ?, 'running', ?, ?)",
                    (name, scenario, int(prospecting), legal_basis, json.dumps(settings, sort_keys=True), now),
                )
                cid = int(cur.lastrowid or 0)
                db.executemany(
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
                db.executemany(
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
        except sqlite3.IntegrityError as err:
            if "campaigns.name" in str(err):
                raise StoreError(f"campaign {name!r} already exists (use `robot campaign resume {name}`)") from err
            raise StoreError(f"campaign {name!r}: {err}") from err
        return self.get_campaign(name)

    def _campaign(self, row: sqlite3.Row) -> CampaignRecord:
        return CampaignRecord(
            id=row["id"],
            name=row["name"],
            scenario=row["scenario"],
            prospecting=bool(row["prospecting"]),
            legal_basis=row["legal_basis"],
            status=row["status"],
            settings=json.loads(row["settings_json"]),
            created=row["created"],
        )

    def get_campaign(self, name: str) -> CampaignRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM campaigns WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StoreError(f"no campaign named {name!r} in {self.path}")
        return self._campaign(row)

    def list_campaigns(self) -> list[CampaignRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM campaigns ORDER BY id").fetchall()
        return [self._campaign(r) for r in rows]

    def set_status(self, name: str, status: CampaignStatus) -> None:
        if status not in _STATUSES:
            raise StoreError(f"unknown campaign status {status!r}")
        with self._tx() as db:
            cur = db.execute("UPDATE campaigns SET status = ? WHERE name = ?", (status, name))
            if cur.rowcount != 1:
                raise StoreError(f"no campaign named {name!r} in {self.path}")

    def acquire_lease(self, campaign_id: int, owner: str, now: float, ttl_s: float) -> None:
        with self._tx() as db:
            row = db.execute("SELECT lease_owner, lease_until FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
            holder, until = row["lease_owner"], row["lease_until"]
            free = holder is None or holder == owner or (until is not None and until < now) or owner_is_dead(holder)
            if not free:
                raise StoreError(f"campaign is being run by {holder} (lease until {until:.0f}); pause it first")
            db.execute(
                "UPDATE campaigns SET lease_owner = ?, lease_until = ? WHERE id = ?", (owner, now + ttl_s, campaign_id)
            )

    def release_lease(self, campaign_id: int, owner: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE campaigns SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (campaign_id, owner),
            )

    # contacts and attempts

    def due_contacts(self, campaign_id: int, now: float, limit: int) -> list[ContactRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM attempts a WHERE a.contact_id = c.id) AS n_attempts"
                " FROM contacts c WHERE c.campaign_id = ? AND c.state = 'pending' AND c.next_at <= ?"
                " ORDER BY c.next_at, c.id LIMIT ?",
                (campaign_id, now, limit),
            ).fetchall()
        return [
            ContactRecord(
                id=r["id"],
                campaign_id=r["campaign_id"],
                line=r["line"],
                phone=r["phone"],
                name=r["name"],
                timezone=r["timezone"],
                consent_ref=r["consent_ref"],
                variables=json.loads(r["variables_json"]),
                state=r["state"],
                next_at=r["next_at"],
                result=r["result"],
                attempts=r["n_attempts"],
            )
            for r in rows
        ]

    def next_due_at(self, campaign_id: int) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_at) AS t FROM contacts WHERE campaign_id = ? AND state = 'pending'", (campaign_id,)
            ).fetchone()
        return None if row["t"] is None else float(row["t"])

    def reschedule(self, contact_id: int, nxt: ContactNext) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE contacts SET state = ?, next_at = ?, result = ? WHERE id = ? AND state = 'pending'",
                ("pending" if nxt.next_at is not None else "done", nxt.next_at, nxt.result, contact_id),
            )

    def number_times(self, phone: str) -> NumberTimes:
        with self._lock:
            attempts = self._db.execute("SELECT created FROM attempts WHERE phone = ?", (phone,)).fetchall()
            refusals = self._db.execute("SELECT at FROM refusals WHERE phone = ?", (phone,)).fetchall()
        return NumberTimes(tuple(r[0] for r in attempts), tuple(r[0] for r in refusals))

    def begin_attempt(self, contact_id: int, call_uuid: str, now: float) -> AttemptRecord:
        """Commit the attempt (state dialing) before anything is sent; refuses a contact that is not pending."""
        with self._tx() as db:
            row = db.execute("SELECT campaign_id, phone, state FROM contacts WHERE id = ?", (contact_id,)).fetchone()
            if row is None or row["state"] != "pending":
                raise StoreError(f"contact {contact_id} is not pending (state {row and row['state']})")
            db.execute("UPDATE contacts SET state = 'dialing' WHERE id = ?", (contact_id,))
            cur = db.execute(
                "INSERT INTO attempts (campaign_id, contact_id, phone, call_uuid, state, created)"
                " VALUES (?, ?, ?, ?, 'dialing', ?)",
                (row["campaign_id"], contact_id, row["phone"], call_uuid, now),
            )
            return AttemptRecord(
                int(cur.lastrowid or 0), row["campaign_id"], contact_id, row["phone"], call_uuid, "dialing", now
            )

    def finish_attempt(self, attempt_id: int, result: AttemptResult, nxt: ContactNext, now: float) -> None:
        """Close the attempt, move its contact on, and record a refusal, in one transaction."""
        with self._tx() as db:
            row = db.execute(
                "SELECT contact_id, phone, state, call_uuid FROM attempts WHERE id = ?", (attempt_id,)
            ).fetchone()
            if row is None or row["state"] != "dialing":
                raise StoreError(f"attempt {attempt_id} is not in flight")
            db.execute(
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
            db.execute(
                "UPDATE contacts SET state = ?, next_at = ?, result = ? WHERE id = ?",
                ("pending" if nxt.next_at is not None else "done", nxt.next_at, nxt.result, row["contact_id"]),
            )
            if result.refusal:
                _insert_refusal(db, row["phone"], row["call_uuid"], now)

    def cancel_attempt(self, attempt_id: int, next_at: float) -> None:
        """Withdraw an attempt whose originate never reached the switch: it never happened (no cap counts it); the
        contact is due again at `next_at`."""
        with self._tx() as db:
            row = db.execute("SELECT contact_id, state FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None or row["state"] != "dialing":
                raise StoreError(f"attempt {attempt_id} is not in flight")
            db.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))
            db.execute("UPDATE contacts SET state = 'pending', next_at = ? WHERE id = ?", (next_at, row["contact_id"]))

    def mark_answered(self, attempt_id: int) -> None:
        """The call was answered (stored at once: a crash later still knows a human or machine was reached)."""
        with self._tx() as db:
            db.execute("UPDATE attempts SET answered = 1 WHERE id = ? AND state = 'dialing'", (attempt_id,))

    def record_refusal(self, attempt_id: int, now: float) -> None:
        """The callee refused further calls during this attempt (stored the moment it is heard; idempotent)."""
        with self._tx() as db:
            row = db.execute("SELECT phone, call_uuid FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
            if row is None:
                raise StoreError(f"no attempt {attempt_id}")
            _insert_refusal(db, row["phone"], row["call_uuid"], now)

    def lease(self, campaign_id: int) -> Lease:
        with self._lock:
            row = self._db.execute(
                "SELECT lease_owner, lease_until FROM campaigns WHERE id = ?", (campaign_id,)
            ).fetchone()
        return Lease(row["lease_owner"], row["lease_until"]) if row else Lease(None, None)

    def set_note(self, campaign_id: int, note: str | None) -> None:
        """What the running process is doing, for `status` in another process ("waiting for FreeSWITCH ...")."""
        with self._tx() as db:
            if note is None:
                db.execute("DELETE FROM meta WHERE key = ?", (f"note:{campaign_id}",))
            else:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"note:{campaign_id}", note))

    def note(self, campaign_id: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"note:{campaign_id}",)).fetchone()
        return None if row is None else str(row[0])

    def waiting(self, campaign_id: int) -> list[Waiting]:
        """Pending contacts grouped by why they wait (their result) and whether they were ever dialled."""
        with self._lock:
            rows = self._db.execute(
                "SELECT COALESCE(c.result, '') AS reason, COUNT(*) AS n, MIN(c.next_at) AS first,"
                " NOT EXISTS (SELECT 1 FROM attempts a WHERE a.contact_id = c.id) AS fresh"
                " FROM contacts c WHERE c.campaign_id = ? AND c.state = 'pending'"
                " GROUP BY reason, fresh ORDER BY first",
                (campaign_id,),
            ).fetchall()
        return [Waiting(r["reason"], r["n"], float(r["first"] or 0.0), bool(r["fresh"])) for r in rows]

    def in_flight_attempts(self, campaign_id: int) -> list[AttemptRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM attempts WHERE campaign_id = ? AND state = 'dialing' ORDER BY id", (campaign_id,)
            ).fetchall()
        return [
            AttemptRecord(
                r["id"],
                r["campaign_id"],
                r["contact_id"],
                r["phone"],
                r["call_uuid"],
                r["state"],
                r["created"],
                bool(r["answered"]),
            )
            for r in rows
        ]

    def attempts_of_contact(self, contact_id: int) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM attempts WHERE contact_id = ?", (contact_id,)).fetchone()
        return int(row[0])

    def counts(self, campaign_id: int) -> CampaignCounts:
        with self._lock:
            states = self._db.execute(
                "SELECT state, COUNT(*) FROM contacts WHERE campaign_id = ? GROUP BY state", (campaign_id,)
            ).fetchall()
            attempts = self._db.execute(
                "SELECT state, result, COUNT(*) FROM attempts WHERE campaign_id = ? GROUP BY state, result",
                (campaign_id,),
            ).fetchall()
        by_state = {r[0]: r[1] for r in states}
        results: dict[str, int] = {}
        for state, res, n in attempts:
            if state == "done":
                results[res] = results.get(res, 0) + n
        return CampaignCounts(
            total=sum(by_state.values()),
            by_state=by_state,
            attempts=sum(r[2] for r in attempts),
            in_flight=sum(r[2] for r in attempts if r[0] == "dialing"),
            results=results,
        )

    def export_rows(self, campaign_id: int) -> list[dict[str, Any]]:
        """One row per attempt (contacts never dialled appear once with empty attempt fields)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.line, c.phone, c.name, c.state AS contact_state, c.result AS contact_result,"
                " c.variables_json, a.call_uuid, a.created, a.ended, a.result, a.hangup_cause, a.q850,"
                " a.amd_result, a.intent, a.answered, a.ring_s, a.talk_s"
                " FROM contacts c LEFT JOIN attempts a ON a.contact_id = c.id"
                " WHERE c.campaign_id = ? ORDER BY c.line, a.id",
                (campaign_id,),
            ).fetchall()
        out: list[dict[str, Any]] = []
        for r in rows:
            item = {k: r[k] for k in r.keys() if k != "variables_json"}  # noqa: SIM118 (sqlite3.Row)
            item["variables"] = json.loads(r["variables_json"])
            out.append(item)
        return out

    def add_dnc(self, numbers: set[str], source: str, now: float) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO dnc (phone, added, source) VALUES (?, ?, ?)",
                [(n, now, source) for n in sorted(numbers)],
            )

    def dnc_numbers(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT phone FROM dnc").fetchall()}


def _insert_refusal(db: sqlite3.Connection, phone: str, call_uuid: str, now: float) -> None:
    source = f"call {call_uuid}"
    db.execute(
        "INSERT INTO refusals (phone, at, source) SELECT ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM refusals WHERE phone = ? AND source = ?)",
        (phone, now, source, phone, source),
    )
