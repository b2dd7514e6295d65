"""Prefect flows: thin wrappers that run the pure steps of pipeline.curation.driver as tasks.

A task handles a batch of input files, never one file: a task per page would cost more than the
page. Which machine runs the batches is the task runner's business: threads in this process,
a local Dask cluster of processes (both cores), or an existing Dask cluster by address.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.cli.interrupt import note_flow_run
from pipeline.curation.batch import BatchJob, FileResult
from pipeline.curation.runner import (
    batch_threads,
    executor_kind,
    extract_batch_here,
)
from pipeline.curation.runner import curate_with as _curate_with
from pipeline.report.summary import RunSummary
from pipeline.settings import ExecutorSettings, Settings, load_settings


class BatchResults:
    """A batch's results as one opaque value, the task's return value.

    Prefect links every element of a returned list to the task run's state, in a table that lives
    as long as the flow run: an entry per input file (~250 bytes each, and a walk over the list
    per batch), where one per batch does. It does not walk into a plain object like this one.
    """

    __slots__ = ("results",)

    def __init__(self, results: list[FileResult]) -> None:
        self.results = results


@task(name="extract-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def extract_batch(job: BatchJob) -> BatchResults:
    """Load and extract one batch of input files (runs wherever the task runner puts it)."""
    return BatchResults(extract_batch_here(job))


class _Unwrapping:
    """A submitted extract-batch task's future whose result is the batch's list of results."""

    __slots__ = ("future",)

    def __init__(self, future: Any) -> None:
        self.future = future

    def result(self) -> list[FileResult]:
        return self.future.result().results


def submit_extract_batch(job: BatchJob) -> _Unwrapping:
    """extract_batch.submit(job), answering with the list of results (curate_with's submit)."""
    return _Unwrapping(extract_batch.submit(job))


def task_runner_for(executor: ExecutorSettings, kind: str) -> Any:
    """The Prefect task runner for an executor kind as resolve_kind gives it.

    local and processes run the batch tasks in this process's threads (processes hands each
    batch's CPU work to pipeline.curation.pool's worker processes); dask runs them on Dask workers: the
    cluster at dask_address, or a local cluster of `workers` processes started for the run.
    """
    workers = executor.worker_count
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if executor.dask_address:
            return DaskTaskRunner(address=executor.dask_address)
        _quiet_distributed()
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": ":0",
                "silence_logs": logging.WARNING,
                "preload": ["pipeline.curation.worker_setup"],
            },
        )
    return ThreadPoolTaskRunner(max_workers=batch_threads(kind, executor))


def _quiet_distributed() -> None:
    """distributed logs every worker start and stop at INFO; the run summary says what matters."""
    for name in (
        "distributed",
        "distributed.scheduler",
        "distributed.nanny",
        "distributed.core",
        "distributed.http.proxy",
        "distributed.worker",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)


# The settings run_curate_flow resolved, handed to the curate flow it starts in this process, so
# that pipeline.toml is read once per run; a deployment's run (no caller here) reads them itself.
_RESOLVED: ContextVar[Settings | None] = ContextVar("curate_settings", default=None)


def _handed_down() -> Settings | None:
    """_RESOLVED's value. A function of its own, because Dask pickles the curate flow's function
    by value with the globals it names, and a ContextVar cannot be pickled."""
    return _RESOLVED.get()


