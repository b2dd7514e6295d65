"""Text dumps (a page's visible text, chrome included) -> Articles.

trafilatura cannot help here (there is no markup to tell chrome from text: measured, it keeps
every chrome line of the seed dumps), so the site's TextRules cut the page head and tail, drop
chrome lines and find title, byline and dateline; pages of unknown sites go through the general
paragraph classifier. Listing pages (category archives) give one teaser per post.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.extraction import classifier as para_classifier
from pipeline.extraction.authors import is_person_name
from pipeline.extraction.boilerplate import line_key
from pipeline.extraction.evidence import Evidence, origin
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import GENERIC
from pipeline.sites.base import ListingRules, Site
from pipeline.text.dates import ParsedDate, date_from_volume_issue, parse_date
from pipeline.text.language import detect_language
from pipeline.text.normalise import (
    drop_repeated_paragraphs,
    join_paragraphs,
    normalize_line,
    without_cross_links,
    word_count,
)

MIN_ARTICLE_WORDS = 25
MIN_TEASER_WORDS = 12


def extract_text(
    doc: RawDocument, site: Site, learned: frozenset[str] = frozenset()
) -> list[Article] | Reject:
    lines = [normalize_line(raw) for raw in doc.text.split("\n")]
    lines = _unwrapped([ln for ln in lines if ln])
    if not lines:
        return Reject(doc.raw_path, "empty", "no visible text", doc.raw_record)
    listing = _listing_rules(site, lines)
    refusal = _not_an_article(site, lines, learned, listing)
    if refusal is not None:
        return Reject(doc.raw_path, "not_article", refusal, doc.raw_record)
    if listing is not None:
        teasers = _split_listing(doc, site, lines, listing)
        if teasers:
            return teasers
    article = _article(doc, site, lines, learned)
    if article is None or word_count(article.body) < MIN_ARTICLE_WORDS:
        n = word_count(article.body) if article else 0
        return Reject(
            doc.raw_path, "not_article", f"no article text found ({n} words of prose)", doc.raw_record
        )
    return [article]


# --- hard-wrapped text ------------------------------------------------------------------------------


def _unwrapped(lines: list[str]) -> list[str]:
    """Lines of a text hard-wrapped at a fixed width, joined back into paragraphs.

    Old imports break every paragraph at ~80 characters (with blank lines between the pieces, so
    the blank lines say nothing): when most long lines end within a few characters of one width,
    a line as wide as that continues into the next, and a shorter line ending a sentence closes
    its paragraph. Text that is not wrapped is returned as it is.
    """
    long = [len(ln) for ln in lines if len(ln.split()) >= 6]
    if len(long) < 8:
        return lines
    width = sorted(long)[len(long) * 3 // 4]
    if not 50 <= width <= 120 or sum(1 for n in long if width - 12 <= n <= width) < 0.6 * len(long):
        return lines
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joining = len(line) >= width - 12 and len(line.split()) >= 6
    return out


# --- pages that hold no article ------------------------------------------------------------------


def _not_an_article(
    site: Site, lines: list[str], learned: frozenset[str], listing: ListingRules | None
) -> str | None:
    """Why the page is no article (an error page, search results, a section front), or None.

    Error and search pages say so in a short line near the top, in the page's language. A section
    front is a column of headlines with a date each: an article has one date line, a front has
    many, and no listing rules of the site claimed it.
    """
    patterns = site.text.not_article + (GENERIC.text.not_article if site is not GENERIC else ())
    shown = _without_chrome(site, lines, learned)
    for line in shown[:25]:
        if len(line.split()) <= 14 and any(p.search(line) for p in patterns):
            return f"not an article page: it says {line[:80]!r}"
    pager = site.text.front_markers + (GENERIC.text.front_markers if site is not GENERIC else ())
    for line in shown:
        if any(p.search(line) for p in pager):
            return f"a section front: it ends its list with {line[:40]!r}"
    if listing is None:
        dates = sum(1 for ln in shown if _looks_like_date_line(ln))
        prose = sum(1 for ln in shown if para_classifier.classify(ln).good)
        if dates >= 3 and dates >= prose:
            return f"a section front or listing: {dates} date lines beside {prose} lines of prose"
        items = [ln for ln in shown if para_classifier.classify(ln).words >= 8]
        # A headline first (no full stop): an article's page, not a front or a bio.
        headed = (
            bool(shown)
            and _title_ok(shown[0])
            and (not _SENTENCE_END.search(shown[0]) or shown[0].endswith("?"))
        )
        if not headed and len(items) >= 5 and _cohesion(items) <= 0.2:
            return f"a section front or author page: {len(items)} items that share no topic"
        # An article has one headline and byline; a front gives each item its own.
        bylines = {shown[i].casefold() for i in range(1, len(shown) - 1) if _item_byline(shown, i, site)}
        if len(bylines) >= 2:
            return f"a section front: {len(bylines)} items with a headline and a byline each"
        # A dateline opens an article's lead; under no headline, one further down opens another
        # story's: a column of leads.
        if not headed and any(_dateline([ln], site) for ln in items[2:]):
            return "a listing of leads: a dateline opens a paragraph after the first"
        # Headlines of one series ("EurasiaChat: ...", three or more): its episode list.
        series = Counter(m.group(1) for ln in shown if _title_ok(ln) and (m := _SERIES.match(ln)))
        if series and max(series.values()) >= _FRONT_ITEMS:
            label, n = series.most_common(1)[0]
            return f"a series listing: {n} headlines labelled {label!r}"
        # Teasers cut off mid-sentence ("... talks on...") stand on fronts and mobile lists.
        cut = sum(1 for ln in shown if _CUT_OFF.search(ln))
        if cut >= _FRONT_ITEMS or (cut >= 2 and not headed):
            return f"a listing: {cut} teasers cut off with an ellipsis"
    return None


_FRONT_ITEMS = 3
# A series label before a headline: "EurasiaChat: Remittances and the ruble".
_SERIES = re.compile(r"^([^\W\d_][\w.’'-]*(?: [^\W\d_][\w.’'-]*){0,2}):\s+\S")
# A word cut off by an ellipsis at the end of a line: a teaser, not a sentence of an article.
_CUT_OFF = re.compile(r"[^\W\d_](?:\.\.\.|…)\s*$")


def _item_byline(lines: list[str], i: int, site: Site) -> bool:
    """lines[i] is a byline ("By Name", or the site's own "Name Mon D, YYYY") under a headline and
    over a teaser (a caption may stand between)."""
    line = lines[i]
    byline = (_is_byline_shape(line) and _short_unended(line)) or any(
        p.match(line) for p in site.text.bylines
    )
    return (
        byline
        and _title_ok(lines[i - 1])
        and any(para_classifier.classify(ln).good for ln in lines[i + 1 : i + 3])
    )


def _short_unended(line: str) -> bool:
    return len(line.split()) <= 8 and not _SENTENCE_END.search(line)


def _cohesion(paragraphs: list[str]) -> float:
    """Share of paragraphs that share two or more word stems with another paragraph.

    An article's paragraphs keep returning to its people, places and subject (0.6-1.0 on every
    article page of the research set); a front's or author page's items are each about something
    else (0.0). Stems are a word's first five letters, which holds for Russian and Tajik endings.
    """
    stems = [{w[:5] for w in _STEM_WORDS.findall(p.casefold())} for p in paragraphs]
    counts: dict[str, int] = {}
    for s in stems:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    linked = sum(1 for s in stems if sum(1 for w in s if counts[w] > 1) >= 2)
    return linked / len(paragraphs)


_STEM_WORDS = re.compile(r"[^\W\d_]{5,}")


# --- one article ---------------------------------------------------------------------------------


def _drop_patterns(site: Site) -> tuple[re.Pattern[str], ...]:
    return site.text.drop_lines + (GENERIC.text.drop_lines if site is not GENERIC else ())


def _first_match(lines: list[str], patterns: tuple[re.Pattern[str], ...], start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if any(p.search(lines[i]) for p in patterns):
            return i
    return None


def _without_chrome(site: Site, lines: list[str], learned: frozenset[str]) -> list[str]:
    """The page without its chrome lines: the site's and the general ones, lines learned from
    the corpus, labels with the headline they announce, and media captions.

    A caption (or a video's title) is printed twice in a row in Pangea dumps, once as the
    image's text and once under it: both copies go. A line that stands twice apart (a pull
    quote) is left to drop_repeated_paragraphs.
    """
    drops = _drop_patterns(site)
    with_next = site.text.drop_with_next + (GENERIC.text.drop_with_next if site is not GENERIC else ())
    out: list[str] = []
    skip_next = False
    for i, line in enumerate(lines):
        if skip_next:
            skip_next = False
            if len(line.split()) <= 30:
                continue
        if any(p.search(line) for p in with_next):
            skip_next = True
            continue
        if any(p.search(line) for p in drops) or (learned and line_key(line) in learned):
            continue
        twice = (i + 1 < len(lines) and lines[i + 1] == line) or (i > 0 and lines[i - 1] == line)
        if twice and len(line.split()) >= 2:
            if not out and i + 1 < len(lines) and lines[i + 1] == line:
                out.append(line)  # the page's first line, printed twice: its headline, kept once
            continue
        out.append(line)
    return out


def _article(
    doc: RawDocument, site: Site, lines: list[str], learned: frozenset[str] = frozenset()
) -> Article | None:
    rules = site.text
    # The page head: everything up to the last head_end line.
    head_ends = [i for i, ln in enumerate(lines) if any(p.search(ln) for p in rules.head_end)]
    if head_ends:
        lines = lines[head_ends[-1] + 1 :]
    lines = _without_chrome(site, lines, learned)
    if not lines:
        return None

    fields: dict[str, str] = {}
    header_at: int | None = None
    if rules.header is not None:
        idx = _first_match(lines, (rules.header,))
        if idx is not None:
            fields.update({k: v for k, v in rules.header.search(lines[idx]).groupdict().items() if v})
            header_at = idx
            lines = lines[:idx] + lines[idx + 1 :]
    start = _body_start(lines, site)
    if start is None:
        return None
    tail = _first_match(
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
        title = candidate if _heading_like(candidate) and (header_at - 1) not in skip else None
    if title is None:
        title = _title(head, skip, byline_at if byline_at is not None else date_at)

    body_lines = _body(lines[start:], site)
    # What the head gave beyond title, byline and date: a lead or summary stands before the byline
    # on some templates; it is body when it reads as prose.
    body_lines = without_cross_links(drop_repeated_paragraphs(body_lines))
    if body_lines:
        body_lines[0] = _SECTION_PREFIX.sub("", body_lines[0])
        glued, body_lines[0] = _unglued_byline(body_lines[0])
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
        article.authors = _authors(fields["authors"], site)
    elif (signed := _signature(lines[start:], body_lines)) is not None:
        article.authors = _authors(signed, site)
    tz = site.timezone_for(doc.url)
    date = None
    if fields.get("date"):
        date = parse_date(fields["date"], fields.get("date_source", "byline"), tz=tz, now=doc.fetched_at)
    dateline = _dateline(body_lines, site)
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


# A byline run into the text it signs when the page's inline elements lost their space: "By Daniel
# HarlowThe collapse of the ruble ...": the name ends where a capital follows a small letter.
_GLUED_BYLINE = re.compile(
    r"^(?:By|By:|Автор:?)\s+(?P<name>[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}?[a-zа-яё])(?=[A-ZА-ЯЁ][a-zа-яё])"
)
# Section labels printed into the lead: "НОВОСТИ / АНАЛИТИКА. В Душанбе ...".
_SECTION_PREFIX = re.compile(r"^[A-ZА-ЯЁ]{3,}(?: ?/ ?[A-ZА-ЯЁ]{3,})+\.\s+(?=\S)")


def _unglued_byline(line: str) -> tuple[str | None, str]:
    """(the name, the text) of a line that opens with a byline glued to its first word."""
    match = _GLUED_BYLINE.match(line)
    if match is None or not is_person_name(match.group("name")):
        return None, line
    return match.group("name"), line[match.end() :]


def _is_prose(line: str, site: Site) -> bool:
    """A line that can open an article's body: prose by the general classifier, or a dateline."""
    c = para_classifier.classify(line)
    if c.boilerplate:
        return False
    if c.good:
        return True
    patterns = (site.text.dateline, GENERIC.text.dateline)
    return c.words >= 2 and any(p is not None and p.search(line) for p in patterns)


