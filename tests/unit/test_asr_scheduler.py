from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from robot.asr.scheduler import BatchScheduler, Job
from robot.clock import ManualClock
from robot.errors import AsrError

pytestmark = pytest.mark.unit

WAIT = 5.0


class GatedRunner:
    """The other end of the scheduler: records each batch; the first batch blocks until `gate` is set so
    that later jobs pile up in the queue."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def __call__(self, payloads: Sequence[str]) -> list[str]:
        self.started.set()
        self.gate.wait(WAIT)
        self.batches.append(list(payloads))
        if self.fail_on in payloads:
            raise RuntimeError("decoder exploded")
        return [p.upper() for p in payloads]


def make(runner: GatedRunner, *, max_batch: int = 8, queue_max: int = 64) -> BatchScheduler[str, str]:
    return BatchScheduler(runner, max_batch=max_batch, queue_max=queue_max)


def job(
    payload: str, priority: int, key: str = "k", *, deadline: float | None = None, refusable: bool = True
) -> Job[str, str]:
    return Job(payload=payload, priority=priority, batch_key=key, deadline=deadline, refusable=refusable)


def block_worker(scheduler: BatchScheduler[str, str], runner: GatedRunner) -> Future[str | None]:
    first = job("first", 0, key="blocker")
    scheduler.submit(first)
    assert runner.started.wait(WAIT)
    return first.future


def test_higher_priority_served_first_and_same_key_batched() -> None:
    runner = GatedRunner()
    scheduler = make(runner)
    try:
        block_worker(scheduler, runner)
        partial = job("partial", 3)
        amd_a = job("amd-a", 1)
        amd_b = job("amd-b", 1)
        other_len = job("dialog", 2, key="other")
        for j in (partial, other_len, amd_a, amd_b):
            scheduler.submit(j)
        runner.gate.set()
        assert partial.future.result(WAIT) == "PARTIAL"
        assert other_len.future.result(WAIT) == "DIALOG"
        # AMD jobs went first; the PARTIAL job shares their key so it rides in the same batch
        assert runner.batches[1] == ["amd-a", "amd-b", "partial"]
        assert runner.batches[2] == ["dialog"]
        stats = scheduler.stats()
        assert stats.batches == 3 and stats.served == 5 and stats.max_batch_size == 3
    finally:
        scheduler.close()


def test_max_batch_caps_the_batch() -> None:
    runner = GatedRunner()
    scheduler = make(runner, max_batch=2)
    try:
        block_worker(scheduler, runner)
        jobs = [job(f"j{i}", 1) for i in range(5)]
        for j in jobs:
            scheduler.submit(j)
        runner.gate.set()
        assert [j.future.result(WAIT) for j in jobs] == ["J0", "J1", "J2", "J3", "J4"]
        assert [len(b) for b in runner.batches[1:]] == [2, 2, 1]
    finally:
        scheduler.close()


def test_expired_deadline_is_dropped_and_counted() -> None:
    clock = ManualClock()
    runner = GatedRunner()
    scheduler = BatchScheduler(runner, max_batch=8, queue_max=64, clock=clock)
    try:
        block_worker(scheduler, runner)
        late = job("late", 1, deadline=clock.monotonic() + 0.5)
        in_time = job("in-time", 1, deadline=clock.monotonic() + 5.0)
        scheduler.submit(late)
        scheduler.submit(in_time)
        clock.advance(1.0)
        runner.gate.set()
        assert late.future.result(WAIT) is None
        assert in_time.future.result(WAIT) == "IN-TIME"
        assert scheduler.stats().dropped_deadline == 1
        assert all("late" not in batch for batch in runner.batches)
    finally:
        scheduler.close()


def test_full_queue_refuses_low_priority_but_not_amd() -> None:
    runner = GatedRunner()
    scheduler = make(runner, queue_max=2)
    try:
        block_worker(scheduler, runner)
        assert scheduler.submit(job("p1", 3))
        assert scheduler.submit(job("p2", 3))
        refused = job("p3", 3)
        assert not scheduler.submit(refused)
        assert refused.future.result(0) is None
        amd = job("amd", 1, refusable=False)
        assert scheduler.submit(amd)
        runner.gate.set()
        assert amd.future.result(WAIT) == "AMD"
        assert scheduler.stats().refused_full == 1
    finally:
        scheduler.close()


def test_runner_failure_reaches_every_caller_of_the_batch() -> None:
    runner = GatedRunner(fail_on="bad")
    scheduler = make(runner)
    try:
        block_worker(scheduler, runner)
        a, b = job("bad", 1), job("ok", 1)
        scheduler.submit(a)
        scheduler.submit(b)
        runner.gate.set()
        for j in (a, b):
            with pytest.raises(AsrError, match="decoder exploded"):
                j.future.result(WAIT)
        assert scheduler.stats().failed == 2
    finally:
        scheduler.close()


def test_cancelled_job_is_skipped() -> None:
    runner = GatedRunner()
    scheduler = make(runner)
    try:
        block_worker(scheduler, runner)
        gone, kept = job("gone", 1), job("kept", 1)
        scheduler.submit(gone)
        scheduler.submit(kept)
        assert gone.future.cancel()
        runner.gate.set()
        assert kept.future.result(WAIT) == "KEPT"
        assert runner.batches[1] == ["kept"]
    finally:
        scheduler.close()


def test_close_resolves_queued_jobs_and_refuses_new_ones() -> None:
    runner = GatedRunner()
    scheduler = make(runner)
    block_worker(scheduler, runner)
    queued = job("queued", 2)
    scheduler.submit(queued)
    runner.gate.set()
    scheduler.close()
    assert queued.future.result(WAIT) in (None, "QUEUED")
    with pytest.raises(AsrError, match="closed"):
        scheduler.submit(job("late", 1))
