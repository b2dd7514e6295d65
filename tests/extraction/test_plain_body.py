"""The plain-paragraph shortcut gives exactly trafilatura's paragraphs wherever it is taken.

Differential: generated containers (wrappers with class names trafilatura acts on, share lines,
repeats, entities, odd spaces and characters, empty elements, inline markup) go through both the
shortcut and trafilatura; whenever the shortcut answers, the answers must be equal. Then the
cases it must leave to trafilatura, each on its own, and the real Pangea page it is made for.
"""

from __future__ import annotations

import copy
import json
import random
from html import escape
from pathlib import Path

import pytest
from conftest import shared_page
from lxml import html

from pipeline.extraction import html_article, html_body
from pipeline.extraction.html_tree import page_parser
from pipeline.extraction.plain_body import plain_paragraphs
from pipeline.models import RawDocument
from pipeline.sites import SITES, detect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL_PAGE_EXPECTED = FIXTURES / "shared-pages" / "voanews-2024-04-28-article.json"

_TEXT = (
    "the migrants from Tajikistan were stopped at the airport on Monday and questioned for hours "
    "мигранты из Таджикистана задержаны в аэропорту Москвы после проверки документов "
    "муҳоҷирони тоҷик дар фурудгоҳ боздошт шуданд ва соатҳо пурсиш шуданд "
    "2024 12 % — – « » “ ” ' \" ( ) : ; , . ! ? / 201st RFE/RL"
)
WORDS = _TEXT.split()
SPACES = (" ", " ", " ", "\n", "\t", "\u00a0", "\u2009", "  ", "\r\n")
CLASSES = (
    {},
    {"class": "wsw"},
    {"id": "article-content"},
    {"class": "articleContent"},
    {"class": "entry-content"},
    {"class": "post"},
    {"class": "content"},
    {"class": "share"},
    {"class": "teaser"},
    {"class": "comments"},
    {"id": "footer"},
    {"class": "sidebar"},
    {"class": "related-articles"},
    {"class": "hidden"},
    {"class": "newsletter-box"},
    {"id": "story"},
)
ODD_LINES = (
    "Facebook",
    "Print",
    "Twitter",
    "E-Mail",
    "More on this topic",
    "Share",
    "Read more",
    "—",
    "1.",
    "...",
    "AT&amp;T and Tajik Air",
    "a &lt;b&gt; tag written out",
    "soft\u00adhyphen and zero\u200bwidth",
    "\u00a0",
    "<p>",
)


def _sentence(rng: random.Random, low: int = 3, high: int = 60) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    out = rng.choice(("", "", " ", "\n  "))
    for word in words:
        out += word + rng.choice(SPACES)
    return out


def _attributes(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())


def _paragraph(rng: random.Random, previous: str | None) -> str:
    roll = rng.random()
    if roll < 0.06 and previous is not None:
        return previous  # a repeat of the paragraph before
    if roll < 0.08 and previous is not None and previous.startswith("<p>") and len(previous) > 70:
        inner = previous[3:-4]
        start = len(inner) // 4
        return f"<p>{inner[start : start + len(inner) // 2].strip()}</p>"  # a pull quote of it
    if roll < 0.14:
        return f"<p>{rng.choice(ODD_LINES)}</p>"
    if roll < 0.18:
        return rng.choice(("<p></p>", "<p>  \n </p>", '<div class="clear"></div>', "<ul></ul>"))
    if roll < 0.21:
        inner = rng.choice(
            (
                '<a href="/a/1.html">{}</a>',
                "<strong>{}</strong>",
                "{}<br>{}",
                "<em>{}</em> more",
                '<span class="x">{}</span>',
            )
        )
        return "<p>" + inner.format(escape(_sentence(rng)), escape(_sentence(rng))) + "</p>"
    if roll < 0.23:
        return f'<p class="{rng.choice(("lead", "share-line", "caption"))}">{escape(_sentence(rng))}</p>'
    if roll < 0.30:
        return _inline_paragraph(rng)
    if roll < 0.25:
        return escape(_sentence(rng, 1, 5))  # loose text between paragraphs
    return f"<p>{escape(_sentence(rng))}</p>"