_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*$")


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
    if c.boilerplate or _looks_like_date_line(line) or _is_byline_shape(line):
        return False
    # A sentence of the text, not a headline: it ends like a sentence (a headline in quotes ends
    # with the quote) and is not in title case.
    ends = bool(_SENTENCE_END.search(line))
    # A paragraph that announces a quotation ("... after the visit. Interfax reports:") ends with
    # a colon; a headline never holds a sentence and then a colon.
    announces = line.endswith(":") and bool(_INNER_SENTENCE_END.search(line)) and c.words >= _LEAD_IN_WORDS
    return (ends or announces) and c.words >= 8 and not _title_cased(line) and not line.endswith("?")


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
        if k == 0 or not (c.boilerplate or k in menu or (c.short and _looks_like_date_line(c.text)))
    ]


def _continues(line: para_classifier.Line) -> bool:
    """A line after the last prose line that is still the text: a sentence, not a headline."""
    return not line.boilerplate and line.sentence_like and line.words >= 4 and not _title_cased(line.text)


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


# --- title, byline, date ---------------------------------------------------------------------------


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TITLE_CASE_WORD = re.compile(r"^[A-Z0-9\"'‘“(]")


def _title_cased(line: str) -> bool:
    """English headline style: most words of four letters or more start with a capital."""
    words = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    if len(words) < 3 or _CYRILLIC.search(line):
        return False  # Russian and Tajik headlines are in sentence case
    return sum(1 for w in words if _TITLE_CASE_WORD.match(w)) >= 0.8 * len(words)


