"""What the SQL campaign stores are built on: the `Db` a dialect opens, the dialect hooks, schema migrations.

robot.campaign.sql_store (campaigns, contacts, attempts) and robot.campaign.sql_workers (leases, workers, take-over)
write their queries once on top of it; robot.campaign.sqlite_store and robot.campaign.pg_store supply the dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from robot.campaign.store import AttemptRecord
from robot.errors import StoreError

Row = dict[str, Any]


class Db(Protocol):
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


def marks(n: int) -> str:
    """`n` placeholders: "?, ?, ?"."""
    return ", ".join("?" * n)


class SqlBase:
    """A store on any `Db`: the dialect hooks (subclasses open the connection) and the schema migration."""

    where = "campaign store"
    skip_locked = ""  # appended to the SELECT of a claim
    row_lock = ""  # appended to a SELECT of rows about to change

    def _tx(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Db]:
        return self._tx()

    def _lock_number(self, db: Db, phone: str) -> None:
        """Serialise attempts on one number across workers and campaigns (the legal caps are read next)."""

    def _is_integrity_error(self, err: Exception) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _lock_schema(self, db: Db) -> None:
        """Held while the schema is checked or migrated (processes starting together migrate once)."""

    def _init_schema(self, migrations: Mapping[int, Sequence[str]]) -> None:
        with self._tx() as db:
            self._lock_schema(db)
            db.run("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.one("SELECT value FROM meta WHERE key = 'schema_version'")
            current = 0 if row is None else int(row["value"])
            version = apply_migrations(db, current, migrations, self.where)
            db.run(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version),),
            )

    @staticmethod
    def _attempt(r: Row) -> AttemptRecord:
        return AttemptRecord(
            int(r["id"]),
            int(r["campaign_id"]),
            int(r["contact_id"]),
            r["phone"],
            r["call_uuid"],
            r["state"],
            r["created"],
            bool(r["answered"]),
        )


def apply_migrations(db: Db, current: int, steps: Mapping[int, Sequence[str]], where: str) -> int:
    """Run the steps above `current` in order (in the caller's transaction); the version reached."""
    latest = max(steps)
    if current > latest:
        raise StoreError(f"{where}: schema version {current}, this robot knows {latest}")
    for version in range(current + 1, latest + 1):
        for statement in steps[version]:
            db.run(statement)
    return latest


def iter_statements(script: str) -> Iterator[str]:
    """The `;`-separated statements of a schema script (no `;` inside them)."""
    for part in script.split(";"):
        if part.strip():
            yield part.strip()
