"""Text dumps (a page's visible text, chrome included) -> Articles.

trafilatura cannot help here (there is no markup to tell chrome from text: measured, it keeps
every chrome line of the seed dumps), so the site's TextRules cut the page head and tail, drop
chrome lines and find title, byline and dateline; pages of unknown sites go through the general
paragraph classifier. This module reads one article page; a page that is no article is told by
not_article, a listing page is split into teasers by listings.
"""

from __future__ import annotations

import re

from pipeline.extraction import classifier as para_classifier
from pipeline.extraction.authors import is_person_name
from pipeline.extraction.dump_lines import (
    SENTENCE_END,
    byline_names,
    first_match,
    headline_shaped,
    is_byline_shape,
    looks_like_date_line,
    opening_dateline,
    reads_as_headline,
    title_cased,
    unglued_byline,
    unwrapped,
    without_chrome,
)
from pipeline.extraction.evidence import Evidence, origin
from pipeline.extraction.listings import listing_rules_for, listing_teasers, split_capitals_headline
from pipeline.extraction.not_article import why_not_an_article
from pipeline.models import MIN_ARTICLE_WORDS, Article, RawDocument, Reject
from pipeline.sites import GENERIC
from pipeline.sites.base import Site
from pipeline.text.dates import ParsedDate, date_from_volume_issue, parse_date
from pipeline.text.language import detect_language
from pipeline.text.normalise import (
    drop_repeated_paragraphs,
    join_paragraphs,
    normalize_line,
    without_cross_links,
    word_count,
)


def extract_text(
    doc: RawDocument, site: Site, learned: frozenset[str] = frozenset()
) -> list[Article] | Reject:
    """One text dump -> its article, its listing's teasers, or a Reject saying why there is none.

    learned: line keys learned as the site's chrome from the corpus (pipeline.extraction.boilerplate).
    """
    lines = [normalize_line(raw) for raw in doc.text.split("\n")]
    lines = unwrapped([ln for ln in lines if ln])
    if not lines:
        return Reject(doc.raw_path, "empty", "no visible text", doc.raw_record)
    listing = listing_rules_for(site, lines)
    if listing is not None:  # a brief's headline in capitals, run into its teaser: apart
        parts = (part for raw in doc.text.split("\n") for part in split_capitals_headline(raw))
        lines = [normalize_line(part) for part in parts]
        lines = unwrapped([ln for ln in lines if ln])
    refusal = why_not_an_article(site, lines, learned, listing)
    if refusal is not None:
        return Reject(doc.raw_path, "not_article", refusal, doc.raw_record)
    if listing is not None:
        teasers = listing_teasers(doc, site, lines, listing)
        if teasers:
            return teasers
    article = _read_article(doc, site, lines, learned)
    if article is None or word_count(article.body) < MIN_ARTICLE_WORDS:
        n = word_count(article.body) if article else 0
        return Reject(
            doc.raw_path, "not_article", f"no article text found ({n} words of prose)", doc.raw_record
        )
    return [article]