INLINE = (
    '<a href="https://www.rferl.org/a/{n}.html">{}</a>',
    '<a href="/a/{n}.html" target="_blank" rel="noopener">{}</a>',
    '<a href="/a/{n}.html" title="more">{}</a>',
    "<a>{}</a>",
    "<strong>{}</strong>",
    "<b>{}</b>",
    "<em>{}</em>",
    "<i>{}</i>",
)
# Inline markup the shortcut leaves to trafilatura (classes, nesting, other tags, empty elements).
INLINE_ODD = (
    '<a href="/a/{n}.html" class="share">{}</a>',
    '<a href="/a/{n}.html" class="wsw__a">{}</a>',
    '<strong class="schema-faq-question">{}</strong>',
    "<a href='/a/{n}.html'><strong>{}</strong></a>",
    "<u>{}</u>",
    "<span>{}</span>",
    "<sup>{}</sup>",
    '<a href="/a/{n}.html"></a>',
    "<strong> </strong>",
)


def _inline_paragraph(rng: random.Random, odd: float = 0.3) -> str:
    """Running text with links and formatting mid-sentence, as article bodies have them: from a
    word in bold to paragraphs that are mostly or only links (which trafilatura may delete)."""
    parts: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3, 5, 7))):
        if rng.random() < 0.7:
            parts.append(escape(_sentence(rng, 0, rng.choice((4, 12, 40)))))
        inner = escape(_sentence(rng, 1, rng.choice((3, 5, 20))))
        kinds = INLINE_ODD if rng.random() < odd else INLINE
        parts.append(rng.choice(kinds).format(inner, n=rng.randrange(10**6)))
    if rng.random() < 0.6:
        parts.append(escape(_sentence(rng, 0, 30)))
    joiner = rng.choice(("", " ", " ", "\n"))
    return "<p>" + joiner.join(parts) + "</p>"


def _container(rng: random.Random) -> str:
    paragraphs: list[str] = []
    previous = None
    for _ in range(rng.choice((1, 2, 3, 4, 6, 8, 12, 20))):
        previous = _paragraph(rng, previous)
        paragraphs.append(previous)
    inner = "\n".join(paragraphs)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        inner = f"<div{_attributes(rng.choice(CLASSES))}>\n{inner}\n</div>"
        if rng.random() < 0.2:
            inner += '\n<div class="clear"></div>'
    tag = rng.choice(("div", "div", "article", "section"))
    return f"<{tag}{_attributes(rng.choice(CLASSES))}>{inner}</{tag}>"


def _parsed_container(markup: str) -> html.HtmlElement:
    page = f"<html><head><title>t</title></head><body><main>{markup}</main></body></html>"
    root = html.document_fromstring(page.encode("utf-8"), parser=page_parser())
    return root.find("body/main")[0]


def _plain(container: html.HtmlElement) -> list[str] | None:
    return plain_paragraphs(container, html_body.trafilatura_paragraphs)


def test_shortcut_equals_trafilatura_on_generated_containers() -> None:
    rng = random.Random(20261122)
    taken = 0
    for case in range(700):
        markup = _container(rng)
        container = _parsed_container(markup)
        fast = plain_paragraphs(copy.deepcopy(container), html_body.trafilatura_paragraphs)
        slow = html_body.trafilatura_paragraphs(container)
        if fast is not None:
            taken += 1
            assert fast == slow, f"case {case}: {markup}"
    # Both kinds of case occur: the comparison above is not vacuous.
    assert 80 <= taken <= 800, taken


def _inline_container(rng: random.Random) -> str:
    """Paragraphs of running text, a share of them with inline markup, in zero to two wrappers."""
    inline_share = rng.choice((0.2, 0.4, 0.7, 1.0))
    paragraphs = [
        _inline_paragraph(rng, odd=0.02)
        if rng.random() < inline_share
        else f"<p>{escape(_sentence(rng, 8))}</p>"
        for _ in range(rng.choice((3, 4, 6, 10, 20)))
    ]
    inner = "\n".join(paragraphs)
    for _ in range(rng.choice((0, 1, 2))):
        inner = f"<div{_attributes(rng.choice(CLASSES))}>\n{inner}\n</div>"
    return f"<div{_attributes(rng.choice(CLASSES[:7]))}>{inner}</div>"