@flow(name="curate", log_prints=False, on_running=[note_flow_run])
def curate(
    raw: str = "raw",
    curated: str = "curated",
    full: bool = False,
    overrides: dict[str, Any] | None = None,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Curate everything new under raw/ into the Parquet datasets under curated/.

    overrides: dotted settings ("executor.batch_size": 100) on top of pipeline.toml and TAJRUS_*.
    crawls: each site's crawl outcome, when ingest or backfill curates what it gathered (the
    run report shows it).
    """
    settings = _handed_down() or load_settings(
        overrides={**(overrides or {}), "paths.raw": raw, "paths.curated": curated}
    )
    summary = curate_with(settings, full=full, crawls=crawls)
    _COMMITTED.append(summary.as_dict())  # what run_curate_flow reports if the API dies from here
    return summary.as_dict()


# Summaries of runs this process committed: a flow whose API dies after its commit has still run.
_COMMITTED: list[dict[str, Any]] = []


def curate_with(
    settings: Settings, full: bool = False, crawls: dict[str, dict[str, Any]] | None = None
) -> RunSummary:
    """The body of the curate flow, callable from other flows (ingest, backfill): batches are
    extract-batch tasks of the current flow run, and its logger gets the summary."""
    return _curate_with(
        settings, full, submit_extract_batch, get_run_logger(), start_runner=_start_task_runner, crawls=crawls
    )


class _DropApiTracebacks(logging.Filter):
    """Drops log records about a failure to reach the Prefect API: the command says it in one
    line of its own (run_curate_flow) instead of Prefect's tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.exc_info[1] is not None and _api_error(record.exc_info[1]))


@contextlib.contextmanager
def _no_api_tracebacks() -> Iterator[None]:
    flt = _DropApiTracebacks()
    handlers = [h for name in ("", "prefect") for h in logging.getLogger(name).handlers]
    for handler in handlers:
        handler.addFilter(flt)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(flt)


class PrefectApiLost(RuntimeError):
    """The Prefect API stopped answering during a run, before its commit: nothing was written."""


def _api_error(exc: BaseException) -> bool:
    """True when exc (or what caused it) is a failure to reach the Prefect API."""
    import httpx

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, httpx.TransportError) or type(exc).__name__ == "PrefectHTTPStatusError":
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _start_task_runner() -> None:
    """Start the Dask cluster (or connect to it) now rather than at the first submit.

    prefect-dask starts it lazily; started here, its seconds are start-up, not the first batch's.
    """
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    if runner is not None and hasattr(runner, "client"):
        runner.client  # noqa: B018 - the property starts the cluster


@contextlib.contextmanager
def _api_for_local_workers(runner: Any) -> Iterator[None]:
    """Local Dask workers report their task runs to this process's Prefect API, not their own.

    A worker process that finds no PREFECT_API_URL in its environment starts a temporary Prefect
    server of its own (10-15 s and ~220 MB each, and task runs recorded in another database).
    When this process uses a temporary server, or an API set in a settings context (tests), its
    URL is put in the environment the workers are spawned with, for the length of the run.
    """
    if getattr(runner, "cluster_class", None) is None or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the instance Prefect's own client starts and reuses
        server.start()
        url = server.api_url
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def run_curate_flow(
    settings: Settings,
    full: bool = False,
    crawls: dict[str, dict[str, Any]] | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Run the curate flow with the task runner the settings ask for (crawls: see curate).

    kind: the executor kind the caller already resolved (resolve_kind), else resolved here.
    """
    kind = kind or executor_kind(settings, full)
    runner = task_runner_for(settings.executor, kind)
    configured = curate.with_options(task_runner=runner)
    overrides = {key: value for key, value, origin in settings.items() if origin == "command line"}
    overrides["executor.kind"] = kind  # what 'auto' resolved to: the flow starts those workers
    resolved = copy.deepcopy(settings)
    resolved.executor.kind = kind
    resolved.origin["executor.kind"] = "command line"
    _COMMITTED.clear()
    token = _RESOLVED.set(resolved)
    try:
        with _api_for_local_workers(runner), _no_api_tracebacks():
            return configured(
                raw=settings.paths.raw,
                curated=settings.paths.curated,
                full=full,
                overrides=overrides,
                crawls=crawls,
            )
    except Exception as exc:
        if not _api_error(exc):
            raise
        api = os.environ.get("PREFECT_API_URL", "the temporary server")
        if _COMMITTED:
            print(
                f"warning: the Prefect API ({api}) stopped answering after the run committed; "
                "the data is written, but Prefect does not show this run as completed",
                file=sys.stderr,
            )
            return _COMMITTED[-1]
        raise PrefectApiLost(
            f"the Prefect API ({api}) did not answer; nothing was committed (the dataset is "
            "unchanged): start the server again, or unset PREFECT_API_URL"
        ) from exc
    finally:
        _RESOLVED.reset(token)
