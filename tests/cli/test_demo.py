"""`make demo`'s mirror: every article page it serves is read right by the extractor, and the
sitemaps and feeds the crawlers read list every article. (The whole demo, crawl and curate
included, takes ~40 s with a temporary Prefect server: it is run by hand, see README.)"""

from __future__ import annotations

import datetime as dt
import urllib.request
from urllib.parse import urlsplit

from pipeline.cli.demo import ARTICLES, mirror_tree, published, serving
from pipeline.extraction.html_article import extract_html
from pipeline.models import RawDocument
from pipeline.sites import SITES, detect

TODAY = dt.date(2026, 5, 20)


def test_every_demo_page_gives_its_article_in_its_sites_markup() -> None:
    tree = mirror_tree(TODAY)
    for article in ARTICLES:
        parts = urlsplit(article.url)
        _, body = tree[f"/{parts.hostname}{parts.path}"]
        doc = RawDocument(article.url, "html", body.decode(), url=article.url)
        [got] = extract_html(doc, detect(article.url, doc.text, html=True))
        when = published(article, TODAY)
        assert (got.source, got.title, got.authors, got.published_date) == (
            article.site,
            article.title,
            [article.author],
            when.date(),
        )
        assert got.body.startswith(article.paragraphs[0][:40])


def test_the_served_mirror_lists_every_article_in_a_sitemap_or_feed() -> None:
    listed: set[str] = set()
    with serving(mirror_tree(TODAY)) as base:
        for site in SITES.values():
            urls = [f"https://{h}{p}" for h in site.crawl.hosts for p in site.crawl.sitemap_paths]
            for url in [*urls, *site.crawl.feeds]:
                parts = urlsplit(url)
                with urllib.request.urlopen(f"{base}/{parts.hostname}{parts.path}", timeout=5) as answer:
                    text = answer.read().decode()
                listed |= {a.url for a in ARTICLES if a.url in text}
        with urllib.request.urlopen(f"{base}/www.rferl.org/robots.txt", timeout=5) as answer:
            assert b"Allow: /" in answer.read()
    assert listed == {a.url for a in ARTICLES}
