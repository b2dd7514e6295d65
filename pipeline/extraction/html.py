"""RawDocument (HTML) -> Article: site selectors for metadata, trafilatura for the body.

The page is parsed once. For a known site the metadata comes from the site's own selectors,
JSON-LD and meta tags (never from trafilatura, which on a fact-check page took the claimant for
the author), and trafilatura is handed only the body container: it is then both more accurate
(menus, related links and share boxes are outside the subtree or pruned from it) and several times
faster than on the whole page. Pages of unknown sites get whole-page trafilatura with metadata.

Pure: no I/O, no Prefect. Everything site-specific is data in pipeline/sites.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree, html
from trafilatura.settings import Extractor

from pipeline.extraction.authors import clean_authors
from pipeline.extraction.evidence import FALLBACK, NONE, SITE, Evidence, origin
from pipeline.extraction.plain_body import plain_paragraphs
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import GENERIC
from pipeline.sites.base import Site
from pipeline.text.dates import ParsedDate, date_from_url, parse_date
from pipeline.text.language import detect_language
from pipeline.text.normalise import body_and_words, normalize_line, word_count

MIN_WORDS = 25

# JSON-LD types that describe the page's own article (a WebPage or BreadcrumbList does not).
_ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
        "ScholarlyArticle",
        "ClaimReview",
        "LiveBlogPosting",
    }
)
_DATELINE_TAIL = re.compile(r"[\s\u2014\u2013\-:,]+$")
# Finer first: a coarser trusted date yields to a finer one of the same day.
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}
_PRUNE_ALWAYS = (".//script", ".//style", ".//noscript", ".//template")


def extract_html(doc: RawDocument, site: Site) -> list[Article] | Reject:
    """One HTML page -> its article (a one-element list), or a Reject saying why there is none.

    A list so that the caller treats HTML and listing dumps alike; an article page gives one.
    """
    root = _parse(doc)
    if isinstance(root, Reject):
        return root
    said = _says_not_article(root, site)
    if said is not None:
        return Reject(
            doc.raw_path, "not_article", f"not an article page: it says {said[:80]!r}", doc.raw_record
        )
    if not site.html.container:  # no rules for this site: whole-page trafilatura
        return _extract_unknown(doc, site, root)
    return _extract_known(doc, site, root)


# --------------------------------------------------------------------------------------- parsing


@functools.cache
def _parser() -> html.HTMLParser:
    """One parser per process: no network, no huge trees (size limits stay on), no comments.

    The HTML parser never loads a DTD, so entities declared in one are not expanded.
    """
    return html.HTMLParser(
        encoding="utf-8", huge_tree=False, no_network=True, remove_comments=True, remove_pis=True
    )


def _parse(doc: RawDocument) -> html.HtmlElement | Reject:
    """The page's root element; bytes in utf-8 so that an XML declaration in the text is harmless."""
    if not doc.text or not doc.text.strip():
        return Reject(doc.raw_path, "empty", "no text in the page", doc.raw_record)
    try:
        data = doc.text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from a bad decode
        return Reject(doc.raw_path, "undecodable", f"text does not encode as UTF-8: {exc}", doc.raw_record)
    try:
        root = html.document_fromstring(data, parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        return Reject(doc.raw_path, "not_article", f"lxml cannot parse the page: {exc}", doc.raw_record)
    if root is None or not len(root):
        return Reject(doc.raw_path, "not_article", "lxml found no elements in the page", doc.raw_record)
    return root


def _says_not_article(root: html.HtmlElement, site: Site) -> str | None:
    """The page's <title> or first heading when it says the page is an error or search page."""
    patterns = site.text.not_article + GENERIC.text.not_article
    for text in (_first_text(root, ("//title",)), _first_text(root, ("//h1",))):
        if text and len(text.split()) <= 14 and any(p.search(text) for p in patterns):
            return text
    return None


# ------------------------------------------------------------------------------------ known sites


def _extract_known(doc: RawDocument, site: Site, root: html.HtmlElement) -> list[Article] | Reject:
    rules = site.html
    if not any(_xpath(root, x) for x in rules.article_markers):
        return Reject(
            doc.raw_path,
            "not_article",
            f"{_page_kind(root)}: none of the {site.key} article markers match",
            doc.raw_record,
        )
    ld = _json_ld(root)
    url = doc.url or _canonical_url(root, doc.url)
    # Read everything outside the body before the body is pruned (the dateline span is pruned).
    title = _title(root, rules.title, ld, url)
    authors = _authors(root, rules.authors, rules.desk_authors, ld)
    date = _published(root, rules.date, ld, url, site.timezone_for(url))
    tags = _tags(root, rules.tags, ld)
    dateline = _first_text(root, rules.dateline)
    container = _first_element(root, rules.container)
    page = url or doc.raw_path
    evidence = _rule_evidence(root, site, page, container is not None, title, authors, date)
    paragraphs = _body_paragraphs(container, rules.prune) if container is not None else []
    if dateline is None and paragraphs and site.text.dateline is not None:
        match = site.text.dateline.match(paragraphs[0])
        dateline = match.group("place") if match else None
    volume, issue = _volume_issue(root, site)
    return _article(
        doc,
        site,
        root,
        ld,
        paragraphs,
        url=url,
        title=title,
        authors=authors,
        date=date,
        tags=tags,
        dateline=_clean_dateline(dateline),
        volume=volume,
        issue=issue,
        evidence=evidence,
    )


def _rule_evidence(
    root: html.HtmlElement,
    site: Site,
    page: str,
    container_matched: bool,
    title: str | None,
    authors: list[str],
    date: ParsedDate | None,
) -> Evidence:
    """Whether the site's own selectors match this page, field by field (pipeline.extraction.evidence).

    Asked of the selectors themselves, not of which source won: a page whose JSON-LD gives the
    date still says whether the site's date element is there. Read before the body is pruned.
    A byline element naming only a desk is a match (the markup is there; the names were dropped).
    """
    rules = site.html
    title_hit = _first_text(root, rules.title) is not None
    byline_hit = _first_text(root, rules.authors) is not None
    # A date from a <time> or byline element came from the site's selectors (the only ones read
    # with those sources); else a selector matches when it selects any text (not parsed again:
    # parsing doubled the cost of this check).
    date_hit = (date is not None and date.source in ("time element", "byline")) or any(
        text.strip() for xp in rules.date for text, _ in _date_values(root, xp)
    )
    return Evidence(
        site=site.key,
        page=page,
        container=SITE if container_matched else NONE,
        title=origin(title_hit, bool(title)),
        date=origin(date_hit, date is not None),
        authors=origin(byline_hit, bool(authors)),
    )


def _volume_issue(root: html.HtmlElement, site: Site) -> tuple[int | None, int | None]:
    """Volume and issue when the page states them ("Publication: ... Volume: 17 Issue: 122").

    The site's text-dump header pattern is reused: the line reads the same in HTML and dumps.
    """
    pattern = site.text.header
    body = root.find("body")
    if pattern is None or body is None or "volume" not in pattern.groupindex:
        return None, None
    for line in body.text_content().splitlines():
        match = pattern.match(normalize_line(line))
        if match:
            issue = match.groupdict().get("issue")
            return int(match["volume"]), int(issue) if issue else None
    return None, None


def _body_paragraphs(container: html.HtmlElement, prune: Iterable[str]) -> list[str]:
    """The container's text as paragraphs: trafilatura on the pruned subtree, else its <p> texts.

    A pruned container of nothing but plain paragraphs is read directly (pipeline.extraction.plain_body):
    trafilatura's result is known for it, at a tenth of the cost.
    """
    _prune(container, prune)
    page = _detach(container)
    plain = plain_paragraphs(container, _trafilatura_paragraphs)
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
        for node in _xpath(container, xp):
            if isinstance(node, html.HtmlElement) and node is not container:
                node.drop_tree()


def _trafilatura_paragraphs(container: html.HtmlElement) -> list[str]:
    """trafilatura's paragraphs of a container still in some tree (plain_body's probes, tests)."""
    return _trafilatura_on(_detach(container), container)


def _trafilatura_on(page: html.HtmlElement, container: html.HtmlElement) -> list[str]:
    """trafilatura's paragraphs of the container, already alone in page (_detach)."""
    # bare_extraction: extract() would only add a serialisation pass (NFC, strip, the empty
    # comments body) over text that _split_lines normalises line by line anyway.
    result = trafilatura.bare_extraction(page, options=_subtree_options())
    paragraphs = _split_lines(result.text) if result is not None and result.text else []
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


# ---------------------------------------------------------------------------------- unknown sites


def _extract_unknown(doc: RawDocument, site: Site, root: html.HtmlElement) -> list[Article] | Reject:
    """Whole-page trafilatura with metadata: the only knowledge we have of an unknown site."""
    ld = _json_ld(root)
    url = doc.url or _canonical_url(root, doc.url)
    result = trafilatura.bare_extraction(root, url=url, options=_page_options(url))
    if result is None:
        return Reject(doc.raw_path, "not_article", "no article text (0 words)", doc.raw_record)
    paragraphs = _without_trailing_notice(_split_lines(result.text or ""))
    authors, paragraphs = _unknown_site_authors(root, ld, result.author, paragraphs)
    # trafilatura's date comes from htmldate (meta, JSON, URL, text): "text" claims the least.
    date = _ld_date(ld) or _parsed(result.date, "text") or _url_date(url)
    # trafilatura cuts a <title> at its first separator ("Russia - Tajikistan talks" -> "Russia"):
    # the page's own headline fields come first, its title only when they are missing.
    title = _title(root, ("//meta[@property='og:title']/@content",), ld, url) or result.title
    tags = _split_keywords(result.tags or []) or _ld_keywords(ld)
    return _article(
        doc,
        site,
        root,
        ld,
        paragraphs,
        url=url,
        title=title,
        authors=authors,
        date=date,
        tags=tags,
        dateline=None,
        # No rules of its own: every value is the general mechanism's (whole-page trafilatura).
        evidence=Evidence(
            site=site.key,
            page=url or doc.raw_path,
            container=FALLBACK,
            title=origin(False, bool(title)),
            date=origin(False, date is not None),
            authors=origin(False, bool(authors)),
        ),
    )


# "© 2013 Example News, Inc. All rights reserved.": the page's legal line, not the article's.
_NOTICE = re.compile(r"^[\W\d]*(?:©|\(c\)|copyright\b)|\ball rights reserved\b|\bвсе права защищены\b", re.I)


def _without_trailing_notice(paragraphs: list[str]) -> list[str]:
    """The paragraphs without the copyright lines trafilatura leaves at the end of the text."""
    end = len(paragraphs)
    while end and len(paragraphs[end - 1].split()) <= 40 and _NOTICE.search(paragraphs[end - 1]):
        end -= 1
    return paragraphs[:end]


def _unknown_site_authors(
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
        lambda: _strings(root, _META_AUTHOR),
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
# _compiled's cache.
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


def _page_options(url: str | None) -> Extractor:
    return Extractor(
        output_format="python", comments=False, tables=False, formatting=False, with_metadata=True, url=url
    )


# ---------------------------------------------------------------------------------- the article


def _article(
    doc: RawDocument,
    site: Site,
    root: html.HtmlElement,
    ld: dict[str, Any],
    paragraphs: list[str],
    *,
    url: str | None,
    title: str | None,
    authors: list[str],
    date: ParsedDate | None,
    tags: list[str],
    dateline: str | None,
    volume: int | None = None,
    issue: int | None = None,
    evidence: Evidence | None = None,
) -> list[Article] | Reject:
    if title and paragraphs and paragraphs[0].casefold() == normalize_line(title).casefold():
        paragraphs = paragraphs[1:]  # the headline, repeated by trafilatura from the page's <h1>
    body = body_and_words(paragraphs)  # drop_repeated_paragraphs, then join_paragraphs
    words = word_count(body)
    if words < MIN_WORDS:
        return Reject(
            doc.raw_path, "not_article", f"no article text ({words} words)", doc.raw_record, evidence
        )
    return [
        Article(
            source=site.key,
            body=body,
            raw_path=doc.raw_path,
            raw_record=doc.raw_record,
            url=url,
            title=normalize_line(title) if title else None,
            authors=authors,
            published_at=date.published_at if date else None,
            published_date=date.published_date if date else None,
            date_precision=date.precision if date else None,
            date_source=date.source if date else None,
            dateline=dateline,
            language=detect_language(body, hint=_language_hint(root, ld, site, url)),
            tags=tags,
            publication=site.publication,
            volume=volume,
            issue=issue,
            is_teaser=False,
            fetched_at=doc.fetched_at,
            modified_at=_modified(root, ld, site.timezone_for(url)),
            evidence=evidence,
        )
    ]


def _split_lines(text: str) -> list[str]:
    """trafilatura's txt output puts one paragraph (p, heading, list item) on each line."""
    return [line for line in (normalize_line(x) for x in text.splitlines()) if line]


# ------------------------------------------------------------------------------------- metadata


def _title(
    root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any], url: str | None = None
) -> str | None:
    title = (
        _first_text(root, xpaths)
        or _ld_str(ld, "headline")
        or _first_text(root, ("//meta[@property='og:title']/@content", "//title"))
    )
    return _without_site_name(title, root, ld, url)


# " | Site", " - Site", " — Site", " :: Site", " » Section » Site", and the same before the headline.
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:»›]{1,2}\s+|\s+-\s+|(?<=\w):\s+")  # "Site: Headline" too
_BREADCRUMB = re.compile(r"[»›]")


