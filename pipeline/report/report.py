"""What a curate run produced, at a glance: numbers from DuckDB, an HTML report, a Prefect artifact.

The numbers are computed from the committed Parquet files, not from the run's counters, so the
report shows what a reader of curated/ will actually find. The HTML report is one file with inline
CSS and an SVG chart drawn here: it opens from a laptop, a mail attachment or an air-gapped
machine, with no network and no JavaScript.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.report import health
from pipeline.report.summary import RunSummary
from pipeline.store.layout import ARTICLE_FILES, DUPLICATES, HEALTH, REJECTS, REPORTS_DIR, RUNS
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, HEALTH_SCHEMA, REJECT_SCHEMA, RUN_SCHEMA

log = logging.getLogger(__name__)

NEW_ARTICLES_SHOWN = 50  # the run's articles listed by title; the rest are counted
TOP_VALUES = 5  # tags and authors shown per source
GAPS_SHOWN = 12  # coverage-gap ranges shown per source; the rest are counted
# The chart draws a bar per month up to six years, per quarter up to fifteen, per year beyond.
MONTHLY_UP_TO, QUARTERLY_UP_TO = 72, 180

# Column types of the hive partition keys of articles/ (source=<s>/year=<y>; year 0 = undated).
_PARTITION_TYPES = "{'source': VARCHAR, 'year': INTEGER}"

DUPLICATE_KINDS = {
    "url": "same canonical URL as a kept article",
    "exact": "same text as a kept article",
    "near": "near-identical text (MinHash similarity over the threshold)",
    "teaser": "a listing teaser of an article kept in full",
}

REJECT_MEANINGS = {
    "empty": "zero bytes or only whitespace",
    "binary": "not text in any accepted encoding",
    "undecodable": "looks like text, but no encoding decodes it cleanly",
    "not_article": "parsed, but no article text in it",
    "too_large": "over the configured size limit",
    "truncated": "compressed file or WARC record cut short",
    "unreadable": "OS error while reading",
    "unsupported": "file type not loaded",
    "outside_raw": "symbolic link leading out of raw/",
    "extract_error": "the extractor raised (see detail)",
    "worker_crashed": "the worker process died reading it (twice)",
}

# Okabe-Ito: told apart by colour-blind readers too; sources beyond eight reuse the list.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


# -- DuckDB over curated/ ------------------------------------------------------------------------


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


def _stats(con: duckdb.DuckDBPyConnection, run_id: str | None) -> dict[str, Any]:
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
        s["gap_months"] = sum(_months_in(gap) for gap in s["gaps"])
        s["word_count"] = spread.get(name, dict.fromkeys(("min", "q1", "median", "q3", "max")))


def coverage_gaps(months: set[str]) -> list[str]:
    """Months with no article between a source's first and last, as ranges ('2023-07..2023-09').

    A gap is a question to ask before reading a trend: the site was silent, or the crawl missed it.
    """
    if not months:
        return []
    gaps: list[str] = []
    run: list[str] = []
    for month in _month_range(min(months), max(months)):
        if month not in months:
            run.append(month)
            continue
        if run:
            gaps.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
            run = []
    return gaps


def _months_in(gap: str) -> int:
    first, _, last = gap.partition("..")
    return len(_month_range(first, last or first))


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
        return _stats(con, None)


def run_stats(curated: Path, run_id: str) -> dict[str, Any]:
    """The same numbers restricted to what one run committed (every table carries run_id)."""
    with connect(Path(curated)) as con:
        return _stats(con, run_id)


# -- the chart -----------------------------------------------------------------------------------


def _month_range(first: str, last: str) -> list[str]:
    """Every month from first to last, so that gaps in coverage show as gaps, not as nothing."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _nice_max(value: int) -> tuple[int, int]:
    """An axis top and tick step a reader can work with (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1, 1
    raw = value / 5
    power = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = -(-value // step) * step
    return top, step


def chart_unit(first: str, last: str) -> str:
    """The bar width of the chart: months while each bar stays wide enough to see and to hover;
    quarters, then years, over longer spans. Twenty years of a thinly covered source drawn by month
    are 240 one-pixel bars of height one, which read as an empty chart."""
    months = len(_month_range(first, last))
    return "month" if months <= MONTHLY_UP_TO else "quarter" if months <= QUARTERLY_UP_TO else "year"


def _period(month: str, unit: str) -> str:
    if unit == "month":
        return month
    if unit == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"
    return month[:4]


def _periods(first: str, last: str, unit: str) -> list[str]:
    """Every period from first to last month, so that gaps in coverage show as gaps."""
    return list(dict.fromkeys(_period(m, unit) for m in _month_range(first, last)))


def _x_labels(periods: list[str], unit: str = "month") -> dict[int, str]:
    """Which bars get a label: at most about twelve, so that labels never overlap."""
    if unit == "month" and len(periods) <= 36:
        every = -(-len(periods) // 12)
        return {i: m for i, m in enumerate(periods) if i % every == 0}
    # Longer spans: the year alone, at its first bar, every so many years.
    starts = {i: p[:4] for i, p in enumerate(periods) if p.endswith(("-01", "-Q1")) or len(p) == 4}
    every = -(-(len(set(starts.values())) or 1) // 12)
    return {i: year for i, year in starts.items() if int(year) % every == 0}


def _colors(sources: list[str]) -> dict[str, str]:
    return {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(sources)}


def render_chart_svg(per_month: list[dict[str, Any]], width: int = 960, height: int = 360) -> str:
    """Stacked bars of articles per month (quarter, year: see chart_unit), one colour per source."""
    if not per_month:
        return '<p class="empty">No articles with a known month yet: nothing to chart.</p>'
    sources = sorted({row["source"] for row in per_month})
    colors = _colors(sources)
    first, last = per_month[0]["month"], max(row["month"] for row in per_month)
    unit = chart_unit(first, last)
    periods = _periods(first, last, unit)
    counts: dict[str, dict[str, int]] = {p: {} for p in periods}
    for row in per_month:
        per = counts[_period(row["month"], unit)]
        per[row["source"]] = per.get(row["source"], 0) + row["articles"]
    top, step = _nice_max(max(sum(c.values()) for c in counts.values()))

    left, right, top_pad, bottom = 56, 16, 40, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(periods)
    bar_w = max(1.0, slot * 0.8)
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="per-month-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Articles per {unit} per source" data-unit="{unit}">'
    ]
    # Legend along the top.
    x = left
    for source in sources:
        out.append(
            f'<rect class="legend" x="{x}" y="12" width="12" height="12" fill="{colors[source]}"/>'
            f'<text x="{x + 16}" y="22" class="legend-label">{esc(source)}</text>'
        )
        x += 28 + 8 * len(source)
    # Y axis gridlines and labels.
    for value in range(0, top + 1, step):
        y = top_pad + plot_h - plot_h * value / top
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{value}</text>'
        )
    out.append(
        f'<text class="axis-title" transform="translate(14 {top_pad + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">articles</text>'
    )
    # Bars, stacked in source order; each carries its numbers for tooltips and tests.
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar_w) / 2
        base = top_pad + plot_h
        month_attr = f' data-month="{period}"' if unit == "month" else ""
        for source in sources:
            n = counts[period].get(source, 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            out.append(
                f'<rect class="bar" x="{x:.2f}" y="{base:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{colors[source]}" data-source="{esc(source)}" data-period="{period}"{month_attr} '
                f'data-count="{n}"><title>{esc(source)} {period}: {n}</title></rect>'
            )
    # X axis: at most about twelve labels; whole years when the range is long.
    axis_y = top_pad + plot_h
    for i, label in _x_labels(periods, unit).items():
        x = left + i * slot + slot / 2
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 5}" class="axis"/>'
            f'<text x="{x:.1f}" y="{axis_y + 20}" class="tick" text-anchor="middle">{label}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" class="axis"/>'
        f'<line x1="{left}" x2="{left}" y1="{top_pad}" y2="{top_pad + plot_h}" class="axis"/>'
        f'<text class="axis-title" x="{left + plot_w / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        f"{unit} of publication (UTC)</text>"
    )
    out.append("</svg>")
    return "".join(out)


# -- HTML ----------------------------------------------------------------------------------------

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
       margin: 0 auto; max-width: 1000px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px;
     border-bottom: 1px solid #d0d7de; padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: #57606a; margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; } .card span { color: #57606a; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 24px; }
table { border-collapse: collapse; margin: 4px 0 12px; min-width: 260px; }
th, td { border-bottom: 1px solid #eaeef2; padding: 3px 10px; text-align: left; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.note { color: #57606a; }
.scroll { max-height: 22em; overflow-y: auto; border: 1px solid #eaeef2; }  /* 50 titles, chart in view */
.scroll table { margin: 0; width: 100%; } .scroll th { position: sticky; top: 0; }
#source-profiles td { vertical-align: top; }
svg text { font: 11px system-ui, sans-serif; fill: #1b1f24; } svg .axis-title { font-size: 12px; }
svg .grid { stroke: #eaeef2; } svg .axis { stroke: #57606a; }
code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; } .empty { color: #57606a; }
.drift { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 6px; padding: 8px 14px;
         margin: 8px 0; } .drift li { margin: 2px 0; }
"""


