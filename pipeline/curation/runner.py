"""The body of a curate run, without Prefect: the flow (pipeline.flows.curate) and the plain run share it.

Kept free of Prefect imports so that `run` with no Prefect server configured starts in about a
second instead of paying Prefect's import (~1.5 s) and a temporary API server (8-15 s). What
differs between the two is handed in: how a batch is submitted (a Prefect task, or a thread of
this process), the logger, and how a Dask task runner is started.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.curation.batch import BatchJob, FileResult, process_batch
from pipeline.curation.pool import WorkerCrashed, close_current_pool, extraction_pool, run_in_pool
from pipeline.models import Reject
from pipeline.reading.listing import InputFile
from pipeline.reading.location import RawRoot, require_local
from pipeline.report.summary import RunSummary
from pipeline.settings import AUTO_WORKERS_ABOVE, ExecutorSettings, Settings

# submit_batch(job) -> a future of the batch's results.
SubmitBatch = Callable[[BatchJob], Any]

# Set once this process's run has committed (run_curation returned): what an interrupt says.
COMMITTED: list[RunSummary] = []


def extract_batch_here(job: BatchJob) -> list[FileResult]:
    """Load and extract one batch of input files (in the local pool's worker, or here).

    With the processes executor the work goes to a worker of the local pool; on a Dask worker,
    or with the local executor, it runs where the call runs.
    """
    try:
        return run_in_pool(process_batch, job)
    except WorkerCrashed:
        return [_extract_alone(job, item) for item in job.items]


def _extract_alone(job: BatchJob, item: InputFile) -> FileResult:
    """One file of a batch whose worker died: the file that kills a worker again is rejected.

    Retried without the chrome earlier runs learned, as it always was here.
    """
    try:
        return run_in_pool(process_batch, job.of([item], keep_chrome=False))[0]
    except WorkerCrashed as exc:
        reason = f"{exc} (twice: once in its batch, once alone)"
        return FileResult(item, rejects=[Reject(item.rel_path, "worker_crashed", reason)])


def batch_result(future: Any, job: BatchJob, submit_task: Callable[[BatchJob], Any]) -> list[FileResult]:
    """A batch's results; on a Dask cluster, a batch whose worker kept dying is retried file by file.

    Dask reruns a task whose worker died on other workers, then gives up with KilledWorker: one
    file that kills every worker (a C-extension crash, memory blown up) would otherwise end the
    run before its commit. Alone, the other files succeed and that one becomes a worker_crashed
    reject, as with the local pool (extract_batch_here).
    """
    try:
        return future.result()
    except Exception as exc:
        if not _killed_worker(exc):
            raise
    alone = [(item, submit_task(job.of([item]))) for item in job.items]
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


def resolve_kind(executor: ExecutorSettings, pending_inputs: int | None = None) -> str:
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


def pending_for_auto(settings: Settings, full: bool) -> int | None:
    """What resolve_kind needs to know of raw/ (more than AUTO_WORKERS_ABOVE?), when it asks."""
    if settings.executor.kind != "auto":
        return None
    raw = RawRoot.resolve(settings.paths.raw)
    if not raw.is_dir():
        return None
    from pipeline.curation.driver import count_pending

    curated = require_local(settings.paths.curated, "curated")
    return count_pending(raw, curated, full, stop_after=AUTO_WORKERS_ABOVE)


def executor_kind(settings: Settings, full: bool) -> str:
    """What the executor setting means for this run ('auto': workers only when there is work)."""
    return resolve_kind(settings.executor, pending_for_auto(settings, full))


def batch_threads(kind: str, executor: ExecutorSettings) -> int:
    """Batches in flight at once: with worker processes, twice as many as workers, so each worker
    finds its next batch already queued in the pool instead of waiting for a submit."""
    return 2 * executor.worker_count if kind == "processes" else 1


def run_without_prefect(settings: Settings, kind: str, full: bool = False) -> RunSummary:
    """The curate run in this process and its pool, with no Prefect API: batches in threads.

    A failed batch is tried once more, as the flow's task is (retries=1).
    """

    def once_more(job: BatchJob) -> list[FileResult]:
        try:
            return extract_batch_here(job)
        except Exception:  # noqa: BLE001 - the second failure is the one that is raised
            time.sleep(2)
            return extract_batch_here(job)

    logger = logging.getLogger("pipeline.run")
    with ThreadPoolExecutor(batch_threads(kind, settings.executor), thread_name_prefix="batch") as pool:

        def submit_batch(job: BatchJob) -> Future:
            return pool.submit(once_more, job)

        return curate_with(settings, full, submit_batch, logger)


def curate_with(
    settings: Settings,
    full: bool,
    submit_batch: SubmitBatch,
    logger: logging.Logger | logging.LoggerAdapter,
    start_runner: Callable[[], None] | None = None,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> RunSummary:
    """The body of a curate run (the flow's, or the plain run's).

    crawls: each site's crawl outcome when an ingest or backfill curates, for the run report.

    summary.seconds covers this whole body (listing, extraction, dedupe, writing, the report):
    what the run costs once the Prefect API and the task runner are up.
    """
    with _local_workers(settings.executor, start_runner):
        return _curate_body(settings, full, submit_batch, logger, crawls)


@contextlib.contextmanager
def _local_workers(executor: ExecutorSettings, start_runner: Callable[[], None] | None) -> Iterator[None]:
    """Start the run's workers (pool processes, or the Dask cluster) before its clock starts.

    Their start-up is the run's fixed cost, not the first batch's.
    """
    if executor.kind == "processes" and executor.worker_count > 1:
        with extraction_pool(executor.worker_count):
            yield
        return
    if start_runner is not None:
        start_runner()
    yield


def _curate_body(
    settings: Settings,
    full: bool,
    submit_batch: SubmitBatch,
    logger: logging.Logger | logging.LoggerAdapter,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> RunSummary:
    from pipeline.curation.driver import run_curation  # driver only: workers never import the writer

    started = time.monotonic()
    # raw/ resolved once, here: the listing, the batches and the workers get it as it is. Workers
    # are handed its real path, or the URL's filesystem: they may run in another directory or host.
    raw = RawRoot.resolve(settings.paths.raw, show_real=True)
    curated = require_local(settings.paths.curated, "curated")
    workers = settings.executor.worker_count

    from pipeline.store.readers import read_learned_chrome

    known_chrome = {} if full else read_learned_chrome(curated)
    # MinHash where numpy is anyway: on a Dask cluster its workers, here the driver (BatchJob).
    on_cluster = resolve_kind(settings.executor) == "dask"

    def submit(items: list[InputFile]) -> Callable[[], list[FileResult]]:
        job = BatchJob(raw, items, settings.limits, settings.dedupe, known_chrome, fingerprint=on_cluster)
        future = submit_batch(job)
        return lambda: batch_result(future, job, submit_batch)

    from pipeline.cli.progress import Progress

    def extraction_done() -> None:
        # The workers' ~130 MB go before the commit and the report: the run's peak is then the
        # larger of extraction and reporting, not their sum. The report's modules (DuckDB) are
        # imported meanwhile, while the commit runs.
        close_current_pool()
        _import_report_meanwhile()

    with Progress("curate", total=None, unit="files") as progress, counted_into(progress, raw):

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
            on_extracted=extraction_done,
        )
        COMMITTED.append(summary)
        on_progress(summary)
    if summary.inputs_read == 0:  # the UI then shows no extract-batch task: say why
        logger.info(
            "no extract-batch task: nothing new to read in %s (%d inputs unchanged since an earlier run)",
            raw,
            summary.inputs_unchanged,
        )
    logger.info(summary.render_text())
    _publish(summary, curated, crawls)
    from pipeline.store.retention import prune_reports

    summary.reports_pruned = prune_reports(curated, settings.store.keep_reports)
    summary.seconds = time.monotonic() - started
    return summary


@contextlib.contextmanager
def counted_into(progress: Any, raw: RawRoot) -> Iterator[None]:
    """The progress total, counted in a thread while the run starts instead of before it.

    Counting lists raw/ once more (the run lists it as it goes): done first, it kept the workers
    waiting for their first batch; here the total, and with it the ETA, comes a moment later.
    """
    from pipeline.reading.listing import iter_inputs

    def count() -> None:
        with contextlib.suppress(OSError):
            progress.set_total(sum(1 for _ in iter_inputs(raw)))

    counter = threading.Thread(target=count, name="count-inputs", daemon=True)
    if raw.is_dir():
        counter.start()
    try:
        yield
    finally:
        if counter.ident is not None:  # started
            counter.join()


def _import_report_meanwhile() -> None:
    """Import the report module (DuckDB: ~0.25 s) in a thread while the run commits.

    Imported after the commit, it was a quarter second in which nothing else ran. Not during
    extraction: its ~25 MB would then add to the worker processes' in the run's peak memory.
    Python's import lock makes the report's own import wait for this one.
    """
    threading.Thread(target=_import_report, name="import-report", daemon=True).start()


def _import_report() -> None:
    with contextlib.suppress(ImportError):
        importlib.import_module("pipeline.report.stats")


def _publish(summary: RunSummary, curated: Path, crawls: dict[str, dict[str, Any]] | None = None) -> None:
    """The run report file and the Prefect artifacts (pipeline.report, when it is installed)."""
    try:
        from pipeline.report import artifact
        from pipeline.report.html import write_report
        from pipeline.report.markdown import report_markdown
        from pipeline.report.stats import dataset_stats, run_stats
    except ImportError:
        return
    run = run_stats(curated, summary.run_id)
    # The artifact shows the same dataset totals as the HTML report: a run that added nothing
    # still shows the dataset it left, not "0 articles".
    dataset = dataset_stats(curated)
    path = write_report(curated, summary.run_id, summary, run=run, crawls=crawls, dataset=dataset)
    markdown = report_markdown(dataset, summary, run=run, crawls=crawls)
    artifact.publish_artifact(markdown, key="curate-run-report")
    summary.report_path = str(path)
    if summary.drift:  # the run stays Completed, with a warning of its own in the UI
        _warn_drift(summary)


def _warn_drift(summary: RunSummary) -> None:
    """Extraction drift as WARNING log lines (the flow run's log in Prefect) and an artifact."""
    from pipeline.report import artifact
    from pipeline.report.health import drift_markdown

    if artifact.in_prefect_run():
        from prefect import get_run_logger

        logger: Any = get_run_logger()
    else:
        logger = logging.getLogger("pipeline.report.health")
    for drift in summary.drift:
        logger.warning("extraction drift on %s: %s", drift["site"], drift["text"])
    markdown = drift_markdown(summary.run_id, summary.drift, summary.health)
    sites = ", ".join(sorted({d["site"] for d in summary.drift}))
    artifact.publish_artifact(
        markdown, key="extraction-drift", description=f"Warning: extraction drift on {sites}"
    )
