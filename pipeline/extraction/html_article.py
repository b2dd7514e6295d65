"""RawDocument (HTML) -> Article: site selectors for metadata, trafilatura for the body.

The page is parsed once. For a known site the metadata comes from the site's own selectors,
JSON-LD and meta tags (never from trafilatura, which on a fact-check page took the claimant for
the author), and trafilatura is handed only the body container: it is then both more accurate
(menus, related links and share boxes are outside the subtree or pruned from it) and several times
faster than on the whole page. Pages of unknown sites get whole-page trafilatura with metadata.

This module decides what a page is and puts the article together; the body is read in
html_body, the metadata in html_metadata and html_authors, the markup through html_tree.
Pure: no I/O, no Prefect. Everything site-specific is data in pipeline/sites.
"""

from __future__ import annotations

from typing import Any

import trafilatura
from lxml import html

from pipeline.extraction.evidence import FALLBACK, NONE, SITE, Evidence, origin
from pipeline.extraction.html_authors import known_site_authors, unknown_site_authors
from pipeline.extraction.html_body import body_paragraphs, page_options, split_lines, without_trailing_notice
from pipeline.extraction.html_metadata import (
    canonical_url,
    date_values,
    dateline_place,
    language_hint,
    last_modified,
    ld_keywords,
    ld_published,
    page_tags,
    page_title,
    parsed_date,
    publication_date,
    split_keywords,
    url_date,
)
from pipeline.extraction.html_tree import first_element, first_text, parse_page, select
from pipeline.extraction.json_ld import json_ld_article
from pipeline.models import MIN_ARTICLE_WORDS, Article, RawDocument, Reject
from pipeline.sites import GENERIC
from pipeline.sites.base import Site
from pipeline.text.dates import ParsedDate
from pipeline.text.language import detect_language
from pipeline.text.normalise import body_and_words, normalize_line, word_count


def extract_html(doc: RawDocument, site: Site) -> list[Article] | Reject:
    """One HTML page -> its article (a one-element list), or a Reject saying why there is none.

    A list so that the caller treats HTML and listing dumps alike; an article page gives one.
    """
    root = parse_page(doc)
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


def _says_not_article(root: html.HtmlElement, site: Site) -> str | None:
    """The page's <title> or first heading when it says the page is an error or search page."""
    patterns = site.text.not_article + GENERIC.text.not_article
    for text in (first_text(root, ("//title",)), first_text(root, ("//h1",))):
        if text and len(text.split()) <= 14 and any(p.search(text) for p in patterns):
            return text
    return None


def _extract_known(doc: RawDocument, site: Site, root: html.HtmlElement) -> list[Article] | Reject:
    """A page of a site with rules: its selectors give metadata and body container, read before pruning."""
    rules = site.html
    if not any(select(root, x) for x in rules.article_markers):
        return Reject(
            doc.raw_path,
            "not_article",
            f"{_page_kind(root)}: none of the {site.key} article markers match",
            doc.raw_record,
        )
    ld = json_ld_article(root)
    url = doc.url or canonical_url(root, doc.url)
    # Read everything outside the body before the body is pruned (the dateline span is pruned).
    site_title = first_text(root, rules.title)
    title = page_title(root, (), ld, url, selected=site_title)
    authors, bylined = known_site_authors(root, rules.authors, rules.desk_authors, ld)
    date = publication_date(root, rules.date, ld, url, site.timezone_for(url))
    tags = page_tags(root, rules.tags, ld)
    dateline = first_text(root, rules.dateline)
    container = first_element(root, rules.container)
    page = url or doc.raw_path
    evidence = _rule_evidence(
        root,
        site,
        page,
        title,
        authors,
        date,
        container_matched=container is not None,
        title_matched=site_title is not None,
        byline_matched=bylined,
    )
    paragraphs = body_paragraphs(container, rules.prune) if container is not None else []
    if dateline is None and paragraphs and site.text.dateline is not None:
        match = site.text.dateline.match(paragraphs[0])
        dateline = match.group("place") if match else None
    volume, issue = _volume_issue(root, site)
    return _article_or_reject(
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
        dateline=dateline_place(dateline),
        volume=volume,
        issue=issue,
        evidence=evidence,
    )