def _looks_like_date_line(line: str) -> bool:
    """A short line that is mostly a date (and maybe a time, a weekday, an age stamp)."""
    if len(line.split()) > 12:
        return False
    parsed = parse_date(line, "byline")
    if parsed is None:
        return False
    rest = _DATE_NOISE.sub(" ", line)
    return len(_LETTERS.findall(rest)) <= 3


_LETTERS = re.compile(r"[^\W\d_]{3,}")
# What stands beside a date on a date line: month names, weekdays, zones, "updated", age stamps.
_DATE_WORDS = """
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
gmt utc msk est edt age years year ago published updated last modified
январь января февраль февраля март марта апрель апреля мая май июнь июня июль июля
август августа сентябрь сентября октябрь октября ноябрь ноября декабрь декабря года
понедельник вторник среда четверг пятница суббота воскресенье обновлено опубликовано
январи феврали марти апрели майи июни июли августи сентябри октябри ноябри декабри
январ феврал апрел сентябр октябр ноябр декабр соли
душанбе сешанбе чоршанбе панҷшанбе ҷумъа шанбе якшанбе
"""
_DATE_NOISE = re.compile(
    r"(?i)(?<!\w)(?:" + "|".join(sorted(_DATE_WORDS.split(), key=len, reverse=True)) + r")(?!\w)"
)


