"""A run's rows into Parquet files as the run goes, and its commit: staged, journaled, renamed in.

The writer holds a bounded amount of rows however many partitions a run touches, stages its files
under _staging/<run>, and commits them the way pipeline.store.journal describes: a kill at any
point leaves the dataset as before the run or as after it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.store.journal import end_commit, move, sync_file, write_journal
from pipeline.store.kill_points import kill_point
from pipeline.store.layout import (
    ARTICLES,
    DUPLICATES,
    HEALTH,
    REBUILT_TABLES,
    REJECTS,
    STAGING_DIR,
    TRASH_DIR,
    part_file,
    partition_dir,
)
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, HEALTH_SCHEMA, REJECT_SCHEMA


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


def _use_the_system_allocator() -> None:
    """Arrow's buffers from malloc, not from the mimalloc pool pyarrow's wheels default to.

    mimalloc keeps the pages of freed row groups for reuse: over a run of 3,000 pages the
    driver's RSS grew ~30 MB more with it than with the system allocator, for no measurable
    speed (the writer builds a few tables a second). A user's ARROW_DEFAULT_MEMORY_POOL wins.
    """
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


_use_the_system_allocator()

# Row groups of 500 rows, or fewer when they pass 8 MB: not one group per run (thousands of tiny
# groups), and not one huge group either, which DuckDB scans on one core (measured: a body ILIKE
# over the articles of 1,000 runs took 1.6x a fresh dataset's with 32 MB groups). Compaction
# writes its row groups to the same sizes.
ROW_GROUP_ROWS = 500
ROW_GROUP_BYTES = 8 << 20
# Rows held before they are written out, all tables together (bounded memory).
BUFFER_BYTES = 32 << 20


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
    row_group_size: int = ROW_GROUP_ROWS
    row_group_bytes: int = ROW_GROUP_BYTES
    buffer_bytes: int = BUFFER_BYTES
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
        return self.curated / STAGING_DIR / self.run_id

    def _target(self, table_dir: str) -> str:
        return part_file(table_dir, self.run_id)

    def add(self, table_dir: str, row: dict[str, Any], schema: pa.Schema) -> None:
        """Queue a row for table_dir (an articles partition or one of schemas.TABLES)."""
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
        """Queue an article in its partition (source and year of its date, or the undated year)."""
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
        """Write out every buffer and close the staged files, so that they can be fsynced and moved."""
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
            sync_file(self.staging / rel)
        kill_point("after-staging-files-closed")
        staged = f"{STAGING_DIR}/{self.run_id}"
        moves = [(f"{staged}/{rel}", rel) for rel in self._files]
        if self.replace_all:
            # Whole tables change places: the old ones into _trash/<run>/ (swept once the journal
            # is done), then the new ones in. A reader between two renames misses one table, never
            # sees two versions of it mixed.
            tables = [t for t in REBUILT_TABLES if (self.curated / t).exists()]
            moves = [(t, f"{TRASH_DIR}/{self.run_id}/{t}") for t in tables] + [
                (f"{staged}/{t}", t) for t in REBUILT_TABLES if (self.staging / t).exists()
            ]
            # Files of tables a rebuild keeps (runs/) are added as any run adds them.
            moves += [
                (f"{staged}/{rel}", rel)
                for rel in self._files
                if not any(rel.startswith(t + "/") for t in REBUILT_TABLES)
            ]
        journal = write_journal(self.curated, self.run_id, {"run_id": self.run_id, "moves": moves})
        kill_point("after-journal-written")
        for src, dst in moves:
            move(self.curated, src, dst)
            kill_point("after-first-rename")
        destinations = [dst for _, dst in moves]
        end_commit(self.curated, self.run_id, journal, destinations, "after-commit-before-cleanup")
        return destinations

    def _stage_missing_tables(self) -> None:
        """Every table of the contract exists once a run has committed: articles/, duplicates/,
        rejects/ and health/ get an empty file with their schema when no run has written a row to
        them yet, so that readers' globs (DuckDB, polars, pandas) find them instead of failing."""
        for table_dir, schema in (
            (DUPLICATES, DUPLICATE_SCHEMA),
            (REJECTS, REJECT_SCHEMA),
            (HEALTH, HEALTH_SCHEMA),
        ):
            committed = not self.replace_all and any((self.curated / table_dir).glob("*.parquet"))
            if self._target(table_dir) in self._files or committed:
                continue
            self._stage_empty(self._target(table_dir), schema)
        # articles/ too, when no run has written an article (every page rejected): an empty file
        # in the partition of undated pages of unknown sites, so hive readers find the table.
        staged = any(rel.startswith(f"{ARTICLES}/") for rel in self._files)
        committed = (
            not self.replace_all and next((self.curated / ARTICLES).rglob("*.parquet"), None) is not None
        )
        if not staged and not committed:
            self._stage_empty(self._target(partition_dir("other", None)), ARTICLE_SCHEMA)

    def _stage_empty(self, rel: str, schema: pa.Schema) -> None:
        """A file of no rows with the table's schema, staged to be committed at rel."""
        (self.staging / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.empty_table(), self.staging / rel, compression="zstd")
        self._files.append(rel)

    def abort(self) -> None:
        """Drop the run's staged files: nothing of a failed run reaches the dataset."""
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self._writers.clear()
        shutil.rmtree(self.staging, ignore_errors=True)
