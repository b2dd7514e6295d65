"""page_url: the URL a saved page without one beside it names itself by."""

from __future__ import annotations

from pipeline.extraction.dispatch import page_url


def test_a_canonical_link_and_og_url_are_found():
    assert (
        page_url('<link rel="canonical" href="https://www.rferl.org/a/1.html">')
        == "https://www.rferl.org/a/1.html"
    )
    assert page_url("<LINK HREF='http://x.org/a' REL=Canonical>") == "http://x.org/a"
    assert (
        page_url('<meta property="og:url" content="https://ozodi.org/a/2.html">')
        == "https://ozodi.org/a/2.html"
    )
    assert page_url('<link rel="canonical" href="/a/1.html">') is None  # not absolute
    assert page_url("<p>canonical og:url</p>") is None


def test_only_the_first_60000_characters_are_searched():
    """A saved page names itself in its head: a link past the first 60,000 characters is not read,
    and one that the limit cuts is read as far as the limit (the search stops there)."""
    link = '<link rel="canonical" href="https://www.rferl.org/a/123456.html">'
    assert page_url("д" * 100 + link) == "https://www.rferl.org/a/123456.html"
    assert page_url("д" * 60_000 + link) is None
    cut = 60_000 - link.index(".html")
    assert page_url("д" * cut + link) == "https://www.rferl.org/a/123456"