def _table(table_id: str, headers: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric if numeric is not None else {len(headers) - 1}
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    if not rows:
        empty = f'<tr><td colspan="{len(headers)}" class="empty">none</td></tr>'
        return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{empty}</tbody></table>'
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
            cls = ' class="n"' if i in numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _count_table(
    table_id: str, label: str, counts: dict[str, int], notes: dict[str, str] | None = None
) -> str:
    if notes is None:
        return _table(table_id, [label, "count"], [[k, v] for k, v in counts.items()])
    rows = [[k, notes.get(k, ""), v] for k, v in counts.items()]
    return _table(table_id, [label, "meaning", "count"], rows)


def _card(value: Any, label: str) -> str:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return f'<div class="card"><b>{html.escape(text)}</b><span>{html.escape(label)}</span></div>'


def _counts_text(counts: dict[str, int] | list) -> str:
    """'en 120, ru 3': a few counts in one table cell."""
    items = counts.items() if isinstance(counts, dict) else counts
    return ", ".join(f"{key} {n:,}" for key, n in items) or "-"


def _spread_text(spread: dict[str, int | None]) -> str:
    if spread.get("min") is None:
        return "-"
    return " / ".join(f"{spread[k]:,}" for k in ("min", "q1", "median", "q3", "max"))


def _gaps_text(gaps: list[str], months: int) -> str:
    """The gaps in time order; of a thinly covered source, only its longest (a silent year matters
    more than one of a hundred quiet months)."""
    if not gaps:
        return "none"
    longest = set(sorted(gaps, key=_months_in, reverse=True)[:GAPS_SHOWN])
    shown = ", ".join(gap for gap in gaps if gap in longest)
    more = f", and {len(gaps) - GAPS_SHOWN} shorter" if len(gaps) > GAPS_SHOWN else ""
    return f"{months:,} months: {shown}{more}"


def _profiles_table(sources: list[dict[str, Any]]) -> str:
    """Per source: languages, top tags and authors, coverage gaps, word-count spread."""
    rows = [
        [
            s["source"],
            _counts_text(s.get("languages", {})),
            _counts_text(s.get("top_tags", [])),
            _counts_text(s.get("top_authors", [])),
            _gaps_text(s.get("gaps", []), s.get("gap_months", 0)),
            _spread_text(s.get("word_count", {})),
        ]
        for s in sources
    ]
    headers = ["source", "languages", "top tags", "top authors", "months without articles",
               "words: min / q1 / median / q3 / max"]  # fmt: skip
    return _table("source-profiles", headers, rows, {5})


def _link(title: str | None, url: str | None) -> str:
    """The title linked to its page; only http(s) links, so a scraped 'javascript:' URL stays text."""
    text = html.escape(title or "(no title)")
    if url and re.match(r"https?://", url, re.IGNORECASE):
        return f'<a href="{html.escape(url, quote=True)}">{text}</a>'
    return text


def _new_articles_section(run: dict[str, Any]) -> str:
    shown, total = run.get("new_articles", []), run.get("new_articles_total", 0)
    rows = (
        "".join(
            f"<tr><td>{_link(a['title'], a['url'])}</td><td>{html.escape(a['source'])}</td>"
            f"<td>{a['date'] or '-'}</td><td>{html.escape(a['language'] or '-')}</td></tr>"
            for a in shown
        )
        or '<tr><td colspan="4" class="empty">none</td></tr>'
    )
    more = (
        f'<p class="meta" id="new-articles-more">and {total - len(shown):,} more: <code>python -m pipeline '
        f"query \"SELECT title, url FROM articles WHERE run_id = '{html.escape(run['run_id'])}'\"</code></p>"
        if total > len(shown)
        else ""
    )
    return (
        f"<h3>New in this run ({total:,})</h3>"
        '<div class="scroll"><table id="new-articles"><thead><tr><th>title</th><th>source</th><th>date</th>'
        f"<th>language</th></tr></thead><tbody>{rows}</tbody></table></div>{more}"
    )


def _crawl_section(crawls: dict[str, dict[str, Any]]) -> str:
    """Each site's crawl in the ingest or backfill run that curated: did it gather, and what failed."""
    rows = [
        [
            site,
            c.get("stored", 0),
            c.get("skipped", 0),
            c.get("failed", 0),
            _counts_text(c.get("failed_by_reason") or {}) if c.get("failed") else "",
            c.get("error") or c.get("stopped") or "finished",
        ]
        for site, c in sorted(crawls.items())
    ]
    table = _table("crawl", ["site", "stored", "skipped", "failed", "failed by reason", "outcome"], rows,
                   {1, 2, 3})  # fmt: skip
    return f'<h3 id="crawl-outcome">Crawl, per site</h3>{table}'


def _run_section(
    summary: RunSummary, run: dict[str, Any] | None, crawls: dict[str, dict[str, Any]] | None = None
) -> str:
    esc = html.escape
    parts = [
        f"<h2>This run: <code>{esc(summary.run_id)}</code></h2>",
        f'<p class="meta">{esc(summary.raw)} &rarr; {esc(summary.curated)}; started '
        f"{esc(summary.started_at.isoformat(timespec='seconds'))}, took {summary.seconds:.1f}s</p>",
        '<div class="cards">',
        _card(summary.articles_total, "articles written"),
        _card(sum(summary.duplicates.values()), "duplicates"),
        _card(sum(summary.rejects.values()), "rejects"),
        _card(summary.documents, "pages read"),
        _card(summary.inputs_read, f"files read of {summary.inputs_seen:,}"),
        _card(summary.inputs_unchanged, "files unchanged"),
        "</div>",
    ]
    if run is not None and run["articles_total"]:
        d = run["dates"]
        parts.append(
            f'<p class="meta">Dates of this run\'s articles: {d["first"] or "-"} to {d["last"] or "-"}, '
            f"{d['dated_pct']}% dated.</p>"
        )
    if crawls is not None:
        parts.append(_crawl_section(crawls))
    if run is not None:
        parts.append(_new_articles_section(run))
    parts += [
        '<div class="grid-2"><div><h3>Articles by source</h3>',
        _count_table("run-articles", "source", dict(sorted(summary.articles.items()))),
        "</div><div><h3>Duplicates by kind</h3>",
        _count_table("run-duplicates", "kind", dict(summary.duplicates.most_common()), DUPLICATE_KINDS),
        "</div><div><h3>Rejects by reason</h3>",
        _count_table("run-rejects", "reason", dict(summary.rejects.most_common()), REJECT_MEANINGS),
        "</div></div>",
    ]
    if summary.rejects:
        parts.append(
            '<p class="meta">Which inputs were rejected, and why: '
            f'<code>python -m pipeline query "SELECT raw_path, reason, detail FROM rejects WHERE run_id = '
            f"'{esc(summary.run_id)}'\"</code></p>"
        )
    if summary.superseded:
        parts.append(
            '<p class="meta">Articles of earlier runs replaced by a better record (the full text, or the '
            f"page with its URL): {summary.superseded:,}</p>"
        )
    if summary.recovered_runs:
        parts.append(
            '<p class="meta">Finished the interrupted commit of: '
            f"{esc(', '.join(summary.recovered_runs))}</p>"
        )
    parts.append(_health_section(summary.health, summary.drift))
    return "".join(parts)


def _health_section(rows: list[dict[str, Any]], drift: list[dict[str, Any]]) -> str:
    """This run's extraction health per site, and its drift warnings with the pages that show them."""
    esc = html.escape
    parts = ['<h3 id="health">Extraction health</h3>']
    if drift:
        items = "".join(
            f"<li><b>{esc(site)}</b> (against its last {runs}): {esc(', '.join(changes))}"
            f"<br>pages: {', '.join(f'<code>{esc(p)}</code>' for p in pages) or '-'}</li>"
            for site, runs, changes, pages in health.by_site(drift)
        )
        parts.append(
            '<div class="drift" id="drift"><b>Warning: extraction drift.</b> A site\'s own rules matched '
            "fewer of this run's pages than in its recent runs; it may have changed its template."
            f"<ul>{items}</ul></div>"
        )
    parts.append(_health_table("run-health", rows))
    parts.append(
        '<p class="meta">Shares of the pages read as articles of each site: where the site\'s own rules '
        "found the body container, title, date and byline, and where a general fallback gave one of "
        'them. Every run\'s rows: <code>python -m pipeline query "SELECT * FROM health"</code></p>'
    )
    return "".join(parts)


def _health_table(table_id: str, rows: list[dict[str, Any]]) -> str:
    return _table(table_id, health.HEALTH_HEADERS, [health.health_cells(r) for r in rows], set(range(1, 11)))


def _chart_unit_of(per_month: list[dict[str, Any]]) -> str:
    if not per_month:
        return "month"
    return chart_unit(per_month[0]["month"], max(row["month"] for row in per_month))


def _dataset_section(stats: dict[str, Any]) -> str:
    d = stats["dates"]
    sources = [
        [
            s["source"],
            s["articles"],
            f"{100.0 * s['dated'] / s['articles']:.1f}%" if s["articles"] else "-",
            s["first"],
            s["last"],
            s["teasers"],
        ]
        for s in stats["sources"]
    ]
    chart_note = (
        f'<p class="meta">Not charted: {d["undated"]:,} undated articles and {d["not_charted"]:,} '
        "known only to the year.</p>"
        if d["undated"] or d["not_charted"]
        else ""
    )
    return "".join(
        [
            '<div class="cards">',
            _card(stats["articles_total"], "articles"),
            _card(stats["duplicates_total"], "duplicates"),
            _card(stats["rejects_total"], "rejects"),
            _card(f"{d['dated_pct']}%", "with a date"),
            _card(f"{d['first'] or '-'} to {d['last'] or '-'}", "date range"),
            "</div>",
            f"<h3>Articles per {_chart_unit_of(stats['per_month'])} per source</h3>",
            render_chart_svg(stats["per_month"]),
            chart_note,
            "<h3>Articles by source</h3>",
            _table(
                "sources",
                ["source", "articles", "dated", "first date", "last date", "teasers"],
                sources,
                {1, 2, 5},
            ),
            "<h3>Each source: languages, what it covers, who writes, when it is silent, length</h3>",
            _profiles_table(stats["sources"]),
            '<div class="grid-2"><div><h3>Duplicates by kind</h3>',
            _count_table("duplicates", "kind", stats["duplicates_by_kind"], DUPLICATE_KINDS),
            "</div><div><h3>Rejects by reason</h3>",
            _count_table("rejects", "reason", stats["rejects_by_reason"], REJECT_MEANINGS),
            "</div><div><h3>Date precision</h3>",
            _count_table("date-precision", "precision", stats["date_precision"]),
            "</div><div><h3>Where the date came from</h3>",
            _count_table("date-source", "date source", stats["date_source"]),
            "</div><div><h3>Languages</h3>",
            _count_table("languages", "language", stats["languages"]),
            "</div></div>",
            "<h3>Extraction health, each site's latest run</h3>",
            _health_table("health", stats.get("health", [])),
        ]
    )


def render_report_html(
    stats: dict[str, Any],
    title: str,
    summary: RunSummary | None = None,
    run: dict[str, Any] | None = None,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> str:
    """One self-contained page: the run's numbers (when given) above the whole dataset's.

    crawls: each site's crawl outcome (report.crawl_summary.site_crawl_outcome) on ingest and backfill
    runs; None on a plain curate run, which then shows no crawl table.
    """
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="meta">Generated {generated}</p>']
    if summary is not None:
        body.append(_run_section(summary, run, crawls))
        body.append("<h2>Whole dataset</h2>")
    body.append(_dataset_section(stats))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_report(
    curated: Path,
    run_id: str,
    summary: RunSummary,
    run: dict[str, Any] | None = None,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """curated/_reports/<run-id>.html, renamed into place so a reader never opens half a report.

    run: run_stats(curated, run_id) when the caller has it already (the flow also publishes it).
    crawls: the crawl outcome per site, when the run is the curate step of an ingest or backfill.
    """
    if not re.fullmatch(r"[\w.-]+", run_id) or run_id.startswith("."):
        raise ValueError(f"run id {run_id!r} cannot name a report file")
    curated = Path(curated)
    run = run if run is not None else run_stats(curated, run_id)
    page = render_report_html(
        dataset_stats(curated), f"Curate run {run_id}", summary=summary, run=run, crawls=crawls
    )
    reports = curated / REPORTS_DIR
    reports.mkdir(parents=True, exist_ok=True)
    target = reports / f"{run_id}.html"
    tmp = reports / f".{run_id}.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


# -- Markdown and the Prefect artifact -------------------------------------------------------------


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return f"_{headers[0]}: none_\n"  # says which table is empty
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_link(title: str | None, url: str | None) -> str:
    text = _md_cell(title or "(no title)").replace("[", "\\[").replace("]", "\\]")
    return f"[{text}]({url})" if url and re.match(r"https?://\S+$", url, re.IGNORECASE) else text


def report_markdown(
    stats: dict[str, Any],
    summary: RunSummary | None = None,
    run: dict[str, Any] | None = None,
    crawls: dict[str, dict[str, Any]] | None = None,
) -> str:
    """The report's numbers in markdown, for the Prefect UI (which shows artifacts, not files).

    run and crawls: as render_report_html takes them (the run's new articles, the crawl per site).
    """
    out = []
    if crawls is not None:
        out += [
            "## Crawl, per site\n",
            _md_table(
                ["site", "stored", "skipped", "failed", "failed by reason", "outcome"],
                [
                    [
                        site,
                        c.get("stored", 0),
                        c.get("skipped", 0),
                        c.get("failed", 0),
                        _counts_text(c.get("failed_by_reason") or {}) if c.get("failed") else "",
                        _md_cell(c.get("error") or c.get("stopped") or "finished"),
                    ]
                    for site, c in sorted(crawls.items())
                ],  # fmt: skip
            ),
        ]
    if run is not None:
        shown, total = run.get("new_articles", []), run.get("new_articles_total", 0)
        out += [
            f"## New in this run ({total})\n",
            _md_table(
                ["title", "source", "date", "language"],
                [
                    [_md_link(a["title"], a["url"]), a["source"], a["date"] or "-", a["language"] or "-"]
                    for a in shown
                ],  # fmt: skip
            ),
            *([f"and {total - len(shown)} more\n"] if total > len(shown) else []),
        ]
    if summary is not None:
        out += [
            f"# Curate run {summary.run_id}\n",
            f"{summary.raw} → {summary.curated}; {summary.seconds:.1f}s; {summary.inputs_seen} inputs found, "
            f"{summary.inputs_read} read, {summary.inputs_unchanged} unchanged; {summary.documents} pages\n",
            "## This run\n",
            f"**{summary.articles_total}** articles, **{sum(summary.duplicates.values())}** duplicates, "
            f"**{sum(summary.rejects.values())}** rejects\n",
            _md_table(["source", "articles"], sorted(summary.articles.items())),
            _md_table(["duplicate kind", "count"], summary.duplicates.most_common()),
            _md_table(["reject reason", "count"], summary.rejects.most_common()),
            "### Extraction health\n",
            *(f"**Warning, extraction drift on {d['site']}**: {d['text']}\n" for d in summary.drift),
            _md_table(health.HEALTH_HEADERS, [health.health_cells(r) for r in summary.health]),
            "## Whole dataset\n"
            if stats.get("scope") == "dataset"
            else "## As committed (read back from curated/)\n",
        ]
    d = stats["dates"]
    out += [
        f"**{stats['articles_total']}** articles, **{stats['duplicates_total']}** duplicates, "
        f"**{stats['rejects_total']}** rejects; dates {d['first'] or '-'} to {d['last'] or '-'}, "
        f"{d['dated_pct']}% dated ({d['undated']} undated)\n",
        _md_table(
            ["source", "articles", "dated", "first date", "last date", "teasers"],
            [
                [s["source"], s["articles"], s["dated"], s["first"], s["last"], s["teasers"]]
                for s in stats["sources"]
            ],
        ),
        _md_table(
            [
                "source",
                "languages",
                "top tags",
                "top authors",
                "months without articles",
                "words (min/q1/median/q3/max)",
            ],
            [
                [
                    s["source"],
                    _counts_text(s.get("languages", {})),
                    _md_cell(_counts_text(s.get("top_tags", []))),
                    _md_cell(_counts_text(s.get("top_authors", []))),
                    _gaps_text(s.get("gaps", []), s.get("gap_months", 0)),
                    _spread_text(s.get("word_count", {})),
                ]
                for s in stats["sources"]
            ],  # fmt: skip
        ),
        _md_table(["duplicate kind", "count"], list(stats["duplicates_by_kind"].items())),
        _md_table(["reject reason", "count"], list(stats["rejects_by_reason"].items())),
        _md_table(["date precision", "count"], list(stats["date_precision"].items())),
        _md_table(["date source", "count"], list(stats["date_source"].items())),
        _md_table(["language", "count"], list(stats["languages"].items())),
        "### Extraction health, each site's latest run\n",
        _md_table(health.HEALTH_HEADERS, [health.health_cells(r) for r in stats.get("health", [])]),
    ]
    # Per year rather than per month: the artifact is read in a UI panel, the monthly chart is in the HTML.
    sources = sorted({row["source"] for row in stats["per_month"]})
    years: dict[str, dict[str, int]] = {}
    for row in stats["per_month"]:
        per = years.setdefault(row["month"][:4], {})
        per[row["source"]] = per.get(row["source"], 0) + row["articles"]
    out += [
        "### Articles per year per source (month known)\n",
        _md_table(["year", *sources], [[y, *(years[y].get(s, 0) for s in sources)] for y in sorted(years)]),
    ]
    return "\n".join(out)


def artifact_key(text: str) -> str:
    """Prefect accepts only lowercase letters, digits and dashes in an artifact key."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-") or "report"


def _in_prefect_run() -> bool:
    if "prefect.context" not in sys.modules:  # a run without Prefect: not worth its 1.5 s import
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_artifact(markdown: str, key: str, description: str | None = None) -> Any:
    """Show the numbers in the Prefect UI when running as a flow; outside Prefect, do nothing.

    Returns the artifact id, or None when not in a run or when the API refused: the data is
    already committed by then, and a report that cannot be shown must not fail the run.
    """
    if not _in_prefect_run():
        return None
    from prefect.artifacts import create_markdown_artifact

    try:
        # _sync: the flow may be async, and a coroutine nobody awaits would publish nothing.
        return create_markdown_artifact(
            markdown=markdown, key=artifact_key(key), description=description, _sync=True
        )
    except Exception as exc:  # noqa: BLE001 - reporting must not undo a committed run
        log.warning("could not publish the run report artifact %r: %s", key, exc)
        return None
