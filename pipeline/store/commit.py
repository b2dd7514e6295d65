"""The Parquet contract that downstream tools rely on, and how a run commits to it atomically.

Layout under the curated root:
  articles/source=<s>/year=<y>/part-<run>-<n>.parquet   the clean articles (year=0: no date known)
  duplicates/part-<run>.parquet                          every record dedupe dropped, and why
  rejects/part-<run>.parquet                             every input that gave no article, and why
  _state/manifest/part-<run>.parquet                     inputs already processed (path, size, mtime)
  _state/signatures/part-<run>.parquet                   MinHash signatures of kept articles
  runs/part-<run>.parquet                                one row per run that changed the dataset
  _staging/<run>/...                                     a run's files before commit (never read)
  _journal/<run>.json                                    a commit in progress

A table directory (an articles partition, duplicates/, a _state table) may also hold one file that
compaction (pipeline.store.compact) wrote in place of many: part-<compaction id>.parquet, its rows in the
order the files it replaced were read in.

A run writes everything under _staging, then writes a journal naming every rename, then renames.
A run killed before the journal leaves nothing visible (its staging is swept by the next run); a run
killed during the renames is finished by the next run before it starts. Readers never see a
partially written Parquet file, because files only appear in the dataset by rename.

Compaction commits the same way, with directories instead of files: the new version of a table
directory is staged whole, the journal names it, and one atomic exchange (renameat2) puts it in
place of the old one, so a reader lists either the old files or the new one, never both or neither.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.store.kill_points import KILL_AT_ENV as KILL_AT_ENV  # part of this module's interface
from pipeline.store.kill_points import kill_point as kill_point


def _answer_pyarrows_pandas_probe() -> None:
    """Let pyarrow learn "no pandas" once, without importing it: the writer never needs pandas.

    The first time pyarrow converts a Python list it imports pandas (~50 MB of RSS, 0.5-1 s of
    the run measured on 2 cores) only to ask whether the list is a pandas object. Probed here with
    the import blocked, it answers "not pandas" without loading it. Nothing is lost: pyarrow tries
    the import again whenever pandas is really asked for (Table.to_pandas and the like).
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """An import finder that refuses pandas (and only pandas)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not imported by the curate driver")


_answer_pyarrows_pandas_probe()

UNDATED_YEAR = 0

ARTICLE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("published_date", pa.date32()),
        ("date_precision", pa.string()),
        ("date_source", pa.string()),
        ("modified_at", pa.timestamp("us", tz="UTC")),  # since revisits; older files lack it
        ("dateline", pa.string()),
        ("body", pa.string()),
        ("word_count", pa.int32()),
        ("language", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("publication", pa.string()),
        ("volume", pa.int32()),
        ("issue", pa.int32()),
        ("is_teaser", pa.bool_()),
        ("content_hash", pa.string()),
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("raw_item", pa.int32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("pipeline_version", pa.string()),
        ("run_id", pa.string()),
    ]
)
# Partition keys: in the directory names, not in the files (hive style).
PARTITION_KEYS = ("source", "year")

DUPLICATE_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("raw_item", pa.int32()),
        ("duplicate_of", pa.string()),
        ("kind", pa.string()),
        ("similarity", pa.float64()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("source", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        # kind "revision" (a superseded version of a kept article): what the kept version changed.
        # Since revisits; older files lack them.
        ("title_changed", pa.bool_()),
        ("words_before", pa.int32()),
        ("words_after", pa.int32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("raw_record", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

MANIFEST_SCHEMA = pa.schema(
    [
        ("raw_path", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("sha256", pa.string()),
        ("ident", pa.string()),
        ("articles", pa.int32()),
        ("duplicates", pa.int32()),
        ("rejects", pa.int32()),
        ("run_id", pa.string()),
    ]
)

SIGNATURE_SCHEMA = pa.schema(
    [
        ("article_id", pa.string()),
        ("kind", pa.string()),  # "body" (whole text) or "lead" (opening words, for teasers)
        ("hashvalues", pa.binary()),
    ]
)

# One row per run that changed the dataset: its summary stays queryable after its HTML report is
# pruned (store.keep_reports). The counters by source, kind and reason are JSON objects.
RUN_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("seconds", pa.float64()),
        ("full_rebuild", pa.bool_()),
        ("inputs_seen", pa.int64()),
        ("inputs_read", pa.int64()),
        ("inputs_unchanged", pa.int64()),
        ("documents", pa.int64()),
        ("articles", pa.int64()),
        ("duplicates", pa.int64()),
        ("rejects", pa.int64()),
        ("superseded", pa.int64()),
        ("articles_by_source", pa.string()),
        ("duplicates_by_kind", pa.string()),
        ("rejects_by_reason", pa.string()),
        ("pipeline_version", pa.string()),
    ]
)

# Lines learned as a site's chrome (pipeline.extraction.boilerplate), kept so that runs of a few pages (an
# hourly ingest) drop the chrome that larger runs learned: a hash of the line, never its text.
CHROME_SCHEMA = pa.schema([("site", pa.string()), ("line_key", pa.string()), ("run_id", pa.string())])

# Extraction health: one row per site per run that read pages of it (pipeline.report.health). Shares
# are of the run's pages of the site (rule columns, fallback) or of its articles (undated).
HEALTH_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("site", pa.string()),
        ("pages", pa.int32()),  # pages read as articles of the site (articles, and too-short pages)
        ("articles", pa.int32()),  # of which gave an article (kept or duplicate)
        ("container_rule", pa.float64()),  # share of pages whose body container the site's rules found
        ("title_rule", pa.float64()),
        ("date_rule", pa.float64()),
        ("authors_rule", pa.float64()),
        ("fallback", pa.float64()),  # share of pages where a general fallback gave some field
        ("median_words", pa.float64()),  # median body length of the articles; null without any
        ("undated", pa.float64()),  # share of the articles with no published_date
        ("chrome_learned", pa.int32()),  # chrome lines first learned for the site in this run
        ("drift", pa.list_(pa.string())),  # the run's drift warnings for the site, one per metric
        ("drift_pages", pa.list_(pa.string())),  # pages (URL or raw path) that show them
        ("ingested_at", pa.timestamp("us", tz="UTC")),
    ]
)

TABLES = {
    "health": HEALTH_SCHEMA,
    "duplicates": DUPLICATE_SCHEMA,
    "rejects": REJECT_SCHEMA,
    "_state/manifest": MANIFEST_SCHEMA,
    "_state/signatures": SIGNATURE_SCHEMA,
    "_state/chrome": CHROME_SCHEMA,
    "runs": RUN_SCHEMA,
}


# What a rebuild (`run --full`) replaces: every table a run writes from raw/ (runs/ is history: a
# rebuild adds its row to it).
REBUILT_TABLES = (
    "articles",
    "duplicates",
    "rejects",
    "_state/manifest",
    "_state/signatures",
    "_state/chrome",
    "health",
)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable and unique: the UTC time to the microsecond, then a random suffix.

    Sortable matters: a path's latest manifest row is its last in run order, and two runs can
    start within one second.
    """
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def partition_dir(source: str, published_date: dt.date | None) -> str:
    year = published_date.year if published_date else UNDATED_YEAR
    return f"articles/source={source}/year={year}"