def _without_site_name(
    title: str | None, root: html.HtmlElement, ld: dict[str, Any], url: str | None = None
) -> str | None:
    """The headline without the outlet's name that <title> and og:title often carry.

    A segment is the outlet's name by evidence: it matches og:site_name, the JSON-LD publisher,
    the application name or the host's name; or the page's own <h1> is the title without it.
    A breadcrumb trail ("Headline » Section » Site") leaves the headline, its first segment.
    """
    if not title:
        return title
    title = normalize_line(title)
    if not any(char in title for char in _SEPARATOR_CHARS):
        return title  # nothing set off: a headline as it stands (no need to read the <h1>)
    h1 = _first_text(root, ("//h1",))
    if h1 and h1 != title and _is_h1_with_site_name(title, h1):
        return h1
    if not _TITLE_SEPARATOR.search(title):
        return title
    names = {
        _letters(v)
        for v in _strings(root, "//meta[@property='og:site_name' or @name='application-name']/@content")
    }
    names.update(_letters(n) for n in _ld_names(ld.get("publisher")))
    host = _host(_canonical_url(root, None)) or _host(url) or ""
    label = host.removeprefix("www.").split(".")[0]

    def is_site(segment: str) -> bool:
        key = _letters(segment)
        if not key or len(segment.split()) > 6:
            return False
        return key in names or (len(label) >= 3 and (label in key or key in label))

    parts = _TITLE_SEPARATOR.split(title)
    seps = _TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and is_site(parts[-1]):
        parts, seps = parts[:-1], seps[:-1]
    while len(parts) > 1 and is_site(parts[0]):
        parts, seps = parts[1:], seps[1:]
    if any(_BREADCRUMB.search(sep) for sep in seps) and len(parts[0].split()) >= 3:
        return parts[0]
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_SEPARATOR_CHARS = "|-–—:·•/»«~_"


