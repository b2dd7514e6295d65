"""Extraction health per site per run, and the drift warning when a site's rules stop matching.

When a site redesigns, its selectors stop matching and the output degrades quietly: bodies come
from fallbacks, dates go missing, pages turn into rejects. Every page read as an article carries
its evidence (pipeline.extraction.evidence); a run sums it per site into one row of the `health` table and
compares it with the median of the site's recent runs. A share worse by more than
`health.drop_threshold` is a warning in the run summary, the report and the Prefect run, naming
the pages that show it. A median is used so that one odd run in the window does not move the
baseline.
"""

from __future__ import annotations

import bisect
import statistics
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.extraction.evidence import FIELDS, SITE, Evidence
from pipeline.models import Article, Reject
from pipeline.settings import HealthSettings

EXAMPLE_PAGES = 5  # pages named per warning

# metric -> (what it measures, which way is worse). "down": a share falling is worse; "up": a
# share rising; "shorter": a length falling by a fraction of itself.
METRICS: dict[str, tuple[str, str]] = {
    "container_rule": ("pages whose body container the site's rules found", "down"),
    "title_rule": ("pages whose title the site's rules found", "down"),
    "date_rule": ("pages whose date the site's rules found", "down"),
    "authors_rule": ("pages whose byline the site's rules found", "down"),
    "fallback": ("pages where a general fallback gave a field", "up"),
    "undated": ("articles without a date", "up"),
    "median_words": ("median body length in words", "shorter"),
}


@dataclass
class SiteHealth:
    """One row of the health table: what one run's pages of one site looked like."""

    site: str
    pages: int
    articles: int
    container_rule: float
    title_rule: float
    date_rule: float
    authors_rule: float
    fallback: float
    median_words: float | None
    undated: float | None
    chrome_learned: int = 0
    drift: list[str] = field(default_factory=list)
    drift_pages: list[str] = field(default_factory=list)
    run_id: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SiteHealth:
        data = {k: v for k, v in row.items() if k in cls.__dataclass_fields__}
        data["drift"], data["drift_pages"] = data.get("drift") or [], data.get("drift_pages") or []
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Drift:
    """A metric of one site that got worse than its recent runs by more than the threshold."""

    site: str
    metric: str
    before: float  # median over the window
    after: float  # this run
    runs: int  # runs in the window
    pages: list[str]  # pages of this run that show it

    def describe(self) -> str:
        label, _ = METRICS[self.metric]
        runs = f"{self.runs} run" + ("s" if self.runs != 1 else "")
        before, after = _fmt(self.metric, self.before), _fmt(self.metric, self.after)
        return f"{label}: {before} -> {after} (median of the last {runs})"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.describe()}


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} words" if metric == "median_words" else f"{100 * value:.0f}%"


@dataclass
class _Tally:
    pages: int = 0
    articles: int = 0
    site_rule: Counter = field(default_factory=Counter)  # field -> pages where the site's rule matched
    fallback_pages: int = 0
    # Body words of every article (4 bytes each: a run's tally must not grow by a URL a page), and
    # the EXAMPLE_PAGES shortest as (words, page), in order.
    words: array = field(default_factory=lambda: array("I"))
    shortest: list[tuple[int, str]] = field(default_factory=list)
    undated: int = 0
    chrome_learned: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)  # metric -> pages with the worse value

    def add_words(self, words: int, page: str) -> None:
        self.words.append(words)
        entry = (words, page)
        if len(self.shortest) < EXAMPLE_PAGES or entry < self.shortest[-1]:
            bisect.insort(self.shortest, entry)
            del self.shortest[EXAMPLE_PAGES:]

    def example(self, metric: str, page: str) -> None:
        pages = self.examples.setdefault(metric, [])
        if len(pages) < EXAMPLE_PAGES and page not in pages:
            pages.append(page)


