"""Offline tests of the spiders: saved sitemaps, listings and feeds fed to the parse methods."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from conftest import shared_fixture
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.utils.test import get_crawler
from support._mirror import article_listing, pangea_listing, rss, sitemapindex, urlset
from warcio.archiveiterator import ArchiveIterator

from spiders.discovery import Window, parse_bound, parse_feed, parse_iso, parse_sitemap
from spiders.items import FetchedPage
from spiders.middlewares import mirror_url, retry_after_seconds, unmirror_url
from spiders.pipelines import WarcPipeline
from spiders.spiders.eurasianet import EurasianetSpider
from spiders.spiders.jamestown import JamestownSpider
from spiders.spiders.rferl import RferlSpider
from spiders.state import CrawlState
from spiders.warcstore import OPEN_SUFFIX, WarcFileWriter, recover_open_files, site_dir


def _sitemaps() -> Path:
    """The real RFE/RL sitemaps: third-party, read from ../shared (see conftest.shared_fixture)."""
    return shared_fixture("rferl/sitemaps")


UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def make_spider(tmp_path: Path):
    spiders = []

    def make(cls=RferlSpider, **kwargs):
        crawler = get_crawler(cls, {"RAW_DIR": str(tmp_path / "raw")})
        spider = cls.from_crawler(crawler, **kwargs)
        spiders.append(spider)
        return spider

    yield make
    for spider in spiders:
        spider._lock.close()


def xml(url: str, body: bytes) -> XmlResponse:
    return XmlResponse(url=url, body=body, request=Request(url))


def urls(results) -> list[str]:
    return [r.url for r in results]


def lastmods(path: Path) -> dict[str, dt.datetime]:
    """The loc -> lastmod pairs of a sitemap, read with a regex (independently of the parser)."""
    text = gzip.decompress(path.read_bytes()).decode()
    pairs = re.findall(r"<loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", text)
    return {loc: parse_iso(mod) for loc, mod in pairs}


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-20T17:38:23.4598287Z", utc(2025, 4, 20, 17, 38, 23, 459828)),  # 7 digits (index)
        ("2025-04-20T18:04:27.253917Z", utc(2025, 4, 20, 18, 4, 27, 253917)),
        ("2025-05-25T10:56:25.223Z", utc(2025, 5, 25, 10, 56, 25, 223000)),
        ("2025-05-24T22:07:50.62Z", utc(2025, 5, 24, 22, 7, 50, 620000)),
        ("2025-05-25T11:01:25.4Z", utc(2025, 5, 25, 11, 1, 25, 400000)),
        ("2025-05-25T10:15:00Z", utc(2025, 5, 25, 10, 15)),
        ("2024-04-28T03:00:00-04:00", utc(2024, 4, 28, 7)),
        ("2008-04-09", utc(2008, 4, 9)),
    ],
)
def test_parse_iso_takes_any_fractional_length(text, expected):
    assert parse_iso(text) == expected


def test_until_date_means_end_of_day():
    assert parse_bound("2025-05-25", end_of_day=True) == utc(2025, 5, 25, 23, 59, 59, 999999)
    assert parse_bound("2025-05-25") == utc(2025, 5, 25)
    with pytest.raises(ValueError):
        parse_bound("yesterday")


def test_every_real_lastmod_parses():
    for path in _sitemaps().glob("*/*.xml*"):
        body = path.read_bytes()
        _, entries = parse_sitemap(body)
        text = gzip.decompress(body) if path.suffix == ".gz" else body
        assert sum(1 for e in entries if e.date) == len(
            re.findall(rb"<lastmod>|<news:publication_date>", text)
        )


# --- sitemaps ---------------------------------------------------------------------------------


def test_index_skips_unchanged_archive_and_media_children(make_spider):
    spider = make_spider(since="2025-05-01", hosts="www.rferl.org")
    body = (_sitemaps() / "www.rferl.org" / "sitemap.xml").read_bytes()
    got = list(spider.parse_sitemap(xml("https://www.rferl.org/sitemap.xml", body)))
    # Archive children were last regenerated 2025-04-20, before the window: nothing in them changed.
    assert urls(got) == [
        "https://www.rferl.org/sitemap_8_latest.xml.gz",
        "https://www.rferl.org/sitemap_8_news.xml.gz",
    ]
    assert spider.counts["sitemaps_unchanged"] == 10 and spider.counts["sitemaps_skipped"] == 2


def test_index_reads_archive_children_for_old_windows(make_spider):
    spider = make_spider(since="2024-01-01", until="2024-12-31", hosts="www.ozodi.org")
    body = (_sitemaps() / "www.ozodi.org" / "sitemap.xml").read_bytes()
    got = list(spider.parse_sitemap(xml("https://www.ozodi.org/sitemap.xml", body)))
    archive = [r for r in got if r.cb_kwargs["archive"]]
    assert len(archive) == 12 and "https://www.ozodi.org/sitemap_10_12.xml.gz" in urls(archive)
    assert [r.url for r in got if not r.cb_kwargs["archive"]] == [
        "https://www.ozodi.org/sitemap_10_latest.xml.gz",
        "https://www.ozodi.org/sitemap_10_news.xml.gz",
    ]


def test_latest_sitemap_requests_exactly_the_window(make_spider):
    path = _sitemaps() / "www.ozodi.org" / "sitemap_10_latest.xml.gz"
    since, until = utc(2025, 5, 24), utc(2025, 5, 25, 6)
    expected = {u for u, d in lastmods(path).items() if since <= d <= until}
    assert 10 < len(expected) < 100
    spider = make_spider(since=since.isoformat(), until=until.isoformat(), hosts="www.ozodi.org")
    # The body arrives gzip (a .xml.gz file, not Content-Encoding): a plain Response.
    resp = Response("https://www.ozodi.org/sitemap_10_latest.xml.gz", body=path.read_bytes())
    got = list(spider.parse_sitemap(resp))
    assert set(urls(got)) == expected and len(got) == len(expected)
    assert all(r.callback == spider.parse_article for r in got)


def test_news_sitemap_uses_publication_date(make_spider):
    path = _sitemaps() / "www.ozodi.org" / "sitemap_10_news.xml.gz"
    url = "https://www.ozodi.org/a/korshinos-to-vaqte-dedovshina-hast-kase-artishro-ehtirom-namekunad/33422032.html"
    # lastmod in the latest sitemap is 09:29:46; the news sitemap says published 10:15:00.
    spider = make_spider(since="2025-05-25T10:00:00Z", until="2025-05-25T10:30:00Z", hosts="www.ozodi.org")
    got = urls(
        spider.parse_sitemap(Response("https://www.ozodi.org/sitemap_10_news.xml.gz", body=path.read_bytes()))
    )
    assert got == [url]


def test_empty_news_sitemap_yields_nothing(make_spider):
    spider = make_spider(since="2025-01-01", hosts="rus.ozodi.org")
    empty = gzip.compress(
        b'<?xml version="1.0" encoding="utf-8"?><urlset '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    )
    assert (
        list(spider.parse_sitemap(Response("https://rus.ozodi.org/sitemap_42_news.xml.gz", body=empty))) == []
    )
    assert (
        list(spider.parse_sitemap(Response("https://rus.ozodi.org/sitemap_42_news.xml.gz", body=b""))) == []
    )
    assert not spider.discovery_failed


def test_archive_lastmod_is_only_a_lower_bound(make_spider):
    path = _sitemaps() / "www.rferl.org" / "sitemap_8_10.xml.gz"
    mods = lastmods(path)
    resp = Response("https://www.rferl.org/sitemap_8_10.xml.gz", body=path.read_bytes())
    # A window in 2005: batch dates of 2008 do not say when the page was published, so every
    # page stamped after the window's start may be in it.
    spider = make_spider(since="2005-01-01", until="2005-12-31", hosts="www.rferl.org")
    got = urls(spider.parse_sitemap(resp, archive=True))
    assert len(got) == len(mods)
    spider._lock.close()
    # A window after the batch date: a page is never modified before it is published, so only
    # the few pages edited since (2010-2023 in this real file) can be in it.
    later = make_spider(RferlSpider, since="2009-01-01", until="2009-12-31", hosts="www.rferl.org")
    expected = {u for u, d in mods.items() if d >= utc(2009, 1, 1)}
    assert set(urls(later.parse_sitemap(resp, archive=True))) == expected and len(expected) == 9


def test_stored_urls_are_skipped_unless_refresh(make_spider, tmp_path):
    path = _sitemaps() / "www.rferl.org" / "sitemap_8_latest.xml.gz"
    mods = lastmods(path)
    known = sorted(mods)[:5]
    CrawlState(tmp_path / "raw", "rferl").add_stored(known)
    resp = Response("https://www.rferl.org/sitemap_8_latest.xml.gz", body=path.read_bytes())
    spider = make_spider(since="2000-01-01", hosts="www.rferl.org")
    got = set(urls(spider.parse_sitemap(resp)))
    assert got == set(mods) - set(known) and spider.counts["skipped_already_stored"] == 5
    spider._lock.close()
    again = make_spider(since="2000-01-01", hosts="www.rferl.org", refresh="1")
    assert set(urls(again.parse_sitemap(resp))) == set(mods)


def test_links_to_other_hosts_are_not_requested(make_spider):
    spider = make_spider(since="2000-01-01", hosts="www.rferl.org")
    body = urlset(
        [
            ("https://www.rferl.org/a/x/1.html", utc(2025, 1, 1)),
            ("https://evil.example.com/a/x/2.html", utc(2025, 1, 1)),
            ("https://www.ozodi.org/a/x/3.html", utc(2025, 1, 1)),
        ]
    ).encode()
    assert urls(spider.parse_sitemap(xml("https://www.rferl.org/s.xml", body))) == [
        "https://www.rferl.org/a/x/1.html"
    ]
    assert spider.counts["skipped_offsite_link"] == 2


def test_eurasianet_paged_sitemap_index(make_spider):
    spider = make_spider(EurasianetSpider, since="2025-01-01")
    index = sitemapindex([f"https://eurasianet.org/sitemap.xml?page={n}" for n in (1, 2)]).encode()
    got = list(spider.parse_sitemap(xml("https://eurasianet.org/sitemap.xml", index)))
    assert urls(got) == [
        "https://eurasianet.org/sitemap.xml?page=1",
        "https://eurasianet.org/sitemap.xml?page=2",
    ]
    page = urlset(
        [
            ("https://eurasianet.org/tajikistan-rogun-dam-financing-talks", utc(2025, 3, 1)),
            ("https://eurasianet.org/region/tajikistan", utc(2025, 3, 1)),
            ("https://eurasianet.org/old-story-about-pamir-roads", utc(2024, 3, 1)),
        ]
    ).encode()
    got = urls(spider.parse_sitemap(xml("https://eurasianet.org/sitemap.xml?page=1", page)))
    assert got == ["https://eurasianet.org/tajikistan-rogun-dam-financing-talks"]


# --- listings ---------------------------------------------------------------------------------


def test_pangea_listing_pages_until_past_the_window(make_spider):
    spider = make_spider(since="2025-05-10", until="2025-05-20", hosts="www.ozodi.org")
    first = "https://www.ozodi.org/z/539"
    page1 = pangea_listing(
        [
            ("/a/new-one/101.html", utc(2025, 5, 22)),
            ("/a/in-window/102.html", utc(2025, 5, 15)),
            ("https://evil.example.com/a/x/1.html", utc(2025, 5, 15)),
            ("/z/540", None),
        ]
    )
    got = list(spider.parse_listing(HtmlResponse(first, body=page1.encode(), encoding="utf-8"), first, None))
    assert urls(got) == ["https://www.ozodi.org/a/in-window/102.html", "https://www.ozodi.org/z/539?p=1"]
    page2 = pangea_listing([("/a/old/90.html", utc(2025, 5, 1)), ("/a/older/89.html", utc(2025, 4, 1))])
    got = list(
        spider.parse_listing(HtmlResponse(first + "?p=1", body=page2.encode(), encoding="utf-8"), first, 1)
    )
    assert got == [] and spider.counts["listings_stopped_at_window"] == 1


def test_wordpress_listing_paths_and_limit(make_spider, tmp_path):
    spider = make_spider(JamestownSpider, since="2020-01-01")
    spider.max_pages = 3
    first = "https://jamestown.org/program-name/edm/"
    body = article_listing(
        [("https://jamestown.org/program/dushanbe-and-moscow-argue-over-migrants/", utc(2025, 5, 1))]
    ).encode()
    got = list(spider.parse_listing(HtmlResponse(first, body=body, encoding="utf-8"), first, None))
    assert urls(got)[-1] == "https://jamestown.org/program-name/edm/page/2/"
    got = list(spider.parse_listing(HtmlResponse(first + "page/2/", body=body, encoding="utf-8"), first, 2))
    assert urls(got) == [
        "https://jamestown.org/program-name/edm/page/3/"
    ]  # the article was already asked for
    assert (
        list(spider.parse_listing(HtmlResponse(first + "page/3/", body=body, encoding="utf-8"), first, 3))
        == []
    )
    assert spider.counts["listings_stopped_at_limit"] == 1


def test_drupal_listing_zero_based_pager(make_spider):
    spider = make_spider(EurasianetSpider, since="2025-01-01")
    first = "https://eurasianet.org/region/tajikistan"
    body = article_listing(
        [("/tajikistan-migrants-face-new-russian-rules", utc(2025, 4, 2))], wrapper="views-row"
    )
    got = urls(spider.parse_listing(HtmlResponse(first, body=body.encode(), encoding="utf-8"), first, None))
    assert got == [
        "https://eurasianet.org/tajikistan-migrants-face-new-russian-rules",
        "https://eurasianet.org/region/tajikistan?page=1",
    ]


def test_empty_listing_stops(make_spider):
    spider = make_spider(EurasianetSpider, since="2025-01-01")
    first = "https://eurasianet.org/region/tajikistan"
    assert (
        list(spider.parse_listing(HtmlResponse(first, body=b"<html><body></body></html>"), first, None)) == []
    )


# --- feeds ------------------------------------------------------------------------------------


def test_rss_feed_window(make_spider):
    spider = make_spider(JamestownSpider, since="2025-05-01", until="2025-05-31")
    body = rss(
        [
            ("https://jamestown.org/program/rogun-and-russia/", utc(2025, 5, 20, 12)),
            ("https://jamestown.org/program/older-piece/", utc(2025, 4, 20)),
            ("https://jamestown.org/program-name/edm/", utc(2025, 5, 20)),
        ]
    ).encode()
    got = urls(spider.parse_feed(xml("https://jamestown.org/feed/", body)))
    assert got == ["https://jamestown.org/program/rogun-and-russia/"]


def test_atom_feed_entries():
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>
    <link rel="alternate" href="/a/x/5.html"/><published>2025-05-02T10:00:00Z</published>
    <updated>2025-05-03T10:00:00Z</updated></entry></feed>"""
    entries = parse_feed(body, "https://www.rferl.org/api/x")
    assert [(e.url, e.date) for e in entries] == [("https://www.rferl.org/a/x/5.html", utc(2025, 5, 2, 10))]