def _is_h1_with_site_name(title: str, h1: str) -> bool:
    """True when title is the page's <h1> with something set off by a separator before or after
    it ("Headline | Site", "Site: Headline", "标题-新华网"): the <h1> is the headline. Letters are
    compared, so quotes and spacing may differ; a headline in a script without spaces between
    words counts from six letters, one with spaces from three words."""
    key = _letters(h1)
    if len(h1.split()) < 3 and (h1.isascii() or len(key) < 6):
        return False
    for text in (title, title[::-1]):
        wanted = key if text is title else key[::-1]
        if not _letters(text).startswith(wanted):
            continue
        seen, cut = 0, len(text)
        for index, char in enumerate(text):
            if seen == len(wanted):
                cut = index
                break
            seen += char.casefold().isalnum() and len(char.casefold())
        rest = text[cut:].strip()
        if not rest or rest[0] in _SEPARATOR_CHARS:
            return True
    return False


def _authors(
    root: html.HtmlElement, xpaths: Iterable[str], desks: Iterable[re.Pattern[str]], ld: dict[str, Any]
) -> list[str]:
    """People who wrote the piece: the site's byline, else JSON-LD Persons, else meta author.

    Each source is filtered (desks, agencies, the outlet, people the page is about) before the
    next is tried, so that a byline naming only a desk does not hide a person named in JSON-LD.
    """
    desks = tuple(desks)
    not_names = _not_author_names(root, ld)
    bylined = False  # the site's byline markup is there (it may name only a desk)
    for xp in xpaths:
        found = _strings(root, xp)
        bylined = bylined or bool(found)
        names = _people(found, desks, not_names)
        if names:
            return names
    names = _people(_authors_from_ld(ld), desks, not_names)
    if names:
        return names
    meta = _first_text(root, (_META_AUTHOR,))
    names = _people([meta] if meta else [], desks, not_names)
    if names or bylined:
        return names
    # The site's byline markup is gone (a redesign): the markup most CMSs give a byline.
    return _people(_generic_byline_names(root), desks, not_names)