class HealthTally:
    """Sums a run's page evidence per site, as results arrive (driver side, a few ints a site)."""

    def __init__(self) -> None:
        self._sites: dict[str, _Tally] = {}

    def add_article(self, article: Article, words: int) -> None:
        """An extracted article (kept or duplicate: health is about extraction, not dedupe)."""
        if article.evidence is None:  # a listing teaser: not an article page of the site
            return
        tally = self._page(article.evidence)
        tally.articles += 1
        tally.add_words(words, article.evidence.page)
        if article.published_date is None:
            tally.undated += 1
            tally.example("undated", article.evidence.page)

    def add_reject(self, reject: Reject) -> None:
        """A page read as an article of its site but with too little text (often a lost container)."""
        if reject.evidence is not None:
            self._page(reject.evidence)

    def add_chrome(self, site: str, lines: int) -> None:
        self._sites.setdefault(site, _Tally()).chrome_learned += lines

    def _page(self, evidence: Evidence) -> _Tally:
        tally = self._sites.setdefault(evidence.site, _Tally())
        tally.pages += 1
        for name, value in evidence.origins().items():
            if value == SITE:
                tally.site_rule[name] += 1
            else:
                tally.example(f"{name}_rule", evidence.page)
        if evidence.fallback_used:
            tally.fallback_pages += 1
            tally.example("fallback", evidence.page)
        return tally

    def site_health(self) -> list[SiteHealth]:
        """One SiteHealth per site with pages in this run, by site key."""
        out = []
        for site, t in sorted(self._sites.items()):
            if not t.pages:
                continue
            words = t.words
            out.append(
                SiteHealth(
                    site=site,
                    pages=t.pages,
                    articles=t.articles,
                    **{f"{name}_rule": round(t.site_rule[name] / t.pages, 4) for name in FIELDS},
                    fallback=round(t.fallback_pages / t.pages, 4),
                    median_words=float(statistics.median(words)) if words else None,
                    undated=round(t.undated / t.articles, 4) if t.articles else None,
                    chrome_learned=t.chrome_learned,
                )
            )
        return out

    def examples(self, site: str, metric: str) -> list[str]:
        """Pages of this run that show a metric's worse value (the shortest bodies for length)."""
        tally = self._sites.get(site)
        if tally is None:
            return []
        if metric == "median_words":
            return [page for _, page in tally.shortest]
        return list(tally.examples.get(metric, []))


def compare(current: list[SiteHealth], history: list[SiteHealth], cfg: HealthSettings) -> list[Drift]:
    """The metrics of this run worse than the median of each site's last cfg.window_runs runs.

    Nothing is judged without an earlier run of the site, or with fewer than cfg.min_pages pages
    in this run or in the window: a first run has nothing to drift from, and a page or two is noise.
    """
    drifts = []
    for now in current:
        if now.pages < cfg.min_pages:
            continue
        past = sorted((h for h in history if h.site == now.site and h.pages > 0), key=lambda h: h.run_id)
        past = past[-cfg.window_runs :] if cfg.window_runs > 0 else []
        if not past or sum(h.pages for h in past) < cfg.min_pages:
            continue
        for metric, (_, worse) in METRICS.items():
            after = getattr(now, metric)
            values = [v for v in (getattr(h, metric) for h in past) if v is not None]
            if after is None or not values:
                continue
            before = float(statistics.median(values))
            if _worse_by(worse, before, after) > cfg.drop_threshold:
                drifts.append(Drift(now.site, metric, before, after, len(past), []))
    return drifts


def _worse_by(direction: str, before: float, after: float) -> float:
    """How much worse after is than before: points of a share, or a fraction of a length."""
    if direction == "down":
        change = before - after
    elif direction == "up":
        change = after - before
    else:
        change = (before - after) / before if before > 0 else 0.0
    return round(change, 6)  # 1.0 - 0.8 is 0.19999999999999996: not beyond a 0.2 threshold


def read_history(curated: Path) -> list[SiteHealth]:
    """Every committed health row (one per site per run: a year of hourly runs is ~35,000)."""
    from pipeline.store.layout import HEALTH
    from pipeline.store.readers import read_table
    from pipeline.store.schemas import HEALTH_SCHEMA

    table = read_table(curated, HEALTH, schema=HEALTH_SCHEMA)
    return [] if table is None else [SiteHealth.from_row(row) for row in table.to_pylist()]


