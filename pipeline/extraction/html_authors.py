"""Who wrote an HTML page: the site's byline, JSON-LD Persons, meta author, generic byline markup.

Authors are the field most often wrong on the web (a fact-check's claimant, a related story's
byline, the outlet as an Organization author), so each source is filtered against the names the
page gives to others before the next is tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml import etree, html

from pipeline.extraction.authors import clean_authors
from pipeline.extraction.html_tree import first_text, select, selected_strings
from pipeline.extraction.json_ld import ld_names, ld_types
from pipeline.text.normalise import normalize_line


def unknown_site_authors(
    root: html.HtmlElement, ld: dict[str, Any], guessed: str | None, paragraphs: list[str]
) -> tuple[list[str], list[str]]:
    """The people who wrote a page of a site we have no rules for, and its paragraphs.

    The page's own author fields (JSON-LD, meta, microdata) come before trafilatura's guess,
    which rewrites names ("Dana A. Ford" -> "Dana A Ford", "Autor/in: A" -> "Autor; In A") and
    is dropped when the page shows the name only in a comment or a teaser; class-named byline
    markup after it, for it is often a related story's; a byline printed as the first lines of
    the text last (that line then leaves the text).
    """
    not_names = _not_author_names(root, ld)
    for raw in (
        lambda: _authors_from_ld(ld),
        lambda: selected_strings(root, _META_AUTHOR),
        lambda: _generic_byline_names(root, _MICRODATA_RANK),
        lambda: [guessed] if guessed and not _shown_only_elsewhere(root, guessed) else [],
        lambda: _generic_byline_names(root),
    ):
        names = _people(raw(), (), not_names)
        if names:
            return names, paragraphs
    return _byline_paragraph(paragraphs, not_names)


def _shown_only_elsewhere(root: html.HtmlElement, name: str) -> bool:
    """True when every element that shows name sits in a comment, a teaser or a claim."""
    first = normalize_line(name.split(";")[0])
    if not first:
        return False
    holders = _HOLDERS(root, name=first)
    return bool(holders) and all(
        any(_OTHER_PIECE.search(a.get("class") or "") for a in (h, *h.iterancestors())) for h in holders
    )


# One compiled query whatever the name: a query per name would crowd the site rules out of
# html_tree's cache of compiled XPaths.
_HOLDERS = etree.XPath("/html/body/descendant::*[contains(text(), $name)]")


_META_AUTHOR = "//meta[translate(@name, 'AUTHOR', 'author')='author']/@content"


# "By Jane Doe", "Written by: Jane Doe" as a paragraph of its own at the top of the text.
_BYLINE_PARAGRAPH = re.compile(r"^(?:by|written by|posted by|story by|автор|муаллиф)\s*:?\s+\S", re.I)


def _byline_paragraph(paragraphs: list[str], not_names: frozenset[str]) -> tuple[list[str], list[str]]:
    """Authors named by a byline that the page prints as one of the first paragraphs of the text
    (no byline markup, no metadata), and the paragraphs without that line: it is not text."""
    for index, paragraph in enumerate(paragraphs[:3]):
        if len(paragraph.split()) > 12 or not _BYLINE_PARAGRAPH.match(paragraph):
            continue
        names = _people([paragraph], (), not_names)
        if names and all(len(n.split()) >= 2 for n in names):
            return names, paragraphs[:index] + paragraphs[index + 1 :]
    return [], paragraphs


def known_site_authors(
    root: html.HtmlElement, xpaths: Iterable[str], desks: Iterable[re.Pattern[str]], ld: dict[str, Any]
) -> tuple[list[str], bool]:
    """People who wrote the piece: the site's byline, else JSON-LD Persons, else meta author; and
    whether the site's byline markup is on the page (it may name only a desk).

    Each source is filtered (desks, agencies, the outlet, people the page is about) before the
    next is tried, so that a byline naming only a desk does not hide a person named in JSON-LD.
    The second value is what the extraction's evidence asks of the byline selectors: returned
    here, where they are read anyway, rather than read again.
    """
    desks = tuple(desks)
    not_names = _not_author_names(root, ld)
    bylined = False  # the site's byline markup is there (it may name only a desk)
    for xp in xpaths:
        found = selected_strings(root, xp)
        bylined = bylined or bool(found)
        names = _people(found, desks, not_names)
        if names:
            return names, True
    names = _people(_authors_from_ld(ld), desks, not_names)
    if names:
        return names, bylined
    meta = first_text(root, (_META_AUTHOR,))
    names = _people([meta] if meta else [], desks, not_names)
    if names or bylined:
        return names, bylined
    # The site's byline markup is gone (a redesign): the markup most CMSs give a byline.
    return _people(_generic_byline_names(root), desks, not_names), False


def _generic_byline_names(root: html.HtmlElement, max_rank: int = 99) -> list[str]:
    """The byline text of the most specific generic byline markup on the page (one walk), of
    rank max_rank or better."""
    best: tuple[int, list[str]] | None = None
    for element in select(root, _BYLINE_UNION):
        if not isinstance(element, html.HtmlElement):
            continue
        rank = _byline_rank(element)
        if rank is None or rank > max_rank or (best is not None and rank >= best[0]):
            continue
        if any(_OTHER_PIECE.search(a.get("class") or "") for a in element.iterancestors()):
            continue  # a fact-check's claimant, a related story's byline
        text = normalize_line(element.text_content())
        if rank == _LABEL_RANK:  # <li><strong>Author</strong> Jane Doe</li>: the field's value
            value = element.getnext() if element.tag == "dt" else element.getparent()
            text = normalize_line(value.text_content()) if value is not None else ""
        if text:
            best = (rank, [text])
    return best[1] if best else []


# Ancestors whose byline is not the page's: a fact-check's claim, teasers of other stories.
_OTHER_PIECE = re.compile(
    r"statement|claim|teaser|related|recommend|promo|card|comment|popular|views-row", re.I
)


# The label of an author field ("Author", "Автор"), in a cell or bold run of its own.
_AUTHOR_LABEL = re.compile(r"^(?:authors?|by|autor(?:en)?|auteur|автор(?:ы)?|муаллиф)\s*:?$", re.I)


_LABEL_RANK = 5


_MICRODATA_RANK = 2  # itemprop author, rel=author: the page's own statement


def _byline_rank(element: html.HtmlElement) -> int | None:
    """How specific a generic byline element is (lower is better), or None."""
    if element.tag in _LABEL_TAGS:
        parent = element.getparent()
        label = normalize_line(element.text_content())
        return _LABEL_RANK if parent is not None and _AUTHOR_LABEL.match(label) else None
    classes = f" {' '.join((element.get('class') or '').split())} "
    if element.get("itemprop") == "name" and any(
        a.get("itemprop") == "author" for a in element.iterancestors()
    ):
        return 0
    if element.get("itemprop") == "author":
        return 1
    if element.tag == "a" and element.get("rel") == "author":
        return 2
    if element.tag == "a" and any("byline" in (a.get("class") or "") for a in element.iterancestors()):
        return 3
    if element.tag == "a" and (
        "/author/" in (element.get("href") or "") or "/authors/" in (element.get("href") or "")
    ):
        return 4
    if "byline" in classes:
        return 6
    if " author " in classes or "autor" in classes or "auteur" in classes:
        return 7  # English, German ("autoren"), French
    return None


_LABEL_TAGS = frozenset({"strong", "b", "dt", "th"})


# Where CMSs put a byline when a site's own selectors miss it (microdata, rel=author, author
# pages, "byline" and "author" classes, a bold "Author" label): one walk, ranked by _byline_rank.
_BYLINE_UNION = (
    "//*[@itemprop='author' or @itemprop='name'] | //a[@rel='author' or contains(@href, '/author')]"
    " | //*[contains(@class, 'byline') or contains(@class, 'author') or contains(@class, 'autor')"
    " or contains(@class, 'auteur')]"
    " | //*[self::strong or self::b or self::dt or self::th][string-length(normalize-space()) < 12]"
)


def _people(raw: Iterable[str], desks: tuple[re.Pattern[str], ...], not_names: frozenset[str]) -> list[str]:
    """clean_authors, without the names the page gives to others (claimants, the outlet)."""
    return [n for n in clean_authors(raw, desks, not_names) if n.casefold() not in not_names]


def _not_author_names(root: html.HtmlElement, ld: dict[str, Any]) -> frozenset[str]:
    """Names that are never the article's authors: the outlet's and its publisher's, and every
    name JSON-LD gives inside the article's other objects (a ClaimReview's claimant in
    itemReviewed, people it mentions or cites)."""
    names = {
        v.casefold()
        for v in selected_strings(
            root,
            "//meta[@property='og:site_name' or @name='application-name' or @name='publisher'"
            " or @name='copyright']/@content",
        )
    }
    for key, value in ld.items():
        if key != "author":
            names.update(n.casefold() for n in ld_names(value))
    publisher = ld.get("publisher")
    names.update(n.casefold() for n in ld_names(publisher))
    return frozenset(names)


def _authors_from_ld(ld: dict[str, Any]) -> list[str]:
    """Names of the Person authors only: an Organization author is the outlet, not a writer."""
    raw = ld.get("author")
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and ld_types(item) & {"Person"} and isinstance(item.get("name"), str):
            names.append(item["name"])
    return names