class CuratedLocked(RuntimeError):
    """Another curate run holds the curated directory."""


@contextlib.contextmanager
def run_lock(curated: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Exclusive use of a curated directory for one run.

    flock is released by the kernel when the process dies, so a killed run never leaves the
    directory locked; a second run waits up to wait_seconds and then refuses with a clear message.
    """
    curated.mkdir(parents=True, exist_ok=True)
    lock_path = curated / "_lock"
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole run
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise CuratedLocked(
                        f"{curated} is being written by another curate run ({holder}); "
                        "wait for it to finish or pass --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def write_journal(curated: Path, commit_id: str, payload: dict[str, Any]) -> Path:
    """curated/_journal/<commit_id>.json, durable before any file of the commit moves: what
    recover() needs to finish the commit if the process dies during its renames."""
    journal_dir = curated / "_journal"
    journal_dir.mkdir(parents=True, exist_ok=True)
    tmp = journal_dir / f".{commit_id}.json.tmp"
    tmp.write_text(json.dumps(payload))
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    journal = journal_dir / f"{commit_id}.json"
    os.replace(tmp, journal)
    _fsync_dir(journal_dir)
    return journal


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def recover(curated: Path) -> list[str]:
    """Finish commits a killed run left half done, and sweep staging no journal refers to.

    Returns the run ids whose commit was finished, so that the caller can say so.
    """
    finished = []
    journal_dir = curated / "_journal"
    if journal_dir.is_dir():
        for journal in sorted(journal_dir.glob("*.json")):
            try:
                entry = json.loads(journal.read_text())
                moves = entry["moves"] if "swaps" not in entry else []
                swaps = [(unit, name) for unit, name in entry.get("swaps", [])]
            except (OSError, ValueError, KeyError, TypeError):
                # A journal is written to a temporary name and renamed, so a torn one cannot
                # exist; if it does, leaving the files where they are is the safe choice.
                journal.rename(journal.with_suffix(".broken"))
                continue
            for unit, name in swaps:
                _finish_swap(curated, journal.stem, unit, name)
            for src, dst in moves:
                src_path, dst_path = curated / src, curated / dst
                if src_path.exists():
                    dst_path.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src_path, dst_path)
            journal.unlink()
            finished.append(journal.stem)
    staging = curated / "_staging"
    if staging.is_dir():
        for run_dir in staging.iterdir():
            shutil.rmtree(run_dir, ignore_errors=True)
    shutil.rmtree(curated / "_trash", ignore_errors=True)  # tables a finished rebuild replaced
    return finished


# renameat2(2) flag: swap two existing paths in one step (Linux 3.15+, ext4, xfs, btrfs, tmpfs).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two existing directories atomically; False where the system cannot (then nothing moved).

    The one step that lets a table directory change all its files at once for a reader that lists
    it: before, the old files; after, the new ones; never both, never neither.
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def _swap_in(curated: Path, commit_id: str, unit: str) -> None:
    """The staged version of a table directory takes the live one's place; the old one is left in
    the staged place (to be swept). Without an atomic exchange: old out, new in (a reader between
    the two renames finds the directory empty)."""
    staged, live = curated / "_staging" / commit_id / unit, curated / unit
    if exchange_paths(staged, live):
        return
    trash = curated / "_trash" / commit_id / unit
    trash.parent.mkdir(parents=True, exist_ok=True)
    if live.exists():
        os.replace(live, trash)
        kill_point("compact-between-renames")
    os.replace(staged, live)


def _finish_swap(curated: Path, commit_id: str, unit: str, name: str) -> None:
    """Recovery of one swap of a journal: do it unless the live directory already holds the new
    file `name` (the exchange happened before the kill)."""
    if (curated / unit / name).exists():
        return
    if (curated / "_staging" / commit_id / unit / name).exists():
        if not (curated / unit).exists():  # killed between the two renames of the fallback
            (curated / unit).parent.mkdir(parents=True, exist_ok=True)
            os.replace(curated / "_staging" / commit_id / unit, curated / unit)
        else:
            _swap_in(curated, commit_id, unit)


def commit_swaps(curated: Path, commit_id: str, swaps: list[tuple[str, str]]) -> None:
    """Replace table directories by their staged versions, as one commit that survives a kill.

    swaps: (unit, name): the directory relative to curated, staged whole under
    _staging/<commit_id>/<unit>, and the name of a file only its new version holds (how recovery
    tells a swap done from one to do). The journal is written before the first exchange, so a
    kill before it leaves the dataset as it was, and a kill after it is finished by recover().
    """
    staging = curated / "_staging" / commit_id
    for unit, name in swaps:
        with open(staging / unit / name, "rb") as fh:
            os.fsync(fh.fileno())
    kill_point("compact-after-staging")
    journal = write_journal(curated, commit_id, {"run_id": commit_id, "swaps": [list(s) for s in swaps]})
    kill_point("compact-after-journal")
    for unit, _ in swaps:
        _swap_in(curated, commit_id, unit)
        kill_point("compact-after-first-swap")
    for parent in {(curated / unit).parent for unit, _ in swaps}:
        _fsync_dir(parent)
    kill_point("compact-before-cleanup")
    journal.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(curated / "_trash", ignore_errors=True)


def _row_bytes(row: dict[str, Any]) -> int:
    """A rough size of a buffered row: its strings and bytes, plus a fixed cost per field."""
    size = 64 * len(row)
    for value in row.values():
        if isinstance(value, (str, bytes)):
            size += len(value)
        elif isinstance(value, list):
            size += sum(len(v) + 64 for v in value if isinstance(v, (str, bytes)))
    return size


@dataclass
class RunWriter:
    """Writes one run's rows as it goes (row groups, bounded memory) and commits them at the end.

    A partition's buffer becomes a row group at row_group_size rows or row_group_bytes (rough
    size of its strings); and when all buffers together pass buffer_bytes (a backfill holds one
    per source and year), the largest is written out, so the memory held does not grow with the
    number of partitions.
    """

    curated: Path
    run_id: str
    row_group_size: int = 500
    row_group_bytes: int = 8 << 20
    buffer_bytes: int = 32 << 20
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)
    _buffers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _sizes: dict[str, int] = field(default_factory=dict)
    _buffered: int = 0
    _schemas: dict[str, pa.Schema] = field(default_factory=dict)
    _files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # A rebuild (`run --full`): the commit replaces every table of the dataset with this run's,
    # instead of adding this run's files to them.
    replace_all: bool = False

    @property
    def staging(self) -> Path:
        return self.curated / "_staging" / self.run_id

    def _target(self, table_dir: str) -> str:
        return f"{table_dir}/part-{self.run_id}.parquet"

    def add(self, table_dir: str, row: dict[str, Any], schema: pa.Schema) -> None:
        """Queue a row for table_dir (an articles partition or one of TABLES)."""
        self._schemas[table_dir] = schema
        buf = self._buffers.setdefault(table_dir, [])
        buf.append(row)
        size = _row_bytes(row)
        self._sizes[table_dir] = self._sizes.get(table_dir, 0) + size
        self._buffered += size
        self.counts[table_dir] = self.counts.get(table_dir, 0) + 1
        if len(buf) >= self.row_group_size or self._sizes[table_dir] >= self.row_group_bytes:
            self._flush(table_dir)
        elif self._buffered >= self.buffer_bytes:
            self._flush(max(self._sizes, key=self._sizes.__getitem__))

    def add_article(self, row: dict[str, Any]) -> None:
        self.add(partition_dir(row["source"], row["published_date"]), row, ARTICLE_SCHEMA)

    def _flush(self, table_dir: str) -> None:
        rows = self._buffers.get(table_dir)
        if not rows:
            return
        schema = self._schemas[table_dir]
        table = pa.Table.from_pylist(rows, schema=schema)
        writer = self._writers.get(table_dir)
        if writer is None:
            rel = self._target(table_dir)
            path = self.staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, schema, compression="zstd")
            self._writers[table_dir] = writer
            self._files.append(rel)
        writer.write_table(table, row_group_size=len(rows))
        self._buffers[table_dir] = []
        self._buffered -= self._sizes.pop(table_dir, 0)

    def replace_file(self, rel_path: str, table: pa.Table) -> None:
        """Stage a new version of a committed file; the commit swaps it in by rename."""
        path = self.staging / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd")
        self._files.append(rel_path)

    def drop_staged_rows(
        self, prefix: str, drop: Callable[[pa.Table], pa.Array]
    ) -> list[tuple[str, pa.Table]]:
        """Take back rows this run wrote under prefix (an article revised again later in the
        run): drop(table) marks the rows to remove. Returns (file, removed rows) per file.

        The files under prefix are finished first, so call it once, after the last row for
        them: a row added later would start those files anew.
        """
        removed: list[tuple[str, pa.Table]] = []
        for table_dir in sorted({*self._buffers, *self._writers}):
            if not table_dir.startswith(prefix):
                continue
            self._flush(table_dir)
            writer = self._writers.pop(table_dir, None)
            if writer is None:
                continue
            writer.close()
            rel = self._target(table_dir)
            path = self.staging / rel
            table = pq.read_table(path)
            mask = drop(table)
            gone = table.filter(mask)
            if gone.num_rows == 0:
                continue
            removed.append((rel, gone))
            kept = table.filter(pc.invert(mask))
            if kept.num_rows == 0:
                path.unlink()
                self._files.remove(rel)
                continue
            tmp = path.with_name(path.name + ".tmp")
            pq.write_table(kept, tmp, compression="zstd")
            os.replace(tmp, path)
        return removed

    def close_files(self) -> None:
        for table_dir in list(self._buffers):
            self._flush(table_dir)
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def commit(self) -> list[str]:
        """Make the run's files visible: journal first, then renames. Returns the committed paths."""
        self.close_files()
        if not self._files and not self.replace_all:
            shutil.rmtree(self.staging, ignore_errors=True)
            return []
        self._stage_missing_tables()
        for rel in self._files:
            with open(self.staging / rel, "rb") as fh:
                os.fsync(fh.fileno())
        kill_point("after-staging-files-closed")
        moves = [(f"_staging/{self.run_id}/{rel}", rel) for rel in self._files]
        if self.replace_all:
            # Whole tables change places: the old ones into _trash/<run>/ (swept once the journal
            # is done), then the new ones in. A reader between two renames misses one table, never
            # sees two versions of it mixed.
            tables = [t for t in REBUILT_TABLES if (self.curated / t).exists()]
            moves = [(t, f"_trash/{self.run_id}/{t}") for t in tables] + [
                (f"_staging/{self.run_id}/{t}", t) for t in REBUILT_TABLES if (self.staging / t).exists()
            ]
            # Files of tables a rebuild keeps (runs/) are added as any run adds them.
            moves += [
                (f"_staging/{self.run_id}/{rel}", rel)
                for rel in self._files
                if not any(rel.startswith(t + "/") for t in REBUILT_TABLES)
            ]
        journal = write_journal(self.curated, self.run_id, {"run_id": self.run_id, "moves": moves})
        kill_point("after-journal-written")
        for src, dst in moves:
            dst_path = self.curated / dst
            dst_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.curated / src, dst_path)
            kill_point("after-first-rename")
        for parent in {(self.curated / dst).parent for _, dst in moves}:
            _fsync_dir(parent)
        kill_point("after-commit-before-cleanup")
        journal.unlink()
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(self.curated / "_trash", ignore_errors=True)
        return [dst for _, dst in moves]

    def _stage_missing_tables(self) -> None:
        """Every table of the contract exists once a run has committed: articles/, duplicates/,
        rejects/ and health/ get an empty file with their schema when no run has written a row to
        them yet, so that readers' globs (DuckDB, polars, pandas) find them instead of failing."""
        for table_dir, schema in (
            ("duplicates", DUPLICATE_SCHEMA),
            ("rejects", REJECT_SCHEMA),
            ("health", HEALTH_SCHEMA),
        ):
            committed = not self.replace_all and any((self.curated / table_dir).glob("*.parquet"))
            if self._target(table_dir) in self._files or committed:
                continue
            rel = self._target(table_dir)
            (self.staging / rel).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(schema.empty_table(), self.staging / rel, compression="zstd")
            self._files.append(rel)
        # articles/ too, when no run has written an article (every page rejected): an empty file
        # in the partition of undated pages of unknown sites, so hive readers find the table.
        staged = any(rel.startswith("articles/") for rel in self._files)
        committed = (
            not self.replace_all and next((self.curated / "articles").rglob("*.parquet"), None) is not None
        )
        if not staged and not committed:
            rel = f"{partition_dir('other', None)}/part-{self.run_id}.parquet"
            (self.staging / rel).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(ARTICLE_SCHEMA.empty_table(), self.staging / rel, compression="zstd")
            self._files.append(rel)

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self._writers.clear()
        shutil.rmtree(self.staging, ignore_errors=True)