def latest_per_site(history: list[SiteHealth]) -> list[SiteHealth]:
    """Each site's most recent row (by run id, which sorts by time)."""
    latest: dict[str, SiteHealth] = {}
    for row in sorted(history, key=lambda h: h.run_id):
        latest[row.site] = row
    return [latest[site] for site in sorted(latest)]


# -- words for humans --------------------------------------------------------------------------------


def health_cells(row: dict[str, Any]) -> list[Any]:
    """One table row of a site's health, as the summary, stats and the report show it."""
    return [
        row["site"],
        row["pages"],
        row["articles"],
        *(_fmt(f"{name}_rule", row[f"{name}_rule"]) for name in FIELDS),
        _fmt("fallback", row["fallback"]),
        _fmt("median_words", row["median_words"]).removesuffix(" words"),
        _fmt("undated", row["undated"]),
        row["chrome_learned"],
    ]


HEALTH_HEADERS = [
    "site",
    "pages",
    "articles",
    "container rule",
    "title rule",
    "date rule",
    "authors rule",
    "fallback",
    "median words",
    "undated",
    "chrome learned",
]


def summary_lines(health: list[dict[str, Any]], drift: list[dict[str, Any]]) -> list[str]:
    """The run summary's lines: each site's health on one line, then a warning per drifting site."""
    lines = []
    for row in health:
        lines.append(
            f"  extraction health {row['site']}: {row['pages']} page{'s' if row['pages'] != 1 else ''}; "
            "site rules matched: "
            + ", ".join(f"{name} {_fmt('x', row[f'{name}_rule'])}" for name in FIELDS)
            + f"; fallback {_fmt('x', row['fallback'])}; median {_fmt('median_words', row['median_words'])}"
            + f"; undated {_fmt('x', row['undated'])}"
        )
    for site, runs, changes, pages in by_site(drift):
        lines.append(f"  warning: extraction drift on {site} (against its last {runs}): {', '.join(changes)}")
        lines.append(
            f"    pages that show it: {', '.join(pages[:3])}"
            + (f" (+{len(pages) - 3} more)" if len(pages) > 3 else "")
        )
    return lines


def by_site(drift: list[dict[str, Any]]) -> list[tuple[str, str, list[str], list[str]]]:
    """Drift warnings grouped by site: (site, "N runs", ["date rule 100% -> 0%", ...], pages)."""
    out = []
    for site in dict.fromkeys(d["site"] for d in drift):
        mine = [d for d in drift if d["site"] == site]
        runs = f"{mine[0]['runs']} run" + ("s" if mine[0]["runs"] != 1 else "")
        changes = [_change(d["metric"], d["before"], d["after"]) for d in mine]
        out.append((site, runs, changes, list(dict.fromkeys(page for d in mine for page in d["pages"]))))
    return out


def _change(metric: str, before: float, after: float) -> str:
    return f"{metric.replace('_', ' ')} {_fmt(metric, before)} -> {_fmt(metric, after)}"


def drift_markdown(run_id: str, drift: list[dict[str, Any]], health: list[dict[str, Any]]) -> str:
    """The Prefect warning artifact: which site, which metric, before and after, which pages."""
    out = [
        f"# Extraction drift in curate run {run_id}\n",
        "A site's own rules matched fewer of this run's pages than in its recent runs: the site may "
        "have changed its template. Check the pages below and the site's rules in `pipeline/sites/`.\n",
        "| site | metric | before | now | runs compared | pages that show it |",
        "|---|---|---|---|---|---|",
    ]
    for d in drift:
        label, _ = METRICS[d["metric"]]
        pages = "<br>".join(d["pages"]) or "-"
        out.append(
            f"| {d['site']} | {label} | {_fmt(d['metric'], d['before'])} | {_fmt(d['metric'], d['after'])} "
            f"| {d['runs']} | {pages} |"
        )
    out += ["", "## This run's extraction health\n", "| " + " | ".join(HEALTH_HEADERS) + " |"]
    out.append("|" + "|".join("---" for _ in HEALTH_HEADERS) + "|")
    out += ["| " + " | ".join(str(c) for c in health_cells(row)) + " |" for row in health]
    return "\n".join(out) + "\n"
