"""One curate run, independent of Prefect: find inputs, extract in batches, dedupe, commit.

Extraction (the costly, parallel part) is a pure function of a batch of input files, so any
executor can run it: in process, on local Dask workers, on a remote Dask cluster. Dedupe and
writing happen in input order in the driver (pipeline.curation.run_state), so the result is the
same whatever the executor. raw/ is resolved once here, where the run starts, and handed down.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from pipeline.curation.batch import BatchJob, FileResult, process_batch
from pipeline.curation.batching import batches
from pipeline.curation.memory import release_freed_memory
from pipeline.curation.run_state import Curation
from pipeline.reading.listing import InputFile, iter_inputs
from pipeline.reading.location import RawRoot, require_local
from pipeline.report.summary import RunSummary
from pipeline.settings import Settings
from pipeline.store.journal import recover
from pipeline.store.kill_points import kill_point
from pipeline.store.layout import MANIFEST
from pipeline.store.lock import run_lock
from pipeline.store.readers import read_table

Submit = Callable[[list[InputFile]], "Callable[[], list[FileResult]]"]


def local_submit(
    raw: RawRoot, settings: Settings, known_chrome: dict[str, frozenset[str]] | None = None
) -> Submit:
    """Run batches in this process (tests, and the simplest executor)."""

    def submit(items: list[InputFile]) -> Callable[[], list[FileResult]]:
        result = process_batch(BatchJob(raw, items, settings.limits, settings.dedupe, known_chrome))
        return lambda: result

    return submit


def count_pending(raw: RawRoot, curated: Path, full: bool = False, stop_after: int | None = None) -> int:
    """How many inputs a run would read (new, or changed in size or mtime), without reading them.

    Decides whether worker processes pay for their start-up: a rerun with nothing new must not
    start any. stop_after: stop counting past this many (all that decision needs), so that a large
    raw/ full of new files is not walked to its end before the run walks it again.
    """
    seen: dict[str, tuple[int, int]] = {}
    table = read_table(curated, MANIFEST, ["raw_path", "size", "mtime_ns"])
    if table is not None and not full:
        for path, size, mtime in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
            seen[path] = (size, mtime)
    pending = 0
    for entry in iter_inputs(raw):
        if isinstance(entry, InputFile) and seen.get(entry.rel_path) != (entry.size, entry.mtime_ns):
            pending += 1
            if stop_after is not None and pending > stop_after:
                break
    return pending


def run_curation(
    raw: str | Path | RawRoot,
    curated: str | Path,
    settings: Settings,
    submit: Submit | None = None,
    full: bool = False,
    inflight: int = 4,
    on_progress: Callable[[RunSummary], None] | None = None,
    on_extracted: Callable[[], None] | None = None,
) -> RunSummary:
    """A whole run under the curated directory's lock; submit runs a batch somewhere, lazily.

    on_extracted is called once every batch is consumed, before the commit: what only extraction
    needs (worker processes) can go before the commit and the report add to the run's memory.

    At most `inflight` batches are out at once, and results are consumed in submission order,
    so memory stays flat and the output does not depend on which worker finished first.
    raw may be any fsspec URL (s3://, file://, memory://), or raw/ already resolved where the
    run started; curated a local path or file:// URL.
    """
    root = raw if isinstance(raw, RawRoot) else RawRoot.resolve(raw)
    if not root.is_dir():
        raise FileNotFoundError(f"raw directory {raw} does not exist")
    curated = require_local(curated, "curated")
    curated.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with run_lock(curated, settings.limits.lock_wait_seconds):
        recovered = recover(curated)
        run = Curation(root, curated, settings, full=full)
        run.summary.recovered_runs = recovered
        run.load_manifest()
        submit = submit or local_submit(root, settings, run.chrome_known)
        queue: deque[Callable[[], list[FileResult]]] = deque()

        def consume_oldest() -> None:
            for result in queue.popleft()():
                run.consume(result)
            release_freed_memory()  # the batch's objects are gone: their pages go too
            if on_progress:
                on_progress(run.summary)
            kill_point("after-first-batch")

        try:
            size, workers = settings.executor.batch_size, settings.executor.worker_count
            for batch in batches(run.pending_inputs(), size, workers):
                queue.append(submit(batch))
                while len(queue) >= inflight:
                    consume_oldest()
            while queue:
                consume_oldest()
            if on_extracted:
                on_extracted()
            summary = run.finish()
        except BaseException:
            run.writer.abort()
            raise
        compact_after_run(curated, settings, summary)
    summary.seconds = time.monotonic() - started
    return summary


def compact_after_run(curated: Path, settings: Settings, summary: RunSummary) -> None:
    """Rewrite the tables that passed store.compact_above_files into one file each, under the
    run's lock. A separate commit after the run's: a failure here (a full disk) leaves the run
    committed and is a warning in its summary."""
    above = settings.store.compact_above_files
    if above <= 0:
        return
    from pipeline.store.compact import compact

    try:
        done = compact(curated, above)
    except OSError as exc:
        summary.compaction_error = str(exc)
        return
    summary.compacted = {
        t: [done.before[t], done.after[t]] for t in done.before if done.before[t] != done.after[t]
    }
    if done.skipped:
        summary.compaction_error = "; ".join(f"{unit}: {why}" for unit, why in sorted(done.skipped.items()))