def _is_byline_shape(line: str) -> bool:
    return bool(_BYLINE_LEAD.match(line))


_BYLINE_LEAD = re.compile(r"^[\s\-–—•|]*(?:by|автор|муаллиф|текст)\b\s*:?\s+\S", re.I)


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
        if _is_byline_shape(line):
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
            if _heading_like(ln) and not _looks_like_date_line(ln) and len(ln.split()) >= 3
        ),
        None,
    )
    if first_heading is None:
        return None
    for i in range(first_heading + 1, len(head)):
        if i not in skip and _looks_like_date_line(head[i]):
            return i, head[i], "byline"
    return None


def _title_ok(line: str) -> bool:
    if not _heading_like(line) or _looks_like_date_line(line) or _is_byline_shape(line):
        return False
    if para_classifier.is_metadata_line(line):
        return False
    c = para_classifier.classify(line)
    return not c.boilerplate and not c.good


def _title(head: list[str], skip: set[int], block_at: int | None) -> str | None:
    """The headline among the head lines, by evidence.

    The line just above the byline/date block when it reads as a headline; else the first
    headline-like line, passing a short section label ("Tajikistan", "Features") that stands
    right above a longer headline. Never a date, a byline, chrome or a caption (gone already).
    """
    candidates = [i for i, ln in enumerate(head) if i not in skip and _title_ok(ln)]
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
        if _title_ok(line) and words and sum(w in body_words for w in words) >= 0.5 * len(words):
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
            if _heading_like(ln) and not _looks_like_date_line(ln)
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