def _generic_byline_names(root: html.HtmlElement, max_rank: int = 99) -> list[str]:
    """The byline text of the most specific generic byline markup on the page (one walk), of
    rank max_rank or better."""
    best: tuple[int, list[str]] | None = None
    for element in _xpath(root, _BYLINE_UNION):
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
        for v in _strings(
            root,
            "//meta[@property='og:site_name' or @name='application-name' or @name='publisher'"
            " or @name='copyright']/@content",
        )
    }
    for key, value in ld.items():
        if key != "author":
            names.update(n.casefold() for n in _ld_names(value))
    publisher = ld.get("publisher")
    names.update(n.casefold() for n in _ld_names(publisher))
    return frozenset(names)


def _ld_names(value: Any, depth: int = 0) -> Iterator[str]:
    """Every name string in a JSON-LD value, nested objects included (bounded depth)."""
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value:
            yield from _ld_names(item, depth + 1)
    elif isinstance(value, dict):
        if isinstance(value.get("name"), str) and (_ld_types(value) & {"Person", "Organization"} or depth):
            yield normalize_line(value["name"])
        for key, item in value.items():
            if key != "name":
                yield from _ld_names(item, depth + 1)


def _authors_from_ld(ld: dict[str, Any]) -> list[str]:
    """Names of the Person authors only: an Organization author is the outlet, not a writer."""
    raw = ld.get("author")
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and _ld_types(item) & {"Person"} and isinstance(item.get("name"), str):
            names.append(item["name"])
    return names


