"""The report's numbers in markdown, for the Prefect UI (which shows artifacts, not files).

The same numbers (report/stats.py) and rows (report/tables.py) as the HTML report; per year rather
than per month, since the artifact is read in a UI panel and the monthly chart is in the HTML.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.report.health import HEALTH_HEADERS, health_cells
from pipeline.report.summary import RunSummary
from pipeline.report.tables import (
    CRAWL_HEADERS,
    SOURCE_HEADERS,
    articles_per_year,
    crawl_rows,
    headline,
    profile_rows,
    source_rows,
)


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A markdown table; an empty one is a line naming it, so the panel says what has no rows."""
    if not rows:
        return f"_{headers[0]}: none_\n"  # says which table is empty
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    """Text that cannot break the table it stands in (a '|' or a newline would)."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_link(title: str | None, url: str | None) -> str:
    """The title linked to its page; only http(s) links, so a scraped 'javascript:' URL stays text."""
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
        rows = [[*row[:5], _md_cell(row[5])] for row in crawl_rows(crawls)]
        out += ["## Crawl, per site\n", _md_table(CRAWL_HEADERS, rows)]
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
            _md_table(HEALTH_HEADERS, [health_cells(r) for r in summary.health]),
            "## Whole dataset\n"
            if stats.get("scope") == "dataset"
            else "## As committed (read back from curated/)\n",
        ]
    sources, per_year = articles_per_year(stats)
    profile_headers = ["source", "languages", "top tags", "top authors", "months without articles",
                       "words (min/q1/median/q3/max)"]  # fmt: skip
    out += [
        headline(stats, strong=lambda n: f"**{n}**") + "\n",
        _md_table(SOURCE_HEADERS, source_rows(stats)),
        _md_table(
            profile_headers,
            [[*row[:2], _md_cell(row[2]), _md_cell(row[3]), *row[4:]] for row in profile_rows(stats)],
        ),  # fmt: skip
        _md_table(["duplicate kind", "count"], list(stats["duplicates_by_kind"].items())),
        _md_table(["reject reason", "count"], list(stats["rejects_by_reason"].items())),
        _md_table(["date precision", "count"], list(stats["date_precision"].items())),
        _md_table(["date source", "count"], list(stats["date_source"].items())),
        _md_table(["language", "count"], list(stats["languages"].items())),
        "### Extraction health, each site's latest run\n",
        _md_table(HEALTH_HEADERS, [health_cells(r) for r in stats.get("health", [])]),
        "### Articles per year per source (month known)\n",
        _md_table(["year", *sources], per_year),
    ]
    return "\n".join(out)
