"""A bounded priority queue of inference jobs served by worker threads that run them in batches.

The scheduler knows nothing about Whisper: a job carries an opaque payload, a priority (lower is served first),
an optional monotonic deadline, a `batch_key` and a `size`. Only jobs with equal keys run together (for Whisper:
the same prompt length and beam size), and only when their sizes differ by at most `size_slack` (for Whisper: padded
encoder frames; the runner pads a batch to its largest member, so a job's result is the one it gets alone at that
padding).
A `patient` job (streaming partials, turn transcriptions) waits up to `gather_s` after its submission, and after
the end of the previous batch, for others to share its batch: calls whose iterations came back together are
decoded together again, instead of the calls left out of a batch going alone the moment it ends, just before the
others resubmit (a big batch, then a small one, for ever). `select_batch` is the pure decision; the worker
threads only apply it. Results travel through `concurrent.futures.Future`, which the event loop awaits with
`asyncio.wrap_future`: the loop never runs inference and never blocks on it.
`urgent_workers` are extra threads that take only jobs of priority <= `urgent_priority` (AMD verdicts, barge-in
words): a worker busy with a batch cannot be interrupted, so without them an urgent job waits for the end of a
streaming batch (about a second at 8 talking callers on 2 cores); with them it starts at once, sharing the cores.
"""

from __future__ import annotations

import logging
import statistics
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from robot.clock import Clock, SystemClock
from robot.errors import AsrError

P = TypeVar("P")
R = TypeVar("R")

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Job(Generic[P, R]):
    """One request. `future` resolves to the result, or to None when the job was dropped (deadline passed)."""

    payload: P
    priority: int
    batch_key: Hashable
    deadline: float | None = None
    refusable: bool = True
    size: int = 0  # the runner pads a batch to its largest member (see `size_slack`)
    patient: bool = False  # may wait up to `gather_s` after submission for others to join its batch
    # called (lock held, worker thread) each time batches are formed while the job waits: the newest payload, key
    # and size, so a streaming iteration decodes the audio there is when its batch starts, never a stale window
    refresh: Callable[[], tuple[P, Hashable, int]] | None = None
    future: Future[R | None] = field(default_factory=Future)
    seq: int = 0
    submitted_at: float = 0.0  # clock.monotonic() when queued


@dataclass(frozen=True, slots=True)
class Selection(Generic[P, R]):
    """What a free worker does now: run `batch`, or (`batch` empty, `wait_s` set) look again after `wait_s`
    unless a job arrives first. `expired` passed their deadline; `keep` stay queued."""

    batch: list[Job[P, R]]
    keep: list[Job[P, R]]
    expired: list[Job[P, R]]
    wait_s: float | None = None