def _published(
    root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any], url: str | None, tz: str | None
) -> ParsedDate | None:
    """The publication date by order of trust: JSON-LD, the site's <time>/meta, then the URL.

    A value without a time of day (a ClaimReview's "2019-11-18") yields to a timestamp of the
    same day from a less trusted source. Never dateModified (an update is not a publication:
    a wrong date is worse than none), never the fetch date.
    """
    best: ParsedDate | None = None
    for found in _date_candidates(root, xpaths, ld, tz):
        if best is None or (found.published_date == best.published_date and _rank(found) < _rank(best)):
            best = found
        if best.published_at is not None:  # nothing finer can come: stop reading the page
            break
    return best or _url_date(url)


def _date_candidates(
    root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any], tz: str | None
) -> Iterator[ParsedDate]:
    """Dates in order of trust, read lazily: most pages are settled by the first."""
    yield from filter(None, [_ld_date(ld, tz)])
    for xp in xpaths:
        yield from filter(None, (_parsed(text, source, tz) for text, source in _date_values(root, xp)))
    meta = _first_text(root, ("//meta[@property='article:published_time']/@content",))
    yield from filter(None, [_parsed(meta, "meta", tz)])


def _rank(date: ParsedDate) -> tuple[int, int]:
    return (_PRECISION_RANK.get(date.precision, 9), date.published_at is None)


def _date_values(root: html.HtmlElement, xp: str) -> Iterator[tuple[str, str]]:
    """(text, source) for each date an XPath selects; the source names the element it sits on."""
    for item in _xpath(root, xp):
        if isinstance(item, html.HtmlElement):
            element, text = item, item.get("datetime") or item.get("content") or item.text_content()
        elif isinstance(item, str):
            element, text = getattr(item, "getparent", lambda: None)(), str(item)
        else:
            continue
        tag = element.tag if element is not None and isinstance(element.tag, str) else ""
        yield text, {"time": "time element", "meta": "meta"}.get(tag.lower(), "byline")


