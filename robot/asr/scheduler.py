"""A bounded priority queue of inference jobs served by worker threads that run them in batches.

The scheduler knows nothing about Whisper: a job carries an opaque payload, a priority (lower is served first),
an optional monotonic deadline and a `batch_key`; only jobs with equal keys are run together (same padded
audio length and same prompt length, so one job's result never depends on which other jobs shared its batch).
Results travel through `concurrent.futures.Future`, which the event loop awaits with `asyncio.wrap_future`:
the loop never runs inference and never blocks on it.
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
    future: Future[R | None] = field(default_factory=Future)
    seq: int = 0


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
    busy_s: float


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
        clock: Clock | None = None,
        name: str = "asr-worker",
    ) -> None:
        if max_batch < 1 or queue_max < 1 or workers < 1:
            raise ValueError("max_batch, queue_max and workers must be >= 1")
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._queue_max = queue_max
        self._clock: Clock = clock or SystemClock()
        self._cond = threading.Condition()
        self._pending: list[Job[P, R]] = []
        self._closed = False
        self._seq = 0
        self._submitted = self._served = self._batches = 0
        self._dropped = self._refused = self._failed = 0
        self._busy_s = 0.0
        self._sizes: deque[int] = deque(maxlen=1000)
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)]
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
            self._pending.append(job)
            self._cond.notify()
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

    def _take_batch(self) -> list[Job[P, R]]:
        """Called with the lock held: drop expired/cancelled jobs, then take the best job and the best
        waiting jobs with the same key."""
        now = self._clock.monotonic()
        alive: list[Job[P, R]] = []
        for job in self._pending:
            if job.future.cancelled():
                continue
            if job.deadline is not None and now > job.deadline:
                self._dropped += 1
                if job.future.set_running_or_notify_cancel():
                    job.future.set_result(None)
                continue
            alive.append(job)
        alive.sort(key=lambda j: (j.priority, j.seq))
        if not alive:
            self._pending = []
            return []
        key = alive[0].batch_key
        batch = [j for j in alive if j.batch_key == key][: self._max_batch]
        chosen = {id(j) for j in batch}
        self._pending = [j for j in alive if id(j) not in chosen]
        return [j for j in batch if j.future.set_running_or_notify_cancel()]

    def _work(self) -> None:
        self.worker_idents.add(threading.get_ident())
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                batch = self._take_batch()
            if batch:
                self._run(batch)

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
            self._busy_s += self._clock.monotonic() - started
        for job, result in zip(batch, results, strict=True):
            job.future.set_result(result)
