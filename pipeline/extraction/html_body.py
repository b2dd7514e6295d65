"""The article's text from HTML: trafilatura on the site's body container, or on the whole page.

A known site's container is pruned and detached, then read directly when it is plain
paragraphs (pipeline.extraction.plain_body) or by trafilatura when not; a page of an unknown site
is handed to trafilatura whole, and the copyright lines it leaves at the end are dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import trafilatura
from lxml import etree, html
from trafilatura.settings import Extractor

from pipeline.extraction.html_tree import select
from pipeline.extraction.plain_body import plain_paragraphs
from pipeline.text.normalise import normalize_line

_PRUNE_ALWAYS = (".//script", ".//style", ".//noscript", ".//template")


def body_paragraphs(container: html.HtmlElement, prune: Iterable[str]) -> list[str]:
    """The container's text as paragraphs: trafilatura on the pruned subtree, else its <p> texts.

    A pruned container of nothing but plain paragraphs is read directly (pipeline.extraction.plain_body):
    trafilatura's result is known for it, at a tenth of the cost.
    """
    _prune(container, prune)
    page = _detach(container)
    plain = plain_paragraphs(container, trafilatura_paragraphs)
    if plain is not None:
        return plain
    return _trafilatura_on(page, container)


def _detach(container: html.HtmlElement) -> html.HtmlElement:
    """The container leaves the page's tree (with its tail), into a minimal document of its own.

    Whichever path reads the body, what is read of the page afterwards (the volume line) is the
    page without its article, as it always was. Returns that document: trafilatura expects
    <html><body>.
    """
    page = html.Element("html")
    etree.SubElement(page, "body").append(container)
    return page


def _prune(container: html.HtmlElement, prune: Iterable[str]) -> None:
    for xp in (*_PRUNE_ALWAYS, *prune):
        for node in select(container, xp):
            if isinstance(node, html.HtmlElement) and node is not container:
                node.drop_tree()


def trafilatura_paragraphs(container: html.HtmlElement) -> list[str]:
    """trafilatura's paragraphs of a container still in some tree (plain_body's probes, tests)."""
    return _trafilatura_on(_detach(container), container)


def _trafilatura_on(page: html.HtmlElement, container: html.HtmlElement) -> list[str]:
    """trafilatura's paragraphs of the container, already alone in page (_detach)."""
    # bare_extraction: extract() would only add a serialisation pass (NFC, strip, the empty
    # comments body) over text that split_lines normalises line by line anyway.
    result = trafilatura.bare_extraction(page, options=_subtree_options())
    paragraphs = split_lines(result.text) if result is not None and result.text else []
    if not paragraphs:
        # Whitespace folded as trafilatura folds it: a paragraph never holds a line break.
        texts = (" ".join(p.text_content().split()) for p in container.iter("p"))
        paragraphs = [t for t in map(normalize_line, texts) if t]
    return paragraphs


@functools.cache
def _subtree_options() -> Extractor:
    """Built once: constructing trafilatura's options reads its config and costs more than a page.

    fast: on an already-chosen container the readability/jusText comparison only costs time.
    """
    return Extractor(output_format="python", fast=True, comments=False, tables=False, formatting=False)


# "© 2013 Example News, Inc. All rights reserved.": the page's legal line, not the article's.
_NOTICE = re.compile(r"^[\W\d]*(?:©|\(c\)|copyright\b)|\ball rights reserved\b|\bвсе права защищены\b", re.I)


def without_trailing_notice(paragraphs: list[str]) -> list[str]:
    """The paragraphs without the copyright lines trafilatura leaves at the end of the text."""
    end = len(paragraphs)
    while end and len(paragraphs[end - 1].split()) <= 40 and _NOTICE.search(paragraphs[end - 1]):
        end -= 1
    return paragraphs[:end]


def page_options(url: str | None) -> Extractor:
    """trafilatura's options for a whole page of an unknown site: metadata on, since there is no site rule."""
    return Extractor(
        output_format="python", comments=False, tables=False, formatting=False, with_metadata=True, url=url
    )


def split_lines(text: str) -> list[str]:
    """trafilatura's txt output puts one paragraph (p, heading, list item) on each line."""
    return [line for line in (normalize_line(x) for x in text.splitlines()) if line]
