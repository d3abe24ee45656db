from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from robot.asr.scheduler import BatchScheduler, Job, free_workers, select_batch, urgent_worker_may_run
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


# --- select_batch: the pure decision, on plain `now` values (no threads, no sleeps) -----------------------------


def queued(
    payload: str, priority: int, *, key: str = "k", size: int = 0, patient: bool = False, at: float = 0.0, seq: int = 0
) -> Job[str, str]:
    j: Job[str, str] = Job(payload=payload, priority=priority, batch_key=key, size=size, patient=patient)
    j.submitted_at, j.seq = at, seq
    return j


def names(jobs: list[Job[str, str]]) -> list[str]:
    return [j.payload for j in jobs]


def test_sizes_within_the_slack_share_a_batch_others_wait() -> None:
    pending = [
        queued("head", 3, size=500, seq=1),
        queued("longer", 3, size=900, seq=2),
        queued("too-long", 3, size=1100, seq=3),
        queued("shorter", 3, size=400, seq=4),
        queued("other-prompt", 3, key="k2", size=500, seq=5),
    ]
    sel = select_batch(pending, 10.0, max_batch=8, size_slack=500)
    # too-long would stretch the batch to 1100 - 500 = 600 > 500; shorter keeps it within 900 - 400 = 500
    assert names(sel.batch) == ["head", "longer", "shorter"]
    assert names(sel.keep) == ["too-long", "other-prompt"]
    assert sel.wait_s is None
    no_slack = select_batch(pending, 10.0, max_batch=8, size_slack=0)
    assert names(no_slack.batch) == ["head"], "without slack only equal sizes batch (the old behaviour)"


def test_a_patient_job_gathers_companions_until_its_wait_ends() -> None:
    first = queued("call-1", 3, size=600, patient=True, at=10.0, seq=1)
    sel = select_batch([first], 10.01, max_batch=8, size_slack=300, gather_s=0.04)
    assert sel.batch == [] and names(sel.keep) == ["call-1"]
    assert sel.wait_s == pytest.approx(0.03)
    second = queued("call-2", 3, size=700, patient=True, at=10.02, seq=2)
    sel = select_batch([first, second], 10.039, max_batch=8, size_slack=300, gather_s=0.04)
    assert sel.batch == [] and sel.wait_s == pytest.approx(0.001), "the wait counts from the oldest job's arrival"
    sel = select_batch([first, second], 10.041, max_batch=8, size_slack=300, gather_s=0.04)
    assert names(sel.batch) == ["call-1", "call-2"] and sel.keep == []


def test_calls_left_out_of_a_batch_wait_for_those_that_were_in_it() -> None:
    """Calls 3-4 queued during the previous batch (long ago); calls 1-2 resubmit just after it ends: without the
    wait from the batch's end, 3-4 would go alone at once and 1-2 next, split for ever."""
    left_out = [queued(f"call-{i}", 3, patient=True, at=5.0, seq=i) for i in (3, 4)]
    sel = select_batch(left_out, 10.0, max_batch=8, gather_s=0.04, idle_since=10.0)
    assert sel.batch == [] and sel.wait_s == pytest.approx(0.04)
    back = [queued(f"call-{i}", 3, patient=True, at=10.02, seq=10 + i) for i in (1, 2)]
    sel = select_batch([*left_out, *back], 10.041, max_batch=8, gather_s=0.04, idle_since=10.0)
    assert names(sel.batch) == ["call-3", "call-4", "call-1", "call-2"]


def test_a_full_batch_or_an_impatient_job_goes_at_once() -> None:
    calls = [queued(f"call-{i}", 3, patient=True, at=10.0, seq=i) for i in range(3)]
    full = select_batch(calls, 10.0, max_batch=3, gather_s=0.04)
    assert names(full.batch) == ["call-0", "call-1", "call-2"] and full.wait_s is None
    amd = queued("amd", 1, at=10.0, seq=9)
    sel = select_batch([*calls[:2], amd], 10.0, max_batch=8, gather_s=0.04)
    assert names(sel.batch) == ["amd", "call-0", "call-1"], "AMD never waits; same-key partials ride along"