def _modified(root: html.HtmlElement, ld: dict[str, Any], tz: str | None) -> dt.datetime | None:
    """When the page says it was last updated: JSON-LD dateModified, else the
    article:modified_time (or og:updated_time) meta. Only an instant (a time of day in a known
    zone) counts: a bare date cannot order two versions of one day. Pangea pages print no
    "Updated" time in their markup (the word stands alone in text dumps), so there is no third
    source."""
    values = [(_ld_str(ld, "dateModified"), "json-ld")]
    metas = "//meta[@property='article:modified_time' or @property='og:updated_time']/@content"
    values += [(value, "meta") for value in _strings(root, metas)]
    for value, source in values:
        parsed = _parsed(value, source, tz)
        if parsed is not None and parsed.published_at is not None:
            return parsed.published_at
    return None


def _ld_date(ld: dict[str, Any], tz: str | None = None) -> ParsedDate | None:
    return _parsed(_ld_str(ld, "datePublished"), "json-ld", tz)


def _parsed(value: str | None, source: str, tz: str | None = None) -> ParsedDate | None:
    return parse_date(value, source, tz=tz) if value and value.strip() else None


def _url_date(url: str | None) -> ParsedDate | None:
    return date_from_url(url) if url else None


def _tags(root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any]) -> list[str]:
    """The site's tag selectors (first that gives any), else JSON-LD keywords and section."""
    for xp in xpaths:
        tags = _dedupe(
            tag
            for item in _xpath(root, xp)
            # An element is one tag (a link); a string (meta keywords) is a comma-separated list.
            for tag in ([item.text_content()] if isinstance(item, html.HtmlElement) else str(item).split(","))
        )
        if tags:
            return tags
    return _ld_keywords(ld)


def _ld_keywords(ld: dict[str, Any]) -> list[str]:
    raw = ld.get("keywords")
    values = raw if isinstance(raw, list) else [raw]
    section = ld.get("articleSection")
    values += section if isinstance(section, list) else [section]
    return _split_keywords(v for v in values if isinstance(v, str))


def _split_keywords(values: Iterable[str]) -> list[str]:
    return _dedupe(tag for value in values for tag in value.split(","))


def _dedupe(values: Iterable[str]) -> list[str]:
    """Normalised, non-empty, first spelling kept, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = normalize_line(value)
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return out


def _clean_dateline(value: str | None) -> str | None:
    """The place of a dateline ('AUBURN, Wash. — ' -> 'AUBURN, Wash.'); an all-capitals single
    place is title-cased ('PRAGUE' -> 'Prague') so that one city is spelled one way in the corpus."""
    if not value:
        return None
    place = _DATELINE_TAIL.sub("", normalize_line(value)).strip()
    if place.isupper() and "," not in place:
        place = place.title()
    return place or None


def _language_hint(root: html.HtmlElement, ld: dict[str, Any], site: Site, url: str | None) -> str | None:
    host = _host(url)
    return (
        (root.get("lang") or "").strip()
        or _ld_str(ld, "inLanguage")
        or (site.host_languages.get(host) if host else None)
        or site.default_language
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    m = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", url, re.I)
    return m.group(1).lower() if m else None


def _canonical_url(root: html.HtmlElement, base: str | None) -> str | None:
    href = _first_text(root, ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"))
    return urljoin(base or "", href) if href else None


def _page_kind(root: html.HtmlElement) -> str:
    """What the page is, for a human reading a Reject: its og:type and body classes."""
    body = root.find("body")
    classes = " ".join((body.get("class") or "").split()) if body is not None else ""
    og_type = _first_text(root, ("//meta[@property='og:type']/@content",))
    parts = [f"og:type {og_type!r}" if og_type else "", f"body class {classes!r}" if classes else ""]
    described = ", ".join(p for p in parts if p)
    return f"not an article page ({described})" if described else "not an article page"


# --------------------------------------------------------------------------------------- JSON-LD


def _json_ld(root: html.HtmlElement) -> dict[str, Any]:
    """The page's article object from its JSON-LD (first of an article type), or {}."""
    objects: list[dict[str, Any]] = []
    for script in root.iterfind(".//script[@type='application/ld+json']"):
        try:
            objects.extend(_ld_objects(json.loads(script.text or "", strict=False)))
        except ValueError:
            continue
    article = next((o for o in objects if _ld_types(o) & _ARTICLE_TYPES), None)
    article = article or next((o for o in objects if "headline" in o), {})
    return _resolve_authors(article, objects)


