"""Reading the committed tables back: what a run needs of earlier runs, and what reports and tests read.

pyarrow.dataset (~40 MB of RSS) is imported only when there is committed data to read, so that a
first run into an empty directory does not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipeline.store.layout import ARTICLES, CHROME

if TYPE_CHECKING:
    import pyarrow.dataset as ds


def _dataset(curated: Path, table_dir: str, schema: pa.Schema | None = None) -> ds.Dataset | None:
    """The committed files of a table as one dataset (articles with its hive partition keys as
    columns), or None when it has none."""
    root = curated / table_dir
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return None
    import pyarrow.dataset as ds

    partitioning = "hive" if table_dir == ARTICLES else None
    return ds.dataset(root, format="parquet", partitioning=partitioning, schema=schema)


def read_table(
    curated: Path, table_dir: str, columns: list[str] | None = None, schema: pa.Schema | None = None
) -> pa.Table | None:
    """A committed table (articles, duplicates, rejects, _state/...), or None when there is none.

    schema: read files of older versions too (a column they lack reads as nulls).
    """
    dataset = _dataset(curated, table_dir, schema)
    return None if dataset is None else dataset.to_table(columns=columns)


def iter_rows(
    curated: Path, table_dir: str, columns: list[str], ids: list[str] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Rows of a committed table as tuples, a record batch at a time (bounded memory).

    ids: only the rows whose article_id is one of these.
    """
    dataset = _dataset(curated, table_dir)
    if dataset is None:
        return
    import pyarrow.dataset as ds

    where = ds.field("article_id").isin(ids) if ids is not None else None
    for batch in dataset.to_batches(columns=columns, filter=where, batch_size=1024):
        yield from zip(*(batch.column(c).to_pylist() for c in columns), strict=True)


def count_rows(curated: Path, table_dir: str) -> int:
    """The rows of a committed table (0 when it has none), from the files' metadata."""
    dataset = _dataset(curated, table_dir)
    return 0 if dataset is None else dataset.count_rows()


def read_learned_chrome(curated: Path) -> dict[str, frozenset[str]]:
    """Per site, the keys of the chrome lines earlier runs learned."""
    table = read_table(curated, CHROME, ["site", "line_key"])
    out: dict[str, set[str]] = {}
    if table is not None:
        for site, key in zip(*(table.column(c).to_pylist() for c in ("site", "line_key")), strict=True):
            out.setdefault(site, set()).add(key)
    return {site: frozenset(keys) for site, keys in out.items()}
