"""The processes executor's pool: lean workers, calls run there, a dead worker costs a retry only."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from pipeline.curation import pool
from pipeline.curation import runner as curate_run
from pipeline.curation.batch import BatchJob, FileResult
from pipeline.flows import curate as flows
from pipeline.reading.listing import InputFile
from pipeline.reading.location import RawRoot
from pipeline.settings import DedupeSettings, ExecutorSettings, LimitsSettings

WORKER_IMPORTS = (
    "import os, sys; from concurrent.futures import ThreadPoolExecutor\n"
    "from pipeline.curation.pool import extraction_pool, run_in_pool\n"
    "SLOW_PID = \"(__import__('time').sleep(0.5), __import__('os').getpid())[1]\"\n"
    "if __name__ == '__main__':\n"
    "    with extraction_pool(2) as p, ThreadPoolExecutor(2) as threads:\n"
    "        pids = set(threads.map(lambda _: run_in_pool(eval, SLOW_PID), range(2)))\n"
    "        heavy = run_in_pool(eval, \"[m for m in ('prefect', 'distributed', 'pyarrow', 'pandas')"
    " if m in __import__('sys').modules]\")\n"
    "        ready = run_in_pool(eval, \"'pipeline.curation.batch' in __import__('sys').modules\")\n"
    "    print(os.getpid() not in pids, len(pids), heavy, ready)\n"
)


def test_pool_workers_are_other_processes_that_import_only_extraction():
    done = subprocess.run(
        [sys.executable, "-c", WORKER_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Two calls at once (two task threads) ran in the two workers, never in the driver; workers
    # hold no Prefect, Dask or pyarrow.
    assert done.stdout.split() == ["True", "2", "[]", "True"]


def test_without_a_pool_calls_run_here():
    assert pool.run_in_pool(os.getpid) == os.getpid()


def test_a_dead_worker_raises_worker_crashed_and_the_pool_is_replaced():
    with pool.extraction_pool(1) as p:
        first = p.run(os.getpid)
        with pytest.raises(pool.WorkerCrashed):
            p.run(os._exit, 3)
        second = p.run(os.getpid)
    assert first != second != os.getpid()
    assert pool.run_in_pool(os.getpid) == os.getpid()  # the pool is no longer current


def _items(*names: str) -> list[InputFile]:
    return [InputFile(rel_path=n, size=1, mtime_ns=1) for n in names]


def _job(*names: str) -> BatchJob:
    return BatchJob(RawRoot.resolve("/raw"), _items(*names), LimitsSettings(), DedupeSettings())


def test_a_file_that_kills_its_worker_is_rejected_and_its_batch_mates_are_not(monkeypatch):
    calls: list[list[str]] = []

    def fake_run_in_pool(fn, job):
        items = job.items
        calls.append([i.rel_path for i in items])
        if any(i.rel_path == "bad.html" for i in items):
            raise pool.WorkerCrashed("a worker process died running process_batch")
        return [FileResult(i, documents=1) for i in items]

    monkeypatch.setattr(curate_run, "run_in_pool", fake_run_in_pool)  # where extract_batch_here looks
    results = flows.extract_batch.fn(_job("a.html", "bad.html", "c.html")).results
    assert calls == [["a.html", "bad.html", "c.html"], ["a.html"], ["bad.html"], ["c.html"]]
    assert [r.item.rel_path for r in results] == ["a.html", "bad.html", "c.html"]
    assert [r.documents for r in results] == [1, 0, 1]
    reject = results[1].rejects[0]
    assert reject.reason == "worker_crashed" and "twice" in reject.detail


@pytest.mark.parametrize(
    ("executor", "pending", "kind"),
    [
        (ExecutorSettings(kind="auto", workers=2), 10_000, "processes"),
        (ExecutorSettings(kind="auto", workers=2), 5, "local"),  # a few files: not worth starting workers
        (ExecutorSettings(kind="auto", workers=2), 0, "local"),  # a rerun with nothing new starts nothing
        # The threshold is a number of files, whatever the batch size.
        (ExecutorSettings(kind="auto", workers=2, batch_size=10), 400, "local"),
        (ExecutorSettings(kind="auto", workers=2, batch_size=10), 401, "processes"),
        (ExecutorSettings(kind="auto", workers=2, batch_size=1000), 401, "processes"),
        (ExecutorSettings(kind="processes", workers=1), None, "local"),
        (ExecutorSettings(kind="processes", workers=2), None, "processes"),
        (ExecutorSettings(kind="local", workers=2), None, "local"),
        (ExecutorSettings(kind="dask", workers=2), None, "dask"),
        (ExecutorSettings(kind="auto", dask_address="tcp://127.0.0.1:8786"), None, "dask"),
    ],
)
def test_what_each_executor_setting_resolves_to(executor, pending, kind):
    assert curate_run.resolve_kind(executor, pending) == kind


def test_an_unknown_executor_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown executor kind 'threads'"):
        curate_run.resolve_kind(ExecutorSettings(kind="threads"))


HOLD_A_POOL = (
    "import os, sys, time; from concurrent.futures import ThreadPoolExecutor\n"
    "from pipeline.curation.pool import extraction_pool, run_in_pool\n"
    "SLOW_PID = \"(__import__('time').sleep(0.5), __import__('os').getpid())[1]\"\n"
    "if __name__ == '__main__':\n"
    "    with extraction_pool(2), ThreadPoolExecutor(2) as threads:\n"
    "        print(*set(threads.map(lambda _: run_in_pool(eval, SLOW_PID), range(2))), flush=True)\n"
    "        time.sleep(600)\n"
)


def test_workers_end_when_the_driver_is_killed():
    """SIGKILL gives the driver no chance to stop its pool: the workers notice and leave."""
    import signal
    import time

    driver = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_POOL], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        pids = [int(p) for p in driver.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ")[-1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


class _Future:
    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


def test_a_batch_killed_on_dask_is_retried_file_by_file():
    """KilledWorker: each file alone; the one whose workers die again becomes a worker_crashed reject."""
    from distributed import KilledWorker

    submitted: list[list[str]] = []

    def submit_task(job):
        items = job.items
        submitted.append([i.rel_path for i in items])
        if any(i.rel_path == "bad.html" for i in items):
            worker = SimpleNamespace(address="tcp://127.0.0.1:1")
            return _Future(error=KilledWorker("extract-batch", worker, 3))
        return _Future([FileResult(i, documents=1) for i in items])

    job = _job("a.html", "bad.html", "c.html")
    results = curate_run.batch_result(submit_task(job), job, submit_task)
    assert submitted == [["a.html", "bad.html", "c.html"], ["a.html"], ["bad.html"], ["c.html"]]
    assert [r.item.rel_path for r in results] == ["a.html", "bad.html", "c.html"]
    assert [r.documents for r in results] == [1, 0, 1]
    assert results[1].rejects[0].reason == "worker_crashed"


def test_other_task_errors_are_not_taken_for_a_dead_worker():
    with pytest.raises(ValueError):
        curate_run.batch_result(_Future(error=ValueError("boom")), _job("a.html"), lambda job: _Future([]))


@pytest.mark.slow
def test_a_file_that_kills_every_dask_worker_is_a_reject_and_the_run_commits(
    seeds_raw, tmp_path, monkeypatch, prefect_api
):
    """A real local Dask cluster whose worker process dies at one file: the run still commits."""
    # distributed's defaults must be in dask.config before the set below: a set that creates the
    # "distributed" key removes the whole key on exit, defaults and all, and every later Dask
    # cluster of the session fails with KeyError: 'distributed'.
    import dask
    import distributed  # noqa: F401
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flows.curate import run_curate_flow
    from pipeline.settings import load_settings
    from pipeline.store.kill_points import KILL_AT_ENV

    bad = sorted(p.name for p in seeds_raw.glob("*.txt"))[1]
    monkeypatch.setenv(KILL_AT_ENV, f"extract:{bad}")  # the workers are spawned with this environment
    settings = load_settings(
        config_path="/nonexistent",
        env={},
        overrides={
            "paths.raw": str(seeds_raw),
            "paths.curated": str(tmp_path / "curated"),
            "executor.kind": "dask",
            "executor.workers": 2,
            "executor.batch_size": 3,
        },
    )
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        temporary_settings(updates={PREFECT_API_URL: prefect_api}),
    ):
        summary = run_curate_flow(settings)
    assert summary["rejects"] == {"worker_crashed": 1}
    assert summary["inputs_read"] == len(list(seeds_raw.glob("*.txt")))
    rejects = pq.read_table(tmp_path / "curated" / "rejects").to_pylist()
    assert [(r["raw_path"], r["reason"]) for r in rejects] == [(bad, "worker_crashed")]
    assert sum(summary["articles"].values()) >= 6


PRESTART = (
    "import os, sys\n"
    "from pipeline.curation import pool\n"
    "if __name__ == '__main__':\n"
    "    pool.prestart(1)\n"
    "    with pool.extraction_pool(1) as p:\n"
    "        taken = p is not None and pool._prestarted is None\n"
    "        first = pool.run_in_pool(os.getpid)\n"
    "        pool.close_current_pool()\n"
    "        here = pool.run_in_pool(os.getpid)\n"
    "    pool.prestart(1)\n"
    "    workers, started = pool._prestarted\n"
    "    pool._prestarted = None\n"
    "    waiting = started.result()\n"
    "    pool.prestart(1)\n"
    "    unused = pool._prestarted[1]\n"
    "    pool.discard_prestarted()\n"
    "    print(taken, first != os.getpid(), here == os.getpid(), unused.result()._executor._shutdown_thread,"
    " workers)\n"
    "    waiting.close()\n"
)


def test_a_prestarted_pool_is_the_one_extraction_uses_and_an_unused_one_is_stopped():
    """`run` starts the workers before Prefect's import; the pool block takes them. A pool closed
    once extraction is over sends later calls here; a prestarted pool nobody took is shut down."""
    done = subprocess.run(
        [sys.executable, "-c", PRESTART], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True", "True", "1"]


def test_run_prestarts_the_workers_it_will_use(tmp_path, monkeypatch):
    """A run with enough work starts its pool at once (its imports then overlap Prefect's); the
    run's own extraction_pool takes that pool."""
    from pipeline.cli import main as cli

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("x", encoding="utf-8")
    started: list[int] = []
    monkeypatch.setattr(pool, "prestart", lambda workers: started.append(workers))
    monkeypatch.setattr("pipeline.curation.runner.executor_kind", lambda settings, full: "processes")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    code = cli.main(["run", "--raw", str(raw), "--curated", str(tmp_path / "cur"), "--workers", "2"])
    assert code == 0
    assert started == [2]


WORKER_WITHOUT_NUMPY = (
    "import os, sys\n"
    "from pathlib import Path\n"
    "from pipeline.curation.pool import extraction_pool, run_in_pool\n"
    "from pipeline.curation.batch import BatchJob, process_batch\n"
    "from pipeline.reading.listing import InputFile\n"
    "from pipeline.reading.location import RawRoot\n"
    "from pipeline.settings import DedupeSettings, LimitsSettings\n"
    "if __name__ == '__main__':\n"
    "    raw = Path(sys.argv[1])\n"
    "    item = InputFile('a.txt', (raw / 'a.txt').stat().st_size, 1)\n"
    "    job = BatchJob(\n"
    "        RawRoot.resolve(raw), [item], LimitsSettings(), DedupeSettings(), fingerprint=False\n"
    "    )\n"
    "    with extraction_pool(1):\n"
    "        [result] = run_in_pool(process_batch, job)\n"
    "        loaded = run_in_pool(eval, \"'numpy' in __import__('sys').modules\")\n"
    "    print(loaded, len(result.articles), result.articles[0].sig is None)\n"
)


def test_pool_workers_leave_minhash_to_the_driver_and_never_load_numpy(tmp_path):
    """The local pool's jobs ask for no signatures: a worker extracts an article without numpy
    (13 MB a worker); the driver computes them (run_state, Extracted.fingerprinted)."""
    words = " ".join(f"word{i} text" for i in range(60))
    (tmp_path / "a.txt").write_text(
        "Migrants return to Tajikistan\n\n" + "\n\n".join(f"{words} {n}." for n in range(4)), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", WORKER_WITHOUT_NUMPY, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "1", "True"]


def test_signatures_computed_by_the_driver_are_the_workers(tmp_path):
    from pipeline.curation.batch import process_batch
    from pipeline.dedupe.minhash import fingerprints

    words = " ".join(f"word{i} text" for i in range(60))
    (tmp_path / "a.txt").write_text(
        "Migrants return to Tajikistan\n\n" + "\n\n".join(f"{words} {n}." for n in range(4)), encoding="utf-8"
    )
    item = InputFile("a.txt", (tmp_path / "a.txt").stat().st_size, 1)
    cfg = DedupeSettings()
    by_worker = process_batch(BatchJob(RawRoot.resolve(tmp_path), [item], LimitsSettings(), cfg))[0]
    left = process_batch(
        BatchJob(RawRoot.resolve(tmp_path), [item], LimitsSettings(), cfg, fingerprint=False)
    )[0]
    [worker], [driver] = by_worker.articles, left.articles
    assert driver.sig is None and driver.chash is None
    sig, chash = driver.fingerprinted(cfg)
    assert chash == worker.chash == fingerprints(worker.article.body, cfg)[1]
    assert (sig.body == worker.sig.body).all() and (sig.lead == worker.sig.lead).all()


def test_the_flow_task_returns_one_opaque_value_per_batch():
    """Prefect links each element of a returned list to the task's state for the whole flow run:
    the task returns one plain object, which it does not walk, and the driver unwraps it."""
    from prefect.utilities.collections import visit_collection

    outcome = flows.BatchResults([FileResult(i) for i in _items("a", "b", "c")])
    seen: list[object] = []
    visit_collection(outcome, visit_fn=seen.append, max_depth=1)
    assert seen == [outcome]

    class Done:
        def result(self):
            return outcome

    assert flows._Unwrapping(Done()).result() is outcome.results
