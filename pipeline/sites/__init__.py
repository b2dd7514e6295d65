"""Every site the pipeline knows, and how to tell which one a page belongs to."""

from __future__ import annotations

import dataclasses
import functools
import re
from urllib.parse import urlsplit

from pipeline.sites import eurasianet, generic, jamestown, rferl
from pipeline.sites.base import Site
from pipeline.text.language import detect_language

SITES: dict[str, Site] = {s.key: s for s in (rferl.SITE, jamestown.SITE, eurasianet.SITE)}
GENERIC: Site = generic.SITE


def site_for_url(url: str | None) -> Site | None:
    """The site whose hosts include the URL's host, if any."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return _site_for_host(host) if host else None


@functools.lru_cache(maxsize=4096)
def _site_for_host(host: str) -> Site | None:
    """Cached: asked for every article of a run (dedupe, rows), and a corpus has few hosts."""
    for site in SITES.values():
        if site.owns_host(host):
            return site
    return None


@functools.cache
def _cms_reader(key: str) -> Site:
    """The rules of site `key` for pages of other hosts on its CMS: same rules, source 'other'."""
    site = SITES[key]
    return dataclasses.replace(site, key=GENERIC.key, name=f"{site.name} CMS", hosts=())


# Markup and text markers are looked for in a page's head: its first 50,000 characters.
HEAD_CHARS = 50_000


def detect(url: str | None, text: str, *, html: bool = False) -> Site:
    """The site of a page: from its URL, else its CMS's markup (HTML), else markers in its text.

    Unknown pages get the generic site, so that they are still curated (source 'other'). Only the
    head of the text is read (HEAD_CHARS), and it is cut out only when the URL does not decide:
    on a page with any non-ASCII letter that copy is 100 KB.
    """
    by_url = site_for_url(url)
    if by_url is not None:
        return by_url
    text = text[:HEAD_CHARS]
    if html:
        for site in SITES.values():
            if site.cms_markers and all(p.search(text) for p in site.cms_markers):
                if url is None and any(marker in text for marker in site.content_markers):
                    return site  # a saved page with no address of its own, but the outlet's text
                return _cms_reader(site.key)
    best, best_hits = GENERIC, 0
    for site in SITES.values():
        hits = sum(1 for marker in site.content_markers if marker in text)
        if hits > best_hits:
            best, best_hits = site, hits
    if best_hits or html:
        return best
    return _by_evidence(text)


# Evidence of a site in a page that names none: the outlet's own layout lines (bylines, datelines,
# header and tail lines its rules know) and writing (text_evidence) weigh 2 each, a chrome line
# only its rules drop weighs 1, a language no other site publishes in weighs 2. A site needs 2
# points including one that is not a dropped chrome line ("Share" and "Print" alone name nobody),
# and more than any other site: otherwise the page stays 'other'. The layout of a CMS none of
# the sites uses (a WordPress theme's "Category Archives:" heading) is evidence for 'other'.
_STRONG, _WEAK, _ENOUGH = 2, 1, 2
_LINES_READ = 200


def _by_evidence(text: str) -> Site:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:_LINES_READ]
    language = detect_language(text)
    foreign_chrome = _foreign_chrome(lines)
    scores: dict[str, int] = {}
    if GENERIC.listing and any(p.search(ln) for p in GENERIC.listing.header for ln in lines):
        scores[GENERIC.key] = _STRONG
    for site in SITES.values():
        strong, weak = _evidence(site, text, lines)
        if language and _only_site_with(language, site) and not foreign_chrome:
            strong += _STRONG
        if strong:
            scores[site.key] = strong + weak
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] < _ENOUGH or (len(ranked) > 1 and ranked[1] == ranked[0]):
        return GENERIC
    best = max(scores, key=scores.__getitem__)
    return SITES.get(best, GENERIC)


# Short lines beyond the headline that no known rule names: another outlet's menus and footer.
_CHROME_WORDS, _FOREIGN_CHROME_LINES = 3, 3


def _foreign_chrome(lines: list[str]) -> bool:
    """Whether the page shows chrome that is none of the known sites': a full page of one of
    them would show that site's own chrome (and its markers), so the language that only that
    site publishes in is then no evidence; a main-content dump shows no chrome at all."""
    known = _others_patterns("")
    short = [
        ln for ln in lines[1:] if len(ln.split()) <= _CHROME_WORDS and not any(p.search(ln) for p in known)
    ]
    return len(short) >= _FOREIGN_CHROME_LINES


# The languages of the hosts the corpus is built from (rferl.org, ozodi.org, rus.ozodi.org,
# jamestown.org, eurasianet.org and its Russian edition). A language only one outlet publishes in
# is evidence only among these: RFE/RL's other services share Persian, Kyrgyz or Uzbek with many
# outlets the pipeline has never heard of.
_CORPUS_LANGUAGES = frozenset({"en", "ru", "tg"})


def _only_site_with(language: str, site: Site) -> bool:
    if language not in _CORPUS_LANGUAGES:
        return False
    return language in site.languages and not any(
        language in other.languages for other in SITES.values() if other is not site
    )


def _evidence(site: Site, text: str, lines: list[str]) -> tuple[int, int]:
    """Points for site: strong from its layout lines and writing, weak from chrome only it drops.

    A line counts only when no other site's rule and no generic rule matches it as well: it is
    then a line of this outlet's template, not of every CMS.
    """
    strong = _STRONG * sum(1 for pattern in site.text_evidence if pattern.search(text))
    layout, chrome = _line_patterns(site.key)
    others = _others_patterns(site.key)
    own = [ln for ln in lines if not any(p.search(ln) for p in others)]
    strong += _STRONG * sum(1 for pattern in layout if any(pattern.search(ln) for ln in own))
    weak = _WEAK * sum(1 for pattern in chrome if any(pattern.search(ln) for ln in own))
    return strong, weak


@functools.cache
def _line_patterns(key: str) -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    """The site's layout patterns (bylines, datelines, head and tail lines) and chrome patterns."""
    rules = SITES[key].text
    single = [p for p in (rules.header, rules.dateline) if p is not None]
    listing = SITES[key].listing.header if SITES[key].listing else ()
    layout = (*rules.bylines, *rules.head_end, *rules.tail_start, *rules.body_openers, *single, *listing)
    return layout, (*rules.drop_lines, *rules.drop_with_next, *rules.front_markers)


@functools.cache
def _others_patterns(key: str) -> tuple[re.Pattern[str], ...]:
    """Every line pattern of the other sites and of the generic rules."""
    out: list[re.Pattern[str]] = []
    for site in (*SITES.values(), GENERIC):
        if site.key != key:
            rules = site.text
            single = [p for p in (rules.header, rules.dateline) if p is not None]
            out += [*rules.bylines, *rules.head_end, *rules.tail_start, *rules.body_openers, *single]
            out += [*rules.drop_lines, *rules.drop_with_next, *rules.front_markers]
            out += site.listing.header if site.listing else ()
    return tuple(out)
