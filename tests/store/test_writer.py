"""The run writer holds a bounded amount of rows, however many partitions a run touches."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq

from pipeline.store.schemas import ARTICLE_SCHEMA
from pipeline.store.writer import RunWriter


def _row(i: int, year: int, body: str) -> dict:
    row = {k: None for k in ARTICLE_SCHEMA.names}
    row.update(
        article_id=f"a{i}", source="rferl", published_date=dt.date(year, 1, 2), body=body, authors=[], tags=[]
    )
    return row


def test_buffers_are_bounded_by_bytes_across_partitions(tmp_path):
    writer = RunWriter(
        tmp_path, "20260101T000000-abcdef", row_group_size=500, row_group_bytes=200_000, buffer_bytes=500_000
    )
    body = "word " * 2_000  # ~10 KB a row
    for i in range(600):
        writer.add_article(_row(i, 2000 + i % 20, body))
        assert writer._buffered <= 500_000 + 20_000
        assert all(size < 200_000 for size in writer._sizes.values())
    writer.close_files()
    files = sorted((writer.staging / "articles").rglob("*.parquet"))
    assert len(files) == 20
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == 600
    # Row groups follow the byte budget: none above ~200 KB of text (20 rows here).
    assert (
        max(
            pq.ParquetFile(f).metadata.row_group(g).num_rows
            for f in files
            for g in range(pq.ParquetFile(f).metadata.num_row_groups)
        )
        <= 20
    )


def test_row_count_still_closes_a_row_group(tmp_path):
    writer = RunWriter(tmp_path, "20260101T000000-abcdef", row_group_size=50)
    for i in range(120):
        writer.add_article(_row(i, 2020, "short body"))
    writer.close_files()
    [path] = (writer.staging / "articles").rglob("*.parquet")
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [50, 50, 20]


WRITER_WITHOUT_PANDAS = """
import datetime as dt, sys, tempfile
from pipeline.store.schemas import ARTICLE_SCHEMA
from pipeline.store.writer import RunWriter
writer = RunWriter(__import__("pathlib").Path(tempfile.mkdtemp()), "20260101T000000-abcdef")
row = {k: None for k in ARTICLE_SCHEMA.names}
row.update(article_id="a", source="rferl", published_date=dt.date(2024, 1, 2), body="b", authors=[], tags=[])
writer.add_article(row)
writer.close_files()
print("pandas" in sys.modules)
import pyarrow as pa
print(type(pa.table({"x": [1]}).to_pandas()).__name__)
"""


def test_the_writer_converts_rows_without_loading_pandas():
    """pyarrow would import pandas (~50 MB in the driver) on its first list conversion."""
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", WRITER_WITHOUT_PANDAS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Not loaded by the writer, and still there for whoever asks for it later.
    assert done.stdout.split() == ["False", "DataFrame"]
