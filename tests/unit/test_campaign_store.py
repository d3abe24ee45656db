"""SQLite store: atomic creation, crash-safe attempts, leases, schema version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from robot.campaign.contacts import Contact, RowProblem
from robot.campaign.sqlite_store import SqliteStore
from robot.campaign.store import AttemptResult, ContactNext
from robot.errors import StoreError

pytestmark = pytest.mark.unit


def create(store: SqliteStore, name: str, contacts: list[Contact], skipped: list[RowProblem] = []) -> int:  # noqa: B006
    return store.create_campaign(
        name=name, scenario="s", prospecting=True, legal_basis="consent", settings={"cps": 1},
        contacts=contacts, skipped=skipped, now=10.0,
    ).id  # fmt: skip


def test_creation_is_all_or_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    dup = [Contact(2, "+33612345678"), Contact(3, "+33612345678")]
    with pytest.raises(StoreError, match="campaign 'a'"):
        create(store, "a", dup)
    assert store.list_campaigns() == []
    create(store, "a", [Contact(2, "+33612345678")])
    with pytest.raises(StoreError, match="already exists"):
        create(store, "a", [Contact(2, "+33612345679")])
    raw = sqlite3.connect(tmp_path / "db.sqlite")
    assert raw.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 1
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_skipped_rows_are_stored_with_their_reasons(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    problems = [RowProblem(4, "phone", "bad", "12"), RowProblem(4, "timezone", "bad tz", "12")]
    cid = create(store, "a", [Contact(2, "+33612345678")], problems)
    rows = store.export_rows(cid)
    assert [(r["line"], r["contact_state"]) for r in rows] == [(2, "pending"), (4, "skipped")]
    assert rows[1]["contact_result"] == "SKIPPED: phone: bad; timezone: bad tz" and rows[1]["phone"] == "12"
    assert store.counts(cid).by_state == {"pending": 1, "skipped": 1}


def test_attempt_is_committed_before_dialing_and_survives_a_new_connection(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    cid = create(store, "a", [Contact(2, "+33612345678")])
    contact = store.due_contacts(cid, 10.0, 5)[0]
    attempt = store.begin_attempt(contact.id, "u-1", 11.0)
    with pytest.raises(StoreError, match="not pending"):
        store.begin_attempt(contact.id, "u-2", 11.0)  # no double dial of the same contact
    again = SqliteStore(tmp_path / "db.sqlite")  # as after kill -9
    assert [a.call_uuid for a in again.in_flight_attempts(cid)] == ["u-1"]
    assert again.due_contacts(cid, 99.0, 5) == []
    again.finish_attempt(attempt.id, AttemptResult("REFUSED", refusal=True), ContactNext(None, "REFUSED"), 12.0)
    assert again.number_times("+33612345678").attempts == (11.0,)
    assert again.number_times("+33612345678").refusals == (12.0,)
    with pytest.raises(StoreError, match="not in flight"):
        again.finish_attempt(attempt.id, AttemptResult("X"), ContactNext(None, "X"), 13.0)


def test_lease_blocks_a_live_owner_and_frees_a_dead_or_expired_one(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    cid = create(store, "a", [Contact(2, "+33612345678")])
    store.acquire_lease(cid, "elsewhere:1", 100.0, 30.0)
    with pytest.raises(StoreError, match="being run by elsewhere:1"):
        store.acquire_lease(cid, "me:2", 110.0, 30.0)
    store.acquire_lease(cid, "me:2", 131.0, 30.0)  # expired
    store.release_lease(cid, "me:2")
    store.acquire_lease(cid, "elsewhere:1", 200.0, 30.0)


def test_schema_version_mismatch_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    SqliteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="schema version 99"):
        SqliteStore(path)


def test_status_and_dnc(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite")
    create(store, "a", [Contact(2, "+33612345678")])
    store.set_status("a", "paused")
    assert store.get_campaign("a").status == "paused"
    with pytest.raises(StoreError, match="no campaign named 'b'"):
        store.set_status("b", "paused")
    store.add_dnc({"+33612345678"}, "file", 1.0)
    store.add_dnc({"+33612345678"}, "file", 2.0)
    assert store.dnc_numbers() == {"+33612345678"}