def test_window_bounds():
    w = Window(utc(2025, 1, 1), utc(2025, 2, 1))
    assert w.admits(None) and w.admits(utc(2025, 1, 1)) and not w.admits(utc(2025, 2, 2))
    assert w.admits(utc(2025, 2, 2), upper=False) and not w.admits(utc(2024, 12, 31), upper=False)


# --- middlewares ------------------------------------------------------------------------------


def test_mirror_url_layout_and_dot_segments():
    base = "http://127.0.0.1:8000/"
    assert (
        mirror_url(base, "https://www.ozodi.org/z/539?p=2") == "http://127.0.0.1:8000/www.ozodi.org/z/539?p=2"
    )
    assert (
        mirror_url(base, "https://jamestown.org/program/x/")
        == "http://127.0.0.1:8000/jamestown.org/program/x/"
    )
    assert mirror_url(base, "https://a.org") == "http://127.0.0.1:8000/a.org/"
    # Dot segments cannot step from one host's tree into another's.
    assert (
        mirror_url(base, "https://a.org/x/../../b.org/secret") == "http://127.0.0.1:8000/a.org/b.org/secret"
    )
    assert (
        unmirror_url(base, "http://127.0.0.1:8000/www.ozodi.org/a/1.html") == "https://www.ozodi.org/a/1.html"
    )
    assert unmirror_url(base, "https://evil.example.com/x") is None


