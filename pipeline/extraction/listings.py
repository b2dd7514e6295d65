"""Listing pages (category archives, author pages, region pages) in text dumps -> one teaser per post.

A listing holds many stories, each cut short: read as one article it would glue them together,
so the site's ListingTextRules (or the generic CMS ones) split it into posts, and each post with a
headline over a run of teaser text becomes an Article marked is_teaser.
"""

from __future__ import annotations

import re

from pipeline.extraction import classifier as para_classifier
from pipeline.extraction.authors import is_person_name
from pipeline.extraction.dump_lines import (
    SENTENCE_END,
    byline_names,
    drop_patterns,
    first_match,
    is_byline_shape,
    reads_as_headline,
    title_cased,
    unglued_byline,
)
from pipeline.models import Article, RawDocument
from pipeline.sites import GENERIC
from pipeline.sites.base import ListingTextRules, Site
from pipeline.text.language import detect_language
from pipeline.text.normalise import (
    drop_repeated_paragraphs,
    join_paragraphs,
    word_count,
)

MIN_TEASER_WORDS = 12


def listing_rules_for(site: Site, lines: list[str]) -> ListingTextRules | None:
    """The listing rules that fit the page: the site's own, else the generic CMS ones."""
    for rules in (site.listing, GENERIC.listing):
        if rules is None:
            continue
        has_header = any(p.search(ln) for ln in lines[:_LISTING_HEAD_LINES] for p in rules.header)
        cuts = sum(1 for ln in lines if any(p.search(ln) for p in rules.teaser_cut))
        if has_header or cuts >= 2:
            return rules
    return None


def split_capitals_headline(raw: str) -> list[str]:
    """A listing line that runs a headline IN CAPITALS into its teaser, as lines of their own.

    Program listings print a brief as one line: "HEADLINE IN CAPITALS  Author Name  Teaser ...",
    the parts apart by two spaces or, with no author, by one (the line normaliser later
    collapses the spaces, so the parts are told apart here, on the raw line). The headline is
    the longest run of words without a small letter (four or more, each with a letter or digit),
    and the text after it must open with a word that has one; an author is the double-spaced
    part right after it when it reads as a person's name, given as a "By" line.
    """
    words = list(re.finditer(r"\S+", raw))
    n = next((i for i, w in enumerate(words) if not _capitals_word(w.group())), len(words))
    if n < 4 or n == len(words) or not any(ch.islower() for ch in words[n].group()):
        return _split_title_case_brief(raw)
    if words[n - 1].group().endswith("."):  # a run-in head ends with a full stop
        return [raw]
    if len(words[n - 1].group()) == 1 and words[n - 1].group().isalpha():
        n -= 1  # "... FIGHTERS A court in Dushanbe": the text's article
        if n < 4:
            return [raw]
    headline, rest = raw[words[0].start() : words[n - 1].end()], raw[words[n - 1].end() :]
    if raw[words[n - 1].end() : words[n].start()].count(" ") >= 2:
        part, gap, after = rest.strip().partition("  ")
        if gap and after.strip() and len(part.split()) <= 4 and is_person_name(part.strip()):
            return [headline, f"By {part.strip()}", after.strip()]
    return [headline, rest.strip()]


def _capitals_word(word: str) -> bool:
    """A word of a headline in capitals: a letter or digit, and no small letter (any script)."""
    return any(ch.isalnum() for ch in word) and not any(ch.islower() for ch in word)


def _split_title_case_brief(raw: str) -> list[str]:
    """A brief whose title-case headline is set off by two spaces and followed by its author's
    name, then the text ("Headline In Title Case  First Last Text ..."; the text's first word a
    capital). Without the two spaces or the name nothing tells the parts apart: the line stays whole."""
    head, gap, rest = raw.strip().partition("  ")
    if not gap or not title_cased(head) or SENTENCE_END.search(head):
        return [raw]
    name, text = _opening_byline(f"By {rest.strip()}")
    return [head, f"By {name}", text] if name else [raw]


def _opening_byline(line: str) -> tuple[str | None, str]:
    """(the name, the text) of a teaser that opens with "By First Last" and runs on: "By Kirill
    Vostrikov Tajikistan's quiet agreement ...". Two words of a person's name, then a word with
    a capital (the text's first sentence); else (None, line), the line as it was."""
    match = _SPACED_BYLINE.match(line)
    if match is None or not match.group("next").isupper() or not is_person_name(match.group("name")):
        return None, line
    return match.group("name"), line[match.end() :]


_SPACED_BYLINE = re.compile(r"^By\s+(?P<name>[^\W\d_][\w'’-]+\s+[^\W\d_][\w'’-]+)\s+(?=[\"“‘(]?(?P<next>\w))")


def _teaser_line(line: str) -> bool:
    """A line of a teaser's text: prose, or a sentence of it."""
    c = para_classifier.classify(line)
    if c.boilerplate or title_cased(line):
        return False
    return c.words >= MIN_TEASER_WORDS or (c.sentence_like and c.words >= 6)


_LISTING_HEAD_LINES = 10


def listing_teasers(doc: RawDocument, site: Site, lines: list[str], rules: ListingTextRules) -> list[Article]:
    """One teaser per post. A post is: title, text, a cut marker, and optionally its tag line."""
    drops = drop_patterns(site) + rules.drop_lines
    # The listing's heading ("Articles by <Name>") opens the list: what stands above it is the
    # page's own (an analyst's name and biography, a menu), not a post.
    heading = first_match(lines[:_LISTING_HEAD_LINES], rules.header)
    if heading is not None:
        lines = lines[heading + 1 :]
    lines = [ln for ln in lines if not any(p.search(ln) for p in rules.header + drops)]
    if rules.post_end is None and first_match(lines, rules.teaser_cut) is None:
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
    starts = [i for i in range(len(lines) - 1) if reads_as_headline(lines[i]) and _teaser_line(lines[i + 1])]
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
        cut = first_match(post, teaser_cut)
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
        # A byline line between the headline and the teaser ("By <Name>", as split_capitals_headline
        # gives a brief's author) signs the teaser.
        byline = None
        if start >= 2 and is_byline_shape(text[start - 1]):
            byline, text = text[start - 1], text[: start - 1] + text[start:]
            start -= 1
        # A one-word line over a teaser is a block label ("Briefs", "Video"), not its headline.
        heads = [
            i
            for i in range(start)
            if reads_as_headline(text[i])
            and text[i].casefold() not in not_titles
            and len(text[i].split()) > 1
        ]
        if not heads or heads[-1] != start - 1:
            continue
        title, body_lines = text[heads[-1]], drop_repeated_paragraphs(text[start:])
        # The headline printed again at the head of its teaser, glued to it or not: once is enough.
        if body_lines[0].startswith(title) and body_lines[0][len(title) :].strip():
            body_lines[0] = body_lines[0][len(title) :].lstrip()
        glued, body_lines[0] = unglued_byline(body_lines[0])
        if glued is None:
            glued, body_lines[0] = _opening_byline(body_lines[0])
        glued = glued or (byline and byline.split(None, 1)[1])
        body = join_paragraphs(body_lines)
        if word_count(body) < MIN_TEASER_WORDS:
            continue
        articles.append(
            Article(
                authors=byline_names(glued, site) if glued else [],
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
