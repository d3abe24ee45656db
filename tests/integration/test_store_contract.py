"""One contract for both campaign stores: SQLite (a file) and PostgreSQL (a real server on loopback, started by the
tests). Claims, leases, the legal caps under concurrent workers and campaigns, crash take-over, migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from robot.campaign.contacts import Contact, RowProblem
from robot.campaign.sql_store import SqlStore
from robot.campaign.store import AttemptRecord, AttemptResult, ContactNext, NumberTimes
from robot.errors import StoreError

pytestmark = pytest.mark.integration
NUMBER = "+33612345678"


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[type[SqlStore] | object]:
    """A function opening a new connection to one store (as another process would)."""
    if request.param == "sqlite":
        from robot.campaign.sqlite_store import SqliteStore

        path = tmp_path / "db.sqlite"
        opened: list[SqlStore] = []

        def open_sqlite() -> SqlStore:
            opened.append(SqliteStore(path))
            return opened[-1]

        yield open_sqlite
    else:
        from robot.campaign.pg_store import PgStore

        dsn = request.getfixturevalue("pg_dsn")
        opened = []

        def open_pg() -> SqlStore:
            opened.append(PgStore(dsn))
            return opened[-1]

        yield open_pg
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: object) -> SqlStore:
    return opener()  # type: ignore[operator,no-any-return]


def create(store: SqlStore, name: str, phones: list[str], skipped: list[RowProblem] = []) -> int:  # noqa: B006
    return store.create_campaign(
        name=name, scenario="s", prospecting=True, legal_basis="consent", settings={"cps": 1},
        contacts=[Contact(i + 2, p) for i, p in enumerate(phones)], skipped=skipped, now=10.0,
    ).id  # fmt: skip


def allow(times: NumberTimes) -> ContactNext | None:
    return None


def test_creation_is_all_or_nothing_and_names_are_unique(store: SqlStore) -> None:
    with pytest.raises(StoreError, match="campaign 'a'"):
        create(store, "a", [NUMBER, NUMBER])
    assert store.list_campaigns() == []
    cid = create(store, "a", [NUMBER], [RowProblem(9, "phone", "bad", "12")])
    with pytest.raises(StoreError, match="already exists"):
        create(store, "a", ["+33612345679"])
    assert store.counts(cid).by_state == {"pending": 1, "skipped": 1}
    assert [r["contact_state"] for r in store.export_rows(cid)] == ["pending", "skipped"]


def test_a_claimed_contact_is_dialled_by_its_owner_only(opener: object) -> None:
    a, b = opener(), opener()  # type: ignore[operator]
    cid = create(a, "c", [NUMBER, "+33612345679"])
    first = a.claim_due(cid, "w1", 20.0, 1, 50.0)
    second = b.claim_due(cid, "w2", 20.0, 5, 50.0)
    assert len(first) == 1 and len(second) == 1 and first[0].id != second[0].id
    assert b.claim_due(cid, "w2", 20.0, 5, 50.0) == second  # its own claim again, nothing of w1's
    assert b.begin_claimed(first[0].id, "u-x", 21.0, "w2", 50.0, allow) is None  # not w2's
    attempt = a.begin_claimed(first[0].id, "u-1", 21.0, "w1", 50.0, allow)
    assert isinstance(attempt, AttemptRecord) and attempt.call_uuid == "u-1"
    assert a.begin_claimed(first[0].id, "u-2", 21.0, "w1", 50.0, allow) is None  # dialling already
    # w2's lease expired: w3 may take its contact; w1's is being dialled, so never
    assert [c.id for c in b.claim_due(cid, "w3", 60.0, 5, 90.0)] == [second[0].id]


def test_expired_claims_are_claimable_and_a_gate_refusal_reschedules(store: SqlStore) -> None:
    cid = create(store, "c", [NUMBER])
    [mine] = store.claim_due(cid, "w1", 20.0, 5, 30.0)
    assert store.claim_due(cid, "w2", 25.0, 5, 60.0) == []
    [taken] = store.claim_due(cid, "w2", 31.0, 5, 60.0)  # w1's lease ran out
    assert taken.id == mine.id
    later = store.begin_claimed(mine.id, "u", 32.0, "w2", 60.0, lambda t: ContactNext(500.0, "cap"))
    assert later == ContactNext(500.0, "cap")
    assert store.claim_due(cid, "w2", 400.0, 5, 900.0) == [] and store.next_due_at(cid) == 500.0
    assert [g.reason for g in store.waiting(cid)] == ["cap"]


def four_in_30_days(times: NumberTimes) -> ContactNext | None:
    return None if len(times.attempts) < 4 else ContactNext(9e9, "cap")


def test_legal_cap_holds_across_concurrent_workers_and_campaigns(opener: object) -> None:
    """8 campaigns hold the same number; 8 workers race for it; the gate allows 4 attempts in 30 days."""
    setup = opener()  # type: ignore[operator]
    ids = [create(setup, f"c{i}", [NUMBER]) for i in range(8)]
    results: list[object] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        store = opener()  # type: ignore[operator]
        [contact] = store.claim_due(ids[i], f"w{i}", 20.0, 1, 99.0)
        res = store.begin_claimed(
            contact.id,
            f"u-{i}",
            20.0,
            f"w{i}",
            99.0,
            lambda t: None if len(t.attempts) < 4 else ContactNext(9e9, "cap"),
        )
        with lock:
            results.append(res)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(isinstance(r, AttemptRecord) for r in results) == 4
    assert sum(r == ContactNext(9e9, "cap") for r in results) == 4
    assert len(setup.number_times(NUMBER).attempts) == 4


def test_heartbeat_keeps_leases_and_orphans_of_a_gone_worker_are_taken_over(opener: object) -> None:
    a, b = opener(), opener()  # type: ignore[operator]
    cid = create(a, "c", [NUMBER, "+33612345679", "+33612345670"])
    a.heartbeat(cid, "w1", 20.0, 30.0)
    claimed = a.claim_due(cid, "w1", 20.0, 3, 30.0)
    attempt = a.begin_claimed(claimed[0].id, "u-1", 20.0, "w1", 30.0, allow)
    assert isinstance(attempt, AttemptRecord)
    a.mark_answered(attempt.id)
    a.heartbeat(cid, "w1", 28.0, 38.0)  # renewed: still w1's at 35
    assert b.take_orphans(cid, "w2", 35.0, 45.0, lambda o: False) == []
    assert [w.owner for w in b.workers(cid)] == ["w1"] and b.workers(cid)[0].dialing == 1
    [orphan] = b.take_orphans(cid, "w2", 39.0, 49.0, lambda o: False)  # expired: w1 stopped beating
    assert orphan.call_uuid == "u-1" and orphan.answered
    assert b.take_orphans(cid, "w3", 40.0, 50.0, lambda o: False) == []  # w2 holds it now
    assert b.workers(cid) == []
    b.finish_attempt(orphan.id, AttemptResult("answered_unfinished", answered=True), ContactNext(None, "x"), 41.0)
    assert len(b.claim_due(cid, "w2", 41.0, 5, 51.0)) == 2  # w1's claimed-but-not-dialled contacts are free


def test_a_dead_owner_is_taken_over_at_once_and_leave_frees_claims(store: SqlStore) -> None:
    cid = create(store, "c", [NUMBER, "+33612345679"])
    first, second = store.claim_due(cid, "host:1", 20.0, 2, 99.0)
    assert isinstance(store.begin_claimed(first.id, "u-1", 20.0, "host:1", 99.0, allow), AttemptRecord)
    [orphan] = store.take_orphans(cid, "host:2", 21.0, 99.0, lambda o: o == "host:1")
    assert orphan.call_uuid == "u-1"
    assert [c.id for c in store.claim_due(cid, "host:2", 21.0, 5, 99.0)] == [second.id]
    store.leave(cid, "host:2")
    assert [c.id for c in store.claim_due(cid, "host:3", 21.0, 5, 99.0)] == [second.id]
    store.heartbeat(cid, "host:4", 22.0, 99.0)  # a worker that died holding nothing
    assert store.take_orphans(cid, "host:3", 23.0, 99.0, lambda o: o == "host:4") == []
    assert [w.owner for w in store.workers(cid)] == []


def test_finish_if_done_waits_for_every_worker(store: SqlStore) -> None:
    cid = create(store, "c", [NUMBER])
    [c] = store.claim_due(cid, "w1", 20.0, 1, 99.0)
    attempt = store.begin_claimed(c.id, "u-1", 20.0, "w1", 99.0, allow)
    assert isinstance(attempt, AttemptRecord)
    assert not store.finish_if_done(cid)
    store.finish_attempt(attempt.id, AttemptResult("busy"), ContactNext(30.0, "USER_BUSY"), 21.0)
    assert not store.finish_if_done(cid)  # a retry is due
    [c] = store.claim_due(cid, "w1", 30.0, 1, 99.0)
    store.reschedule(c.id, ContactNext(None, "max attempts"))
    assert store.finish_if_done(cid) and store.get_campaign("c").status == "done"


def test_refusals_and_attempts_count_across_campaigns(store: SqlStore) -> None:
    one, two = create(store, "a", [NUMBER]), create(store, "b", [NUMBER])
    [c] = store.claim_due(one, "w", 20.0, 1, 99.0)
    attempt = store.begin_claimed(c.id, "u-1", 20.0, "w", 99.0, allow)
    assert isinstance(attempt, AttemptRecord)
    store.record_refusal(attempt.id, 21.0)
    store.record_refusal(attempt.id, 22.0)  # idempotent
    store.finish_attempt(attempt.id, AttemptResult("refused", refusal=True), ContactNext(None, "REFUSED"), 23.0)
    seen: list[NumberTimes] = []
    [c2] = store.claim_due(two, "w", 30.0, 1, 99.0)
    store.begin_claimed(c2.id, "u-2", 30.0, "w", 99.0, lambda t: seen.append(t) or ContactNext(None, "refused"))
    assert seen == [NumberTimes((20.0,), (21.0,))]
    assert store.counts(two).by_state == {"done": 1}


def test_cancelled_attempt_counts_for_nothing(store: SqlStore) -> None:
    cid = create(store, "c", [NUMBER])
    [c] = store.claim_due(cid, "w", 20.0, 1, 99.0)
    attempt = store.begin_claimed(c.id, "u-1", 20.0, "w", 99.0, allow)
    assert isinstance(attempt, AttemptRecord)
    store.cancel_attempt(attempt.id, 25.0)
    assert store.number_times(NUMBER) == NumberTimes() and store.next_due_at(cid) == 25.0
    assert [c.id for c in store.claim_due(cid, "other", 25.0, 1, 99.0)] == [c.id]  # its lease went with it


def test_schema_is_versioned_and_a_newer_one_is_refused(opener: object) -> None:
    store = opener()  # type: ignore[operator]
    with store._tx() as db:
        assert db.one("SELECT value FROM meta WHERE key = 'schema_version'") == {"value": "2"}
        db.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99, this robot knows 2"):
        opener()  # type: ignore[operator]


def test_notes_dnc_and_status(store: SqlStore) -> None:
    cid = create(store, "c", [NUMBER])
    store.set_note(cid, "waiting for FreeSWITCH")
    store.set_note(cid, "waiting again")
    assert store.note(cid) == "waiting again"
    store.set_note(cid, None)
    assert store.note(cid) is None
    store.add_dnc({NUMBER}, "f", 1.0)
    store.add_dnc({NUMBER, "+33600000000"}, "g", 2.0)
    assert store.dnc_numbers() == {NUMBER, "+33600000000"}
    store.set_status("c", "paused")
    assert store.get_campaign("c").status == "paused"
