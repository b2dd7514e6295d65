"""Keeping a dataset fast over months of scheduled runs: compaction of small files.

Every run that finds something adds a file to each table it touches (an articles partition, the
bookkeeping tables under _state/, duplicates/, rejects/, runs/): a year of hourly runs would leave
tens of thousands of small files that every run re-reads and every reader opens. A table directory
holding more files than a threshold is rewritten into one file, its rows in the order readers
read them (a path's latest manifest row stays its last), under the commit discipline of
pipeline.store.journal (staged whole, journal, one atomic exchange per directory): a reader never sees a
row twice or missing, and a kill at any point leaves the dataset as before or as after.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.store.journal import commit_swaps
from pipeline.store.layout import NOT_TABLES, STAGING_DIR, new_run_id, part_name, table_name
from pipeline.store.writer import BUFFER_BYTES, ROW_GROUP_BYTES, ROW_GROUP_ROWS


@dataclass
class Compaction:
    """What a compaction did: files before and after, per table; directories it could not merge."""

    before: dict[str, int] = field(default_factory=dict)  # table -> files before (all its directories)
    after: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # directory -> why it was left as it was

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def line(self) -> str:
        """One line for a human: files before -> after per table, compacted tables first."""
        parts = [
            f"{table} {self.before[table]} -> {self.after[table]}"
            for table in sorted(self.before, key=lambda t: (self.before[t] == self.after[t], t))
        ]
        text = "files per table: " + (", ".join(parts) if parts else "no tables")
        if self.skipped:
            text += "; left as they were: " + "; ".join(
                f"{d} ({why})" for d, why in sorted(self.skipped.items())
            )
        return text


def table_files(curated: Path) -> dict[str, list[Path]]:
    """Every directory of curated/ that holds Parquet files, with its files in reader order.

    Found by walking, not from a list of table names, so tables added later are compacted too.
    Readers (pyarrow, DuckDB) read a directory's files in name order; so does compaction.
    """
    out: dict[str, list[Path]] = {}
    for dirpath, dirnames, filenames in os.walk(curated):
        here = Path(dirpath)
        if here == curated:
            dirnames[:] = [d for d in dirnames if d not in NOT_TABLES]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files = sorted(f for f in filenames if f.endswith(".parquet") and not f.startswith("."))
        if files:
            out[here.relative_to(curated).as_posix()] = [here / f for f in files]
    return out


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """A batch with the unit's schema: a column an older file lacks reads as nulls."""
    columns = []
    for fld in schema:
        index = batch.schema.get_field_index(fld.name)
        columns.append(
            batch.column(index).cast(fld.type) if index >= 0 else pa.nulls(batch.num_rows, fld.type)
        )
    return pa.Table.from_arrays(columns, schema=schema)


def _merged_schema(files: list[Path]) -> pa.Schema:
    """The schema of the newest file, with any column only older files have appended."""
    schemas = [pq.read_schema(path) for path in reversed(files)]
    return pa.unify_schemas(schemas).remove_metadata()


def rewrite(files: list[Path], target: Path) -> int:
    """Write the rows of files, in order, into one Parquet file at target; returns its rows.

    Streams a record batch at a time, writing row groups as a run would (ROW_GROUP_ROWS,
    ROW_GROUP_BYTES), so memory does not grow with the table. Raises ValueError when two files
    give a column different types, an Arrow error when a file does not read.
    """
    try:
        schema = _merged_schema(files)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(f"files disagree on a column's type ({exc})") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    pending: list[pa.Table] = []
    pending_bytes = 0

    def write(writer: pq.ParquetWriter) -> None:
        group = pa.concat_tables(pending)
        per_row = max(1, group.nbytes // max(1, group.num_rows))
        writer.write_table(group, row_group_size=max(1, min(ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row)))

    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for path in files:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=8192):
                pending.append(_conform(batch, schema))
                pending_bytes += batch.nbytes
                rows += batch.num_rows
                if pending_bytes >= BUFFER_BYTES:
                    write(writer)
                    pending, pending_bytes = [], 0
        if pending:
            write(writer)
        elif rows == 0:
            writer.write_table(schema.empty_table())
    return rows


def compact(curated: Path, above: int = 1) -> Compaction:
    """Rewrite every table directory holding more than `above` files into one file, as one commit.

    The caller holds the run lock (lock.run_lock) and has run journal.recover. A directory whose
    files cannot be merged (a column of two types) is left as it is and named in the result.
    """
    commit_id = new_run_id()
    staging = curated / STAGING_DIR / commit_id
    result = Compaction()
    swaps: list[tuple[str, str]] = []
    name = part_name(commit_id)
    try:
        for unit, files in table_files(curated).items():
            table = table_name(unit)
            result.before[table] = result.before.get(table, 0) + len(files)
            kept = len(files)
            if len(files) > max(above, 1):
                try:
                    rewrite(files, staging / unit / name)
                    swaps.append((unit, name))
                    kept = 1
                except (ValueError, pa.ArrowException) as exc:
                    result.skipped[unit] = str(exc).splitlines()[0]
                    shutil.rmtree(staging / unit, ignore_errors=True)
            result.after[table] = result.after.get(table, 0) + kept
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # nothing was committed
        raise
    if swaps:
        # From its journal on, a failed commit is finished by the next recover(): its staging
        # must stay where the journal says.
        commit_swaps(curated, commit_id, swaps)
    else:
        shutil.rmtree(staging, ignore_errors=True)
    return result
