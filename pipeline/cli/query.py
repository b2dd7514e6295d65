"""`python -m pipeline query SQL`: DuckDB SQL over the curated dataset, printed or written out.

The views are those of pipeline/report/stats.py (articles, duplicates, rejects, health, runs).
It reads curated/ and changes nothing, so it is safe to run while a curate run is writing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pipeline.cli.output import one_line, print_error, print_table
from pipeline.cli.settings_in_force import curated_dir

# Right-aligned in printed tables.
_NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
    | {"FLOAT", "DOUBLE", "DECIMAL"}
)
DISPLAY_LIMIT = 50  # rows printed when --limit is not given; --out writes everything


def _write_out(con: Any, rel: Any, out: Path) -> int:
    """Every row of rel into out (.csv or .parquet, by its name); 2 for any other name."""
    suffix = out.suffix.lower()
    options = {".csv": "FORMAT csv, HEADER", ".parquet": "FORMAT parquet, COMPRESSION zstd"}.get(suffix)
    if options is None:
        print_error(f"--out {out}: the file name must end in .csv or .parquet")
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a failed query never leaves half a file behind.
    tmp = out.with_name(f".{out.name}.tmp")
    rel.create_view("_query_result")
    try:
        quoted = "'" + str(tmp).replace("'", "''") + "'"
        (count,) = con.execute(f"COPY _query_result TO {quoted} ({options})").fetchone()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {count} rows to {out}", file=sys.stderr)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Run the SQL; print its first rows or write them all (--out). 2 for bad SQL, 1 for no dataset."""
    import duckdb

    from pipeline.report.stats import connect

    curated = curated_dir(args)
    if curated is None:
        return 1
    with connect(curated) as con:
        try:
            rel = con.sql(args.sql)
            if rel is None:
                print("OK", file=sys.stderr)
                return 0
            if args.out:
                return _write_out(con, rel if args.limit is None else rel.limit(args.limit), Path(args.out))
            limit = args.limit if args.limit is not None else DISPLAY_LIMIT
            rows = rel.limit(limit + 1).fetchall()
            headers = list(rel.columns)
            types = [str(t) for t in rel.types]
        except duckdb.Error as exc:
            print_error(f"query failed: {one_line(exc)} (views: articles, duplicates, rejects, health, runs)")
            return 2
        except OSError as exc:  # --out into a missing mount or a read-only directory
            print_error(f"cannot write {args.out}: {one_line(exc)}")
            return 1
    numeric = {i for i, t in enumerate(types) if t.split("(")[0] in _NUMERIC_TYPES}
    print_table(headers, rows[:limit], numeric=numeric)
    if len(rows) > limit:
        print(
            f"(first {limit} rows shown; --limit N shows more, --out FILE writes them all)", file=sys.stderr
        )
    return 0


def _row_count(text: str) -> int:
    """A --limit value: a count of rows, 0 or more (argparse reports a bad one)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add query to the main parser (pipeline/cli/main.py calls this)."""
    query = subparsers.add_parser(
        "query",
        help="run DuckDB SQL over views articles, duplicates, rejects, health, runs",
        description="Views: articles (with partition columns source and year; year 0 = undated), "
        "duplicates, rejects, runs (one row per run that changed the dataset).",
    )
    query.add_argument("sql", help='e.g. "SELECT source, count(*) FROM articles GROUP BY source"')
    query.add_argument("--curated", metavar="DIR", help="curated directory (default: paths.curated)")
    query.add_argument("--out", metavar="FILE", help="write all rows to FILE.csv or FILE.parquet")
    query.add_argument(
        "--limit", type=_row_count, metavar="N", help=f"at most N rows (display default {DISPLAY_LIMIT})"
    )
    query.set_defaults(func=cmd_query)