def test_retry_after_forms():
    now = utc(2025, 5, 25, 12)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Sun, 25 May 2025 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Sun, 25 May 2025 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# --- storage ----------------------------------------------------------------------------------


def page(url: str, n: int = 0) -> FetchedPage:
    return FetchedPage(
        url=url,
        status=200,
        body=f"<html><body>page {n}</body></html>".encode(),
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        fetched_at=utc(2025, 5, 25, 12, 0, n),
        request_headers=[("User-Agent", "t")],
    )


def test_pipeline_writes_loader_readable_warc_and_index(tmp_path):
    raw = tmp_path / "raw"
    crawler = get_crawler(RferlSpider, {"RAW_DIR": str(raw)})
    crawler.spider = RferlSpider()
    pipe = WarcPipeline.from_crawler(crawler)
    pipe.open_spider(crawler.spider)
    pipe.process_item(page("https://www.ozodi.org/a/x/1.html", 1), crawler.spider)
    item = page("https://www.ozodi.org/a/x/2.html", 2)
    item.aliases = ["https://www.ozodi.org/a/2.html"]
    pipe.process_item(item, crawler.spider)
    # While open, the file does not look like a WARC to the loader.
    assert list(raw.rglob("*.warc.gz")) == [] and len(list(raw.rglob("*" + OPEN_SUFFIX))) == 1
    pipe.close_spider(crawler.spider)
    [path] = list(raw.rglob("*.warc.gz"))
    assert path.is_relative_to(raw / "warc" / "rferl")
    with open(path, "rb") as fh:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Date"),
                r.http_headers.get_header("Content-Type") if r.http_headers else None,
                r.content_stream().read(),
            )
            for r in ArchiveIterator(fh)
        ]
    responses = [r for r in records if r[0] == "response"]
    assert [r[1] for r in responses] == [
        "https://www.ozodi.org/a/x/1.html",
        "https://www.ozodi.org/a/x/2.html",
    ]
    assert responses[0][2] == "2025-05-25T12:00:01Z" and responses[0][3] == "text/html; charset=utf-8"
    assert responses[0][4] == b"<html><body>page 1</body></html>"  # Content-Encoding dropped: body is plain
    assert [r[0] for r in records].count("request") == 2
    assert CrawlState(raw, "rferl").stored_urls() == {
        "https://www.ozodi.org/a/x/1.html",
        "https://www.ozodi.org/a/x/2.html",
        "https://www.ozodi.org/a/2.html",
    }


