"""Prefect flows: thin wrappers that run the pure steps of pipeline.curate as tasks.

A task handles a batch of input files, never one file: a task per page would cost more than the
page. Which machine runs the batches is the task runner's business: threads in this process,
a local Dask cluster of processes (both cores), or an existing Dask cluster by address.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import location
from pipeline.loaders import InputFile
from pipeline.models import Reject
from pipeline.pool import WorkerCrashed, extraction_pool, run_in_pool
from pipeline.settings import AUTO_WORKERS_ABOVE, Dedupe, Executor, Limits, Settings, load_settings
from pipeline.summary import RunSummary
from pipeline.work import Batch, FileResult, process_batch


@task(name="extract-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def extract_batch(raw_root: str, batch: Batch, limits: Limits, dedupe_cfg: Dedupe) -> list[FileResult]:
    """Load and extract one batch of input files (runs wherever the task runner puts it).

    With the processes executor the work goes to a worker of the local pool; on a Dask worker,
    or with the local executor, it runs where the task runs.
    """
    try:
        return run_in_pool(process_batch, raw_root, batch.items, limits, dedupe_cfg, batch.chrome)
    except WorkerCrashed:
        return [_extract_alone(raw_root, item, limits, dedupe_cfg) for item in batch.items]


def _extract_alone(raw_root: str, item: InputFile, limits: Limits, dedupe_cfg: Dedupe) -> FileResult:
    """One file of a batch whose worker died: the file that kills a worker again is rejected."""
    try:
        return run_in_pool(process_batch, raw_root, [item], limits, dedupe_cfg)[0]
    except WorkerCrashed as exc:
        reason = f"{exc} (twice: once in its batch, once alone)"
        return FileResult(item, rejects=[Reject(item.rel_path, "worker_crashed", reason)])


def _batch_result(future: Any, items: list[InputFile], submit_task: Any) -> list[FileResult]:
    """A batch's results; on a Dask cluster, a batch whose worker kept dying is retried file by file.

    Dask reruns a task whose worker died on other workers, then gives up with KilledWorker: one
    file that kills every worker (a C-extension crash, memory blown up) would otherwise end the
    run before its commit. Alone, the other files succeed and that one becomes a worker_crashed
    reject, as with the local pool (extract_batch).
    """
    try:
        return future.result()
    except Exception as exc:
        if not _killed_worker(exc):
            raise
    alone = [(item, submit_task([item])) for item in items]
    results = []
    for item, single in alone:
        try:
            results.extend(single.result())
        except Exception as exc:
            if not _killed_worker(exc):
                raise
            detail = f"the Dask workers running it died: {exc}"[:500]
            results.append(FileResult(item, rejects=[Reject(item.rel_path, "worker_crashed", detail)]))
    return results


def _killed_worker(exc: BaseException) -> bool:
    try:
        from distributed import KilledWorker
    except ImportError:  # pragma: no cover - distributed is a dependency
        return False
    return isinstance(exc, KilledWorker)


def resolve_kind(executor: Executor, pending_inputs: int | None = None) -> str:
    """'local', 'processes' or 'dask': what 'auto' means for this run.

    'auto' starts worker processes only when there is enough work to pay for their start-up
    (about 1 s); a handful of files is faster in this process, and a rerun with nothing new
    starts nothing.
    """
    kind = "dask" if executor.dask_address else executor.kind
    if kind not in ("auto", "local", "processes", "dask"):
        raise ValueError(f"unknown executor kind {kind!r}: use auto, local, processes or dask")
    if kind == "auto":
        enough = pending_inputs is None or pending_inputs > AUTO_WORKERS_ABOVE
        kind = "processes" if enough else "local"
    if kind == "processes" and executor.worker_count < 2:
        kind = "local"
    return kind


def task_runner_for(executor: Executor, kind: str) -> Any:
    """The Prefect task runner for an executor kind as resolve_kind gives it.

    local and processes run the batch tasks in this process's threads (processes hands each
    batch's CPU work to pipeline.pool's worker processes); dask runs them on Dask workers: the
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
                "preload": ["pipeline.worker_setup"],
            },
        )
    # processes: twice as many batch tasks in flight as workers, so each worker finds its next
    # batch already queued in the pool instead of waiting for a task to start.
    return ThreadPoolTaskRunner(max_workers=2 * workers if kind == "processes" else 1)


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


