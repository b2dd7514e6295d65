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
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.store import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA, RUN_SCHEMA
from pipeline.summary import RunSummary

log = logging.getLogger(__name__)

REPORTS_DIR = "_reports"

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
    """An in-memory DuckDB with views articles, duplicates, rejects, runs over the committed files.

    Files are listed explicitly (not globbed in SQL) so that odd characters in the path need no
    escaping beyond quotes, and staging or temporary files can never be read. A table with no
    files yet is an empty view with the contract's columns, so queries never fail for that reason.
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    articles = sorted(
        p for p in curated.glob("articles/source=*/year=*/*.parquet") if not p.name.startswith(".")
    )
    if articles:
        con.execute(
            f"CREATE VIEW articles AS SELECT * FROM read_parquet({_sql_list(articles)}, "
            f"hive_partitioning = true, hive_types = {_PARTITION_TYPES})"
        )
    else:
        schema = ARTICLE_SCHEMA.append(pa.field("source", pa.string())).append(pa.field("year", pa.int32()))
        con.register("_empty_articles", _empty(schema))
        con.execute("CREATE VIEW articles AS SELECT * FROM _empty_articles")
    for name, schema in (("duplicates", DUPLICATE_SCHEMA), ("rejects", REJECT_SCHEMA), ("runs", RUN_SCHEMA)):
        files = sorted(p for p in curated.glob(f"{name}/*.parquet") if not p.name.startswith("."))
        if files:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_sql_list(files)})")
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
    return {
        "scope": f"run {run_id}" if run_id else "dataset",
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
    }


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


def _x_labels(months: list[str]) -> dict[int, str]:
    """Which bars get a label: about twelve at most, so that labels never overlap."""
    if len(months) <= 36:
        every = -(-len(months) // 12)
        return {i: m for i, m in enumerate(months) if i % every == 0}
    years = -(-len(months) // 12)
    every = -(-years // 12)
    return {i: m[:4] for i, m in enumerate(months) if m.endswith("-01") and int(m[:4]) % every == 0}


def _colors(sources: list[str]) -> dict[str, str]:
    return {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(sources)}


def render_chart_svg(per_month: list[dict[str, Any]], width: int = 960, height: int = 360) -> str:
    """Stacked bars of articles per month, one colour per source, with axes and a legend."""
    if not per_month:
        return '<p class="empty">No articles with a known month yet: nothing to chart.</p>'
    sources = sorted({row["source"] for row in per_month})
    colors = _colors(sources)
    months = _month_range(per_month[0]["month"], max(row["month"] for row in per_month))
    counts: dict[str, dict[str, int]] = {m: {} for m in months}
    for row in per_month:
        counts[row["month"]][row["source"]] = row["articles"]
    top, step = _nice_max(max(sum(c.values()) for c in counts.values()))

    left, right, top_pad, bottom = 56, 16, 40, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(months)
    bar_w = max(1.0, slot * 0.8)
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="per-month-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Articles per month per source">'
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
    for i, month in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        base = top_pad + plot_h
        for source in sources:
            n = counts[month].get(source, 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            out.append(
                f'<rect class="bar" x="{x:.2f}" y="{base:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{colors[source]}" data-source="{esc(source)}" data-month="{month}" data-count="{n}">'
                f"<title>{esc(source)} {month}: {n}</title></rect>"
            )
    # X axis: at most about twelve labels; whole years (at January) when the range is long.
    axis_y = top_pad + plot_h
    for i, label in _x_labels(months).items():
        x = left + i * slot + slot / 2
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 5}" class="axis"/>'
            f'<text x="{x:.1f}" y="{axis_y + 20}" class="tick" text-anchor="middle">{label}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" class="axis"/>'
        f'<line x1="{left}" x2="{left}" y1="{top_pad}" y2="{top_pad + plot_h}" class="axis"/>'
        f'<text class="axis-title" x="{left + plot_w / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        f"month of publication (UTC)</text>"
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
svg text { font: 11px system-ui, sans-serif; fill: #1b1f24; } svg .axis-title { font-size: 12px; }
svg .grid { stroke: #eaeef2; } svg .axis { stroke: #57606a; }
code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; } .empty { color: #57606a; }
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


def _run_section(summary: RunSummary, run: dict[str, Any] | None) -> str:
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
    return "".join(parts)


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
            "<h3>Articles per month per source</h3>",
            render_chart_svg(stats["per_month"]),
            chart_note,
            "<h3>Articles by source</h3>",
            _table(
                "sources",
                ["source", "articles", "dated", "first date", "last date", "teasers"],
                sources,
                {1, 2, 5},
            ),
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
        ]
    )


def render_report_html(
    stats: dict[str, Any],
    title: str,
    summary: RunSummary | None = None,
    run: dict[str, Any] | None = None,
) -> str:
    """One self-contained page: the run's numbers (when given) above the whole dataset's."""
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="meta">Generated {generated}</p>']
    if summary is not None:
        body.append(_run_section(summary, run))
        body.append("<h2>Whole dataset</h2>")
    body.append(_dataset_section(stats))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_report(curated: Path, run_id: str, summary: RunSummary, run: dict[str, Any] | None = None) -> Path:
    """curated/_reports/<run-id>.html, renamed into place so a reader never opens half a report.

    run: run_stats(curated, run_id) when the caller has it already (the flow also publishes it).
    """
    if not re.fullmatch(r"[\w.-]+", run_id) or run_id.startswith("."):
        raise ValueError(f"run id {run_id!r} cannot name a report file")
    curated = Path(curated)
    run = run if run is not None else run_stats(curated, run_id)
    page = render_report_html(dataset_stats(curated), f"Curate run {run_id}", summary=summary, run=run)
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
        return "_none_\n"
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def report_markdown(stats: dict[str, Any], summary: RunSummary | None = None) -> str:
    """The report's numbers in markdown, for the Prefect UI (which shows artifacts, not files)."""
    out = []
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
        _md_table(["duplicate kind", "count"], list(stats["duplicates_by_kind"].items())),
        _md_table(["reject reason", "count"], list(stats["rejects_by_reason"].items())),
        _md_table(["date precision", "count"], list(stats["date_precision"].items())),
        _md_table(["date source", "count"], list(stats["date_source"].items())),
        _md_table(["language", "count"], list(stats["languages"].items())),
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
