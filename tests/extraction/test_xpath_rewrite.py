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


def _first_text_as_written(root: html.HtmlElement, xp: str) -> str | None:
    from pipeline.extraction.html_tree import normalize_line

    for item in etree.XPath(xp)(root):
        text = normalize_line(item.text_content() if isinstance(item, html.HtmlElement) else str(item))
        if isinstance(item, (html.HtmlElement, str)) and text:
            return text
    return None


def _first_element_as_written(root: html.HtmlElement, xp: str) -> html.HtmlElement | None:
    return next((i for i in etree.XPath(xp)(root) if isinstance(i, html.HtmlElement)), None)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_first_match_alone_gives_what_the_whole_selection_gives(page: Path) -> None:
    """first_text and first_element ask a rule for its first match alone (`[1]` on its last step):
    on every fixture page, whole and broken, they give what the first of the whole selection is."""
    from pipeline.extraction.html_tree import _compiled_first, first_element, first_text

    xpaths = _rule_xpaths()
    assert sum(_compiled_first(x) is not None for x in xpaths) > len(xpaths) // 4  # not a no-op
    for name, text in _variants(page.read_text(encoding="utf-8")).items():
        root = html.document_fromstring(text.encode("utf-8"), parser=page_parser())
        for xp in xpaths:
            assert first_text(root, (xp,)) == _first_text_as_written(root, xp), (name, xp)
            assert first_element(root, (xp,)) is _first_element_as_written(root, xp), (name, xp)


def test_the_first_match_alone_on_generated_pages() -> None:
    """Nested contexts, empty first matches, matches in several contexts: the first match of the
    `[1]` form is the whole selection's first, and an empty one falls back to the whole selection."""
    import random

    from pipeline.extraction.html_tree import _compiled_first, first_element, first_text

    xpaths = [
        "//h1",
        "//div[@id='a']//span",
        "//div[contains(@class, 'x')]/p",
        "//div//p[contains(@class, 'y')]",
        "//*[@class='x']",
        "//section//div[@id='a']/span",
        "//span[@class='x' or @id='a']",
    ]
    assert all(_compiled_first(x) is not None for x in xpaths)
    rng = random.Random(9)

    def element(depth: int) -> str:
        tag = rng.choice(["div", "span", "p", "h1", "section"])
        attrs = rng.choice(["", " id='a'", " class='x'", " class='y x'", " class='y'"])
        text = rng.choice(["", "", " ", "word", "two words"])
        children = "".join(element(depth + 1) for _ in range(rng.randint(0, 3) if depth < 4 else 0))
        return f"<{tag}{attrs}>{text}{children}</{tag}>"

    for _ in range(400):
        body = "".join(element(0) for _ in range(rng.randint(1, 4)))
        root = html.document_fromstring(f"<html><body>{body}</body></html>", parser=page_parser())
        for xp in xpaths:
            assert first_text(root, (xp,)) == _first_text_as_written(root, xp), (body, xp)
            assert first_element(root, (xp,)) is _first_element_as_written(root, xp), (body, xp)
