"""Articles change after they are fetched: revisits, revisions, modified_at, per-host marks.

The end-to-end test crawls a local mirror (127.0.0.1) twice with `scrapy crawl`, changing one
page and moving sitemap lastmods in between, and curates after each crawl.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import pytest
from scrapy.http import Request, XmlResponse
from scrapy.utils.test import get_crawler
from support._mirror import Mirror, prose, run_crawl, urlset

from pipeline.curation.driver import run_curation
from pipeline.dedupe.decisions import Deduper, content_hash
from pipeline.dedupe.minhash import signatures
from pipeline.extraction.html_article import extract_html
from pipeline.models import Article, RawDocument
from pipeline.settings import DedupeSettings, load_settings
from pipeline.sites import SITES
from pipeline.store.readers import read_table
from spiders.spiders.rferl import RferlSpider
from spiders.state import CrawlState

UTC = dt.UTC
CFG = DedupeSettings()


def pangea_page(
    title: str, paragraphs: list[str], published: dt.datetime, modified: dt.datetime | None = None
) -> str:
    """A Pangea article page with JSON-LD (datePublished, dateModified as RFE/RL writes them)."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
    ld["datePublished"] = f"{published:%Y-%m-%d %H:%M:%S}Z"
    if modified is not None:
        ld["dateModified"] = f"{modified:%Y-%m-%d %H:%M:%S}Z"
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body class="pg-article"><div class="col-title"><h1 class="title pg-title">{html.escape(title)}</h1></div>
<div class="published"><span class="date"><time pubdate="pubdate" datetime="{published.isoformat()}">
{published:%B %d, %Y}</time></span></div>
<div id="article-content" class="content-floated-wrap fb-quotable"><div class="wsw">{paras}</div></div>
</body></html>"""


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


# --- state: fetch times and per-host marks ------------------------------------------------------


def test_stored_times_read_old_and_new_lines(tmp_path):
    state = CrawlState(tmp_path / "raw", "rferl")
    state.dir.mkdir(parents=True)
    state.stored_path.write_text("https://www.rferl.org/a/1.html\n")  # an older version's line
    first = dt.datetime(2025, 5, 1, 10, tzinfo=UTC)
    state.add_stored(["https://www.rferl.org/a/2.html"], first)
    state.add_stored(["https://www.rferl.org/a/2.html"], first + dt.timedelta(hours=5))  # revisited
    state.add_stored(["https://www.rferl.org/a/1.html"], first)
    times = state.stored_times()
    assert state.stored_urls() == {"https://www.rferl.org/a/1.html", "https://www.rferl.org/a/2.html"}
    assert (times["https://www.rferl.org/a/2.html"].first, times["https://www.rferl.org/a/2.html"].last) == (
        first,
        first + dt.timedelta(hours=5),
    )
    # Stored before fetch times were kept: its age is unknown, so it is never taken as young.
    assert times["https://www.rferl.org/a/1.html"].first is None


def test_high_water_is_per_host_and_an_old_site_mark_still_works(tmp_path):
    state = CrawlState(tmp_path / "raw", "rferl")
    state.dir.mkdir(parents=True)
    legacy = dt.datetime(2025, 5, 20, 12, tzinfo=UTC)
    state.high_water_path.write_text(json.dumps({"high_water": legacy.isoformat()}))  # old format
    assert state.high_water("www.rferl.org") == legacy == state.high_water("rus.ozodi.org")

    later = legacy + dt.timedelta(days=2)
    assert state.advance_high_water(later, ["rus.ozodi.org"]) == later
    assert state.high_water("rus.ozodi.org") == later
    assert state.high_water("www.rferl.org") == legacy  # another host's mark did not move
    assert state.advance_high_water(legacy - dt.timedelta(days=30), ["rus.ozodi.org"]) == later  # never back


def _spider(tmp_path: Path, **kwargs):
    crawler = get_crawler(RferlSpider, {"RAW_DIR": str(tmp_path / "raw"), "HIGH_WATER_OVERLAP_HOURS": 24})
    return RferlSpider.from_crawler(crawler, **kwargs)


def test_each_host_starts_at_its_own_mark(tmp_path):
    state = CrawlState(tmp_path / "raw", "rferl")
    state.dir.mkdir(parents=True)
    legacy = dt.datetime(2025, 5, 20, 12, tzinfo=UTC)
    state.high_water_path.write_text(json.dumps({"high_water": legacy.isoformat()}))
    state.advance_high_water(legacy + dt.timedelta(days=3), ["rus.ozodi.org"])
    spider = _spider(tmp_path, hosts="rus.ozodi.org,www.rferl.org")
    try:
        assert spider.windows["rus.ozodi.org"].since == legacy + dt.timedelta(days=2)
        assert spider.windows["www.rferl.org"].since == legacy - dt.timedelta(days=1)
        assert spider.window.since == legacy - dt.timedelta(days=1)  # the crawl's whole span
    finally:
        spider._lock.close()


def test_revisit_only_young_articles_whose_lastmod_moved(tmp_path):
    now = _now()
    state = CrawlState(tmp_path / "raw", "rferl")
    state.dir.mkdir(parents=True)
    state.stored_path.write_text("https://www.rferl.org/a/4.html\n")  # no fetch time (older version)
    young, moved = "https://www.rferl.org/a/1.html", now - dt.timedelta(minutes=5)
    state.add_stored([young], now - dt.timedelta(hours=2))
    state.add_stored(["https://www.rferl.org/a/2.html"], now - dt.timedelta(hours=2))
    state.add_stored(["https://www.rferl.org/a/3.html"], now - dt.timedelta(days=10))
    sitemap = urlset(
        [
            (young, moved),
            ("https://www.rferl.org/a/2.html", now - dt.timedelta(hours=3)),  # unchanged since fetched
            ("https://www.rferl.org/a/3.html", moved),  # changed, but first stored 10 days ago
            ("https://www.rferl.org/a/4.html", moved),  # changed, age unknown
        ]
    ).encode()
    spider = _spider(tmp_path)
    try:
        url = "https://www.rferl.org/sitemap.xml"
        requests = list(spider.parse_sitemap(XmlResponse(url=url, body=sitemap, request=Request(url))))
        assert [r.url for r in requests] == [young]
        assert spider.counts["revisited"] == 1 and spider.counts["skipped_already_stored"] == 3
    finally:
        spider._lock.close()
    spider = _spider(tmp_path)
    try:
        spider.revisit_age = dt.timedelta(0)  # crawl.revisit_days = 0: revisits off
        requests = list(spider.parse_sitemap(XmlResponse(url=url, body=sitemap, request=Request(url))))
        assert requests == []
    finally:
        spider._lock.close()


# --- modified_at --------------------------------------------------------------------------------


def _extract(page: str, url: str = "https://rus.ozodi.org/a/33000001.html") -> Article:
    [article] = extract_html(RawDocument("p.html", "html", page, url=url), SITES["rferl"])
    return article


def test_modified_at_from_json_ld_or_meta_and_only_as_an_instant():
    published = dt.datetime(2025, 5, 25, 6, tzinfo=UTC)
    page = pangea_page("Заголовок", prose(3), published, published + dt.timedelta(hours=3, minutes=7))
    assert _extract(page).modified_at == dt.datetime(2025, 5, 25, 9, 7, tzinfo=UTC)
    assert _extract(page).published_at == published  # an update is not the publication

    meta = '<meta property="article:modified_time" content="2025-05-25T12:30:00+05:00">'
    assert _extract(
        pangea_page("Заголовок", prose(3), published).replace("</head>", meta + "</head>")
    ).modified_at == (dt.datetime(2025, 5, 25, 7, 30, tzinfo=UTC))
    date_only = pangea_page("Заголовок", prose(3), published).replace(
        '"datePublished"', '"dateModified": "2025-05-26", "datePublished"'
    )
    assert _extract(date_only).modified_at is None
    assert _extract(pangea_page("Заголовок", prose(3), published)).modified_at is None


# --- dedupe: versions of one URL ------------------------------------------------------------------


def _version(body: str, fetched: dt.datetime | None, path: str) -> Article:
    return Article(
        source="rferl",
        body=body,
        raw_path=path,
        url="https://rus.ozodi.org/a/33000001.html",
        fetched_at=fetched,
    )


def _decide(d: Deduper, a: Article):
    return d.decide(a, signatures(a.body, CFG), content_hash(a.body))


def test_versions_of_a_url_are_ordered_by_fetch_time():
    v1 = "\n\n".join(prose(1))
    v2 = "\n\n".join(prose(1) + prose(2))
    t1 = dt.datetime(2025, 5, 25, 6, tzinfo=UTC)
    d = Deduper(CFG)
    kept = _decide(d, _version(v1, t1, "1.warc"))
    newer = _decide(d, _version(v2, t1 + dt.timedelta(hours=1), "2.warc"))
    assert newer.revises and newer.duplicate is None and newer.article_id == kept.article_id
    older = _decide(d, _version(v1.replace("Report", "Item"), t1 - dt.timedelta(hours=1), "0.warc")).duplicate
    assert older.kind == "revision" and older.duplicate_of == kept.article_id
    assert older.fetched_at == t1 - dt.timedelta(hours=1)
    same = _decide(d, _version(v2, t1 + dt.timedelta(hours=2), "3.warc")).duplicate  # refetched, unchanged
    assert same.kind == "url" and same.fetched_at is None
    # Without fetch times (saved pages, dumps) nothing orders them: the first kept stays.
    d = Deduper(CFG)
    _decide(d, _version(v1, None, "1.html"))
    assert _decide(d, _version(v2, None, "2.html")).duplicate.kind == "url"


# --- end to end -----------------------------------------------------------------------------------

A = "https://rus.ozodi.org/a/migranty-revisit/33500001.html"  # updated after the first crawl
B = "https://rus.ozodi.org/a/33500002.html"  # unchanged
C = "https://rus.ozodi.org/a/33500003.html"  # lastmod moves, but it was first stored long ago
D = "https://www.rferl.org/a/33500004.html"  # another host


def _curate(raw: Path, curated: Path, full: bool = False):
    return run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}), full=full)


def _rows(curated: Path, table: str) -> list[dict]:
    data = read_table(curated, table)
    return data.to_pylist() if data is not None else []


@pytest.mark.slow
def test_crawl_revisits_a_changed_page_and_curate_keeps_its_latest_version(tmp_path):
    now = _now()
    published = now - dt.timedelta(hours=4)
    mirror = Mirror(tmp_path / "tree")
    v1_title, v2_title = "Мигранты: первые сведения", "Мигранты: власти подтвердили задержания"
    v1, v2 = prose(11, 3), prose(11, 3) + prose(12, 3)
    mirror.put(A, pangea_page(v1_title, v1, published, published))
    mirror.put(B, pangea_page("Второй материал", prose(13), published))
    mirror.put(C, pangea_page("Третий материал", prose(14), published))
    mirror.put(D, pangea_page("Fourth item", prose(15), published))

    def sitemaps(lastmod_a: dt.datetime, lastmod_c: dt.datetime) -> None:
        mirror.put(
            "https://rus.ozodi.org/sitemap.xml",
            urlset([(A, lastmod_a), (B, now - dt.timedelta(hours=3)), (C, lastmod_c)]),
        )
        mirror.put("https://www.rferl.org/sitemap.xml", urlset([(D, now - dt.timedelta(hours=2))]))

    sitemaps(now - dt.timedelta(hours=3), now - dt.timedelta(hours=3))
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    state = CrawlState(raw, "rferl")
    with mirror:
        done = run_crawl("rferl", raw, mirror.url, hosts="rus.ozodi.org,www.rferl.org")
        assert done.returncode == 0, done.stderr[-3000:]
        assert state.stored_urls() == {A, B, C, D}
        marks_1 = {h: state.high_water(h) for h in ("rus.ozodi.org", "www.rferl.org")}
        # C was first stored ten days ago (as if by an older crawl): too old to revisit.
        lines = state.stored_path.read_text().splitlines()
        long_ago = (now - dt.timedelta(days=10)).isoformat()
        state.stored_path.write_text(
            "".join((f"{C}\t{long_ago}" if line.startswith(C + "\t") else line) + "\n" for line in lines)
        )
        _curate(raw, curated)
        [first] = [r for r in _rows(curated, "articles") if r["url"] == A]
        assert first["title"] == v1_title and first["modified_at"] == published

        # The site updates A (its lastmod moves past our fetch); C's lastmod moves too.
        modified = _now() + dt.timedelta(seconds=1)  # past the first fetch, in whole seconds
        mirror.put(A, pangea_page(v2_title, v2, published, modified))
        sitemaps(modified, modified)
        mirror.log.clear()
        done = run_crawl("rferl", raw, mirror.url, hosts="rus.ozodi.org")  # one host, no window
        assert done.returncode == 0, done.stderr[-3000:]
        fetched = [f"https://{p[1:]}" for _, p in mirror.log if "/a/" in p]
        # Not B (unchanged), not C (too old), not D (another host).
        assert fetched == [A], crawl_summary(state)
        crawl_2 = json.loads((state.dir / "last_run.json").read_text())
        assert crawl_2["counts"]["revisited"] == 1
        # Per host: the crawled host's mark moved, the other host's did not.
        assert state.high_water("rus.ozodi.org") > marks_1["rus.ozodi.org"]
        assert state.high_water("www.rferl.org") == marks_1["www.rferl.org"]

        mirror.log.clear()
        done = run_crawl("rferl", raw, mirror.url, hosts="rus.ozodi.org")  # nothing changed since
        assert done.returncode == 0, done.stderr[-3000:]
        assert [p for _, p in mirror.log if "/a/" in p] == []

    summary = _curate(raw, curated)
    assert summary.duplicates == {"revision": 1}
    articles = _rows(curated, "articles")
    assert len(articles) == 4
    [latest] = [r for r in articles if r["url"] == A]
    assert latest["article_id"] == first["article_id"]  # the same article, not a second one
    assert latest["title"] == v2_title and latest["modified_at"] == modified
    [revision] = _rows(curated, "duplicates")
    assert revision["kind"] == "revision" and revision["duplicate_of"] == first["article_id"]
    assert revision["title"] == v1_title and revision["title_changed"] is True
    assert (revision["words_before"], revision["words_after"]) == (first["word_count"], latest["word_count"])
    assert revision["words_before"] < revision["words_after"]
    assert 0.3 < revision["similarity"] < 0.9  # half the text is new
    assert revision["raw_path"] == first["raw_path"] and revision["fetched_at"] == first["fetched_at"]

    # A rebuild reads both versions in one run: the same article, the same revision row.
    _curate(raw, curated, full=True)
    rebuilt = {r["url"]: (r["article_id"], r["title"]) for r in _rows(curated, "articles")}
    assert rebuilt == {r["url"]: (r["article_id"], r["title"]) for r in articles}
    [again] = _rows(curated, "duplicates")
    assert {
        k: again[k] for k in ("kind", "duplicate_of", "title_changed", "words_before", "words_after")
    } == {k: revision[k] for k in ("kind", "duplicate_of", "title_changed", "words_before", "words_after")}


def crawl_summary(state: CrawlState) -> str:
    return (state.dir / "last_run.json").read_text() + "\n" + state.stored_path.read_text()


def test_files_written_before_the_new_columns_still_read(tmp_path):
    """A dataset older versions wrote lacks modified_at and the revision columns: the views
    (query, report) read old and new files together, the old ones with nulls."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.report.stats import connect
    from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA

    curated = tmp_path / "curated"
    for name, schema, new_columns in (
        ("articles/source=rferl/year=2025", ARTICLE_SCHEMA, ("modified_at",)),
        ("duplicates", DUPLICATE_SCHEMA, ("title_changed", "words_before", "words_after")),
    ):
        folder = curated / name
        folder.mkdir(parents=True)
        row = dict.fromkeys(schema.names)
        row.update({"run_id": "r", "title_changed": True, "modified_at": dt.datetime(2025, 5, 1, tzinfo=UTC)})
        old = pa.schema([f for f in schema if f.name not in new_columns])
        # Name order puts the new file first, the order in which DuckDB refused the old one.
        pq.write_table(pa.Table.from_pylist([row], schema=schema), folder / "part-a-new.parquet")
        pq.write_table(pa.Table.from_pylist([row], schema=old), folder / "part-b-old.parquet")
    with connect(curated) as con:
        assert sorted(con.execute("SELECT modified_at IS NULL FROM articles").fetchall()) == [
            (False,),
            (True,),
        ]
        assert sorted(con.execute("SELECT title_changed IS NULL FROM duplicates").fetchall()) == [
            (False,),
            (True,),
        ]
