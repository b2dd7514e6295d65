"""The run report as one self-contained HTML page: curated/_reports/<run-id>.html.

Inline CSS and an SVG chart (report/chart.py), no JavaScript and no network: the page opens from
a laptop, a mail attachment or an air-gapped machine. The numbers come from report/stats.py and
their rows from report/tables.py, as for `stats` and the Prefect artifact.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path
from typing import Any

from pipeline.report import health
from pipeline.report.chart import chart_unit_of, render_chart_svg
from pipeline.report.stats import dataset_stats, run_stats
from pipeline.report.summary import RunSummary
from pipeline.report.tables import CRAWL_HEADERS, SOURCE_HEADERS, crawl_rows, profile_rows, source_rows
from pipeline.store.layout import REPORTS_DIR

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


def _profiles_table(stats: dict[str, Any]) -> str:
    """Per source: languages, top tags and authors, coverage gaps, word-count spread."""
    headers = ["source", "languages", "top tags", "top authors", "months without articles",
               "words: min / q1 / median / q3 / max"]  # fmt: skip
    return _table("source-profiles", headers, profile_rows(stats), {5})


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
    table = _table("crawl", CRAWL_HEADERS, crawl_rows(crawls), {1, 2, 3})
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
    """Extraction health per site: the run's rows, or each site's latest."""
    return _table(table_id, health.HEALTH_HEADERS, [health.health_cells(r) for r in rows], set(range(1, 11)))


def _dataset_section(stats: dict[str, Any]) -> str:
    """The whole dataset: cards, the chart, per-source tables, counts, each site's latest health."""
    d = stats["dates"]
    # The dated share of each source, where the text tables give the count.
    sources = [
        [row[0], row[1], f"{100.0 * row[2] / row[1]:.1f}%" if row[1] else "-", *row[3:]]
        for row in source_rows(stats)
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
            f"<h3>Articles per {chart_unit_of(stats['per_month'])} per source</h3>",
            render_chart_svg(stats["per_month"]),
            chart_note,
            "<h3>Articles by source</h3>",
            _table("sources", SOURCE_HEADERS, sources, {1, 2, 5}),
            "<h3>Each source: languages, what it covers, who writes, when it is silent, length</h3>",
            _profiles_table(stats),
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
    dataset: dict[str, Any] | None = None,
) -> Path:
    """curated/_reports/<run-id>.html, renamed into place so a reader never opens half a report.

    run: run_stats(curated, run_id) when the caller has it already (the flow also publishes it).
    crawls: the crawl outcome per site, when the run is the curate step of an ingest or backfill.
    dataset: dataset_stats(curated) when the caller has it already (the flow's artifact shows it too).
    """
    if not re.fullmatch(r"[\w.-]+", run_id) or run_id.startswith("."):
        raise ValueError(f"run id {run_id!r} cannot name a report file")
    curated = Path(curated)
    run = run if run is not None else run_stats(curated, run_id)
    dataset = dataset if dataset is not None else dataset_stats(curated)
    page = render_report_html(dataset, f"Curate run {run_id}", summary=summary, run=run, crawls=crawls)
    reports = curated / REPORTS_DIR
    reports.mkdir(parents=True, exist_ok=True)
    target = reports / f"{run_id}.html"
    tmp = reports / f".{run_id}.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
