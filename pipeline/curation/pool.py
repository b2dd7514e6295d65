"""The `processes` executor: both cores of one machine through a pool of lean extraction processes.

The batch is still a Prefect task (its state, retries and timing are in the UI); the task runs in
a thread of the driver and hands its CPU work to a worker process of this pool, which imports the
extraction modules and nothing else. Measured against the alternatives on 2 cores, 2,000 pages
(docs/performance.md):

- a local Dask cluster (`--executor dask` without an address) puts the scheduler and nannies in
  the driver and Prefect's task engine plus distributed in every worker: ~150 MB a worker;
- Prefect's ProcessPoolTaskRunner runs the task engine and an API client in every worker:
  ~215 MB a worker, and 0.75x the bare trafilatura loop in one run (on a busy machine, and with
  no PREFECT_API_URL exported to its workers, which then start API servers of their own);
- this pool: ~60 MB a worker (trafilatura, lxml, numpy), one pickle each way per batch.

Workers are started with `spawn`: forking a driver that runs Prefect's threads is unsafe, and a
spawned worker holds only what it imports. They start before the run's clock (start-up), and
end by themselves if the driver is killed. `run` starts them as soon as it knows they are needed
(prestart), so that their imports (~0.8 s of CPU each) run on the second core while the driver
imports Prefect and creates its flow run, instead of after.

A worker that dies (a crash in a C extension, the kernel's OOM killer) breaks a
ProcessPoolExecutor for good; the pool is then replaced, and the caller told with WorkerCrashed,
so that one bad input costs its batch a retry, not the run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerCrashed(RuntimeError):
    """A worker process died while running the call (the pool has been replaced)."""


def _start_worker(driver_pid: int) -> None:
    """A worker's initializer: import what extraction needs, and leave when the driver is gone.

    Imported here, the first batch does not pay for it. A worker waits for calls on a queue whose
    write end it holds itself, so a driver killed with SIGKILL (or by the OOM killer) would leave
    it waiting forever: a watcher thread ends it.
    """
    # Ctrl-C in a terminal reaches the whole process group: the driver handles it (and stops
    # the workers); a worker's own KeyboardInterrupt would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One thread for numpy's BLAS: the workers are the parallelism; an idle BLAS thread spins on
    # the core the other worker needs (seen under callgrind). Set before numpy is imported.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    import pipeline.curation.batch  # noqa: F401

    threading.Thread(target=_exit_with, args=(driver_pid,), daemon=True, name="driver-watch").start()


def _exit_with(driver_pid: int, interval: float = 1.0) -> None:
    while os.getppid() == driver_pid:
        time.sleep(interval)
    os._exit(0)


class ExtractionPool:
    """A fixed number of spawned worker processes, replaced as a whole if one of them dies."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        # Submitted back to back, so no worker is idle yet and each one starts a process of its own;
        # waited for, so that start-up (spawn, the initializer's imports) ends here.
        for future in [executor.submit(os.getpid) for _ in range(self.workers)]:
            future.result()
        return executor

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker; WorkerCrashed if the worker died (the next call gets a new pool)."""
        executor = self._executor
        try:
            return executor.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            with self._lock:
                if self._executor is executor:  # the first thread to see it replaces the pool
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._start()
            raise WorkerCrashed(f"a worker process died running {getattr(fn, '__name__', fn)}") from exc

    def close(self) -> None:
        """Stop the workers (again: a no-op)."""
        self._executor.shutdown(wait=True, cancel_futures=True)


_current: ExtractionPool | None = None


# A pool being started in a thread of its own (workers, its future), for the extraction_pool
# block that comes later; the future re-raises a failed start where the pool is wanted.
_prestarted: tuple[int, Future[ExtractionPool]] | None = None


def prestart(workers: int) -> None:
    """Start a pool of `workers` processes now, in the background: the next extraction_pool(workers)
    takes it instead of starting one. Pair with discard_prestarted() for the case it never comes."""
    global _prestarted
    discard_prestarted()
    starter = ThreadPoolExecutor(1, thread_name_prefix="start-workers")
    _prestarted = (workers, starter.submit(ExtractionPool, workers))
    starter.shutdown(wait=False)


def discard_prestarted() -> None:
    """Stop a prestarted pool that no run took (the run ended before extraction: a lock, an error)."""
    global _prestarted
    waiting, _prestarted = _prestarted, None
    if waiting is not None and waiting[1].exception() is None:
        waiting[1].result().close()


def _take_prestarted(workers: int) -> ExtractionPool | None:
    global _prestarted
    if _prestarted is None or _prestarted[0] != workers:
        discard_prestarted()
        return None
    waiting, _prestarted = _prestarted, None
    return waiting[1].result()


@contextlib.contextmanager
def extraction_pool(workers: int) -> Iterator[ExtractionPool]:
    """A started pool of `workers` processes (the prestarted one if there is one), current in this
    process while the block runs."""
    global _current
    pool = _take_prestarted(workers) or ExtractionPool(workers)
    _current = pool
    try:
        yield pool
    finally:
        _current = None
        pool.close()


def close_current_pool() -> None:
    """Stop the current pool's workers now, before its block ends: extraction is over.

    The block still closes it on the way out (a no-op then); a call that needs a worker after
    this runs here instead (run_in_pool).
    """
    global _current
    pool, _current = _current, None
    if pool is not None:
        pool.close()


def run_in_pool(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in a worker of the current pool, or here when there is none (local, Dask)."""
    pool = _current
    return fn(*args) if pool is None else pool.run(fn, *args)