def _heading_like(line: str) -> bool:
    words = len(line.split())
    return 1 <= words <= 30 and not line.endswith((",", ";")) and len(line) <= 250


def _authors(raw: str, site: Site) -> list[str]:
    names = [n.strip(" .") for n in site.text.author_split.split(raw.removeprefix("By ").strip())]
    out: list[str] = []
    for name in names:
        if name and not any(p.search(name) for p in site.html.desk_authors) and name not in out:
            out.append(name)
    return out


def _dateline(body_lines: list[str], site: Site) -> tuple[str, ParsedDate | None] | None:
    """(place, date or None) of the dateline opening one of the first paragraphs: the site's
    pattern, else the general one (capitals, or a place with a date or an agency, then a dash)."""
    patterns = [p for p in (site.text.dateline, GENERIC.text.dateline) if p is not None]
    patterns.append(_DATE_ONLY_DATELINE)
    for line in body_lines[:4]:
        for pattern in patterns:
            match = pattern.search(line)
            if not match:
                continue
            groups = match.groupdict()
            place = (groups.get("place") or groups.get("caps") or "").strip(" ,")
            raw_date = groups.get("date")
            date = parse_date(raw_date, "dateline") if raw_date else None
            return place, date
    return None


# A dateline of the date alone: "18 October 2004 -- Officials said ...", "May 4, 2007 — ...".
_DATE_ONLY_DATELINE = re.compile(
    r"^(?P<date>\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2} [а-яё]+ \d{4}(?: года)?)"
    r"\s*(?:--|—|–)\s"
)


def _set_date(article: Article, date: ParsedDate | None) -> None:
    if date is None:
        return
    article.published_at = date.published_at
    article.published_date = date.published_date
    article.date_precision = date.precision
    article.date_source = date.source


# --- listing pages -------------------------------------------------------------------------------


def _listing_rules(site: Site, lines: list[str]) -> ListingRules | None:
    """The listing rules that fit the page: the site's own, else the generic CMS ones."""
    for rules in (site.listing, GENERIC.listing):
        if rules is None:
            continue
        has_header = any(p.search(ln) for ln in lines[:_LISTING_HEAD_LINES] for p in rules.header)
        cuts = sum(1 for ln in lines if any(p.search(ln) for p in rules.teaser_cut))
        if has_header or cuts >= 2:
            return rules
    return None


def _teaser_line(line: str) -> bool:
    """A line of a teaser's text: prose, or a sentence of it."""
    c = para_classifier.classify(line)
    if c.boilerplate or _title_cased(line):
        return False
    return c.words >= MIN_TEASER_WORDS or (c.sentence_like and c.words >= 6)


_LISTING_HEAD_LINES = 10