def test_inline_markup_shortcut_equals_trafilatura() -> None:
    """Links and bold words inside paragraphs: taken where trafilatura's link-density tests cannot
    fire, and then the same paragraphs; the link-heavy and short linked paragraphs it deletes, and
    markup it reads otherwise, go to trafilatura."""
    rng = random.Random(20261129)
    taken_with_markup = left = 0
    for case in range(600):
        markup = _inline_container(rng)
        container = _parsed_container(markup)
        marked = container.find(".//p/*") is not None
        fast = plain_paragraphs(copy.deepcopy(container), html_body.trafilatura_paragraphs)
        slow = html_body.trafilatura_paragraphs(container)
        if fast is None:
            left += 1
            continue
        taken_with_markup += marked
        assert fast == slow, f"case {case}: {markup}"
    assert taken_with_markup >= 100 and left >= 100, (taken_with_markup, left)


def test_running_text_with_links_and_bold_is_taken() -> None:
    """A link and bold words mid-sentence: read directly, the paragraphs trafilatura gives."""
    body = "\n".join(f"<p>{' '.join(WORDS[i : i + 30])}</p>" for i in range(0, 90, 15))
    ok = (
        "<p>Words and <strong>bold words</strong> and <a href='/a/2.html'>a link</a> in a sentence"
        " that runs on and on.</p>"
    )
    container = _parsed_container(f"<div>{body}{ok}</div>")
    fast = _plain(copy.deepcopy(container))
    assert fast is not None
    assert fast[-1] == "Words and bold words and a link in a sentence that runs on and on."
    assert fast == html_body.trafilatura_paragraphs(container)


@pytest.mark.parametrize(
    "odd",
    [
        '<p><a href="/a/1.html">A link in the text, which is most of it</a> and words after</p>',
        '<p><a href="/a/1.html">A paragraph that is a link and nothing else, long as it is</a></p>',
        # Inline markup it reads otherwise: mostly link text, a short linked line, a link with a
        # class (trafilatura's discard rules), nested formatting, a span, an empty link.
        '<p>See <a href="/a/1.html">the earlier report on the detentions at the airport</a> here.</p>',
        '<p><a href="/a/1.html">Short linked</a> line.</p>',
        '<p>Words and <a href="/a/1.html" class="related">a link with a class on it</a> after it all.</p>',
        "<p>Words and <strong>bold <em>nested</em> words</strong> in a sentence that runs on.</p>",
        "<p>Words and <span>a span</span> in a sentence that runs on long enough to count.</p>",
        '<p>Words and an empty link <a href="/a/1.html"></a> in a sentence that runs on.</p>',
        "<p>Facebook</p>",
        "<p>Print</p>",
        "<p>The same paragraph twice, long enough to matter to anyone reading it.</p>" * 2,
        "<p>Read more</p><p>A paragraph between the two.</p><p>Read more</p>",
        # A pull quote: part of an earlier paragraph, which trafilatura may skip as a repeat.
        f"<p>{' '.join(WORDS[2:20])}</p>",
        "<p>AT&amp;T and the airport</p>",
        "<p>zero\u200bwidth</p>",
        "loose text",
        '<p class="caption">A caption of a photo</p>',
        "<p>line<br>break</p>",
        "<figure><img src='x.jpg'></figure>",
        '<div style="display:none"><p>hidden text</p></div>',
        "<h2>A heading</h2>",
        "<blockquote><p>A quote</p></blockquote>",
        "<ul><li>a list item</li></ul>",
    ],
)
def test_left_to_trafilatura(odd: str) -> None:
    body = "\n".join(f"<p>{' '.join(WORDS[i : i + 30])}</p>" for i in range(0, 90, 15))
    assert _plain(_parsed_container(f"<div>{body}</div>")) is not None
    assert _plain(_parsed_container(f"<div>{body}{odd}</div>")) is None


def test_short_bodies_are_left_to_trafilatura() -> None:
    """Under 500 characters or 3 paragraphs trafilatura may take its recovery pass."""
    two = "<p>" + "word " * 80 + "</p><p>" + "other " * 80 + "</p>"
    assert _plain(_parsed_container(f"<div>{two}</div>")) is None
    short = "<p>a short one</p>" * 3
    assert _plain(_parsed_container(f"<div>{short}</div>")) is None


