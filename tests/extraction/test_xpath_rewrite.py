"""The faster form of the site rules' XPaths selects exactly what the rules as written select."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from lxml import etree, html

from pipeline.extraction.html_tree import descendant_steps, page_parser
from pipeline.sites import SITES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = sorted(p for site in SITES for p in (FIXTURES / site).glob("*.html"))
EXTRA = (  # XPaths the extractor uses besides the site rules
    "//link[@rel='canonical']/@href",
    "//meta[@property='og:url']/@content",
    "//meta[@property='og:type']/@content",
    "//meta[@property='article:published_time']/@content",
    "//meta[translate(@name, 'AUTHOR', 'author')='author']/@content",
    "//title",
)


def _rule_xpaths() -> list[str]:
    out = set(EXTRA)
    for site in SITES.values():
        for f in fields(site.html):
            values = getattr(site.html, f.name)
            out.update(v for v in values if isinstance(v, str))
    return sorted(out)


def _variants(text: str) -> dict[str, str]:
    """The page as saved, and broken in the ways that could tell the two forms apart."""
    return {
        "as saved": text,
        "cut short": text[: len(text) // 2],
        "no head tag": text.replace("<head", "<xhead").replace("</head>", "</xhead>"),
        "no body tag": text.replace("<body", "<div").replace("</body>", "</div>"),
        "a second body": text.replace("</body>", "</body><body class='pg-article x'><p>late</p></body>"),
        "meta in the body": text.replace(
            "</head>", "<meta name='keywords' content='late'></head>", 1
        ).replace("<body", "<body><meta name='author' content='In Body'", 1),
    }


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y or x == y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_rule_selects_the_same_nodes_in_the_faster_form(page: Path) -> None:
    xpaths = _rule_xpaths()
    rewritten = [x for x in xpaths if descendant_steps(x) != x]
    assert len(rewritten) > len(xpaths) // 2  # the rewrite is not a no-op
    for name, text in _variants(page.read_text(encoding="utf-8")).items():
        root = html.document_fromstring(text.encode("utf-8"), parser=page_parser())
        for xp in xpaths:
            as_written = etree.XPath(xp)(root)
            faster = etree.XPath(descendant_steps(xp))(root)
            assert _same(as_written, faster), (name, xp)
            # Relative rules (prune) are evaluated on the container.
            for element in root.iter("div"):
                if xp.startswith(".//"):
                    assert _same(etree.XPath(xp)(element), etree.XPath(descendant_steps(xp))(element))
                break


@pytest.mark.parametrize(
    ("written", "faster"),
    [
        ("//div[@id='a']", "/descendant::div[@id='a']"),
        (".//p", "./descendant::p"),
        ("//body[@class='x']", "/html/body[@class='x']"),
        ("//div[1]", "//div[1]"),  # positional: "first div of its parent" is not "first div"
        ("//a[last()]", "//a[last()]"),
        ("//a[contains(@href, '//x')]", "/descendant::a[contains(@href, '//x')]"),  # literals kept
        (
            "//p[contains(concat(' ', normalize-space(@class), ' '), ' lead ')]",
            "/descendant::p[contains(@class, 'lead') and "
            "contains(concat(' ', normalize-space(@class), ' '), ' lead ')]",
        ),
    ],
)
def test_how_xpaths_are_rewritten(written: str, faster: str) -> None:
    assert descendant_steps(written) == faster
