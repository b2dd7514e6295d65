"""The numbers of the committed dataset, read back with DuckDB: what a reader of curated/ will find.

One builder for the three places that show them: the `stats` command (pipeline/cli/stats.py),
the HTML run report (report/html.py) and the Prefect artifact (report/markdown.py). The numbers
come from the committed Parquet files, not from a run's counters, so they are what is on disk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.report.months import coverage_gaps, months_in
from pipeline.store.layout import ARTICLE_FILES, DUPLICATES, HEALTH, REJECTS, RUNS
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, HEALTH_SCHEMA, REJECT_SCHEMA, RUN_SCHEMA

NEW_ARTICLES_SHOWN = 50  # the run's articles listed by title; the rest are counted
TOP_VALUES = 5  # tags and authors shown per source

# Column types of the hive partition keys of articles/ (source=<s>/year=<y>; year 0 = undated).
_PARTITION_TYPES = "{'source': VARCHAR, 'year': INTEGER}"


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _empty(schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches([], schema=schema)


def connect(curated: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views articles, duplicates, rejects, health, runs over the committed files.

    Files are listed explicitly (not globbed in SQL) so that odd characters in the path need no
    escaping beyond quotes, and staging or temporary files can never be read. A table with no
    files yet is an empty view with the contract's columns, so queries never fail for that reason.
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    articles = sorted(p for p in curated.glob(ARTICLE_FILES) if not p.name.startswith("."))
    if articles:
        con.execute(
            f"CREATE VIEW articles AS SELECT * FROM read_parquet({_sql_list(articles)}, "
            f"hive_partitioning = true, hive_types = {_PARTITION_TYPES}, union_by_name = true)"
        )
    else:
        schema = ARTICLE_SCHEMA.append(pa.field("source", pa.string())).append(pa.field("year", pa.int32()))
        con.register("_empty_articles", _empty(schema))
        con.execute("CREATE VIEW articles AS SELECT * FROM _empty_articles")
    tables = (
        (DUPLICATES, DUPLICATE_SCHEMA),
        (REJECTS, REJECT_SCHEMA),
        (HEALTH, HEALTH_SCHEMA),
        (RUNS, RUN_SCHEMA),
    )
    for name, schema in tables:
        files = sorted(p for p in curated.glob(f"{name}/*.parquet") if not p.name.startswith("."))
        if files:
            # union_by_name: files written before a column was added read it as null.
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_sql_list(files)}, union_by_name = true)"
            )
        else:
            con.register(f"_empty_{name}", _empty(schema))
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _empty_{name}")
    return con


def _counts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(key): int(n) for key, n in con.execute(sql, params).fetchall()}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _numbers(con: duckdb.DuckDBPyConnection, run_id: str | None) -> dict[str, Any]:
    """Every number the report and `stats` show, of the whole dataset or of one run (JSON-ready)."""
    where = "WHERE run_id = ?" if run_id else ""
    also = "AND run_id = ?" if run_id else ""
    params = [run_id] if run_id else []
    sources = [
        {
            "source": source,
            "articles": int(n),
            "dated": int(dated),
            "first": _iso(first),
            "last": _iso(last),
            "teasers": int(teasers or 0),
            "words": int(words or 0),
        }
        for source, n, dated, first, last, teasers, words in con.execute(
            f"""SELECT source, count(*), count(published_date), min(published_date), max(published_date),
                       count(*) FILTER (WHERE is_teaser), sum(word_count)
                FROM articles {where} GROUP BY source ORDER BY source""",
            params,
        ).fetchall()
    ]
    total = sum(s["articles"] for s in sources)
    dated = sum(s["dated"] for s in sources)
    first, last = con.execute(
        f"SELECT min(published_date), max(published_date) FROM articles {where}", params
    ).fetchone()
    # A year-precision date says nothing about the month: charting it in January would invent a peak.
    per_month = [
        {"month": month, "source": source, "articles": int(n)}
        for month, source, n in con.execute(
            f"""SELECT strftime(published_date, '%Y-%m'), source, count(*) FROM articles
                WHERE published_date IS NOT NULL AND coalesce(date_precision, 'day') <> 'year' {also}
                GROUP BY ALL ORDER BY 1, 2""",
            params,
        ).fetchall()
    ]

    def group(table: str, expr: str) -> dict[str, int]:
        return _counts(
            con, f"SELECT {expr}, count(*) FROM {table} {where} GROUP BY 1 ORDER BY 2 DESC, 1", params
        )

    duplicates = group("duplicates", "kind")
    rejects = group("rejects", "reason")
    _add_source_profiles(con, sources, per_month, where, params)
    new_articles, new_total = _new_articles(con, run_id) if run_id else ([], 0)
    return {
        "scope": f"run {run_id}" if run_id else "dataset",
        "run_id": run_id,
        "articles_total": total,
        "articles_by_source": {s["source"]: s["articles"] for s in sources},
        "sources": sources,
        "duplicates_total": sum(duplicates.values()),
        "duplicates_by_kind": duplicates,
        "duplicates_by_source": group("duplicates", "coalesce(source, 'unknown')"),
        "rejects_total": sum(rejects.values()),
        "rejects_by_reason": rejects,
        "dates": {
            "first": _iso(first),
            "last": _iso(last),
            "dated": dated,
            "undated": total - dated,
            "dated_pct": round(100.0 * dated / total, 1) if total else 0.0,
            "not_charted": dated - sum(row["articles"] for row in per_month),
        },
        "date_precision": group("articles", "coalesce(date_precision, 'none')"),
        "date_source": group("articles", "coalesce(date_source, 'none')"),
        "languages": group("articles", "coalesce(language, 'unknown')"),
        "per_month": per_month,
        "health": _latest_health(con, run_id),
        "new_articles": new_articles,
        "new_articles_total": new_total,
    }


def _top(con: duckdb.DuckDBPyConnection, column: str, where: str, params: list[Any]) -> dict[str, list]:
    """The TOP_VALUES most frequent entries of a list column (tags, authors) per source, with counts."""
    rows = con.execute(
        f"""SELECT source, value, n FROM (
                SELECT source, value, count(*) AS n,
                       row_number() OVER (PARTITION BY source ORDER BY count(*) DESC, value) AS rank
                FROM (SELECT source, unnest({column}) AS value FROM articles {where})
                WHERE coalesce(trim(value), '') <> '' GROUP BY source, value)
            WHERE rank <= {TOP_VALUES} ORDER BY source, rank""",
        params,
    ).fetchall()
    top: dict[str, list] = {}
    for source, value, n in rows:
        top.setdefault(source, []).append([value, int(n)])
    return top


def _add_source_profiles(
    con: duckdb.DuckDBPyConnection,
    sources: list[dict[str, Any]],
    per_month: list[dict[str, Any]],
    where: str,
    params: list[Any],
) -> None:
    """What an analyst asks of each source before using it: its languages, what it writes about
    and who writes it, the months it is silent, and how long its articles are."""
    languages: dict[str, dict[str, int]] = {}
    for source, language, n in con.execute(
        f"""SELECT source, coalesce(language, 'unknown'), count(*) FROM articles {where}
            GROUP BY ALL ORDER BY 1, 3 DESC, 2""",
        params,
    ).fetchall():
        languages.setdefault(source, {})[language] = int(n)
    spread = {
        source: dict(
            zip(
                ("min", "q1", "median", "q3", "max"),
                (None if v is None else int(v) for v in values),
                strict=True,
            )
        )
        for source, *values in con.execute(
            f"""SELECT source, min(word_count), quantile_disc(word_count, 0.25),
                       quantile_disc(word_count, 0.5), quantile_disc(word_count, 0.75), max(word_count)
                FROM articles {where} GROUP BY source""",
            params,
        ).fetchall()
    }
    tags, authors = _top(con, "tags", where, params), _top(con, "authors", where, params)
    months: dict[str, set[str]] = {}
    for row in per_month:
        months.setdefault(row["source"], set()).add(row["month"])
    for s in sources:
        name = s["source"]
        s["languages"] = languages.get(name, {})
        s["top_tags"] = tags.get(name, [])
        s["top_authors"] = authors.get(name, [])
        s["gaps"] = coverage_gaps(months.get(name, set()))
        s["gap_months"] = sum(months_in(gap) for gap in s["gaps"])
        s["word_count"] = spread.get(name, dict.fromkeys(("min", "q1", "median", "q3", "max")))


def _new_articles(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[dict[str, Any]], int]:
    """The run's articles, newest publication first (undated last), at most NEW_ARTICLES_SHOWN."""
    total = con.execute("SELECT count(*) FROM articles WHERE run_id = ?", [run_id]).fetchone()[0]
    rows = con.execute(
        f"""SELECT title, url, source, published_date, language FROM articles WHERE run_id = ?
            ORDER BY published_date DESC NULLS LAST, source, title LIMIT {NEW_ARTICLES_SHOWN}""",
        [run_id],
    ).fetchall()
    keys = ("title", "url", "source", "date", "language")
    return [dict(zip(keys, (*row[:3], _iso(row[3]), row[4]), strict=True)) for row in rows], int(total)


def _latest_health(con: duckdb.DuckDBPyConnection, run_id: str | None) -> list[dict[str, Any]]:
    """Each site's extraction health in its latest run (in the given run, when one is given)."""
    rows = con.execute(
        f"""SELECT * EXCLUDE (ingested_at) FROM health {"WHERE run_id = ?" if run_id else ""}
            QUALIFY row_number() OVER (PARTITION BY site ORDER BY run_id DESC) = 1 ORDER BY site""",
        [run_id] if run_id else [],
    )
    names = [d[0] for d in rows.description]
    return [dict(zip(names, values, strict=True)) for values in rows.fetchall()]


def dataset_stats(curated: Path) -> dict[str, Any]:
    """The whole committed dataset's numbers (JSON-ready), as an analyst checks them before use."""
    with connect(Path(curated)) as con:
        return _numbers(con, None)


def run_stats(curated: Path, run_id: str) -> dict[str, Any]:
    """The same numbers restricted to what one run committed (every table carries run_id)."""
    with connect(Path(curated)) as con:
        return _numbers(con, run_id)