def test_expired_and_cancelled_jobs_leave_the_queue() -> None:
    late = queued("late", 3, seq=1)
    late.deadline = 9.0
    gone = queued("gone", 1, seq=2)
    assert gone.future.cancel()
    kept = queued("kept", 3, seq=3)
    sel = select_batch([late, gone, kept], 10.0, max_batch=8)
    assert names(sel.expired) == ["late"] and names(sel.batch) == ["kept"] and sel.keep == []
    empty = select_batch([late], 10.0, max_batch=8)
    assert empty.batch == [] and empty.keep == [] and empty.wait_s is None


def test_the_scheduler_pads_by_size_and_gathers_on_its_clock() -> None:
    """The threaded scheduler applies select_batch: the gathering wait ends on the injected clock's time."""
    clock = ManualClock()
    runner = GatedRunner()
    runner.gate.set()
    scheduler: BatchScheduler[str, str] = BatchScheduler(
        runner, max_batch=8, queue_max=64, size_slack=200, gather_s=0.05, clock=clock
    )
    try:
        a = Job(payload="a", priority=3, batch_key="k", size=500, patient=True)
        b = Job(payload="b", priority=3, batch_key="k", size=700, patient=True)
        scheduler.submit(a)  # without gathering the worker would take it alone before b arrives
        scheduler.submit(b)
        clock.advance(0.06)
        scheduler.submit(Job(payload="c", priority=3, batch_key="other", patient=True))  # wakes the worker
        assert a.future.result(WAIT) == "A" and b.future.result(WAIT) == "B"
        assert runner.batches[0] == ["a", "b"]
    finally:
        scheduler.close()


def test_a_refreshable_job_runs_on_the_payload_there_is_when_its_batch_forms() -> None:
    runner = GatedRunner()
    scheduler = make(runner, max_batch=8)
    try:
        block_worker(scheduler, runner)
        buffer = ["audio-0.6s"]
        live = Job(payload=buffer[-1], priority=3, batch_key="k", refresh=lambda: (buffer[-1], "k", 0))
        scheduler.submit(live)
        buffer.append("audio-1.8s")  # fed while the job waited behind the first batch
        runner.gate.set()
        assert live.future.result(WAIT) == "AUDIO-1.8S"
        assert runner.batches[1] == ["audio-1.8s"]
    finally:
        scheduler.close()


def test_a_refresh_that_fails_fails_its_own_job_only() -> None:
    runner = GatedRunner()
    scheduler = make(runner)
    try:
        block_worker(scheduler, runner)

        def broken() -> tuple[str, str, int]:
            raise ValueError("audio is 31.00 s long; windows are limited to 30 s")

        bad = Job(payload="old", priority=3, batch_key="k", refresh=broken)
        good = job("good", 3)
        scheduler.submit(bad)
        scheduler.submit(good)
        runner.gate.set()
        with pytest.raises(AsrError, match="limited to 30 s"):
            bad.future.result(WAIT)
        assert good.future.result(WAIT) == "GOOD"
        assert scheduler.stats().failed == 1
    finally:
        scheduler.close()


def test_idle_workers_share_the_compatible_jobs() -> None:
    """Two free workers: the first takes half of the 7 waiting partials (4), the other the rest, at the same time;
    one free worker takes all of them; the share never exceeds max_batch."""
    calls = [queued(f"call-{i}", 3, patient=True, at=10.0, seq=i) for i in range(7)]
    two = select_batch(calls, 10.1, max_batch=8, gather_s=0.04, idle_workers=2)
    assert names(two.batch) == ["call-0", "call-1", "call-2", "call-3"]
    assert names(two.keep) == ["call-4", "call-5", "call-6"]
    rest = select_batch(two.keep, 10.1, max_batch=8, gather_s=0.04, idle_workers=1)
    assert names(rest.batch) == ["call-4", "call-5", "call-6"]
    one = select_batch(calls, 10.1, max_batch=8, gather_s=0.04, idle_workers=1)
    assert len(one.batch) == 7
    capped = select_batch(calls * 3, 10.1, max_batch=4, gather_s=0.04, idle_workers=2)
    assert len(capped.batch) == 4, "a share is at most max_batch"
    early = select_batch(calls[:2], 10.0, max_batch=8, gather_s=0.04, idle_workers=2)
    assert early.batch == [] and early.wait_s == pytest.approx(0.04), "a patient head still gathers first"