@flow(name="curate", log_prints=False)
def curate(
    raw: str = "raw", curated: str = "curated", full: bool = False, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Curate everything new under raw/ into the Parquet datasets under curated/.

    overrides: dotted settings ("executor.batch_size": 100) on top of pipeline.toml and TAJRUS_*.
    """
    settings = load_settings(overrides={**(overrides or {}), "paths.raw": raw, "paths.curated": curated})
    summary = curate_with(settings, full=full)
    _COMMITTED.append(summary.as_dict())  # what run_curate_flow reports if the API dies from here
    return summary.as_dict()


# Summaries of runs this process committed: a flow whose API dies after its commit has still run.
_COMMITTED: list[dict[str, Any]] = []


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


def curate_with(settings: Settings, full: bool = False) -> RunSummary:
    """The body of the curate flow, callable from other flows (ingest, backfill).

    summary.seconds covers this whole body (listing, extraction, dedupe, writing, the report):
    what the run costs once the Prefect API and the task runner are up.
    """
    with _local_workers(settings.executor):
        return _curate_body(settings, full)


@contextlib.contextmanager
def _local_workers(executor: Executor) -> Iterator[None]:
    """Start the run's workers (pool processes, or the Dask cluster) before its clock starts.

    Their start-up is the run's fixed cost, not the first batch's.
    """
    if executor.kind == "processes" and executor.worker_count > 1:
        with extraction_pool(executor.worker_count):
            yield
        return
    _start_task_runner()
    yield


def _curate_body(settings: Settings, full: bool) -> RunSummary:
    from pipeline.curate import run_curation  # driver only: workers never import the writer

    started = time.monotonic()
    local_raw = location.local_path(settings.paths.raw)
    # Workers are handed an absolute path, or the URL: they may run in another directory or host.
    raw: str | Path = local_raw.resolve() if local_raw is not None else settings.paths.raw
    raw_root = str(raw)
    curated = location.require_local(settings.paths.curated, "curated")
    workers = settings.executor.worker_count

    from pipeline.store import read_learned_chrome

    known_chrome = {} if full else read_learned_chrome(curated)

    def submit_task(items: list[InputFile]) -> Any:
        return extract_batch.submit(raw_root, Batch(items, known_chrome), settings.limits, settings.dedupe)

    def submit(items: list[InputFile]):
        future = submit_task(items)
        return lambda: _batch_result(future, items, submit_task)

    from pipeline.progress import Progress

    _import_report_meanwhile()

    with Progress("curate", total=None, unit="files") as progress, _counted_into(progress, raw):

        def on_progress(summary: RunSummary) -> None:
            progress.update_to(
                summary.inputs_read + summary.inputs_unchanged,
                articles=summary.articles_total,
                duplicates=sum(summary.duplicates.values()),
                rejects=sum(summary.rejects.values()),
            )

        summary = run_curation(
            raw,
            curated,
            settings,
            submit=submit,
            full=full,
            inflight=max(2, 2 * workers),
            on_progress=on_progress,
        )
        on_progress(summary)
    logger = get_run_logger()
    logger.info(summary.render_text())
    _publish(summary, curated)
    from pipeline.compact import prune_reports

    summary.reports_pruned = prune_reports(curated, settings.store.keep_reports)
    summary.seconds = time.monotonic() - started
    return summary


@contextlib.contextmanager
def _counted_into(progress: Any, raw: str | Path) -> Iterator[None]:
    """The progress total, counted in a thread while the run starts instead of before it.

    Counting lists raw/ once more (the run lists it as it goes): done first, it kept the workers
    waiting for their first batch; here the total, and with it the ETA, comes a moment later.
    """
    from pipeline.loaders import iter_inputs

    def count() -> None:
        with contextlib.suppress(OSError):
            progress.set_total(sum(1 for _ in iter_inputs(raw)))

    counter = threading.Thread(target=count, name="count-inputs", daemon=True)
    if location.is_dir(raw):
        counter.start()
    try:
        yield
    finally:
        if counter.ident is not None:  # started
            counter.join()


def _import_report_meanwhile() -> None:
    """Import the report module (DuckDB: ~0.25 s) in a thread while the workers extract.

    Imported at the end, it was a quarter second in which nothing else ran; the driver is mostly
    waiting for batches before that. Python's import lock makes the report's own import wait for
    this one. It is imported at the end anyway, so the run's peak memory is the same.
    """
    threading.Thread(target=_import_report, name="import-report", daemon=True).start()


def _import_report() -> None:
    with contextlib.suppress(ImportError):
        importlib.import_module("pipeline.report")


def _start_task_runner() -> None:
    """Start the Dask cluster (or connect to it) now rather than at the first submit.

    prefect-dask starts it lazily; started here, its seconds are start-up, not the first batch's.
    """
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    if runner is not None and hasattr(runner, "client"):
        runner.client  # noqa: B018 - the property starts the cluster


def _publish(summary: RunSummary, curated: Path) -> None:
    """The run report file and the Prefect artifact (pipeline.report, when it is installed)."""
    try:
        from pipeline import report
    except ImportError:
        return
    stats = report.run_stats(curated, summary.run_id)
    path = report.write_report(curated, summary.run_id, summary, run=stats)
    report.publish_artifact(report.report_markdown(stats, summary), key="curate-run-report")
    summary.report_path = str(path)


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


def run_curate_flow(settings: Settings, full: bool = False) -> dict[str, Any]:
    """Run the curate flow with the task runner the settings ask for."""
    from pipeline.curate import count_pending

    pending = None
    if settings.executor.kind == "auto" and location.is_dir(settings.paths.raw):
        curated = location.require_local(settings.paths.curated, "curated")
        raw = location.local_path(settings.paths.raw) or settings.paths.raw
        # resolve_kind only asks whether there are more than AUTO_WORKERS_ABOVE.
        pending = count_pending(raw, curated, full, stop_after=AUTO_WORKERS_ABOVE)
    kind = resolve_kind(settings.executor, pending)
    runner = task_runner_for(settings.executor, kind)
    configured = curate.with_options(task_runner=runner)
    overrides = {key: value for key, value, origin in settings.items() if origin == "command line"}
    overrides["executor.kind"] = kind  # what 'auto' resolved to: the flow starts those workers
    _COMMITTED.clear()
    try:
        with _api_for_local_workers(runner), _no_api_tracebacks():
            return configured(
                raw=settings.paths.raw, curated=settings.paths.curated, full=full, overrides=overrides
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
