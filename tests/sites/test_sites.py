"""Every saved HTML page of every site gives exactly the article its JSON says; plus the edge cases.

A fixture is tests/fixtures/<site>/<name>.html with <name>.json beside it. The JSON names every
field of the article (url, source, title, authors, dates, dateline, language, tags, publication,
volume, issue) and checks on the body: body_starts_with, body_ends_with, body_must_contain,
body_must_not_contain (chrome that is in the page but must not be in the body), body_count (text
-> times it may appear), paragraphs, word_count_min. An optional "site" names the rules to read a
page with when detect() cannot tell (a Pangea page of a sibling outlet such as VOA).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import lxml.html
import pytest
from conftest import shared_fixture, shared_page

from pipeline.extraction.html_article import extract_html
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import GENERIC, SITES, detect
from pipeline.text.normalise import word_count

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Every site of the registry: a site added to pipeline.sites is read against its own pages.
HTML_FIXTURES = sorted(
    p for key in SITES for p in (FIXTURES / key).glob("*.html") if p.with_suffix(".json").exists()
)
VOA_EXPECTED = FIXTURES / "shared-pages" / "voanews-2024-04-28-article.json"
FIELDS = (
    "url",
    "source",
    "title",
    "authors",
    "dateline",
    "language",
    "tags",
    "publication",
    "volume",
    "issue",
    "date_precision",
    "date_source",
)


def _extract(path: Path, expected: dict) -> list[Article] | Reject:
    text = path.read_text(encoding="utf-8")
    site = SITES[expected["site"]] if "site" in expected else detect(expected["url"], text)
    doc = RawDocument(
        raw_path=f"fixtures/{path.parent.name}/{path.name}", kind="html", text=text, url=expected["url"]
    )
    return extract_html(doc, site)


def _one(result: list[Article] | Reject) -> Article:
    assert isinstance(result, list), result
    assert len(result) == 1
    return result[0]


# Each template era of each site, in each language it served, has a page (docs/research/html-markup.md).
REQUIRED_ERAS = {
    "rferl": {
        ("pangea-old-2009-2014", "en"),
        ("pangea-old-2009-2014", "ru"),
        ("pangea-old-2009-2014", "tg"),
        ("pangea-pg-article", "en"),
        ("pangea-pg-article", "ru"),
        ("pangea-pg-article", "tg"),
    },
    "jamestown": {
        ("typo3-tt_news-to-2016", "en"),
        ("wordpress-legacy-import-1995-2007", "en"),
        ("wordpress-2017-2023", "en"),
        ("wordpress-2024-executive-summary", "en"),
    },
    "eurasianet": {
        ("drupal6-2000s-2017", "en"),
        ("drupal6-2000s-2017", "ru"),
        ("drupal8-2018-", "en"),
        ("drupal8-2018-", "ru"),
    },
}


def test_every_site_of_the_registry_has_html_fixtures() -> None:
    """Walks pipeline.sites' registry: each site needs saved pages, each page its expected JSON,
    and its template eras named in REQUIRED_ERAS (a new site cannot pass with no pages)."""
    for key in SITES:
        pages = sorted((FIXTURES / key).glob("*.html"))
        assert pages, f"no HTML fixtures for site {key!r} (tests/fixtures/{key}/*.html with .json)"
        unexplained = [p.name for p in pages if not p.with_suffix(".json").exists()]
        assert not unexplained, f"{key}: HTML fixtures without their .json: {unexplained}"
    assert set(REQUIRED_ERAS) == set(SITES), "REQUIRED_ERAS names the template eras of every site"


def test_every_template_era_and_language_has_a_fixture() -> None:
    covered: dict[str, set[tuple[str, str]]] = {site: set() for site in REQUIRED_ERAS}
    for path in HTML_FIXTURES:
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        covered[path.parent.name].add((expected["era"], expected["language"]))
    for site, required in REQUIRED_ERAS.items():
        assert required <= covered[site], (site, required - covered[site])


@pytest.mark.parametrize("path", HTML_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    article = _one(_extract(path, expected))

    got = {f: getattr(article, f) for f in FIELDS}
    assert got == {f: expected.get(f) for f in FIELDS}
    published_at = article.published_at.isoformat() if article.published_at else None
    assert published_at == expected["published_at"]
    assert article.published_date == (
        dt.date.fromisoformat(expected["published_date"]) if expected["published_date"] else None
    )
    assert not article.is_teaser
    assert article.raw_path.endswith(path.name)

    body = article.body
    assert body.startswith(expected["body_starts_with"]), body[:200]
    assert body.endswith(expected["body_ends_with"]), body[-200:]
    for text in expected.get("body_must_contain", []):
        assert text in body, text
    for text in expected.get("body_must_not_contain", []):
        assert text not in body, text
    for text, times in expected.get("body_count", {}).items():
        assert body.count(text) == times, text
    if "paragraphs" in expected:
        assert len(body.split("\n\n")) == expected["paragraphs"]
    assert word_count(body) >= expected["word_count_min"]
    assert "\n\n\n" not in body and body == body.strip()


def _voa() -> tuple[str, dict]:
    """The real VOA page (Pangea CMS) from ../shared, and what this project expects of it."""
    expected = json.loads(VOA_EXPECTED.read_text(encoding="utf-8"))
    return shared_page(expected["shared"]), expected


def test_the_real_pangea_page_gives_its_expected_article() -> None:
    text, expected = _voa()
    doc = RawDocument(raw_path="shared/voanews.html", kind="html", text=text, url=expected["url"])
    article = _one(extract_html(doc, SITES[expected["site"]]))
    for key in FIELDS:
        assert getattr(article, key) == expected[key], key
    assert str(article.published_date) == expected["published_date"]
    for chrome in expected["body_must_not_contain"]:
        assert chrome not in article.body
    # The photos' captions, read from the page (its text is not copied into this repository).
    root = lxml.html.fromstring(text.encode("utf-8"))
    captions = {" ".join(c.text_content().split()) for c in root.iter("figcaption")}
    captions = {c for c in captions if len(c.split()) >= 4}
    assert len(captions) >= 2
    for caption in captions:
        assert caption[:60] not in article.body, caption


def test_voa_body_is_the_third_party_paragraph_list() -> None:
    """The real page's paragraphs, one for one, as an independent parser (fundus) read them."""
    text, expected = _voa()
    ref = json.loads(
        shared_fixture("rferl/pangea/voanews-2024-04-28-article.expected.json").read_text("utf-8")
    )
    doc = RawDocument(raw_path="shared/voanews.html", kind="html", text=text, url=expected["url"])
    paragraphs = _one(extract_html(doc, SITES[expected["site"]])).body.split("\n\n")
    assert paragraphs == [" ".join(p.split()) for p in ref["V1"]["body"]["sections"][0]["paragraphs"]]