def _resolve_authors(article: dict[str, Any], objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Yoast-style graphs name authors by reference ({"@id": ...}): put the Person nodes in."""
    author = article.get("author")
    items = author if isinstance(author, list) else [author]
    if not any(isinstance(a, dict) and "@id" in a and "@type" not in a for a in items):
        return article
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    resolved = [by_id.get(a["@id"], a) if isinstance(a, dict) and "@id" in a else a for a in items]
    return {**article, "author": resolved}


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _ld_objects(data["@graph"])


def _ld_types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    return {t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)}


def _ld_str(ld: dict[str, Any], key: str) -> str | None:
    value = ld.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return (value.strip() or None) if isinstance(value, str) else None


# ------------------------------------------------------------------------------------ XPath help


@functools.lru_cache(maxsize=1024)
def _compiled(xp: str) -> etree.XPath:
    """Compiled once per process: compiling costs more than evaluating on a page."""
    try:
        return etree.XPath(descendant_steps(xp))
    except etree.XPathSyntaxError as exc:  # a broken selector in a site module is a bug: say which
        raise ValueError(f"bad XPath in site rules: {xp!r}: {exc}") from exc


# "//" before a name test, outside string literals; not "//@x" or "//(...)".
_DOUBLE_SLASH = re.compile(r"//(?=[A-Za-z_*])")
_POSITIONAL = re.compile(r"\[\s*\d|position\(\)|last\(\)")
# The class-token test, which normalises every candidate's class attribute: a plain substring
# test first rejects nearly all of them for a fraction of the cost (`and` stops at the first false).
_CLASS_TOKEN = re.compile(r"contains\(concat\(' ', normalize-space\(@class\), ' '\), ' ([\w-]+) '\)")
# lxml's HTML parser puts the one <head> and the one <body> right under <html>, whatever the
# markup (it creates them when missing and folds a second <body> into the first): no walk needed.
_HEAD_OR_BODY = re.compile(r"(^|\|)(\s*)/descendant::(head|body)\b")


def descendant_steps(xp: str) -> str:
    """`//div[p]` as `/descendant::div[p]`: the same nodes, found in half the time or less.

    `//` is descendant-or-self::node()/ followed by a child step, which libxml2 walks node by node
    (text nodes included) and filters child by child; `descendant::` walks elements once. The two
    select the same nodes unless a predicate is positional ([1], position(), last()): then the
    XPath is left as written. Measured on the real 60 KB Pangea page: 126 -> 76 us for
    `//div[@id='article-content']`; with the class-token prefilter below, the rferl rules went
    from ~1.0 to ~0.5 ms a page.
    """
    xp = _CLASS_TOKEN.sub(r"contains(@class, '\1') and \g<0>", xp)
    if _POSITIONAL.search(xp):
        return xp
    parts = xp.split("'")  # even parts are outside string literals (the rules quote with ')
    if len(parts) % 2 == 0 or '"' in xp:
        return xp  # unbalanced or double-quoted literals: not worth parsing, keep it as written
    return "'".join(
        _HEAD_OR_BODY.sub(r"\1\2/html/\3", _DOUBLE_SLASH.sub("/descendant::", part)) if i % 2 == 0 else part
        for i, part in enumerate(parts)
    )


def _xpath(node: html.HtmlElement, xp: str) -> list[Any]:
    result = _compiled(xp)(node)
    return result if isinstance(result, list) else [result]


def _strings(root: html.HtmlElement, xp: str) -> list[str]:
    """The non-empty strings an XPath selects: an element's text_content, an attribute's value."""
    out = []
    for item in _xpath(root, xp):
        if isinstance(item, html.HtmlElement):
            text = normalize_line(item.text_content())
        elif isinstance(item, str):
            text = normalize_line(item)
        else:
            continue
        if text:
            out.append(text)
    return out


def _first_text(root: html.HtmlElement, xpaths: Iterable[str]) -> str | None:
    for xp in xpaths:
        for value in _strings(root, xp):
            return value
    return None


def _first_element(root: html.HtmlElement, xpaths: Iterable[str]) -> html.HtmlElement | None:
    for xp in xpaths:
        for item in _xpath(root, xp):
            if isinstance(item, html.HtmlElement):
                return item
    return None