def _extract(page: Path) -> object:
    """The fixture's article through the known-site path, as tests/sites/test_sites.py reads it."""
    text = page.read_text(encoding="utf-8")
    meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    site = SITES[meta["site"]] if "site" in meta else detect(meta["url"], text)
    doc = RawDocument(raw_path=page.name, kind="html", text=text, encoding="utf-8", url=meta["url"])
    return html_article.extract_html(doc, site)


def _both_ways(monkeypatch, extract) -> tuple[object, object, list[bool]]:
    """(extract() with the shortcut, extract() without it, whether the shortcut answered each call)."""
    taken: list[bool] = []
    real = html_body.plain_paragraphs

    def spy(container, slow):
        result = real(container, slow)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(html_body, "plain_paragraphs", spy)
    fast = extract()
    monkeypatch.setattr(html_body, "plain_paragraphs", lambda container, slow: None)
    return fast, extract(), taken


def test_real_pangea_page_takes_the_shortcut_with_the_same_article(monkeypatch) -> None:
    """The real page's pruned body is plain paragraphs: the same article with and without it."""
    meta = json.loads(REAL_PAGE_EXPECTED.read_text(encoding="utf-8"))
    text = shared_page(meta["shared"])  # third-party: read from ../shared, never copied here
    doc = RawDocument(raw_path="voanews.html", kind="html", text=text, encoding="utf-8", url=meta["url"])
    fast, slow, taken = _both_ways(monkeypatch, lambda: html_article.extract_html(doc, SITES[meta["site"]]))
    assert taken == [True]
    assert isinstance(fast, list) and len(fast[0].body.split("\n\n")) == 26
    assert fast == slow


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/*.html")), ids=lambda p: p.name)
def test_every_fixture_gives_the_same_article_either_way(page: Path, monkeypatch) -> None:
    with_shortcut = _extract(page)
    monkeypatch.setattr(html_body, "plain_paragraphs", lambda container, slow: None)
    assert _extract(page) == with_shortcut


def test_text_read_after_the_body_is_the_same_either_way(monkeypatch) -> None:
    """The volume line is looked for in the page without its article, with or without the shortcut."""
    body = "\n".join(f"<p>{' '.join(WORDS[i : i + 30])}</p>" for i in range(0, 90, 15))
    page = (
        '<html><head><meta property="og:type" content="article"><title>T</title></head>'
        '<body class="single"><h1>A headline</h1>\n<div class="entry-content">\n'
        f"{body}\n<p>Publication: Eurasia Daily Monitor Volume: 9 Issue: 99</p>\n</div></body></html>"
    )
    doc = RawDocument(raw_path="j.html", kind="html", text=page, encoding="utf-8", url=None)
    fast, slow, taken = _both_ways(monkeypatch, lambda: html_article.extract_html(doc, SITES["jamestown"]))
    assert taken == [True] and isinstance(fast, list) and fast[0].body.endswith("Volume: 9 Issue: 99")
    assert (fast[0].volume, fast[0].issue) == (None, None)
    assert fast == slow


def test_the_one_search_for_repeats_is_the_pairwise_test() -> None:
    """_any_repeats (one search over the joined lines) says what the pairwise test said: a line
    equal to an earlier one, or over 50 characters and inside an earlier one."""
    from pipeline.extraction.plain_body import _any_repeats

    def pairwise(lines: list[str]) -> bool:
        for i, line in enumerate(lines):
            earlier = lines[:i]
            if line in earlier or (len(line) > 50 and any(line in other for other in earlier)):
                return True
        return False

    rng = random.Random(21)
    words = ["a", "bb", "word", "Душанбе", "x" * 30, "y" * 55]
    hits = 0
    for _ in range(4000):
        pool = [" ".join(rng.choices(words, k=rng.randint(1, 9))) for _ in range(4)]
        lines = []
        for _ in range(rng.randint(1, 7)):
            base = rng.choice(pool)
            if rng.random() < 0.3 and len(base) > 3:  # a piece of a line, as a pull quote is
                start = rng.randrange(len(base) // 2)
                base = base[start : start + rng.randint(1, len(base))]
            lines.append(base.strip() or "z")
        expected = pairwise(lines)
        hits += expected
        assert _any_repeats(lines) == expected, lines
    assert 200 < hits < 3800  # both answers are exercised
