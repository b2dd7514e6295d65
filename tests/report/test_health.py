"""Extraction health: per-page evidence, the per-site rows, the comparison with recent runs, and
where the drift warning shows (summary, health table, report, stats). In process and fast; the
crawl of a mirror whose template changes is tests/flows/test_health_crawl.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support._mirror import pangea_article, prose, wordpress_article
from support.health_pages import eurasianet_new, eurasianet_old

from pipeline.cli import main as cli
from pipeline.curation.driver import run_curation
from pipeline.extraction.dispatch import extract_document
from pipeline.models import RawDocument
from pipeline.report.health import SiteHealth, compare, drift_markdown
from pipeline.report.html import render_report_html
from pipeline.report.markdown import report_markdown
from pipeline.report.stats import dataset_stats
from pipeline.settings import HealthSettings, load_settings
from pipeline.store.readers import read_table
from pipeline.store.schemas import HEALTH_SCHEMA

WHEN = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)


def evidence_of(page: str, url: str, kind: str = "html"):
    result = extract_document(RawDocument("p.html", kind, page, url=url))
    return result[0].evidence if isinstance(result, list) else result.evidence


# -- evidence ----------------------------------------------------------------------------------------


def test_a_page_on_the_sites_template_is_all_site_rules() -> None:
    ev = evidence_of(
        eurasianet_old("Gas talks in Dushanbe", WHEN, 1), "https://eurasianet.org/gas-talks-in-dushanbe"
    )
    assert (ev.site, ev.container, ev.title, ev.date, ev.authors) == (
        "eurasianet",
        "site",
        "site",
        "site",
        "site",
    )
    assert ev.page == "https://eurasianet.org/gas-talks-in-dushanbe" and not ev.fallback_used


def test_a_redesigned_page_says_which_rules_missed_and_counts_though_rejected() -> None:
    url = "https://eurasianet.org/gas-talks-in-dushanbe"
    result = extract_document(RawDocument("p.html", "html", eurasianet_new("Gas talks", WHEN, 1), url=url))
    assert result.reason == "not_article"  # the body container is gone: no text
    ev = result.evidence
    # Title still by the site's h1 rule; date only from JSON-LD, byline only from rel=author.
    assert (ev.container, ev.title, ev.date, ev.authors) == ("none", "site", "fallback", "fallback")
    assert ev.fallback_used


def test_a_page_of_an_unknown_site_is_all_fallback() -> None:
    ev = evidence_of(wordpress_article("A story", WHEN, 3), "https://example.com/a-story/")
    assert ev.site == "other" and set(ev.origins().values()) == {"fallback"}


def test_text_dump_evidence_site_rules_then_general_ones() -> None:
    body = "\n\n".join(prose(7))
    url = "https://eurasianet.org/tajikistan-rogun-dam-talks"
    on_template = (
        "Skip to main content\nYou can search using keywords to narrow down the list.\n"
        f"Tajikistan: Rogun dam talks stall again\nDavid Trilling Apr 15, 2013\n{body}\nEurasianet ©2025\n"
    )
    ev = evidence_of(on_template, url, "text")
    assert set(ev.origins().values()) == {"site"}
    bare = f"Tajikistan: Rogun dam talks stall again\nBy David Trilling\n{body}\n"
    ev = evidence_of(bare, url, "text")
    assert (ev.container, ev.title, ev.date, ev.authors) == ("fallback", "fallback", "none", "fallback")


# -- the comparison ----------------------------------------------------------------------------------


def row(site: str = "eurasianet", run: int = 0, pages: int = 10, **metrics: float | None) -> SiteHealth:
    values = dict(
        container_rule=1.0, title_rule=1.0, date_rule=1.0, authors_rule=1.0, fallback=0.0,
        median_words=400.0, undated=0.0,
    )  # fmt: skip
    values.update(metrics)
    return SiteHealth(site=site, pages=pages, articles=pages, run_id=f"2025050{run}T000000-aaaaaa", **values)


CFG = HealthSettings(window_runs=10, drop_threshold=0.2, min_pages=3)


def test_no_warning_on_a_sites_first_run() -> None:
    assert compare([row(date_rule=0.0)], [], CFG) == []
    assert compare([row(date_rule=0.0)], [row("rferl", 1)], CFG) == []  # another site's past is not its own


def test_warning_on_a_drop_names_metric_before_after_and_window() -> None:
    history = [row(run=1), row(run=2, date_rule=0.9), row(run=3)]
    [drift] = compare([row(run=4, date_rule=0.1)], history, CFG)
    assert (drift.site, drift.metric, drift.before, drift.after, drift.runs) == (
        "eurasianet",
        "date_rule",
        1.0,
        0.1,
        3,
    )
    assert "100% -> 10%" in drift.describe() and "last 3 runs" in drift.describe()


def test_no_warning_on_small_noise() -> None:
    history = [
        row(run=1, date_rule=0.95, median_words=420.0),
        row(run=2, date_rule=0.9),
        row(run=3, undated=0.1),
    ]
    now = row(run=4, date_rule=0.8, container_rule=0.85, fallback=0.15, undated=0.15, median_words=340.0)
    assert compare([now], history, CFG) == []
    # A drop of exactly the threshold is not beyond it (1.0 - 0.8 is 0.19999999999999996 in floats).
    assert compare([row(run=4, title_rule=0.8)], [row(run=1)], CFG) == []


def test_rises_and_shorter_bodies_are_drops_too() -> None:
    now = row(run=2, fallback=0.5, undated=0.4, median_words=150.0)
    assert {d.metric for d in compare([now], [row(run=1)], CFG)} == {"fallback", "undated", "median_words"}


def test_too_few_pages_are_recorded_not_judged() -> None:
    assert compare([row(run=2, pages=2, date_rule=0.0)], [row(run=1)], CFG) == []
    assert compare([row(run=2, date_rule=0.0)], [row(run=1, pages=2)], CFG) == []  # nor a thin window
    assert compare([row(run=3, date_rule=0.0)], [row(run=1, pages=2), row(run=2, pages=1)], CFG) != []


def test_the_baseline_is_the_median_of_the_last_window_runs() -> None:
    # Three old broken runs fall outside a window of 3; inside it the median ignores one odd run.
    history = [row(run=i, date_rule=0.0) for i in (1, 2, 3)] + [
        row(run=4),
        row(run=5, date_rule=0.3),
        row(run=6),
    ]
    cfg = HealthSettings(window_runs=3, drop_threshold=0.2, min_pages=3)
    [drift] = compare([row(run=7, date_rule=0.5)], history, cfg)
    assert drift.before == 1.0 and drift.runs == 3
    # With a long window the old broken runs pull the median down: no warning.
    assert (
        compare([row(run=7, date_rule=0.5)], history, HealthSettings(window_runs=10, drop_threshold=0.2))
        == []
    )


# -- a curate run: table, summary, report, stats -----------------------------------------------------


def write_pages(raw: Path, start: int, count: int, redesigned: bool) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        when = WHEN + dt.timedelta(days=i)
        url = f"https://eurasianet.org/tajikistan-story-number-{i}-about-gas"
        page = (eurasianet_new if redesigned else eurasianet_old)(f"Story {i}", when, 500 + i, url)
        (raw / f"ea-{i}.html").write_text(page)
        rf = pangea_article(f"Хабари {i}", when, 600 + i).replace(
            "<head>", f'<head><link rel="canonical" href="https://www.ozodi.org/a/story-{i}/{3000 + i}.html">'
        )
        (raw / f"rf-{i}.html").write_text(rf)


def settings():
    return load_settings(config_path="/nonexistent", env={})


@pytest.fixture
def two_runs(tmp_path: Path):
    """A run on the old template, then one where Eurasianet's new pages use the new one."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    write_pages(raw, 0, 4, redesigned=False)
    first = run_curation(raw, curated, settings())
    write_pages(raw, 4, 4, redesigned=True)
    second = run_curation(raw, curated, settings())
    return curated, first, second