def test_url_paths_never_become_file_paths(tmp_path):
    raw = tmp_path / "raw"
    writer = WarcFileWriter(site_dir(raw, "rferl"), "rferl")
    for url in (
        "https://www.ozodi.org/../../../../etc/passwd",
        "https://www.ozodi.org/a/%2e%2e/%2e%2e/x.html",
    ):
        p = page(url)
        writer.write(
            url=p.url,
            method="GET",
            request_headers=[],
            request_body=b"",
            status=200,
            response_headers=p.headers,
            body=p.body,
            fetched_at=p.fetched_at,
        )
    writer.close()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(p.is_relative_to(raw / "warc" / "rferl") for p in written)
    for bad in ("../x", "a/b", "", "Rferl"):
        with pytest.raises(ValueError):
            site_dir(raw, bad)


def test_crash_leaves_readable_prefix_and_recovery_reindexes(tmp_path):
    raw = tmp_path / "raw"
    writer = WarcFileWriter(site_dir(raw, "rferl"), "rferl")
    for n in range(3):
        p = page(f"https://www.ozodi.org/a/x/{n}.html", n)
        writer.write(
            url=p.url,
            method="GET",
            request_headers=[],
            request_body=b"",
            status=200,
            response_headers=p.headers,
            body=p.body,
            fetched_at=p.fetched_at,
        )
    open_path = writer._path
    assert open_path is not None and open_path.name.endswith(".warc.gz" + OPEN_SUFFIX)
    # The process dies in the middle of the last record.
    with open(open_path, "r+b") as fh:
        fh.truncate(open_path.stat().st_size - 25)
    urls_back = recover_open_files(site_dir(raw, "rferl"))
    assert [u for u, _ in urls_back] == [
        "https://www.ozodi.org/a/x/0.html",
        "https://www.ozodi.org/a/x/1.html",
    ]
    assert all(when is not None and when.tzinfo is not None for _, when in urls_back)  # WARC-Date
    [closed] = list(raw.rglob("*.warc.gz"))
    with open(closed, "rb") as fh:  # reads to the end without error
        kinds = [r.rec_type for r in ArchiveIterator(fh)]
    assert kinds == ["warcinfo", "request", "response", "request", "response", "request"]
    assert not list(raw.rglob("*" + OPEN_SUFFIX))


