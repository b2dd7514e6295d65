"""Why a text dump holds no article: an error or search page, a section front, a column of leads.

A front read as an article gives a body of other stories' teasers under the first headline: the
signs that tell one (many date lines, items that share no topic, a byline per item, a series of
labelled headlines, teasers cut off with an ellipsis) are weighed here before any article is read.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.extraction import classifier as para_classifier
from pipeline.extraction.dump_lines import (
    SENTENCE_END,
    is_byline_shape,
    looks_like_date_line,
    opening_dateline,
    reads_as_headline,
    without_chrome,
)
from pipeline.sites import GENERIC
from pipeline.sites.base import ListingTextRules, Site


def why_not_an_article(
    site: Site, lines: list[str], learned: frozenset[str], listing: ListingTextRules | None
) -> str | None:
    """Why the page is no article (an error page, search results, a section front), or None.

    Error and search pages say so in a short line near the top, in the page's language. A section
    front is a column of headlines with a date each: an article has one date line, a front has
    many, and no listing rules of the site claimed it.
    """
    patterns = site.text.not_article + (GENERIC.text.not_article if site is not GENERIC else ())
    shown = without_chrome(site, lines, learned)
    for line in shown[:25]:
        if len(line.split()) <= 14 and any(p.search(line) for p in patterns):
            return f"not an article page: it says {line[:80]!r}"
    pager = site.text.front_markers + (GENERIC.text.front_markers if site is not GENERIC else ())
    for line in shown:
        if any(p.search(line) for p in pager):
            return f"a section front: it ends its list with {line[:40]!r}"
    if listing is None:
        dates = sum(1 for ln in shown if looks_like_date_line(ln))
        prose = sum(1 for ln in shown if para_classifier.classify(ln).good)
        if dates >= 3 and dates >= prose:
            return f"a section front or listing: {dates} date lines beside {prose} lines of prose"
        items = [ln for ln in shown if para_classifier.classify(ln).words >= 8]
        # A headline first (no full stop): an article's page, not a front or a bio.
        headed = (
            bool(shown)
            and reads_as_headline(shown[0])
            and (not SENTENCE_END.search(shown[0]) or shown[0].endswith("?"))
        )
        if not headed and len(items) >= 5 and _cohesion(items) <= 0.2:
            return f"a section front or author page: {len(items)} items that share no topic"
        # An article has one headline and byline; a front gives each item its own.
        bylines = {shown[i].casefold() for i in range(1, len(shown) - 1) if _item_byline(shown, i, site)}
        if len(bylines) >= 2:
            return f"a section front: {len(bylines)} items with a headline and a byline each"
        # A dateline opens an article's lead; under no headline, one further down opens another
        # story's: a column of leads.
        if not headed and any(opening_dateline([ln], site) for ln in items[2:]):
            return "a listing of leads: a dateline opens a paragraph after the first"
        # Headlines of one series ("EurasiaChat: ...", three or more): its episode list.
        series = Counter(m.group(1) for ln in shown if reads_as_headline(ln) and (m := _SERIES.match(ln)))
        if series and max(series.values()) >= _FRONT_ITEMS:
            label, n = series.most_common(1)[0]
            if not _answered(shown, label, n):
                return f"a series listing: {n} headlines labelled {label!r}"
        # Teasers cut off mid-sentence ("... talks on...") stand on fronts and mobile lists.
        cut = sum(1 for ln in shown if _CUT_OFF.search(ln))
        if cut >= _FRONT_ITEMS or (cut >= 2 and not headed):
            return f"a listing: {cut} teasers cut off with an ellipsis"
    return None


_FRONT_ITEMS = 3


# A series label before a headline: "EurasiaChat: Remittances and the ruble".
_SERIES = re.compile(r"^([^\W\d_][\w.’'-]*(?: [^\W\d_][\w.’'-]*){0,2}):\s+\S")


def _answered(lines: list[str], label: str, count: int) -> bool:
    """Whether the lines labelled label are an interview's questions: each (but perhaps the last)
    is answered by the next line, labelled with another speaker and holding prose. A series
    listing's labelled headlines are followed by their teasers, which carry no label."""
    answered = 0
    for line, after in zip(lines, lines[1:], strict=False):
        asked = _SERIES.match(line)
        reply = _SERIES.match(after)
        if asked and asked.group(1) == label and reply and reply.group(1) != label:
            answered += para_classifier.classify(after[reply.end() - 1 :]).words >= _ANSWER_WORDS
    return answered >= count - 1


_ANSWER_WORDS = 12


# A word cut off by an ellipsis at the end of a line: a teaser, not a sentence of an article.
_CUT_OFF = re.compile(r"[^\W\d_](?:\.\.\.|…)\s*$")


def _item_byline(lines: list[str], i: int, site: Site) -> bool:
    """lines[i] is a byline ("By Name", or the site's own "Name Mon D, YYYY") under a headline and
    over a teaser (a caption may stand between)."""
    line = lines[i]
    byline = (is_byline_shape(line) and _short_unended(line)) or any(p.match(line) for p in site.text.bylines)
    return (
        byline
        and reads_as_headline(lines[i - 1])
        and any(para_classifier.classify(ln).good for ln in lines[i + 1 : i + 3])
    )


def _short_unended(line: str) -> bool:
    return len(line.split()) <= 8 and not SENTENCE_END.search(line)


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