def test_a_redesign_warns_for_that_site_only(two_runs) -> None:
    curated, first, second = two_runs
    assert first.drift == [] and {r["site"] for r in first.health} == {"eurasianet", "rferl"}
    assert {(d["site"], d["metric"]) for d in second.drift} == {
        ("eurasianet", "container_rule"),
        ("eurasianet", "date_rule"),
        ("eurasianet", "authors_rule"),
        ("eurasianet", "fallback"),
    }
    new_pages = {f"https://eurasianet.org/tajikistan-story-number-{i}-about-gas" for i in range(4, 8)}
    assert all(set(d["pages"]) == new_pages for d in second.drift)
    text = second.render_text()
    warning = "warning: extraction drift on eurasianet (against its last 1 run): container rule 100% -> 0%, "
    assert warning + "date rule 100% -> 0%, authors rule 100% -> 0%, fallback 0% -> 100%\n" in text
    assert "    pages that show it: https://eurasianet.org/tajikistan-story-number-4-about-gas, " in text
    assert "warning: extraction drift on rferl" not in text
    rows = {(r["run_id"], r["site"]): r for r in read_table(curated, "health").to_pylist()}
    assert len(rows) == 4
    rferl = [rows[(s.run_id, "rferl")] for s in (first, second)]
    assert [(r["container_rule"], r["date_rule"], r["drift"]) for r in rferl] == [(1.0, 1.0, [])] * 2
    ea = rows[(second.run_id, "eurasianet")]
    assert (ea["pages"], ea["articles"], ea["container_rule"], ea["title_rule"], ea["median_words"]) == (
        4,
        0,
        0.0,
        1.0,
        None,
    )
    assert len(ea["drift"]) == 4 and set(ea["drift_pages"]) == new_pages


