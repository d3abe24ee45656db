"""PostgreSQL implementation of `CampaignStore`: one campaign shared by several workers and machines.

psycopg 3 with its connection pool (`psycopg_pool.ConnectionPool`; the runner calls the store from threads through
`asyncio.to_thread`, each call borrows a connection for one transaction). The queries are robot.campaign.sql_store's;
this module adds the schema (versioned migrations under an advisory lock, so workers starting together migrate once),
`FOR UPDATE SKIP LOCKED` on claims and a transaction-scoped advisory lock per phone number taken before the legal
caps are read (two workers, or two campaigns, dialling one number wait for each other).

The DSN comes from settings (`campaign.store`, a secret): errors and logs show it without its password (`redact`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from robot.campaign.sql_base import Db, Row, iter_statements
from robot.campaign.sql_store import SqlStore
from robot.errors import ConfigError, StoreError

_V1 = """
CREATE TABLE campaigns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    prospecting INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'done')),
    settings_json TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    lease_owner TEXT,
    lease_until DOUBLE PRECISION
);
CREATE TABLE contacts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    phone TEXT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    consent_ref TEXT NOT NULL,
    variables_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dialing', 'done', 'skipped')),
    next_at DOUBLE PRECISION,
    result TEXT
);
CREATE UNIQUE INDEX contacts_phone ON contacts(campaign_id, phone) WHERE state != 'skipped';
CREATE INDEX contacts_due ON contacts(campaign_id, state, next_at);
CREATE TABLE attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    call_uuid TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('dialing', 'done')),
    created DOUBLE PRECISION NOT NULL,
    ended DOUBLE PRECISION,
    result TEXT,
    hangup_cause TEXT,
    q850 INTEGER,
    amd_result TEXT,
    intent TEXT,
    answered INTEGER,
    ring_s DOUBLE PRECISION,
    talk_s DOUBLE PRECISION
);
CREATE INDEX attempts_phone ON attempts(phone, created);
CREATE INDEX attempts_state ON attempts(campaign_id, state);
CREATE INDEX attempts_contact ON attempts(contact_id);
CREATE TABLE refusals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX refusals_phone ON refusals(phone, at);
CREATE TABLE dnc (phone TEXT PRIMARY KEY, added DOUBLE PRECISION NOT NULL, source TEXT NOT NULL)
"""
_V2 = """
ALTER TABLE contacts ADD COLUMN lease_owner TEXT;
ALTER TABLE contacts ADD COLUMN lease_until DOUBLE PRECISION;
CREATE INDEX contacts_lease ON contacts(campaign_id, lease_owner);
CREATE TABLE workers (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    started DOUBLE PRECISION NOT NULL,
    seen DOUBLE PRECISION NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (campaign_id, owner)
)
"""
MIGRATIONS: dict[int, list[str]] = {1: list(iter_statements(_V1)), 2: list(iter_statements(_V2))}
SCHEMA_VERSION = max(MIGRATIONS)
_MIGRATION_LOCK = 0x726F626F74  # pg_advisory_xact_lock key held while the schema is checked or migrated
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@|(password\s*=\s*)\S+", re.IGNORECASE)


def redact(dsn: str) -> str:
    """The DSN without its password (URL `user:secret@` or key/value `password=secret`)."""
    return _PASSWORD.sub(lambda m: (m[1] + "***@") if m[1] else (m[2] + "***"), dsn)


class _PgDb:
    def __init__(self, cursor: Any) -> None:
        self.cur = cursor

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.cur.execute(sql.replace("?", "%s"), params)
        row: Row | None = self.cur.fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.cur.execute(sql.replace("?", "%s"), params)
        return list(self.cur.fetchall()) if self.cur.description else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(sql.replace("?", "%s"), params)
        return int(self.cur.rowcount)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(sql.replace("?", "%s"), rows)


class PgStore(SqlStore):
    """`CampaignStore` on a PostgreSQL database (psycopg 3 connection pool)."""

    skip_locked = " FOR UPDATE SKIP LOCKED"
    row_lock = " FOR UPDATE"

    def __init__(self, dsn: str, *, pool_size: int = 4, connect_timeout_s: float = 10.0) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as err:
            raise ConfigError(
                "campaign.store is a PostgreSQL DSN but psycopg is not installed: pip install 'robot[postgresql]'"
            ) from err
        self._errors = psycopg
        self.where = redact(dsn)
        try:  # one plain connection first: its error says why (refused, password, no such database)
            psycopg.connect(dsn, connect_timeout=max(1, round(connect_timeout_s))).close()
        except psycopg.Error as err:
            raise StoreError(f"{self.where}: cannot connect to the campaign store: {_safe(err, dsn)}") from None
        self._pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            kwargs={"row_factory": dict_row, "autocommit": False},
            open=False,
            name="robot-campaign",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout_s)
            self._init_schema(MIGRATIONS)
        except StoreError:  # a schema newer than this code, or the server dropped the connection
            self._pool.close()
            raise
        except psycopg.Error as err:  # the pool's timeout says why the last connection attempt failed
            self._pool.close()
            raise StoreError(f"{self.where}: cannot open campaign store: {_safe(err, dsn)}") from None

    def _lock_schema(self, db: Db) -> None:
        db.run(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")

    def close(self) -> None:
        self._pool.close()

    def _is_integrity_error(self, err: Exception) -> bool:
        return isinstance(err, self._errors.IntegrityError)

    def _lock_number(self, db: Db, phone: str) -> None:
        db.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (phone,))

    @contextmanager
    def _tx(self) -> Iterator[_PgDb]:
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield _PgDb(cur)
        except self._errors.OperationalError as err:
            raise StoreError(f"{self.where}: {err}") from err


def _safe(err: BaseException, dsn: str) -> str:
    text = str(err) or type(err).__name__
    return text.replace(dsn, redact(dsn))
