"""SQLite implementation of `CampaignStore` (robot.campaign.store).

One file, WAL, foreign keys on, `schema_version` in `meta` (versioned migrations, `MIGRATIONS`; the queries are
shared with PostgreSQL in robot.campaign.sql_store). Every method is one short transaction on a local file
(well under a millisecond to a few ms); the runner calls them through `asyncio.to_thread`, so the event loop never
waits on disk. One connection guarded by a lock (usable from any thread).

The file holds personal data (names, numbers, consent references): a folder it creates is 0700, the database and
its -wal/-shm files are 0600 (robot.private_files).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from robot.campaign.sql_base import Row, iter_statements
from robot.campaign.sql_store import SqlStore
from robot.errors import StoreError
from robot.private_files import private_dir, private_file

_V1 = """
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
_V2 = """
ALTER TABLE contacts ADD COLUMN lease_owner TEXT;
ALTER TABLE contacts ADD COLUMN lease_until REAL;
CREATE INDEX contacts_lease ON contacts(campaign_id, lease_owner);
CREATE TABLE workers (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    started REAL NOT NULL,
    seen REAL NOT NULL,
    lease_until REAL NOT NULL,
    PRIMARY KEY (campaign_id, owner)
);
"""
MIGRATIONS: dict[int, list[str]] = {1: list(iter_statements(_V1)), 2: list(iter_statements(_V2))}
SCHEMA_VERSION = max(MIGRATIONS)


class _SqliteDb:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)


class SqliteStore(SqlStore):
    """`CampaignStore` on one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
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
            self._conn = _SqliteDb(self._db)
            self._init_schema(MIGRATIONS)
        except sqlite3.Error as err:
            raise StoreError(f"{path}: cannot open campaign store: {err}") from err

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _is_integrity_error(self, err: Exception) -> bool:
        return isinstance(err, sqlite3.IntegrityError)

    @contextmanager
    def _tx(self) -> Iterator[_SqliteDb]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise StoreError(f"{self.path}: {err}") from err
            try:
                yield self._conn
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as err:
                self._db.execute("ROLLBACK")
                raise StoreError(f"{self.path}: commit failed: {err}") from err

    @contextmanager
    def _read(self) -> Iterator[_SqliteDb]:
        with self._lock:
            yield self._conn