def _read_article(
    doc: RawDocument, site: Site, lines: list[str], learned: frozenset[str] = frozenset()
) -> Article | None:
    rules = site.text
    # The page head: everything up to the last head_end line.
    head_ends = [i for i, ln in enumerate(lines) if any(p.search(ln) for p in rules.head_end)]
    if head_ends:
        lines = lines[head_ends[-1] + 1 :]
    lines = without_chrome(site, lines, learned)
    if not lines:
        return None

    fields: dict[str, str] = {}
    header_at: int | None = None
    if rules.header is not None:
        idx = first_match(lines, (rules.header,))
        if idx is not None:
            fields.update({k: v for k, v in rules.header.search(lines[idx]).groupdict().items() if v})
            header_at = idx
            lines = lines[:idx] + lines[idx + 1 :]
    start = _body_start(lines, site)
    if start is None:
        return None
    tail = first_match(
        lines, rules.tail_start + (GENERIC.text.tail_start if site is not GENERIC else ()), start + 1
    )
    site_tail = tail is not None and any(p.search(lines[tail]) for p in rules.tail_start)
    site_bounds = bool(head_ends) or site_tail
    if tail is not None:
        lines = lines[:tail]
    head = lines[:start]
    byline_at, byline_fields = _byline(head, site, lines, start)
    fields.update(byline_fields)
    skip = {byline_at} if byline_at is not None else set()
    date_at = None
    if "date" not in fields:
        found = _date_line(head, skip)
        if found is not None:
            date_at, fields["date"], fields["date_source"] = found
            skip.add(date_at)
    title = None
    if rules.title == "before_header" and header_at is not None and 0 < header_at <= len(head):
        candidate = lines[header_at - 1]
        title = candidate if headline_shaped(candidate) and (header_at - 1) not in skip else None
    if title is None:
        title = _title(head, skip, byline_at if byline_at is not None else date_at)

    body_lines = _body(lines[start:], site)
    # What the head gave beyond title, byline and date: a lead or summary stands before the byline
    # on some templates; it is body when it reads as prose.
    body_lines = without_cross_links(drop_repeated_paragraphs(body_lines))
    if body_lines:
        body_lines[0] = _SECTION_PREFIX.sub("", body_lines[0])
        glued, body_lines[0] = unglued_byline(body_lines[0])
        if glued and not fields.get("authors"):
            fields["authors"] = glued
    if not body_lines:
        return None
    if title is None:
        title = _title_after(lines[start:], body_lines)

    article = Article(
        source=site.key,
        body=join_paragraphs(body_lines),
        raw_path=doc.raw_path,
        raw_record=doc.raw_record,
        url=doc.url,
        title=title,
        fetched_at=doc.fetched_at,
        publication=fields.get("publication") or site.publication,
    )
    if "volume" in fields:
        article.volume = int(fields["volume"])
    if fields.get("issue"):
        article.issue = int(fields["issue"])
    if fields.get("authors"):
        article.authors = byline_names(fields["authors"], site)
    elif (signed := _signature(lines[start:], body_lines)) is not None:
        article.authors = byline_names(signed, site)
    tz = site.timezone_for(doc.url)
    date = None
    if fields.get("date"):
        date = parse_date(fields["date"], fields.get("date_source", "byline"), tz=tz, now=doc.fetched_at)
    dateline = opening_dateline(body_lines, site)
    if dateline is not None:
        article.dateline = dateline[0] or None
        date = date or dateline[1]
    first_year = site.first_volume_year(article.publication)
    if date is None and article.volume and first_year:
        date = date_from_volume_issue(article.volume, article.issue, article.body, first_year)
    _set_date(article, date)
    article.language = detect_language(article.body, hint=site.default_language)
    site_byline = byline_at is not None and any(p.search(lines[byline_at]) for p in rules.bylines)
    article.evidence = Evidence(
        site=site.key,
        page=doc.url or doc.raw_path,
        # The site's head/tail lines delimit the article; without them the general classifier does.
        container=origin(site_bounds, True),
        # The site's byline pattern places the title (the line above it) and gives date and names.
        title=origin(site_byline or header_at is not None and rules.title == "before_header", bool(title)),
        date=origin(site_byline and "date" in byline_fields, date is not None),
        authors=origin(site_byline and "authors" in byline_fields, bool(article.authors)),
    )
    return article


# A post signed under its text: "-- Dilnoza Rahimova", "— Иван Петров".
_SIGNATURE = re.compile(r"^\s*(?:--|—|–)\s*(?P<name>[^\W\d_][\w'’.-]+(?: [^\W\d_][\w'’.-]+){1,3})\s*$")


_SIGNATURE_REACH = 2


def _signature(rest: list[str], body_lines: list[str]) -> str | None:
    """The name a post is signed with, on a line right under its last paragraph (none above)."""
    if not body_lines or body_lines[-1] not in rest:
        return None
    end = len(rest) - 1 - rest[::-1].index(body_lines[-1])
    for line in rest[end + 1 : end + 1 + _SIGNATURE_REACH]:
        match = _SIGNATURE.match(line)
        if match and is_person_name(match.group("name")):
            return match.group("name")
    return None


# Section labels printed into the lead: "НОВОСТИ / АНАЛИТИКА. В Душанбе ...".
_SECTION_PREFIX = re.compile(r"^[A-ZА-ЯЁ]{3,}(?: ?/ ?[A-ZА-ЯЁ]{3,})+\.\s+(?=\S)")


def _is_prose(line: str, site: Site) -> bool:
    """A line that can open an article's body: prose by the general classifier, or a dateline."""
    c = para_classifier.classify(line)
    if c.boilerplate:
        return False
    if c.good:
        return True
    patterns = (site.text.dateline, GENERIC.text.dateline)
    return c.words >= 2 and any(p is not None and p.search(line) for p in patterns)


def _body_start(lines: list[str], site: Site) -> int | None:
    """Index of the first line of the body: the first prose line, with the lines just above it
    that read as part of the text (a short lead sentence, an "Executive Summary:" heading)."""
    first = next((i for i, ln in enumerate(lines) if _is_prose(ln, site)), None)
    if first is None:
        return None
    while first > 0 and _lead_in(lines[first - 1], site):
        first -= 1
    return first