def _split_listing(doc: RawDocument, site: Site, lines: list[str], rules: ListingRules) -> list[Article]:
    """One teaser per post. A post is: title, text, a cut marker, and optionally its tag line."""
    drops = _drop_patterns(site) + rules.drop_lines
    # The listing's heading ("Articles by <Name>") opens the list: what stands above it is the
    # page's own (an analyst's name and biography, a menu), not a post.
    heading = _first_match(lines[:_LISTING_HEAD_LINES], rules.header)
    if heading is not None:
        lines = lines[heading + 1 :]
    lines = [ln for ln in lines if not any(p.search(ln) for p in rules.header + drops)]
    if rules.post_end is None and _first_match(lines, rules.teaser_cut) is None:
        return _teasers(doc, site, _posts_by_headline(lines))
    posts: list[tuple[list[str], list[str]]] = []
    current: list[str] = []
    for line in lines:
        end = rules.post_end.search(line) if rules.post_end else None
        if end:
            tags = [t for t in rules.tag_split.split(end.group("tags").strip()) if t]
            if current:
                posts.append((current, tags))
            elif posts:
                posts[-1] = (posts[-1][0], posts[-1][1] + tags)
            current = []
            continue
        current.append(line)
        if any(p.search(line) for p in rules.teaser_cut) and rules.post_end is None:
            posts.append((current, []))
            current = []
    if current:
        posts.append((current, []))
    return _teasers(doc, site, posts, rules.teaser_cut)


def _posts_by_headline(lines: list[str]) -> list[tuple[list[str], list[str]]]:
    """Posts of a listing that marks no cut: each headline opens one, with the teaser under it
    (author pages cut their snippets mid-phrase, with no "MORE" or ellipsis)."""
    starts = [i for i in range(len(lines) - 1) if _title_ok(lines[i]) and _teaser_line(lines[i + 1])]
    bounds = [*starts, len(lines)]
    return [(lines[a:b], []) for a, b in zip(bounds, bounds[1:], strict=False)]


def _teasers(
    doc: RawDocument,
    site: Site,
    posts: list[tuple[list[str], list[str]]],
    teaser_cut: tuple[re.Pattern[str], ...] = (),
) -> list[Article]:
    """One teaser per post that has a headline right above a run of teaser text."""
    articles = []
    not_titles = {site.name.casefold(), (site.publication or "").casefold()}
    for item, (post, tags) in enumerate(posts):
        cut = _first_match(post, teaser_cut)
        end = len(post) if cut is None else cut
        text = post[:end]
        if cut is not None:
            marker = next(p for p in teaser_cut if p.search(post[cut]))
            rest = marker.sub("", post[cut]).strip()
            if rest:  # "... MORE" ends the teaser's own line
                text.append(rest)
        # The teaser is the run of prose lines that ends at the cut; its title is the headline
        # right above it (the site's name, a listing heading or a pager is not a title).
        start = len(text)
        while start > 0 and _teaser_line(text[start - 1]):
            start -= 1
        if start == len(text):
            continue
        # A one-word line over a teaser is a block label ("Briefs", "Video"), not its headline.
        heads = [
            i
            for i in range(start)
            if _title_ok(text[i]) and text[i].casefold() not in not_titles and len(text[i].split()) > 1
        ]
        if not heads or heads[-1] != start - 1:
            continue
        title, body_lines = text[heads[-1]], drop_repeated_paragraphs(text[start:])
        glued, body_lines[0] = _unglued_byline(body_lines[0])
        body = join_paragraphs(body_lines)
        if word_count(body) < MIN_TEASER_WORDS:
            continue
        articles.append(
            Article(
                authors=_authors(glued, site) if glued else [],
                source=site.key,
                body=body,
                raw_path=doc.raw_path,
                raw_record=doc.raw_record,
                raw_item=item,
                url=doc.url,
                title=title,
                tags=list(dict.fromkeys(tags)),
                is_teaser=True,
                fetched_at=doc.fetched_at,
                publication=site.publication,
                language=detect_language(body, hint=site.default_language),
            )
        )
    return articles
