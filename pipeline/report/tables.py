"""The stats tables, built once for the `stats` command, the HTML report and the Prefect artifact.

Each renderer (pipeline/cli/stats.py, report/html.py, report/markdown.py) lays these rows out
in its own way, with its own headings; the cells themselves are worked out here, so the three never
disagree about what a source's gaps or a site's crawl outcome were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.report.months import months_in

GAPS_SHOWN = 12  # coverage-gap ranges shown per source; the rest are counted

SOURCE_HEADERS = ["source", "articles", "dated", "first date", "last date", "teasers"]
CRAWL_HEADERS = ["site", "stored", "skipped", "failed", "failed by reason", "outcome"]


def headline(stats: dict[str, Any], strong: Callable[[int], str] = str) -> str:
    """The dataset in one line: totals, date range, dated share. strong marks up each total."""
    d = stats["dates"]
    return (
        f"{strong(stats['articles_total'])} articles, {strong(stats['duplicates_total'])} duplicates, "
        f"{strong(stats['rejects_total'])} rejects; dates {d['first'] or '-'} to {d['last'] or '-'}, "
        f"{d['dated_pct']}% dated ({d['undated']} undated)"
    )


def source_rows(stats: dict[str, Any]) -> list[list[Any]]:
    """Per source, under SOURCE_HEADERS: articles, dated, first and last date, teasers."""
    keys = ("source", "articles", "dated", "first", "last", "teasers")
    return [[s[key] for key in keys] for s in stats["sources"]]


def profile_rows(stats: dict[str, Any]) -> list[list[str]]:
    """Per source: languages, top tags, top authors, coverage gaps, word-count spread, as text."""
    return [
        [
            s["source"],
            counts_text(s.get("languages", {})),
            counts_text(s.get("top_tags", [])),
            counts_text(s.get("top_authors", [])),
            gaps_text(s.get("gaps", []), s.get("gap_months", 0)),
            spread_text(s.get("word_count", {})),
        ]
        for s in stats["sources"]
    ]


def articles_per_year(stats: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The sources, and a row per year of articles per source (of articles whose month is known).

    Per year rather than per month: the text tables are read in a terminal or a UI panel; the
    monthly chart is in the HTML report.
    """
    sources = sorted({row["source"] for row in stats["per_month"]})
    years: dict[str, dict[str, int]] = {}
    for row in stats["per_month"]:
        per = years.setdefault(row["month"][:4], {})
        per[row["source"]] = per.get(row["source"], 0) + row["articles"]
    return sources, [[y, *(years[y].get(s, 0) for s in sources)] for y in sorted(years)]


def crawl_rows(crawls: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Each site's crawl in the ingest or backfill run that curated, under CRAWL_HEADERS."""
    return [
        [
            site,
            c.get("stored", 0),
            c.get("skipped", 0),
            c.get("failed", 0),
            counts_text(c.get("failed_by_reason") or {}) if c.get("failed") else "",
            c.get("error") or c.get("stopped") or "finished",
        ]
        for site, c in sorted(crawls.items())
    ]


def counts_text(counts: dict[str, int] | list) -> str:
    """'en 120, ru 3': a few counts in one table cell."""
    items = counts.items() if isinstance(counts, dict) else counts
    return ", ".join(f"{key} {n:,}" for key, n in items) or "-"


def spread_text(spread: dict[str, int | None]) -> str:
    """'12 / 300 / 540 / 800 / 4,000': a word-count spread in one cell, '-' when unknown."""
    if spread.get("min") is None:
        return "-"
    return " / ".join(f"{spread[k]:,}" for k in ("min", "q1", "median", "q3", "max"))


def gaps_text(gaps: list[str], months: int) -> str:
    """The gaps in time order; of a thinly covered source, only its longest (a silent year matters
    more than one of a hundred quiet months)."""
    if not gaps:
        return "none"
    longest = set(sorted(gaps, key=months_in, reverse=True)[:GAPS_SHOWN])
    shown = ", ".join(gap for gap in gaps if gap in longest)
    more = f", and {len(gaps) - GAPS_SHOWN} shorter" if len(gaps) > GAPS_SHOWN else ""
    return f"{months:,} months: {shown}{more}"