def test_an_urgent_worker_serves_urgent_jobs_while_the_regular_one_is_busy() -> None:
    """The regular worker is stuck in a streaming batch: an AMD / barge-in job still runs at once on the urgent
    worker, which never takes a streaming job (that one waits for the regular worker)."""
    release, started = threading.Event(), threading.Event()
    ran: list[tuple[str, list[str]]] = []

    def runner(payloads: Sequence[str]) -> list[str]:
        ran.append((threading.current_thread().name, list(payloads)))
        if "stream-1" in payloads:
            started.set()
            release.wait(WAIT)
        return [p.upper() for p in payloads]

    scheduler: BatchScheduler[str, str] = BatchScheduler(
        runner, max_batch=8, queue_max=64, urgent_workers=1, urgent_priority=1
    )
    try:
        busy = job("stream-1", 3)
        scheduler.submit(busy)
        assert started.wait(WAIT)
        stream, bargein, amd = job("stream-2", 3), job("bargein", 0, key="b"), job("amd", 1, key="a")
        for j in (stream, bargein, amd):
            scheduler.submit(j)
        assert bargein.future.result(WAIT) == "BARGEIN" and amd.future.result(WAIT) == "AMD"
        assert not stream.future.done(), "the urgent worker took a streaming job"
        release.set()
        assert stream.future.result(WAIT) == "STREAM-2" and busy.future.result(WAIT) == "STREAM-1"
        workers = {payloads[0]: name for name, payloads in ran}
        assert "urgent" in workers["bargein"] and "urgent" in workers["amd"]
        assert "urgent" not in workers["stream-1"] and "urgent" not in workers["stream-2"]
    finally:
        release.set()
        scheduler.close()


def test_without_urgent_workers_an_urgent_job_waits_for_the_busy_worker() -> None:
    runner = GatedRunner()
    scheduler = make(runner)
    try:
        block_worker(scheduler, runner)
        bargein = job("bargein", 0)
        scheduler.submit(bargein)
        assert not bargein.future.done()
        runner.gate.set()
        assert bargein.future.result(WAIT) == "BARGEIN"
    finally:
        runner.gate.set()
        scheduler.close()


def test_free_urgent_workers_share_urgent_jobs_only() -> None:
    """8 calls' AMD requests on an engine free of other work (2 regular workers, 1 urgent): split between the regular
    workers (4 each, as many shares as cores); with a regular worker busy streaming, the urgent worker takes its
    place; streaming requests are shared by free regular workers only."""

    def free(best: int, busy: int, busy_urgent: int = 0, urgent_free: int = 1) -> int:
        return free_workers(
            best, workers=2, busy=busy, busy_urgent=busy_urgent, urgent_free=urgent_free, urgent_priority=1
        )

    assert free(1, busy=0) == 2
    assert free(1, busy=1, busy_urgent=1) == 1, "the other regular worker runs this same burst"
    assert free(1, busy=1) == 2, "a regular worker is busy streaming: the urgent one stands in"
    assert free(0, busy=2) == 1
    assert free(3, busy=1) == 1, "an urgent worker never counts for streaming jobs"
    assert free(3, busy=2) == 1  # the asking worker itself
    amd = [queued(f"call-{i}", 1, at=10.0, seq=i) for i in range(8)]
    first = select_batch(amd, 10.0, max_batch=8, idle_workers=2)
    assert len(first.batch) == 4 and len(first.keep) == 4
    assert not urgent_worker_may_run(workers=2, busy=0, busy_urgent=0), "idle engine: the regular workers serve"
    assert not urgent_worker_may_run(workers=2, busy=1, busy_urgent=1), "a regular worker is on this burst"
    assert urgent_worker_may_run(workers=2, busy=1, busy_urgent=0), "a regular worker is streaming"
    assert urgent_worker_may_run(workers=2, busy=2, busy_urgent=2), "no regular worker is free"