def test_spider_start_recovers_and_skips_what_was_stored(make_spider, tmp_path):
    raw = tmp_path / "raw"
    writer = WarcFileWriter(site_dir(raw, "rferl"), "rferl")
    p = page("https://www.ozodi.org/a/x/7.html")
    writer.write(
        url=p.url,
        method="GET",
        request_headers=[],
        request_body=b"",
        status=200,
        response_headers=p.headers,
        body=p.body,
        fetched_at=p.fetched_at,
    )
    # Killed before close and before the index was written.
    spider = make_spider(since="2000-01-01", hosts="www.ozodi.org")
    assert spider.counts["recovered"] == 1 and "https://www.ozodi.org/a/x/7.html" in spider.stored
    body = urlset(
        [
            ("https://www.ozodi.org/a/x/7.html", utc(2025, 1, 1)),
            ("https://www.ozodi.org/a/x/8.html", utc(2025, 1, 1)),
        ]
    ).encode()
    assert urls(spider.parse_sitemap(xml("https://www.ozodi.org/s.xml", body))) == [
        "https://www.ozodi.org/a/x/8.html"
    ]


def test_high_water_mark_only_moves_forward(tmp_path):
    state = CrawlState(tmp_path / "raw", "jamestown")
    assert state.high_water() is None
    state.advance_high_water(utc(2025, 5, 1))
    state.advance_high_water(utc(2020, 1, 1))  # a backfill of old years
    assert state.high_water() == utc(2025, 5, 1)


