"""The curated layout: where every table and every piece of commit bookkeeping lives, spelled once.

Downstream tools (DuckDB, polars, pandas) read these paths directly, so they are a contract: a
name here is what a reader's glob names. Under the curated root:
  articles/source=<s>/year=<y>/part-<run>.parquet       the clean articles (year=0: no date known)
  duplicates/part-<run>.parquet                          every record dedupe dropped, and why
  rejects/part-<run>.parquet                             every input that gave no article, and why
  health/part-<run>.parquet                              extraction health per site per run
  _state/manifest/part-<run>.parquet                     inputs already processed (path, size, mtime)
  _state/signatures/part-<run>.parquet                   MinHash signatures of kept articles
  _state/chrome/part-<run>.parquet                       chrome lines learned per site
  runs/part-<run>.parquet                                one row per run that changed the dataset
  _reports/<run>.html                                    the run reports (pruned to store.keep_reports)
  _staging/<run>/...                                     a run's files before commit (never read)
  _journal/<run>.json                                    a commit in progress
  _trash/<run>/...                                       tables a rebuild or compaction replaced
  _lock                                                  held by the run that writes

A table directory (an articles partition, duplicates/, a _state table) may also hold one file that
compaction (pipeline.store.compact) wrote in place of many: part-<compaction id>.parquet, its rows in
the order the files it replaced were read in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

# The tables: directories relative to the curated root.
ARTICLES = "articles"
DUPLICATES = "duplicates"
REJECTS = "rejects"
HEALTH = "health"
RUNS = "runs"
MANIFEST = "_state/manifest"
SIGNATURES = "_state/signatures"
CHROME = "_state/chrome"

# What is not a table: reports, and the bookkeeping of commits.
REPORTS_DIR = "_reports"
STAGING_DIR = "_staging"
JOURNAL_DIR = "_journal"
TRASH_DIR = "_trash"
LOCK_FILE = "_lock"
NOT_TABLES = frozenset({STAGING_DIR, JOURNAL_DIR, TRASH_DIR, REPORTS_DIR})

# Partition keys of articles/: in the directory names, not in the files (hive style).
PARTITION_KEYS = ("source", "year")
UNDATED_YEAR = 0
# Every file of articles/, as a glob relative to the curated root.
ARTICLE_FILES = f"{ARTICLES}/source=*/year=*/*.parquet"

# What a rebuild (`run --full`) replaces: every table a run writes from raw/ (runs/ is history: a
# rebuild adds its row to it).
REBUILT_TABLES = (ARTICLES, DUPLICATES, REJECTS, MANIFEST, SIGNATURES, CHROME, HEALTH)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable and unique: the UTC time to the microsecond, then a random suffix.

    Sortable matters: files are named by it and readers read a directory's files in name order,
    so a path's latest manifest row is its last in run order; and two runs can start within one
    second.
    """
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def part_name(commit_id: str) -> str:
    """The name of the file a run or compaction adds to a table directory."""
    return f"part-{commit_id}.parquet"


def part_file(table_dir: str, commit_id: str) -> str:
    """That file's path relative to the curated root."""
    return f"{table_dir}/{part_name(commit_id)}"


def partition_dir(source: str, published_date: dt.date | None) -> str:
    """The articles partition of a source's article published on that date (None: undated)."""
    year = published_date.year if published_date else UNDATED_YEAR
    return f"{ARTICLES}/source={source}/year={year}"


def partition_source(path: str | Path) -> str:
    """The source of an article file from its partition directory (articles/source=x/year=y/f)."""
    return Path(path).parent.parent.name.removeprefix("source=")


def table_name(unit: str) -> str:
    """The table a directory belongs to: an articles partition (articles/source=x/year=y) is
    articles; any other directory is its own table."""
    parts = unit.split("/")
    for i, part in enumerate(parts):
        if "=" in part:
            return "/".join(parts[:i])
    return unit
