"""The run report's numbers, its HTML, its markdown and the Prefect artifact, over small datasets."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from pipeline.report import artifact
from pipeline.report import html as report_html
from pipeline.report.artifact import artifact_key, publish_artifact
from pipeline.report.chart import chart_unit, render_chart_svg
from pipeline.report.html import render_report_html, write_report
from pipeline.report.markdown import report_markdown
from pipeline.report.months import coverage_gaps
from pipeline.report.stats import NEW_ARTICLES_SHOWN, TOP_VALUES, dataset_stats, run_stats
from pipeline.report.summary import RunSummary
from pipeline.report.tables import gaps_text
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA
from pipeline.store.writer import RunWriter

T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
RUN1, RUN2 = "20250301T000000-aaaaaa", "20250302T000000-bbbbbb"


def article(aid: str, source: str, day: dt.date | None, run_id: str, **extra: object) -> dict:
    row = dict.fromkeys(ARTICLE_SCHEMA.names)
    row.update(
        article_id=aid, url=f"https://x.org/{aid}", title=aid, authors=[], tags=[], body="text " * 30,
        word_count=30, published_date=day, date_precision="day" if day else None,
        date_source="meta" if day else None, language="en", is_teaser=False, content_hash=aid,
        raw_path=f"{aid}.html", raw_record="", raw_item=0, ingested_at=T0, pipeline_version="t",
        run_id=run_id, source=source,
    )  # fmt: skip
    row.update(extra)
    return row


def duplicate(i: int, kind: str, source: str, run_id: str) -> dict:
    row = dict.fromkeys(DUPLICATE_SCHEMA.names)
    row.update(raw_path=f"d{i}", raw_record="", raw_item=0, duplicate_of="a1", kind=kind, similarity=1.0,
               source=source, ingested_at=T0, run_id=run_id)  # fmt: skip
    return row


def reject(i: int, reason: str, run_id: str) -> dict:
    row = dict.fromkeys(REJECT_SCHEMA.names)
    row.update(raw_path=f"r{i}", raw_record="", reason=reason, detail="", ingested_at=T0, run_id=run_id)
    return row


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    """Run 1: rferl and jamestown articles; run 2 adds eurasianet, an undated and a year-only one."""
    root = tmp_path / "curated"
    w = RunWriter(root, RUN1)
    w.add_article(article("a1", "rferl", dt.date(2024, 1, 5), RUN1))
    w.add_article(article("a2", "rferl", dt.date(2024, 1, 20), RUN1, language="ru"))
    w.add_article(article("a3", "rferl", dt.date(2024, 3, 2), RUN1, date_precision="month"))
    w.add_article(article("a4", "jamestown", dt.date(2023, 12, 31), RUN1, date_source="volume-issue"))
    w.add("duplicates", duplicate(1, "url", "rferl", RUN1), DUPLICATE_SCHEMA)
    w.add("duplicates", duplicate(2, "near", "rferl", RUN1), DUPLICATE_SCHEMA)
    w.add("rejects", reject(1, "not_article", RUN1), REJECT_SCHEMA)
    w.commit()
    w = RunWriter(root, RUN2)
    w.add_article(article("b1", "eurasianet", dt.date(2024, 1, 7), RUN2, is_teaser=True))
    w.add_article(article("b2", "eurasianet", None, RUN2, language="tg"))
    w.add_article(article("b3", "rferl", dt.date(2022, 1, 1), RUN2, date_precision="year", date_source="url"))
    w.add("duplicates", duplicate(3, "url", "eurasianet", RUN2), DUPLICATE_SCHEMA)
    w.add("rejects", reject(2, "empty", RUN2), REJECT_SCHEMA)
    w.add("rejects", reject(3, "empty", RUN2), REJECT_SCHEMA)
    w.commit()
    return root


def summary_for(root: Path) -> RunSummary:
    return RunSummary(
        run_id=RUN2, raw="raw", curated=str(root), started_at=T0, seconds=3.5, inputs_seen=9, inputs_read=6,
        inputs_unchanged=3, documents=6, articles=Counter(eurasianet=2, rferl=1), duplicates=Counter(url=1),
        rejects=Counter(empty=2), superseded=1,
    )  # fmt: skip


def test_dataset_stats_counts_everything_committed(curated: Path) -> None:
    stats = dataset_stats(curated)
    assert stats["articles_total"] == 7
    assert stats["articles_by_source"] == {"eurasianet": 2, "jamestown": 1, "rferl": 4}
    assert stats["duplicates_by_kind"] == {"url": 2, "near": 1}
    assert stats["duplicates_by_source"] == {"rferl": 2, "eurasianet": 1}
    assert stats["rejects_by_reason"] == {"empty": 2, "not_article": 1}
    assert stats["dates"] == {
        "first": "2022-01-01", "last": "2024-03-02", "dated": 6, "undated": 1, "dated_pct": 85.7,
        "not_charted": 1,
    }  # fmt: skip
    assert stats["date_precision"] == {"day": 4, "month": 1, "none": 1, "year": 1}
    assert stats["date_source"] == {"meta": 4, "none": 1, "url": 1, "volume-issue": 1}
    assert stats["languages"] == {"en": 5, "ru": 1, "tg": 1}
    # The year-only date (2022) is not charted: placing it in January would invent a peak.
    assert stats["per_month"] == [
        {"month": "2023-12", "source": "jamestown", "articles": 1},
        {"month": "2024-01", "source": "eurasianet", "articles": 1},
        {"month": "2024-01", "source": "rferl", "articles": 2},
        {"month": "2024-03", "source": "rferl", "articles": 1},
    ]
    eurasianet = next(s for s in stats["sources"] if s["source"] == "eurasianet")
    assert eurasianet == {
        "source": "eurasianet", "articles": 2, "dated": 1, "first": "2024-01-07", "last": "2024-01-07",
        "teasers": 1, "words": 60, "languages": {"en": 1, "tg": 1}, "top_tags": [], "top_authors": [],
        "gaps": [], "gap_months": 0, "word_count": {"min": 30, "q1": 30, "median": 30, "q3": 30, "max": 30},
    }  # fmt: skip
    rferl = next(s for s in stats["sources"] if s["source"] == "rferl")
    assert rferl["gaps"] == ["2024-02"] and rferl["gap_months"] == 1  # January and March, not February


def test_run_stats_only_counts_that_run(curated: Path) -> None:
    stats = run_stats(curated, RUN1)
    assert stats["scope"] == f"run {RUN1}"
    assert stats["articles_by_source"] == {"jamestown": 1, "rferl": 3}
    assert stats["duplicates_by_kind"] == {"near": 1, "url": 1}
    assert stats["rejects_by_reason"] == {"not_article": 1}
    assert stats["dates"]["first"] == "2023-12-31" and stats["dates"]["undated"] == 0
    assert run_stats(curated, "no-such-run")["articles_total"] == 0


def test_stats_tolerate_missing_and_empty_tables(tmp_path: Path) -> None:
    empty = dataset_stats(tmp_path / "does-not-exist")
    assert empty["articles_total"] == 0 and empty["per_month"] == [] and empty["rejects_by_reason"] == {}
    assert empty["dates"] == {
        "first": None, "last": None, "dated": 0, "undated": 0, "dated_pct": 0.0, "not_charted": 0
    }  # fmt: skip
    only_rejects = tmp_path / "only-rejects"
    w = RunWriter(only_rejects, RUN1)
    w.add("rejects", reject(1, "binary", RUN1), REJECT_SCHEMA)
    w.commit()
    stats = dataset_stats(only_rejects)
    assert stats["rejects_by_reason"] == {"binary": 1} and stats["articles_total"] == 0
    assert "No articles with a known month" in render_report_html(stats, "empty")


def test_staging_and_temporary_files_are_not_counted(curated: Path) -> None:
    stray = curated / "_staging" / "x" / "articles" / "source=rferl" / "year=2024"
    stray.mkdir(parents=True)
    for src in (curated / "articles/source=rferl/year=2024").glob("*.parquet"):
        (stray / src.name).write_bytes(src.read_bytes())
        (src.parent / f".{src.name}.tmp").write_bytes(src.read_bytes())
    assert dataset_stats(curated)["articles_by_source"]["rferl"] == 4


def parse(page: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(page.encode())


def test_chart_has_one_bar_per_month_and_source_scaled_to_counts(curated: Path) -> None:
    svg = parse(render_chart_svg(dataset_stats(curated)["per_month"]))
    bars = {(b.get("data-month"), b.get("data-source")): b for b in svg.xpath("//rect[@class='bar']")}
    assert set(bars) == {("2023-12", "jamestown"), ("2024-01", "eurasianet"), ("2024-01", "rferl"),
                         ("2024-03", "rferl")}  # fmt: skip
    height = {key: float(bar.get("height")) for key, bar in bars.items()}
    assert height[("2024-01", "rferl")] == pytest.approx(2 * height[("2023-12", "jamestown")])
    # Stacked: rferl sits on top of eurasianet in January.
    jan_e, jan_r = bars[("2024-01", "eurasianet")], bars[("2024-01", "rferl")]
    assert float(jan_r.get("y")) + float(jan_r.get("height")) == pytest.approx(float(jan_e.get("y")))
    # February has no articles but keeps its slot: March is two slots right of January.
    x = {key: float(bar.get("x")) for key, bar in bars.items()}
    assert x[("2024-03", "rferl")] - x[("2024-01", "rferl")] == pytest.approx(
        2 * (x[("2024-01", "rferl")] - x[("2023-12", "jamestown")])
    )
    assert [t.text for t in svg.xpath("//text[@class='legend-label']")] == [
        "eurasianet",
        "jamestown",
        "rferl",
    ]
    assert "articles" in svg.xpath("//text[@class='axis-title']/text()")
    assert "2023-12" in svg.xpath("//text[@class='tick']/text()")


def test_twenty_years_are_drawn_by_year_with_whole_years_as_labels() -> None:
    per_month = [{"month": f"{y}-{m:02d}", "source": "rferl", "articles": 1} for y in range(2005, 2025)
                 for m in range(1, 13)]  # fmt: skip
    svg = parse(render_chart_svg(per_month))
    labels = svg.xpath("//text[@class='tick' and @text-anchor='middle']/text()")
    assert 5 <= len(labels) <= 12 and all(len(label) == 4 for label in labels)
    bars = svg.xpath("//rect[@class='bar']")
    assert [b.get("data-period") for b in bars] == [str(y) for y in range(2005, 2025)]
    assert {b.get("data-count") for b in bars} == {"12"}
    assert svg.get("data-unit") == "year" and "year of publication (UTC)" in svg.xpath("//text/text()")


@pytest.mark.parametrize(
    ("years", "unit", "bars"), [(1, "month", 12), (6, "month", 72), (7, "quarter", 28), (15, "quarter", 60),
                                (16, "year", 16)],
)  # fmt: skip
def test_the_chart_bins_by_quarter_or_year_as_the_span_grows(years: int, unit: str, bars: int) -> None:
    # One article in the first and one in the last month: the bars in between are empty slots.
    per_month = [{"month": "2001-01", "source": "rferl", "articles": 1},
                 {"month": f"{2000 + years}-12", "source": "rferl", "articles": 1}]  # fmt: skip
    assert chart_unit("2001-01", f"{2000 + years}-12") == unit
    svg = parse(render_chart_svg(per_month))
    drawn = svg.xpath("//rect[@class='bar']")
    assert svg.get("data-unit") == unit and len(drawn) == 2
    slot = (float(drawn[1].get("x")) - float(drawn[0].get("x"))) / (bars - 1)
    assert slot == pytest.approx(888 / bars, abs=0.01)  # the plot's width shared by every period of the span
    labels = svg.xpath("//text[@class='tick' and @text-anchor='middle']/text()")
    assert 1 <= len(labels) <= 12


def test_quarters_add_up_their_months() -> None:
    per_month = [{"month": f"{y}-{m:02d}", "source": s, "articles": 1} for y in range(2010, 2020)
                 for m in (1, 2, 4) for s in ("rferl", "jamestown")]  # fmt: skip
    bars = parse(render_chart_svg(per_month)).xpath("//rect[@class='bar']")
    counts = {(b.get("data-period"), b.get("data-source")): b.get("data-count") for b in bars}
    assert counts[("2010-Q1", "rferl")] == "2" and counts[("2019-Q2", "jamestown")] == "1"
    assert ("2010-Q3", "rferl") not in counts and len(bars) == 10 * 2 * 2


def test_report_html_is_self_contained_and_escaped(curated: Path) -> None:
    stats = dataset_stats(curated)
    stats["sources"][0]["source"] = "<script>alert(1)</script>"
    page = render_report_html(stats, "Report <1>")
    lowered = page.lower()
    for needle in ("<script", "src=", "href=", "@import", "url(", "http://", "https://"):
        if needle == "http://":
            lowered = lowered.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert needle not in lowered, needle
    doc = parse(page)
    assert doc.xpath("/html/head/title/text()") == ["Report <1>"]
    assert doc.xpath("//table[@id='sources']/tbody/tr[1]/td[1]/text()") == ["<script>alert(1)</script>"]


def test_report_tables_hold_the_numbers(curated: Path) -> None:
    doc = parse(render_report_html(dataset_stats(curated), "t"))

    def table(table_id: str) -> dict[str, str]:
        return {
            r.xpath("td")[0].text: r.xpath("td")[-1].text
            for r in doc.xpath(f"//table[@id='{table_id}']//tr[td]")
        }

    assert table("duplicates") == {"url": "2", "near": "1"}
    assert table("rejects") == {"empty": "2", "not_article": "1"}
    assert table("date-precision") == {"day": "4", "month": "1", "none": "1", "year": "1"}
    assert table("languages") == {"en": "5", "ru": "1", "tg": "1"}
    assert [r.xpath("td/text()") for r in doc.xpath("//table[@id='sources']/tbody/tr")][2] == [
        "rferl", "4", "100.0%", "2022-01-01", "2024-03-02", "0",
    ]  # fmt: skip
    assert "Not charted: 1 undated articles and 1 known only to the year." in doc.text_content()


def test_write_report_puts_run_and_dataset_numbers_in_one_file(curated: Path) -> None:
    path = write_report(curated, RUN2, summary_for(curated))
    assert path == curated / "_reports" / f"{RUN2}.html"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    doc = parse(path.read_text())
    run_articles = {
        r.xpath("td")[0].text: r.xpath("td")[-1].text
        for r in doc.xpath("//table[@id='run-articles']//tr[td]")
    }
    assert run_articles == {"eurasianet": "2", "rferl": "1"}
    assert doc.xpath("//table[@id='run-rejects']//tr[td]/td[1]/text()") == ["empty"]
    assert len(doc.xpath("//svg[@id='per-month-chart']//rect[@class='bar']")) == 4  # the whole dataset
    text = doc.text_content()
    assert "Dates of this run's articles: 2022-01-01 to 2024-01-07, 66.7% dated." in text
    assert "replaced by a better record (the full text, or the page with its URL): 1" in text
    assert f"run_id = '{RUN2}'" in text  # where to look for this run's rejects


def test_write_report_replaces_atomically(curated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_report(curated, RUN2, summary_for(curated))
    before = path.read_text()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_report(curated, RUN2, summary_for(curated))
    assert path.read_text() == before  # a reader still sees the complete old report


@pytest.mark.parametrize("bad", ["../escape", "a/b", ".hidden", ""])
def test_write_report_refuses_run_ids_that_are_not_file_names(curated: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="cannot name a report file"):
        write_report(curated, bad, summary_for(curated))


def test_report_markdown_has_run_and_dataset_numbers(curated: Path) -> None:
    md = report_markdown(dataset_stats(curated), summary_for(curated))
    assert md.startswith(f"# Curate run {RUN2}\n")
    assert "**3** articles, **1** duplicates, **2** rejects" in md  # this run
    assert (
        "**7** articles, **3** duplicates, **3** rejects; dates 2022-01-01 to 2024-03-02, 85.7% dated" in md
    )
    assert "| rferl | 4 | 4 | 2022-01-01 | 2024-03-02 | 0 |" in md
    assert "| near | 1 |" in md and "| not_article | 1 |" in md
    assert "| year | eurasianet | jamestown | rferl |" in md
    assert "| 2024 | 1 | 0 | 3 |" in md and "| 2023 | 0 | 1 | 0 |" in md
    assert "## Whole dataset" in md
    assert report_markdown(dataset_stats(curated)).startswith("**7** articles")  # without a run
    # With one run's numbers (what the curate flow publishes) the heading must not claim the dataset.
    run_md = report_markdown(run_stats(curated, RUN2), summary_for(curated))
    assert "## Whole dataset" not in run_md and "## As committed (read back from curated/)" in run_md
    assert "**3** articles, **1** duplicates, **2** rejects; dates 2022-01-01 to 2024-01-07" in run_md


def test_the_flows_artifact_shows_the_whole_dataset_like_the_html_report(curated, monkeypatch) -> None:
    """A run that added little still shows the dataset it left (7 articles), not its own numbers."""
    from pipeline.curation import runner as curate_run

    published: list[str] = []
    monkeypatch.setattr(
        artifact, "publish_artifact", lambda markdown, key, description=None: published.append(markdown)
    )
    curate_run._publish(summary_for(curated), curated)
    [md] = published
    assert "## Whole dataset" in md and "**7** articles, **3** duplicates, **3** rejects" in md


def test_an_empty_table_in_the_markdown_says_which_it_is() -> None:
    from pipeline.report.markdown import _md_table

    assert _md_table(["duplicate kind", "count"], []) == "_duplicate kind: none_\n"


@pytest.mark.parametrize(
    ("key", "expected"),
    [("curate-20250301T000000-aaaaaa", "curate-20250301t000000-aaaaaa"),
     ("Run report: x_y", "run-report-x-y"), ("***", "report")],
)  # fmt: skip
def test_artifact_key_is_what_prefect_accepts(key: str, expected: str) -> None:
    assert artifact_key(key) == expected


def test_publish_artifact_does_nothing_outside_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    import prefect.artifacts

    def forbidden(**kwargs: object) -> None:
        raise AssertionError("must not be called outside a flow run")

    monkeypatch.setattr(prefect.artifacts, "create_markdown_artifact", forbidden)
    assert artifact.in_prefect_run() is False
    assert publish_artifact("# hi", "curate-report") is None


def test_publish_artifact_inside_a_run_creates_it_synchronously(monkeypatch: pytest.MonkeyPatch) -> None:
    import prefect.artifacts

    calls = []
    monkeypatch.setattr(artifact, "in_prefect_run", lambda: True)
    monkeypatch.setattr(
        prefect.artifacts, "create_markdown_artifact", lambda **kw: calls.append(kw) or "id-1"
    )
    assert publish_artifact("# numbers", f"curate-{RUN1}", description="d") == "id-1"
    assert calls == [
        {"markdown": "# numbers", "key": "curate-20250301t000000-aaaaaa", "description": "d", "_sync": True}
    ]


def test_publish_artifact_failure_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import prefect.artifacts

    def refuse(**kwargs: object) -> None:
        raise RuntimeError("API unreachable")

    monkeypatch.setattr(artifact, "in_prefect_run", lambda: True)
    monkeypatch.setattr(prefect.artifacts, "create_markdown_artifact", refuse)
    with caplog.at_level(logging.WARNING, logger="pipeline.report.artifact"):
        assert publish_artifact("# n", "k") is None
    assert "API unreachable" in caplog.text


def test_report_file_has_no_leftovers_after_failed_render(
    curated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        report_html, "render_report_html", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x"))
    )
    with pytest.raises(RuntimeError):
        write_report(curated, RUN1, summary_for(curated))
    assert not (curated / "_reports").exists() or not os.listdir(curated / "_reports")


# -- what an analyst asks first ---------------------------------------------------------------------


def test_coverage_gaps_are_the_silent_months_as_ranges() -> None:
    months = {"2020-01", "2020-05", "2020-06", "2020-08", "2021-02"}
    assert coverage_gaps(months) == ["2020-02..2020-04", "2020-07", "2020-09..2021-01"]
    assert coverage_gaps({"2020-01", "2020-02"}) == [] and coverage_gaps(set()) == []


@pytest.fixture
def profiled(tmp_path: Path) -> Path:
    """rferl: 9 articles with tags, authors, two languages, word counts 100..900 and a silent spring."""
    root = tmp_path / "curated"
    w = RunWriter(root, RUN1)
    months = [1, 1, 2, 6, 6, 7, 7, 7, 7]  # March to May silent
    for i, month in enumerate(months, 1):
        w.add_article(article(
            f"r{i}", "rferl", dt.date(2024, month, 3), RUN1, word_count=100 * i,
            language="ru" if i > 6 else "en",
            tags=["Tajikistan", *(["Russia"] if i % 2 else []), *(["Rogun"] if i == 9 else [])],
            authors=["A. Writer"] if i < 8 else ["B. Other", ""],
        ))  # fmt: skip
    w.add_article(article("j1", "jamestown", None, RUN1, word_count=None))
    w.commit()
    return root


def test_each_source_has_languages_top_tags_authors_gaps_and_word_spread(profiled: Path) -> None:
    rferl, jamestown = sorted(dataset_stats(profiled)["sources"], key=lambda s: s["source"], reverse=True)
    assert rferl["languages"] == {"en": 6, "ru": 3}
    assert rferl["top_tags"] == [["Tajikistan", 9], ["Russia", 5], ["Rogun", 1]]
    assert rferl["top_authors"] == [["A. Writer", 7], ["B. Other", 2]]  # an empty name is no author
    assert rferl["gaps"] == ["2024-03..2024-05"] and rferl["gap_months"] == 3
    assert rferl["word_count"] == {"min": 100, "q1": 300, "median": 500, "q3": 700, "max": 900}
    # An undated source with no word counts: nothing to say, and nothing that breaks.
    assert jamestown["gaps"] == [] and jamestown["word_count"]["min"] is None

    doc = parse(render_report_html(dataset_stats(profiled), "t"))
    cells = {r.xpath("td")[0].text: [td.text for td in r.xpath("td")] for r in doc.xpath(
        "//table[@id='source-profiles']/tbody/tr")}  # fmt: skip
    assert cells["rferl"][1:] == [
        "en 6, ru 3", "Tajikistan 9, Russia 5, Rogun 1", "A. Writer 7, B. Other 2",
        "3 months: 2024-03..2024-05", "100 / 300 / 500 / 700 / 900",
    ]  # fmt: skip
    assert cells["jamestown"][4:] == ["none", "-"]


def test_top_tags_are_capped_and_many_gaps_say_how_many_more(tmp_path: Path) -> None:
    root = tmp_path / "curated"
    w = RunWriter(root, RUN1)
    for year in range(2000, 2021):  # every other month: 125 one-month gaps
        for month in range(1, 13, 2):
            w.add_article(article(f"{year}{month}", "rferl", dt.date(year, month, 1), RUN1,
                                  tags=[f"t{month}", f"u{month}", "x"]))  # fmt: skip
    w.commit()
    [source] = dataset_stats(root)["sources"]
    assert len(source["top_tags"]) == TOP_VALUES and source["top_tags"][0] == ["x", 126]
    assert len(source["gaps"]) == 125 and source["gap_months"] == 125
    text = parse(render_report_html(dataset_stats(root), "t")).xpath(
        "//table[@id='source-profiles']/tbody/tr/td[5]/text()"
    )[0]
    assert text.startswith("125 months: 2000-02, 2000-04") and text.endswith(", and 113 shorter")


def test_of_many_gaps_the_longest_are_shown_in_time_order() -> None:
    gaps = [f"{y}-02" for y in range(2000, 2020)] + ["2020-02..2020-12", "2021-02..2021-04"]
    text = gaps_text(sorted(gaps), 34)
    assert text.startswith("34 months: 2000-02, 2001-02,") and text.endswith(
        "2009-02, 2020-02..2020-12, 2021-02..2021-04, and 10 shorter"
    )


def test_new_in_this_run_lists_its_articles_with_links_newest_first(curated: Path) -> None:
    run = run_stats(curated, RUN2)
    assert run["new_articles_total"] == 3
    assert [(a["title"], a["date"]) for a in run["new_articles"]] == [
        ("b1", "2024-01-07"), ("b3", "2022-01-01"), ("b2", None),  # undated last
    ]  # fmt: skip
    doc = parse(render_report_html(dataset_stats(curated), "t", summary=summary_for(curated), run=run))
    rows = doc.xpath("//table[@id='new-articles']/tbody/tr")
    assert [r.xpath("td[1]/a/@href")[0] for r in rows] == [f"https://x.org/{a}" for a in ("b1", "b3", "b2")]
    assert [td.text_content() for td in rows[2].xpath("td")] == ["b2", "eurasianet", "-", "tg"]
    assert "New in this run (3)" in doc.text_content() and not doc.xpath("//*[@id='new-articles-more']")
    # Only runs list new articles: the dataset report has no such table.
    assert not parse(render_report_html(dataset_stats(curated), "t")).xpath("//table[@id='new-articles']")


def test_new_in_this_run_is_capped_and_a_scraped_script_url_is_no_link(tmp_path: Path) -> None:
    root = tmp_path / "curated"
    w = RunWriter(root, RUN1)
    for i in range(NEW_ARTICLES_SHOWN + 3):
        w.add_article(article(f"a{i:02d}", "rferl", dt.date(2024, 1, 1) + dt.timedelta(days=i), RUN1))
    w.add_article(article("evil", "rferl", dt.date(2030, 1, 1), RUN1, url="javascript:alert(1)",
                          title="<b>Evil</b>"))  # fmt: skip
    w.add_article(article("nourl", "rferl", dt.date(2029, 1, 1), RUN1, url=None, title=None))
    w.commit()
    run = run_stats(root, RUN1)
    page = render_report_html(dataset_stats(root), "t", summary=summary_for(root), run=run)
    doc = parse(page)
    rows = doc.xpath("//table[@id='new-articles']/tbody/tr")
    assert len(rows) == NEW_ARTICLES_SHOWN
    assert rows[0].xpath("td[1]/a") == [] and rows[0].xpath("td[1]/text()") == ["<b>Evil</b>"]
    assert rows[1].xpath("td[1]/text()") == ["(no title)"]
    assert "javascript:" not in page.split("<body>")[1].replace(">javascript:alert(1)<", "")
    more = doc.xpath("//*[@id='new-articles-more']")[0].text_content()
    assert more.startswith("and 5 more:") and f"WHERE run_id = '{RUN1}'" in more


CRAWLS = {
    "rferl": {"stored": 12, "skipped": 47, "skipped_by_reason": {"already in raw/": 47}, "failed": 3,
              "failed_by_reason": {"http_404": 2, "timeout": 1}},
    "jamestown": {"stored": 0, "skipped": 0, "failed": 0, "failed_by_reason": {}, "error": "exited 1"},
    "eurasianet": {"stored": 5, "skipped": 0, "skipped_by_reason": {}, "failed": 0, "failed_by_reason": {},
                   "stopped": "stopped: closespider_timeout"},
}  # fmt: skip


def test_the_crawl_outcome_per_site_is_shown_on_ingest_runs_only(curated: Path) -> None:
    path = write_report(curated, RUN2, summary_for(curated), crawls=CRAWLS)
    doc = parse(path.read_text())
    rows = [[td.text for td in r.xpath("td")] for r in doc.xpath("//table[@id='crawl']/tbody/tr")]
    assert rows == [
        ["eurasianet", "5", "0", "0", None, "stopped: closespider_timeout"],
        ["jamestown", "0", "0", "0", None, "exited 1"],
        ["rferl", "12", "47", "3", "http_404 2, timeout 1", "finished"],
    ]
    plain = parse(write_report(curated, RUN2, summary_for(curated)).read_text())
    assert not plain.xpath("//table[@id='crawl']") and not plain.xpath("//*[@id='crawl-outcome']")


def test_publish_puts_crawls_and_new_articles_in_the_report_and_the_artifact(curated, monkeypatch) -> None:
    from pipeline.curation import runner as curate_run

    published: list[str] = []
    monkeypatch.setattr(
        artifact, "publish_artifact", lambda markdown, key, description=None: published.append(markdown)
    )
    summary = summary_for(curated)
    curate_run._publish(summary, curated, CRAWLS)
    doc = parse(Path(summary.report_path).read_text())
    assert len(doc.xpath("//table[@id='crawl']/tbody/tr")) == 3
    assert len(doc.xpath("//table[@id='new-articles']/tbody/tr")) == 3
    [md] = published
    assert "## Crawl, per site" in md and "| rferl | 12 | 47 | 3 | http_404 2, timeout 1 | finished |" in md
    assert (
        "## New in this run (3)" in md and "| [b1](https://x.org/b1) | eurasianet | 2024-01-07 | en |" in md
    )
    assert "| rferl | en 3, ru 1 |" in md  # the per-source profile of the whole dataset
    curate_run._publish(summary, curated)
    assert "Crawl, per site" not in published[-1] and "New in this run (3)" in published[-1]