def _lead_in(line: str, site: Site) -> bool:
    """A line just above the first prose line that belongs to the body."""
    if any(p.search(line) for p in site.text.body_openers + GENERIC.text.body_openers):
        return True
    c = para_classifier.classify(line)
    if c.boilerplate or looks_like_date_line(line) or is_byline_shape(line):
        return False
    # A sentence of the text, not a headline: it ends like a sentence (a headline in quotes ends
    # with the quote) and is not in title case.
    ends = bool(SENTENCE_END.search(line))
    # A paragraph that announces a quotation ("... after the visit. Interfax reports:") ends with
    # a colon; a headline never holds a sentence and then a colon.
    announces = line.endswith(":") and bool(_INNER_SENTENCE_END.search(line)) and c.words >= _LEAD_IN_WORDS
    return (ends or announces) and c.words >= 8 and not title_cased(line) and not line.endswith("?")


_INNER_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)]*\s+\S")


_LEAD_IN_WORDS = 12


def _body(lines: list[str], site: Site) -> list[str]:
    """The body from its first line: prose and what stands between prose, up to the last prose
    line and the sentences right after it (a closing line, a note on the author).

    Runs of short lines that do not end like sentences (related headlines, menus, tag lists)
    and boilerplate lines are dropped; a lone short line between prose is a subhead and stays.
    """
    classified = [para_classifier.classify(ln) for ln in lines]
    prose = [i for i, c in enumerate(classified) if (c.good or i == 0) and not c.boilerplate]
    if not prose:
        return []
    last = prose[-1]
    while last + 1 < len(classified):
        if _continues(classified[last + 1]):
            last += 1
        elif _subhead_then_text(classified, last + 1):
            last += 2
        else:
            break
    span = classified[: last + 1]
    menu = para_classifier.menu_runs(span)
    return [
        c.text
        for k, c in enumerate(span)
        if k == 0 or not (c.boilerplate or k in menu or (c.short and looks_like_date_line(c.text)))
    ]


def _continues(line: para_classifier.Line) -> bool:
    """A line after the last prose line that is still the text: a sentence, not a headline."""
    return not line.boilerplate and line.sentence_like and line.words >= 4 and not title_cased(line.text)


# A subhead past the last line the classifier calls prose is kept only when the text goes on
# under it for this many sentence lines of this many words: a related-stories heading is followed
# by headlines or one teaser, an article's subhead by paragraphs.
_SUBHEAD_FOLLOWERS, _FOLLOWER_WORDS = 2, 8


def _subhead_then_text(classified: list[para_classifier.Line], i: int) -> bool:
    """classified[i] is a lone subhead ("“THEY TOOK MY PAPERS”") with the text going on under it."""
    head = classified[i]
    if head.boilerplate or not head.short or head.words == 0:
        return False
    following = classified[i + 1 : i + 1 + _SUBHEAD_FOLLOWERS]
    return len(following) == _SUBHEAD_FOLLOWERS and all(
        _continues(c) and c.words >= _FOLLOWER_WORDS for c in following
    )


def _byline(head: list[str], site: Site, lines: list[str], start: int) -> tuple[int | None, dict[str, str]]:
    """The byline among the head lines (or the first lines of the body): the site's patterns,
    then a generic "By ..." line or names beside a full date."""
    window = head[-10:]
    offset = len(head) - len(window)
    for i, line in enumerate(window):
        for pattern in site.text.bylines:
            match = pattern.search(line)
            if match:
                return offset + i, {k: v for k, v in match.groupdict().items() if v}
    for i, line in enumerate(window):
        if len(line.split()) > 14:
            continue
        if is_byline_shape(line):
            # "By Jane Doe", "by Jane Doe 10/28/04": the names, then maybe the date.
            rest = _BYLINE_LEAD_WORD.sub("", line)
            date = _TRAILING_DATE.search(rest)
            fields = {"authors": rest[: date.start()].strip(" ,|-–—") if date else rest}
            if date and parse_date(date.group(0), "byline"):
                fields.update(date=date.group(0).strip(" ,|-–—"), date_source="byline")
            return offset + i, fields
        late = _DATE_THEN_BY.search(line)
        if late and parse_date(line[: late.start()], "byline"):
            # "March 1, 2010 - 12:02pm, by Jane Doe": the date, then the names.
            return offset + i, {
                "authors": late.group("authors"),
                "date": line[: late.start()],
                "date_source": "byline",
            }
    generic = _generic_byline(head, len(head))
    if generic is not None:
        return generic
    return None, {}