def test_report_stats_and_artifact_show_health(two_runs, capsys) -> None:
    curated, _, second = two_runs
    stats = dataset_stats(curated)
    latest = {r["site"]: r for r in stats["health"]}
    assert latest["eurasianet"]["run_id"] == second.run_id and latest["eurasianet"]["container_rule"] == 0.0
    page = render_report_html(stats, "t", summary=second)
    assert 'id="drift"' in page and "tajikistan-story-number-5-about-gas" in page
    assert page.count('id="run-health"') == 1 and 'id="health"' in page
    markdown = report_markdown(stats, second)
    assert "Warning, extraction drift on eurasianet" in markdown and "rferl" in markdown
    artifact = drift_markdown(second.run_id, second.drift, second.health)
    assert "| eurasianet | pages whose date the site's rules found | 100% | 0% | 1 |" in artifact
    assert cli.main(["stats", "--curated", str(curated)]) == 0
    out = capsys.readouterr().out
    assert "Extraction health" in out and "eurasianet" in out
    assert cli.main(["stats", "--curated", str(curated), "--json"]) == 0
    assert {r["site"] for r in json.loads(capsys.readouterr().out)["health"]} == {"eurasianet", "rferl"}


def test_health_table_is_always_there_and_a_rebuild_starts_it_afresh(two_runs, tmp_path) -> None:
    curated, _, _ = two_runs
    rebuilt = run_curation(tmp_path / "raw", curated, settings(), full=True)
    assert rebuilt.drift == []  # a rebuild compares with nothing: it replaced the history
    assert {r["run_id"] for r in read_table(curated, "health").to_pylist()} == {rebuilt.run_id}
    only_rejects, out = tmp_path / "raw2", tmp_path / "curated2"
    only_rejects.mkdir()
    (only_rejects / "empty.txt").write_bytes(b"")
    run_curation(only_rejects, out, settings())
    [part] = list((out / "health").glob("*.parquet"))
    assert (
        pq.read_schema(part).equals(HEALTH_SCHEMA, check_metadata=False) and pq.read_table(part).num_rows == 0
    )


def test_the_shortest_pages_and_median_without_keeping_every_page() -> None:
    """The tally keeps each article's word count (4 bytes), and only the EXAMPLE_PAGES shortest
    pages: the same examples and median as sorting every (words, page) of the run."""
    import random
    import statistics

    from pipeline.extraction.evidence import Evidence
    from pipeline.models import Article
    from pipeline.report import health as health_mod

    rng = random.Random(3)
    tally = health_mod.HealthTally()
    pairs = []
    for n in range(500):
        words = rng.choice((30, 31, 200, 1000, rng.randrange(25, 5000)))
        page = f"https://www.rferl.org/a/{rng.randrange(10**6)}-{n}.html"
        evidence = Evidence("rferl", page, "site", "site", "site", "site")
        article = Article(source="rferl", body="x", raw_path=page, url=page, evidence=evidence)
        tally.add_article(article, words)
        pairs.append((words, page))
    expected = [page for _, page in sorted(pairs)[: health_mod.EXAMPLE_PAGES]]
    assert tally.examples("rferl", "median_words") == expected
    [site] = tally.site_health()
    assert site.median_words == statistics.median(w for w, _ in pairs)
