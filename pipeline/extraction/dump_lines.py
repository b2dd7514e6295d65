"""What a line of a text dump is: chrome, a headline, a byline, a date line, a dateline.

The article reader, the listing splitter and the front detector all ask these questions of the
same lines; answering them in one place keeps the three agreeing on what a headline or a date
line looks like.
"""

from __future__ import annotations

import re

from pipeline.extraction import classifier as para_classifier
from pipeline.extraction.authors import is_person_name
from pipeline.extraction.boilerplate import line_key
from pipeline.sites import GENERIC
from pipeline.sites.base import Site
from pipeline.text.dates import ParsedDate, parse_date


def unwrapped(lines: list[str]) -> list[str]:
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


def drop_patterns(site: Site) -> tuple[re.Pattern[str], ...]:
    """The chrome lines the site drops, and the generic ones unless the site is the generic one."""
    return site.text.drop_lines + (GENERIC.text.drop_lines if site is not GENERIC else ())


def first_match(lines: list[str], patterns: tuple[re.Pattern[str], ...], start: int = 0) -> int | None:
    """Index of the first line from start that any pattern finds something in, or None."""
    for i in range(start, len(lines)):
        if any(p.search(lines[i]) for p in patterns):
            return i
    return None


def without_chrome(site: Site, lines: list[str], learned: frozenset[str]) -> list[str]:
    """The page without its chrome lines: the site's and the general ones, lines learned from
    the corpus, labels with the headline they announce, and media captions.

    A caption (or a video's title) is printed twice in a row in Pangea dumps, once as the
    image's text and once under it: both copies go. A line that stands twice apart (a pull
    quote) is left to drop_repeated_paragraphs.
    """
    drops = drop_patterns(site)
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


# A byline run into the text it signs when the page's inline elements lost their space: "By Daniel
# HarlowThe collapse of the ruble ...": the name ends where a capital follows a small letter.
_GLUED_BYLINE = re.compile(
    r"^(?:By|By:|Автор:?)\s+(?P<name>[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}?[a-zа-яё])(?=[A-ZА-ЯЁ][a-zа-яё])"
)


def unglued_byline(line: str) -> tuple[str | None, str]:
    """(the name, the text) of a line that opens with a byline glued to its first word."""
    match = _GLUED_BYLINE.match(line)
    if match is None or not is_person_name(match.group("name")):
        return None, line
    return match.group("name"), line[match.end() :]


SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*$")


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


_TITLE_CASE_WORD = re.compile(r"^[A-Z0-9\"'‘“(]")


def title_cased(line: str) -> bool:
    """English headline style: most words of four letters or more start with a capital."""
    words = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    if len(words) < 3 or _CYRILLIC.search(line):
        return False  # Russian and Tajik headlines are in sentence case
    return sum(1 for w in words if _TITLE_CASE_WORD.match(w)) >= 0.8 * len(words)


def looks_like_date_line(line: str) -> bool:
    """A short line that is mostly a date (and maybe a time, a weekday, an age stamp)."""
    if len(line.split()) > 12:
        return False
    parsed = parse_date(line, "byline")
    if parsed is None:
        return False
    if _series_issue_title(line):
        return False
    rest = _DATE_NOISE.sub(" ", line)
    return len(_LETTERS.findall(rest)) <= 3


_LETTERS = re.compile(r"[^\W\d_]{3,}")


def _series_issue_title(line: str) -> bool:
    """A newsletter's name and its issue's date ("Central Asia Report: April 14, 2006"): the page's
    title, not a date line. The name is two to five capitalised words, none a date word, before a
    colon ("Last updated:", "Published:" label a date)."""
    label, colon, _ = line.partition(":")
    words = label.split()
    return (
        bool(colon)
        and 2 <= len(words) <= 5
        and all(w[0].isupper() for w in words)
        and not _DATE_NOISE.search(label)
        and not any(ch.isdigit() for ch in label)
    )


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


def is_byline_shape(line: str) -> bool:
    """A line opening with a byline word ("By", "Автор", "Муаллиф"): a byline, not a headline or text."""
    return bool(_BYLINE_LEAD.match(line))


_BYLINE_LEAD = re.compile(r"^[\s\-–—•|]*(?:by|автор|муаллиф|текст)\b\s*:?\s+\S", re.I)


def reads_as_headline(line: str) -> bool:
    """A line that can be a headline: shaped like one, and no date, byline, metadata, chrome or prose."""
    if not headline_shaped(line) or looks_like_date_line(line) or is_byline_shape(line):
        return False
    if para_classifier.is_metadata_line(line):
        return False
    c = para_classifier.classify(line)
    return not c.boilerplate and not c.good


def headline_shaped(line: str) -> bool:
    """One to thirty words, not cut at a comma, not a paragraph's length: the shape of a headline."""
    words = len(line.split())
    return 1 <= words <= 30 and not line.endswith((",", ";")) and len(line) <= 250


def byline_names(raw: str, site: Site) -> list[str]:
    """The names of a byline's text, split by the site's separator; desks and repeats dropped."""
    names = [n.strip(" .") for n in site.text.author_split.split(raw.removeprefix("By ").strip())]
    out: list[str] = []
    for name in names:
        if name and not any(p.search(name) for p in site.html.desk_authors) and name not in out:
            out.append(name)
    return out


def opening_dateline(body_lines: list[str], site: Site) -> tuple[str, ParsedDate | None] | None:
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