# A date at the end of a byline: "10/28/04", "Apr 15, 2013", "15 апреля 2013", with a time.
_TRAILING_DATE = re.compile(
    r"[\s,|–—-]+(?:\d{1,2}/\d{1,2}/\d{2,4}|(?:[^\W\d_]+\.?\s+\d{1,2},?\s+\d{4})"
    r"|(?:\d{1,2}\s+[^\W\d_]+\.?\s+\d{4}))(?:[\s,]+\d{1,2}:\d{2}.*)?$"
)


_DATE_THEN_BY = re.compile(r"[\s,|–—-]+by\s+(?P<authors>[A-ZА-ЯЁ][^\d]{2,80})$", re.I)


_BYLINE_LEAD_WORD = re.compile(r"^[\s\-–—•|]*(?:by|автор|муаллиф|текст)\s*:?\s*", re.I)


def _date_line(head: list[str], skip: set[int]) -> tuple[int, str, str] | None:
    """The publication date among the head lines: a short date line after the title.

    A date line above every heading of the page is the site's "today" stamp (old templates
    print one in their header), not the article's date: only dates below the first heading-like
    line count.
    """
    first_heading = next(
        (
            i
            for i, ln in enumerate(head)
            if headline_shaped(ln) and not looks_like_date_line(ln) and len(ln.split()) >= 3
        ),
        None,
    )
    if first_heading is None:
        return None
    for i in range(first_heading + 1, len(head)):
        if i not in skip and looks_like_date_line(head[i]):
            return i, head[i], "byline"
    return None


def _title(head: list[str], skip: set[int], block_at: int | None) -> str | None:
    """The headline among the head lines, by evidence.

    The line just above the byline/date block when it reads as a headline; else the first
    headline-like line, passing a short section label ("Tajikistan", "Features") that stands
    right above a longer headline. Never a date, a byline, chrome or a caption (gone already).
    """
    candidates = [i for i, ln in enumerate(head) if i not in skip and reads_as_headline(ln)]
    # A line ending in a full stop is a caption or a sentence far more often than a headline.
    pool = [i for i in candidates if not head[i].endswith(".")] or candidates
    if not pool:
        return None
    if block_at is not None:
        above = [i for i in pool if i < block_at]
        if above and block_at - above[-1] <= 3 and len(head[above[-1]].split()) >= 2:
            return head[above[-1]]
    for n, i in enumerate(pool):
        words = len(head[i].split())
        if words <= 3 and any(len(head[j].split()) > words for j in pool[n + 1 :]):
            continue  # a section label (or a status label) above the headline
        return head[i]
    return head[pool[-1]]


def _title_after(rest: list[str], body_lines: list[str]) -> str | None:
    """A headline printed under its text (Pangea's short items): the first headline-like line
    after the body, when its words are the body's."""
    if not body_lines:
        return None
    try:
        end = rest.index(body_lines[-1]) + 1
    except ValueError:
        return None
    body_words = set(_fold_words(" ".join(body_lines)))
    for line in rest[end : end + 3]:
        words = _fold_words(line)
        if reads_as_headline(line) and words and sum(w in body_words for w in words) >= 0.5 * len(words):
            return line
    return None


def _fold_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{4,}", text.casefold())]


_NAME = r"[A-ZА-ЯЁҲҚҶҒӢӮ][\w'’.-]+"


_GENERIC_BYLINE_NAMES = re.compile(
    rf"^(?:By:?\s+|Автор:?\s+)?(?P<authors>{_NAME}(?:\s+(?:and\s+|и\s+)?{_NAME}){{1,5}}?)"
    r"(?:\s*[|,–—-]\s*|\s+)(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d|\d)"
)


def _generic_byline(lines: list[str], first_prose: int) -> tuple[int, dict[str, str]] | None:
    """A short line just above the text that holds a full date: a byline, or a bare date line.

    Returns the line's index and the fields it gives (date, date_source, and authors when names
    stand before the date).
    """
    # A date above every headline of the page is the site's "today" stamp, not a byline.
    first_heading = next(
        (
            i
            for i, ln in enumerate(lines[:first_prose])
            if headline_shaped(ln) and not looks_like_date_line(ln)
        ),
        first_prose,
    )
    for i in range(first_prose - 1, max(first_heading, first_prose - 4), -1):
        line = lines[i]
        if len(line.split()) > 14:
            continue
        parsed = parse_date(line, "byline")
        if parsed is None or parsed.precision != "day":
            continue
        names = _GENERIC_BYLINE_NAMES.search(line)
        if names:
            return i, {"date": line, "date_source": "byline", "authors": names.group("authors")}
        return i, {"date": line, "date_source": "text"}
    return None


def _set_date(article: Article, date: ParsedDate | None) -> None:
    if date is None:
        return
    article.published_at = date.published_at
    article.published_date = date.published_date
    article.date_precision = date.precision
    article.date_source = date.source