def _rule_evidence(
    root: html.HtmlElement,
    site: Site,
    page: str,
    title: str | None,
    authors: list[str],
    date: ParsedDate | None,
    *,
    container_matched: bool,
    title_matched: bool,
    byline_matched: bool,
) -> Evidence:
    """Whether the site's own selectors match this page, field by field (pipeline.extraction.evidence).

    Asked of the selectors themselves, not of which source won: a page whose JSON-LD gives the
    date still says whether the site's date element is there. Read before the body is pruned.
    A byline element naming only a desk is a match (the markup is there; the names were dropped).
    The container, title and byline selectors' matches come from the caller, which read them.
    """
    rules = site.html
    # A date from a <time> or byline element came from the site's selectors (the only ones read
    # with those sources); else a selector matches when it selects any text (not parsed again:
    # parsing doubled the cost of this check).
    date_hit = (date is not None and date.source in ("time element", "byline")) or any(
        text.strip() for xp in rules.date for text, _ in date_values(root, xp)
    )
    return Evidence(
        site=site.key,
        page=page,
        container=SITE if container_matched else NONE,
        title=origin(title_matched, bool(title)),
        date=origin(date_hit, date is not None),
        authors=origin(byline_matched, bool(authors)),
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


def _extract_unknown(doc: RawDocument, site: Site, root: html.HtmlElement) -> list[Article] | Reject:
    """Whole-page trafilatura with metadata: the only knowledge we have of an unknown site."""
    ld = json_ld_article(root)
    url = doc.url or canonical_url(root, doc.url)
    result = trafilatura.bare_extraction(root, url=url, options=page_options(url))
    if result is None:
        return Reject(doc.raw_path, "not_article", "no article text (0 words)", doc.raw_record)
    paragraphs = without_trailing_notice(split_lines(result.text or ""))
    authors, paragraphs = unknown_site_authors(root, ld, result.author, paragraphs)
    # trafilatura's date comes from htmldate (meta, JSON, URL, text): "text" claims the least.
    date = ld_published(ld) or parsed_date(result.date, "text") or url_date(url)
    # trafilatura cuts a <title> at its first separator ("Russia - Tajikistan talks" -> "Russia"):
    # the page's own headline fields come first, its title only when they are missing.
    title = page_title(root, ("//meta[@property='og:title']/@content",), ld, url) or result.title
    tags = split_keywords(result.tags or []) or ld_keywords(ld)
    return _article_or_reject(
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


def _article_or_reject(
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
    """The Article from what the page gave, or a Reject when too little text is left.

    Shared by known and unknown sites so both drop the repeated headline and count words alike.
    """
    if title and paragraphs and paragraphs[0].casefold() == normalize_line(title).casefold():
        paragraphs = paragraphs[1:]  # the headline, repeated by trafilatura from the page's <h1>
    body = body_and_words(paragraphs)  # drop_repeated_paragraphs, then join_paragraphs
    words = word_count(body)
    if words < MIN_ARTICLE_WORDS:
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
            language=detect_language(body, hint=language_hint(root, ld, site, url)),
            tags=tags,
            publication=site.publication,
            volume=volume,
            issue=issue,
            is_teaser=False,
            fetched_at=doc.fetched_at,
            modified_at=last_modified(root, ld, site.timezone_for(url)),
            evidence=evidence,
        )
    ]


def _page_kind(root: html.HtmlElement) -> str:
    """What the page is, for a human reading a Reject: its og:type and body classes."""
    body = root.find("body")
    classes = " ".join((body.get("class") or "").split()) if body is not None else ""
    og_type = first_text(root, ("//meta[@property='og:type']/@content",))
    parts = [f"og:type {og_type!r}" if og_type else "", f"body class {classes!r}" if classes else ""]
    described = ", ".join(p for p in parts if p)
    return f"not an article page ({described})" if described else "not an article page"