def read_table(
    curated: Path, table_dir: str, columns: list[str] | None = None, schema: pa.Schema | None = None
) -> pa.Table | None:
    """A committed table (articles, duplicates, rejects, _state/...), or None when there is none.

    schema: read files of older versions too (a column they lack reads as nulls).
    """
    root = curated / table_dir
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return None
    import pyarrow.dataset as ds  # ~40 MB of RSS: only when there is committed data to read

    partitioning = "hive" if table_dir == "articles" else None
    dataset = ds.dataset(root, format="parquet", partitioning=partitioning, schema=schema)
    return dataset.to_table(columns=columns)


def iter_rows(
    curated: Path, table_dir: str, columns: list[str], ids: list[str] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Rows of a committed table as tuples, a record batch at a time (bounded memory).

    ids: only the rows whose article_id is one of these.
    """
    root = curated / table_dir
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return
    import pyarrow.dataset as ds

    partitioning = "hive" if table_dir == "articles" else None
    dataset = ds.dataset(root, format="parquet", partitioning=partitioning)
    where = ds.field("article_id").isin(ids) if ids is not None else None
    for batch in dataset.to_batches(columns=columns, filter=where, batch_size=1024):
        yield from zip(*(batch.column(c).to_pylist() for c in columns), strict=True)


def count_rows(curated: Path, table_dir: str) -> int:
    root = curated / table_dir
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return 0
    import pyarrow.dataset as ds

    return ds.dataset(root, format="parquet").count_rows()


def read_learned_chrome(curated: Path) -> dict[str, frozenset[str]]:
    """Per site, the keys of the chrome lines earlier runs learned."""
    table = read_table(curated, "_state/chrome", ["site", "line_key"])
    out: dict[str, set[str]] = {}
    if table is not None:
        for site, key in zip(*(table.column(c).to_pylist() for c in ("site", "line_key")), strict=True):
            out.setdefault(site, set()).add(key)
    return {site: frozenset(keys) for site, keys in out.items()}