def select_batch(
    pending: Sequence[Job[P, R]],
    now: float,
    *,
    max_batch: int,
    size_slack: int = 0,
    gather_s: float = 0.0,
    idle_since: float = float("-inf"),
    idle_workers: int = 1,
) -> Selection[P, R]:
    """Pure: the best job (priority, then arrival) and, in that order, the waiting jobs with its key whose sizes stay
    within `size_slack` of the batch's; a patient best job with fewer than `max_batch` companions waits until
    `gather_s` after its submission and after `idle_since` (when the worker's last batch ended). Cancelled jobs are
    forgotten; expired ones are handed back to be resolved. With `idle_workers` > 1 free workers, a worker takes its
    share of the compatible jobs (ceil(compatible / idle_workers), at most `max_batch`), so that the others run the
    rest at the same time instead of one worker taking them all while the others wait."""
    expired: list[Job[P, R]] = []
    alive: list[Job[P, R]] = []
    for job in pending:
        if job.future.cancelled():
            continue
        if job.deadline is not None and now > job.deadline:
            expired.append(job)
        else:
            alive.append(job)
    alive.sort(key=lambda j: (j.priority, j.seq))
    if not alive:
        return Selection([], [], expired)
    head = alive[0]
    batch, low, high = [head], head.size, head.size
    for job in alive[1:]:
        if len(batch) >= max_batch * max(1, idle_workers):
            break
        if job.batch_key == head.batch_key and max(high, job.size) - min(low, job.size) <= size_slack:
            batch.append(job)
            low, high = min(low, job.size), max(high, job.size)
    compatible = len(batch)
    del batch[min(max_batch, -(-compatible // max(1, idle_workers))) :]
    waited = now - max(head.submitted_at, idle_since)
    if head.patient and compatible < max_batch and waited < gather_s:
        return Selection([], alive, expired, wait_s=gather_s - waited)
    chosen = {id(j) for j in batch}
    return Selection(batch, [j for j in alive if id(j) not in chosen], expired)


def free_workers(
    best_priority: int, *, workers: int, busy: int, busy_urgent: int, urgent_free: int, urgent_priority: int
) -> int:
    """Pure: how many free workers share the jobs of the best waiting job's kind (`select_batch`'s idle_workers).
    `workers` regular workers (sized to the cores), `busy` of them running a batch, `busy_urgent` of those a batch of
    urgent jobs; `urgent_free` urgent workers idle. An urgent worker counts only for an urgent job and only while a
    regular worker is busy with other work (streaming, turns): it stands in for that worker's core. On an engine
    free of other work, urgent jobs are split among the regular workers alone (a third share on two cores only makes
    every share slower). At least 1 (the worker asking)."""
    free = workers - busy
    if best_priority <= urgent_priority and busy - busy_urgent > 0:
        free += urgent_free
    return max(1, free)


def urgent_worker_may_run(*, workers: int, busy: int, busy_urgent: int) -> bool:
    """Pure: an urgent worker takes a batch only when a regular worker is busy with other work, or none is free; on
    an engine free of other work the regular workers serve urgent jobs themselves (as many shares as cores)."""
    return busy - busy_urgent > 0 or busy >= workers


@dataclass(frozen=True, slots=True)
class SchedulerStats:
    queue_depth: int
    submitted: int
    served: int
    batches: int
    dropped_deadline: int
    refused_full: int
    failed: int
    p50_batch_size: float
    max_batch_size: int
    busy_s: float  # time spent running batches, added up over the worker threads (2 busy workers: 2 s per second)


BatchRunner = Callable[[Sequence[P]], Sequence[R]]


class BatchScheduler(Generic[P, R]):
    """Serve jobs by priority, batching waiting jobs that share a key. Thread-safe; call `close()` to stop."""

    def __init__(
        self,
        run_batch: Callable[[Sequence[P]], Sequence[R]],
        *,
        max_batch: int,
        queue_max: int,
        workers: int = 1,
        size_slack: int = 0,
        gather_s: float = 0.0,
        clock: Clock | None = None,
        name: str = "asr-worker",
        urgent_workers: int = 0,
        urgent_priority: int = 0,
    ) -> None:
        if max_batch < 1 or queue_max < 1 or workers < 1 or urgent_workers < 0:
            raise ValueError("max_batch, queue_max and workers must be >= 1, urgent_workers >= 0")
        if size_slack < 0 or gather_s < 0:
            raise ValueError("size_slack and gather_s must be >= 0")
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._size_slack = size_slack
        self._gather_s = gather_s
        self._queue_max = queue_max
        self._clock: Clock = clock or SystemClock()
        self._cond = threading.Condition()
        self._pending: list[Job[P, R]] = []
        self._closed = False
        self._seq = 0
        self._submitted = self._served = self._batches = 0
        self._dropped = self._refused = self._failed = 0
        self._busy_s = 0.0
        self._idle_since = float("-inf")  # when the last batch ended
        self._running = 0  # regular workers running a batch
        self._running_urgent = 0  # urgent workers running a batch
        self._running_on_urgent = 0  # regular workers running a batch of urgent jobs
        self._sizes: deque[int] = deque(maxlen=1000)
        self._threads = [
            threading.Thread(target=self._work, args=(None,), name=f"{name}-{i}", daemon=True) for i in range(workers)
        ]
        self._threads += [
            threading.Thread(target=self._work, args=(urgent_priority,), name=f"{name}-urgent-{i}", daemon=True)
            for i in range(urgent_workers)
        ]
        self._workers = workers
        self._urgent_workers = urgent_workers
        self._urgent_priority = urgent_priority
        self.worker_idents: set[int] = set()
        for thread in self._threads:
            thread.start()

    def submit(self, job: Job[P, R]) -> bool:
        """Queue a job. False (and the job's future resolves to None) when the queue is full and the job
        is refusable; non-refusable jobs (AMD, barge-in) are always queued."""
        with self._cond:
            if self._closed:
                raise AsrError("the inference scheduler is closed")
            self._submitted += 1
            if job.refusable and len(self._pending) >= self._queue_max:
                self._refused += 1
                job.future.set_result(None)
                return False
            self._seq += 1
            job.seq = self._seq
            job.submitted_at = self._clock.monotonic()
            self._pending.append(job)
            self._cond.notify_all()  # the urgent workers wait too, for jobs only they may not take
            return True

    def stats(self) -> SchedulerStats:
        with self._cond:
            sizes = list(self._sizes)
            return SchedulerStats(
                queue_depth=len(self._pending),
                submitted=self._submitted,
                served=self._served,
                batches=self._batches,
                dropped_deadline=self._dropped,
                refused_full=self._refused,
                failed=self._failed,
                p50_batch_size=float(statistics.median(sizes)) if sizes else 0.0,
                max_batch_size=max(sizes, default=0),
                busy_s=self._busy_s,
            )

    def close(self, timeout: float = 5.0) -> None:
        """Stop the workers after the batch in progress; jobs still queued resolve to None."""
        with self._cond:
            self._closed = True
            leftovers, self._pending = self._pending, []
            self._cond.notify_all()
        for job in leftovers:
            if job.future.set_running_or_notify_cancel():
                job.future.set_result(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)

    def _take_batch(self, max_priority: int | None) -> list[Job[P, R]] | float | None:
        """Called with the lock held: refresh the jobs that can be, apply `select_batch` to the jobs of priority <=
        `max_priority` (None: all); returns the batch to run, how long to wait, or None when no job is for us."""
        if max_priority is not None and not urgent_worker_may_run(
            workers=self._workers, busy=self._running, busy_urgent=self._running_on_urgent
        ):
            return None  # before any refresh: an urgent worker wakes on every submission
        for job in list(self._pending):
            if job.refresh is None or job.future.done() or (max_priority is not None and job.priority > max_priority):
                continue  # a job this worker may not take is refreshed by the worker that takes it
            try:
                job.payload, job.batch_key, job.size = job.refresh()
            except Exception as err:  # a bad newest window fails its own job, not the worker
                self._pending.remove(job)
                self._failed += 1
                if job.future.set_running_or_notify_cancel():
                    job.future.set_exception(err if isinstance(err, AsrError) else AsrError(f"request refresh: {err}"))
        ours = [j for j in self._pending if max_priority is None or j.priority <= max_priority]
        if not ours:
            return None
        others = [j for j in self._pending if max_priority is not None and j.priority > max_priority]
        idle = free_workers(
            min(j.priority for j in ours),
            workers=self._workers,
            busy=self._running,
            busy_urgent=self._running_on_urgent,
            urgent_free=self._urgent_workers - self._running_urgent,
            urgent_priority=self._urgent_priority,
        )
        selection = select_batch(
            ours,
            self._clock.monotonic(),
            max_batch=self._max_batch,
            size_slack=self._size_slack,
            gather_s=self._gather_s,
            idle_since=self._idle_since,
            idle_workers=idle,
        )
        for job in selection.expired:
            self._dropped += 1
            if job.future.set_running_or_notify_cancel():
                job.future.set_result(None)
        self._pending = selection.keep + others
        if selection.wait_s is not None:
            return selection.wait_s
        batch = [j for j in selection.batch if j.future.set_running_or_notify_cancel()]
        if batch:
            self._count_running(max_priority, batch, +1)
        return batch

    def _count_running(self, max_priority: int | None, batch: list[Job[P, R]], step: int) -> None:
        if max_priority is not None:
            self._running_urgent += step
            return
        self._running += step
        if batch[0].priority <= self._urgent_priority:
            self._running_on_urgent += step

    def _work(self, max_priority: int | None) -> None:
        """A worker's loop; `max_priority` None serves every job, else only jobs of priority <= it."""
        self.worker_idents.add(threading.get_ident())
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                taken = self._take_batch(max_priority)
                if taken is None:  # queued jobs, none for us: a new job wakes us
                    self._cond.wait()
                    continue
                if isinstance(taken, float):  # gathering: a new job or the end of the wait wakes us
                    self._cond.wait(taken)
                    continue
            if taken:
                try:
                    self._run(taken)
                finally:
                    with self._cond:
                        self._count_running(max_priority, taken, -1)
                        self._cond.notify_all()  # a job that waited for an idle worker's share may go now

    def _run(self, batch: list[Job[P, R]]) -> None:
        started = self._clock.monotonic()
        try:
            results = self._run_batch([job.payload for job in batch])
            if len(results) != len(batch):
                raise AsrError(f"batch runner returned {len(results)} results for {len(batch)} requests")
        except Exception as err:  # handed to every caller of the batch, not swallowed
            log.exception("inference batch of %d failed", len(batch))
            with self._cond:
                self._failed += len(batch)
            failure = err if isinstance(err, AsrError) else AsrError(f"inference failed: {err}")
            for job in batch:
                job.future.set_exception(failure)
            return
        with self._cond:
            self._batches += 1
            self._served += len(batch)
            self._sizes.append(len(batch))
            self._idle_since = self._clock.monotonic()
            self._busy_s += self._idle_since - started
        for job, result in zip(batch, results, strict=True):
            job.future.set_result(result)