def test_voa_is_not_detected_as_rferl_by_its_url_but_read_with_the_pangea_rules() -> None:
    """voanews.com is not a host of the corpus: a source of its own ("other"), RFE/RL's rules."""
    text, _ = _voa()
    assert detect("https://www.voanews.com/a/x/7585813.html", text).key == "other"
    site = detect("https://www.voanews.com/a/x/7585813.html", text, html=True)
    assert site.key == "other" and site.html.container == SITES["rferl"].html.container


# --------------------------------------------------------------------------- pages built inline


def _pangea(
    body_class: str = "pg-article",
    *,
    byline: str = "",
    ld: dict | None = None,
    wsw: str = "",
    before: str = "",
    meta: str = "",
) -> str:
    ld_script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>
{meta}{ld_script}</head><body class="{body_class}">
<div class="hdr"><ul><li><a href="/z/1">Russia</a></li><li><a href="/z/2">Tajikistan</a></li></ul></div>
<h1 class="title pg-title">
A Headline About Dushanbe And Moscow
</h1>
<div class="published"><span class="date">
<time pubdate="pubdate" datetime="2024-02-01T10:00:00+00:00">Feb 1</time></span></div>
<div class="links"><ul class="links__list">{byline}</ul></div>
{before}
<div id="article-content" class="content-floated-wrap fb-quotable"><div class="wsw">{wsw}</div></div>
<footer>Copyright (c) 2024 RFE/RL</footer></body></html>"""


_PARAS = [
    "Tajik officials met their Russian counterparts in Moscow on Thursday to discuss the status of labor "
    "migrants, the operation of the 201st military base, and joint patrols on the border with Afghanistan.",
    "The talks followed weeks of tension after Russian police detained hundreds of Tajik citizens in raids "
    "on markets and construction sites across the Moscow region.",
    "Officials in Dushanbe said they expected Moscow to guarantee the rights of migrants who hold valid work "
    "permits, while Russian officials insisted that stricter checks would remain in place.",
]


def _byline(*names: str) -> str:
    return "".join(
        f'<li class="links__item">By <a class="links__item-link" href="/author/x/y">{n}</a></li>'
        for n in names
    )


def _doc(text: str, url: str | None = "https://www.rferl.org/a/test/33000001.html") -> RawDocument:
    return RawDocument(raw_path="inline.html", kind="html", text=text, url=url)


def _rferl(text: str) -> list[Article] | Reject:
    return extract_html(_doc(text), SITES["rferl"])


def _p(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def test_pangea_section_page_is_not_an_article() -> None:
    page = _pangea("pg-section pg-home").replace('<div id="article-content"', '<div id="content"')
    result = _rferl(page)
    assert isinstance(result, Reject)
    assert result.reason == "not_article"
    assert "pg-section pg-home" in result.detail and "rferl" in result.detail


def test_page_with_none_of_the_markers_is_not_an_article() -> None:
    archive = """<html><head><meta property="og:type" content="website"></head>
    <body class="archive category category-eurasia-daily-monitor">
    <article class="post"><h2><a href="/program/a/">A</a></h2>
    <p>Teaser one about Tajikistan and Russia ... MORE</p></article>
    <article class="post"><h2><a href="/program/b/">B</a></h2>
    <p>Teaser two about migrants ... MORE</p></article>
    </body></html>"""
    result = extract_html(_doc(archive, "https://jamestown.org/program-name/edm/page/3/"), SITES["jamestown"])
    assert isinstance(result, Reject) and result.reason == "not_article"
    assert "archive category" in result.detail


def test_drupal6_listing_of_teasers_is_not_an_eurasianet_article() -> None:
    """A Drupal 6 term page prints a "submitted" line per teaser; an article prints one."""
    teaser = (
        '<div class="node"><h2><a href="/node/{n}">Tajikistan: Teaser {n}</a></h2>'
        '<div class="submitted"><span class="timestamp">October {n}, 2011 - 10:00am</span>, by '
        '<span class="authors"><a href="/taxonomy/term/9">{name}</a></span></div>'
        '<div class="content clear-block"><p>{text}</p></div></div>'
    )
    names = {1: "Dilnoza Karimova", 2: "Bakhtiyor Saidov"}
    nodes = "".join(teaser.format(n=n, text=_PARAS[n], name=names[n]) for n in (1, 2))
    page = f"""<html><head><title>Migration | EurasiaNet.org</title></head>
    <body class="not-front page-taxonomy"><div id="content"><h1 class="title">Migration</h1>
    {nodes}</div></body></html>"""
    url = "http://www.eurasianet.org/taxonomy/term/2892"
    result = extract_html(_doc(page, url), SITES["eurasianet"])
    assert isinstance(result, Reject) and result.reason == "not_article"
    # The same markup with one node is the article the node holds.
    one = page.replace(teaser.format(n=2, text=_PARAS[2], name=names[2]), "")
    article = _one(extract_html(_doc(one, url), SITES["eurasianet"]))
    found = (article.title, article.authors, str(article.published_date))
    assert found == ("Migration", ["Dilnoza Karimova"], "2011-10-01")


def test_js_app_shell_is_rejected_for_known_and_unknown_sites() -> None:
    shell = (
        '<!doctype html><html><head><title>App</title><script src="/static/app.js"></script></head>'
        '<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>'
        "</body></html>"
    )
    known = _rferl(shell)
    assert isinstance(known, Reject) and known.reason == "not_article"
    unknown = extract_html(_doc(shell, "https://example.com/app"), GENERIC)
    assert isinstance(unknown, Reject) and unknown.reason == "not_article"
    assert "words" in unknown.detail


def test_short_text_is_not_an_article() -> None:
    result = _rferl(_pangea(wsw="<p>Only a caption-sized line of text here.</p>"))
    assert isinstance(result, Reject) and result.reason == "not_article"
    assert result.detail == "no article text (8 words)"


def test_empty_and_unparseable_pages() -> None:
    assert _rferl("   \n").reason == "empty"
    result = _rferl("\x00\x01\x02")
    assert isinstance(result, Reject) and result.reason == "not_article"


def test_fact_check_claimant_is_never_the_author() -> None:
    """No byline at all: trafilatura would name the claimant; the site rules name nobody."""
    claim_box = (
        '<div class="statement-author"><h4 class="author">Viktor Sorokin</h4>'
        "<p>Deputy, Russian State Duma</p></div>"
    )
    ld = {
        "@type": "ClaimReview",
        "datePublished": "2024-02-01",
        "author": {"@type": "Organization", "name": "RFE/RL"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Viktor Sorokin"}},
    }
    page = _pangea("pg-fc", ld=ld, wsw=claim_box + _p(_PARAS), meta='<meta name="author" content="RFE/RL">')
    article = _one(_rferl(page))
    assert article.authors == []
    assert "Viktor Sorokin" not in article.body and "Deputy, Russian State Duma" not in article.body
    # The ClaimReview's date-only value yields to the time element of the same day.
    assert (article.published_at, article.date_source) == (
        dt.datetime(2024, 2, 1, 10, tzinfo=dt.UTC),
        "time element",
    )


def test_desk_and_agency_bylines_are_dropped() -> None:
    byline = _byline(
        "RFE/RL's Tajik Service", "Farrukh Umarov and Current Time", "Reuters", "By Lola Nazarova"
    )
    article = _one(_rferl(_pangea(byline=byline, wsw=_p(_PARAS))))
    assert article.authors == ["Farrukh Umarov", "Lola Nazarova"]


def test_json_ld_author_array_gives_people_only_in_order() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "H",
        "datePublished": "2024-02-01 09:00:00Z",
        "author": [
            {"@type": "Person", "name": "Salim Ayoubzod"},
            {"@type": "Organization", "name": "Ozodi"},
            {"@type": "Person", "name": "Mirzo Salimpur"},
            {"@type": "Person", "name": "Salim Ayoubzod"},
        ],
    }
    article = _one(_rferl(_pangea(ld=ld, wsw=_p(_PARAS))))
    assert article.authors == ["Salim Ayoubzod", "Mirzo Salimpur"]
    assert article.date_source == "json-ld"
    assert article.published_at == dt.datetime(2024, 2, 1, 9, tzinfo=dt.UTC)


def test_date_modified_is_never_the_publication_date() -> None:
    ld = {"@type": "NewsArticle", "headline": "H", "dateModified": "2024-03-05 09:00:00Z"}
    page = (
        _pangea(ld=ld, wsw=_p(_PARAS))
        .replace('<div class="published">', '<div class="x">')
        .replace("pubdate", "x")
    )
    article = _one(_rferl(page))
    assert article.published_date is None and article.date_source is None


def test_url_date_is_the_last_resort() -> None:
    page = f"""<html><head></head><body class="single single-post"><article>
    <h1 class="entry-title">Old piece</h1>
    <div class="entry-content">{_p(_PARAS)}</div></article></body></html>"""
    url = "https://jamestown.org/program/2019/04/15/old-piece/"
    article = _one(extract_html(_doc(page, url), SITES["jamestown"]))
    found = (article.published_date, article.date_source, article.date_precision)
    assert found == (dt.date(2019, 4, 15), "url", "day")
    assert article.published_at is None


def test_pull_quote_paragraph_is_kept_once() -> None:
    wsw = _p(_PARAS[:2]) + f"<blockquote><p>{_PARAS[1]}</p></blockquote>" + _p(_PARAS[2:]) + _p([_PARAS[1]])
    article = _one(_rferl(_pangea(wsw=wsw)))
    assert article.body.count("The talks followed weeks of tension") == 1
    assert len(article.body.split("\n\n")) == 3


def test_dateline_span_is_kept_out_of_the_body() -> None:
    wsw = '<span class="dateline">NEW YORK — </span>' + _p(_PARAS)
    article = _one(_rferl(_pangea(wsw=wsw)))
    assert article.dateline == "New York"
    assert article.body.startswith("Tajik officials met")


def test_canonical_url_when_the_document_has_none() -> None:
    page = _pangea(wsw=_p(_PARAS), meta='<link rel="canonical" href="https://www.ozodi.org/a/33000002.html">')
    article = _one(extract_html(_doc(page, None), SITES["rferl"]))
    assert article.url == "https://www.ozodi.org/a/33000002.html"
    assert article.language == "en"  # the text decides; the host would have said tg


def test_unknown_site_falls_back_to_whole_page_trafilatura() -> None:
    page = f"""<!DOCTYPE html><html lang="en"><head><title>Migrants and the base | Some Blog</title>
    <meta property="og:title" content="Migrants and the base">
    <meta name="author" content="Jane Doe">
    <meta property="article:published_time" content="2023-11-02T08:00:00Z"></head>
    <body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
    <main><article><h1>Migrants and the base</h1>{_p(_PARAS * 2)}</article></main>
    <footer>All rights reserved</footer></body></html>"""
    article = _one(extract_html(_doc(page, "https://blog.example.org/2023/11/migrants"), GENERIC))
    assert article.source == "other"
    assert article.title == "Migrants and the base"
    assert article.authors == ["Jane Doe"]
    assert article.published_date == dt.date(2023, 11, 2)
    assert article.body.startswith("Tajik officials met their Russian counterparts")
    assert "All rights reserved" not in article.body and "About" not in article.body


def test_entities_from_a_dtd_are_not_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    page = bomb + _pangea(wsw=_p(_PARAS) + "<p>&c;&c;&c;</p>").split("\n", 1)[1]
    article = _one(_rferl(page))
    assert "aaaaaaaaaa" not in article.body


@pytest.mark.parametrize("short", [True, False])
def test_pages_and_text_dumps_share_one_word_threshold(short: bool) -> None:
    """MIN_ARTICLE_WORDS words of prose make an article from a page and from a dump alike; one
    fewer is a not_article reject from both (the two paths once had a constant each)."""
    from pipeline.extraction.text_dump import extract_text
    from pipeline.models import MIN_ARTICLE_WORDS
    from pipeline.sites import GENERIC

    n = MIN_ARTICLE_WORDS - 1 if short else MIN_ARTICLE_WORDS
    prose = " ".join(f"word{k}" if k % 3 else "migrants" for k in range(n)) + "."
    from_page = _rferl(_pangea(wsw=f"<p>{prose}</p>"))
    from_dump = extract_text(RawDocument("x.txt", "text", f"Migrants face new rules\n\n{prose}\n"), GENERIC)
    for result in (from_page, from_dump):
        if short:
            assert isinstance(result, Reject) and result.reason == "not_article", result
            assert f"{n} words" in result.detail
        else:
            assert isinstance(result, list) and len(result[0].body.split()) == n, result
