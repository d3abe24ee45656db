"""Several workers on one campaign, in SQL: the campaign lease, worker heartbeats, and the take-over of the calls of
workers that are gone (robot.campaign.store, "Workers")."""

from __future__ import annotations

from collections.abc import Callable

from robot.campaign.sql_base import SqlBase, marks
from robot.campaign.store import AttemptRecord, Lease, WorkerRecord, owner_is_dead
from robot.errors import StoreError


class SqlWorkers(SqlBase):
    def acquire_lease(self, campaign_id: int, owner: str, now: float, ttl_s: float) -> None:
        with self._tx() as db:
            row = db.one(f"SELECT lease_owner, lease_until FROM campaigns WHERE id = ?{self.row_lock}", (campaign_id,))
            assert row is not None
            holder, until = row["lease_owner"], row["lease_until"]
            free = holder is None or holder == owner or (until is not None and until < now) or owner_is_dead(holder)
            if not free:
                raise StoreError(f"campaign is being run by {holder} (lease until {until:.0f}); pause it first")
            db.run(
                "UPDATE campaigns SET lease_owner = ?, lease_until = ? WHERE id = ?", (owner, now + ttl_s, campaign_id)
            )

    def release_lease(self, campaign_id: int, owner: str) -> None:
        with self._tx() as db:
            db.run(
                "UPDATE campaigns SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (campaign_id, owner),
            )

    # workers

    def heartbeat(self, campaign_id: int, owner: str, now: float, lease_until: float) -> None:
        """The worker is alive: its row in `workers` and every lease it holds run until `lease_until`."""
        with self._tx() as db:
            db.run(
                "INSERT INTO workers (campaign_id, owner, started, seen, lease_until) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, owner) DO UPDATE SET seen = excluded.seen,"
                " lease_until = excluded.lease_until",
                (campaign_id, owner, now, now, lease_until),
            )
            db.run(
                "UPDATE contacts SET lease_until = ? WHERE campaign_id = ? AND lease_owner = ?",
                (lease_until, campaign_id, owner),
            )

    def leave(self, campaign_id: int, owner: str) -> None:
        """The worker stops: its row goes, contacts it leased but did not dial are free at once."""
        with self._tx() as db:
            db.run("DELETE FROM workers WHERE campaign_id = ? AND owner = ?", (campaign_id, owner))
            db.run(
                "UPDATE contacts SET lease_owner = NULL, lease_until = NULL"
                " WHERE campaign_id = ? AND lease_owner = ? AND state = 'pending'",
                (campaign_id, owner),
            )

    def workers(self, campaign_id: int) -> list[WorkerRecord]:
        with self._read() as db:
            rows = db.all(
                "SELECT w.owner, w.started, w.seen, w.lease_until, (SELECT COUNT(*) FROM contacts c"
                " WHERE c.campaign_id = w.campaign_id AND c.lease_owner = w.owner AND c.state = 'dialing') AS dialing"
                " FROM workers w WHERE w.campaign_id = ? ORDER BY w.started, w.owner",
                (campaign_id,),
            )
        return [WorkerRecord(r["owner"], r["started"], r["seen"], r["lease_until"], int(r["dialing"])) for r in rows]

    def take_orphans(
        self, campaign_id: int, owner: str, now: float, lease_until: float, is_dead: Callable[[str], bool]
    ) -> list[AttemptRecord]:
        """Take over the calls of workers that are gone (lease expired, or `is_dead(owner)`), and free the contacts
        they had leased without dialling. Returns the taken attempts, still `dialing`, for the crash rules."""
        with self._tx() as db:
            holders = db.all(
                "SELECT DISTINCT lease_owner AS o FROM contacts WHERE campaign_id = ? AND lease_owner IS NOT NULL"
                " AND lease_owner != ? UNION SELECT owner AS o FROM workers WHERE campaign_id = ? AND owner != ?",
                (campaign_id, owner, campaign_id, owner),
            )
            dead = sorted({r["o"] for r in holders if is_dead(r["o"])})
            dead_in = f" OR lease_owner IN ({marks(len(dead))})" if dead else ""
            taken = db.all(
                "UPDATE contacts SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM contacts"
                " WHERE campaign_id = ? AND state = 'dialing' AND (lease_owner IS NULL OR lease_owner != ?)"
                f" AND (lease_owner IS NULL OR lease_until < ?{dead_in})"
                f" ORDER BY id{self.skip_locked}) RETURNING id",
                (owner, lease_until, campaign_id, owner, now, *dead),
            )
            if dead:
                db.run(
                    f"UPDATE contacts SET lease_owner = NULL, lease_until = NULL WHERE campaign_id = ?"
                    f" AND state = 'pending' AND lease_owner IN ({marks(len(dead))})",
                    (campaign_id, *dead),
                )
            db.run(
                "DELETE FROM workers WHERE campaign_id = ? AND (lease_until < ?"
                + dead_in.replace("lease_owner", "owner")
                + ")",
                (campaign_id, now, *dead),
            )
            if not taken:
                return []
            keys = [int(r["id"]) for r in taken]
            rows = db.all(
                f"SELECT * FROM attempts WHERE state = 'dialing' AND contact_id IN ({marks(len(keys))}) ORDER BY id",
                keys,
            )
        return [self._attempt(r) for r in rows]

    # status

    def lease(self, campaign_id: int) -> Lease:
        with self._read() as db:
            row = db.one("SELECT lease_owner, lease_until FROM campaigns WHERE id = ?", (campaign_id,))
        return Lease(row["lease_owner"], row["lease_until"]) if row else Lease(None, None)

    def set_note(self, campaign_id: int, note: str | None) -> None:
        """What the running process is doing, for `status` in another process ("waiting for FreeSWITCH ...")."""
        with self._tx() as db:
            if note is None:
                db.run("DELETE FROM meta WHERE key = ?", (f"note:{campaign_id}",))
            else:
                db.run(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (f"note:{campaign_id}", note),
                )

    def note(self, campaign_id: int) -> str | None:
        with self._read() as db:
            row = db.one("SELECT value FROM meta WHERE key = ?", (f"note:{campaign_id}",))
        return None if row is None else str(row["value"])
