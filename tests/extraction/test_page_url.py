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