def test_window_defaults_to_high_water_mark(make_spider, tmp_path):
    CrawlState(tmp_path / "raw", "rferl").advance_high_water(utc(2025, 5, 20, 12))
    spider = make_spider()
    assert spider.window == Window(utc(2025, 5, 19, 12), None) and not spider.explicit_window


def test_second_crawl_of_a_site_is_refused_while_one_runs(make_spider):
    make_spider()
    with pytest.raises(RuntimeError, match="another crawl"):
        make_spider()


# --- settings: static defaults at import, the user's settings once when a crawl starts ------------

REPO = Path(__file__).resolve().parents[2]


def test_scrapy_list_works_whatever_the_tajrus_variables_hold(tmp_path):
    """The Scrapy settings module reads no user settings: a misspelt TAJRUS_ variable, or a bad
    value, must not break `scrapy list` (the crawl that uses them reports them when it starts)."""
    import os
    import subprocess
    import sys

    from pipeline.settings import ENV_PREFIX
    from pipeline.sites import SITES

    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env |= {
        "PYTHONPATH": str(REPO),
        "TAJRUS_CRAWL__USER_AGNT": "x",
        "TAJRUS_CRAWL__RETRY_TIMES": "three",
        "TAJRUS_CONFIG": str(tmp_path / "absent.toml"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == sorted(SITES)


def test_the_users_settings_apply_when_a_crawl_starts(tmp_path, monkeypatch):
    """pipeline.toml and TAJRUS_* values reach the crawler (over the module's defaults), per-run
    -s values still win, and what the user did not set stays as the caller gave it."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings as ScrapySettings

    from pipeline.settings import ENV_PREFIX

    for var in [v for v in __import__("os").environ if v.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.toml").write_text('[crawl]\ndownload_delay = 7\nuser_agent = "me (+mail)"\n')
    monkeypatch.setenv("TAJRUS_CRAWL__RETRY_TIMES", "9")
    scrapy_settings = ScrapySettings()
    scrapy_settings.setmodule("spiders.scrapy_settings", priority="project")
    scrapy_settings.set("RAW_DIR", str(tmp_path / "raw"), priority="project")  # as get_crawler gives it
    scrapy_settings.set("USER_AGENT", "from -s", priority="cmdline")
    crawler = Crawler(RferlSpider, scrapy_settings)
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 7.0
    assert crawler.settings.getint("RETRY_TIMES") == 9
    assert crawler.settings["USER_AGENT"] == "from -s"
    assert crawler.settings["RAW_DIR"] == str(tmp_path / "raw")
    assert crawler.settings.getfloat("DOWNLOAD_TIMEOUT") == 30.0  # the default, unset by the user
