"""The description of a site: everything the pipeline knows about one outlet, as data.

Shared code reads these fields and never branches on a site's name, so that a template change is
fixed in the site's own module (add a rule set, keep the old one for old pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit


def exact_line(text: str) -> re.Pattern[str]:
    """A pattern for a chrome line that must match the whole (stripped) line literally."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*$")


def line_starting(text: str) -> re.Pattern[str]:
    """A pattern for a chrome line that begins with text."""
    return re.compile(r"^\s*" + re.escape(text))


@dataclass(frozen=True)
class TextRules:
    """How to read a text dump of one of the site's article pages (visible text, no markup).

    The order of use: cut the page head (everything up to the last head_end line seen before the
    body), cut the tail (everything from the first tail_start line), drop chrome lines anywhere,
    then read the header line, byline, title and dateline.
    """

    # Lines dropped wherever they stand (menus, "Accessibility links", ...).
    drop_lines: tuple[re.Pattern[str], ...] = ()
    # Labels dropped with the line after them: "Read also" announces a headline of another page.
    drop_with_next: tuple[re.Pattern[str], ...] = ()
    # Lines that open a body although they are not prose ("Executive Summary:").
    body_openers: tuple[re.Pattern[str], ...] = ()
    # Short lines that say the page is no article: "Page not found", search results headings.
    not_article: tuple[re.Pattern[str], ...] = ()
    # Lines only a section front or listing carries, wherever they stand ("Load more").
    front_markers: tuple[re.Pattern[str], ...] = ()
    # The last line of the page head: everything up to and including it is chrome.
    head_end: tuple[re.Pattern[str], ...] = ()
    # The first line of the page tail: it and everything after it is chrome.
    tail_start: tuple[re.Pattern[str], ...] = ()
    # A header line whose named groups give fields (publication, volume, issue); it is dropped.
    header: re.Pattern[str] | None = None
    # Bylines: named groups authors and/or date; the line before the first byline is the title.
    bylines: tuple[re.Pattern[str], ...] = ()
    # Where the title is when no byline says: "first" line of what is left, "before_header" (the
    # line before the header line, if any), or None.
    title: str | None = "first"
    # A dateline at the start of a body paragraph, named groups place and date; it stays in the body.
    dateline: re.Pattern[str] | None = None
    # Separator between several authors in a byline.
    author_split: re.Pattern[str] = re.compile(r"\s*(?:,| and | & )\s*")
    # What the rule set is for: a name, the language of its pages and the day its template was
    # first seen (documentation and fixture bookkeeping; every set of a site applies to all of
    # its pages, since a label of one era never stands as content on a page of another).
    name: str = ""
    language: str | None = None
    since: str | None = None


def merged(*rule_sets: TextRules) -> TextRules:
    """One TextRules holding every pattern of the given dated rule sets, in order.

    Single values (header, dateline, title rule) come from the first set that has one.
    """
    out: dict[str, object] = {}
    for f in fields(TextRules):
        values = [getattr(r, f.name) for r in rule_sets]
        if isinstance(values[0], tuple):
            out[f.name] = tuple(v for value in values for v in value)
        elif f.name in ("name", "language", "since"):
            joined = "+".join(dict.fromkeys(str(v) for v in values if v))
            out[f.name] = joined if joined or f.name == "name" else None
        elif f.name == "title":
            out[f.name] = next((v for v in values if v != "first"), "first")
        elif f.name == "author_split":
            out[f.name] = values[0]
        else:
            out[f.name] = next((v for v in values if v is not None), None)
    return TextRules(**out)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ListingTextRules:
    """How to split a text dump of a listing page (archive, category, region page) into teasers.

    A post ends at a post_end line (its named group tags, comma separated, gives the tags) or
    just before the next title; teaser_cut lines ("Continue reading", "... MORE") mark the cut.
    """

    header: tuple[re.Pattern[str], ...] = ()  # "Category Archives: X": marks a listing, dropped
    post_end: re.Pattern[str] | None = None
    teaser_cut: tuple[re.Pattern[str], ...] = ()
    drop_lines: tuple[re.Pattern[str], ...] = ()
    tag_split: re.Pattern[str] = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class HtmlRules:
    """How to read the site's article HTML. XPaths are tried in order; the first that matches wins.

    container: the element that holds the article body; trafilatura is handed only this subtree,
    which is both more accurate and about four times faster than handing it the whole page.
    """

    container: tuple[str, ...] = ()
    prune: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date: tuple[str, ...] = ()  # XPaths to a date string (attribute or text)
    tags: tuple[str, ...] = ()
    dateline: tuple[str, ...] = ()
    # Body classes or other XPaths that mark a page as an article; when none match, not an article.
    article_markers: tuple[str, ...] = ()
    # Author names that are desks, not people ("RFE/RL's Tajik Service"): dropped.
    desk_authors: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class CrawlFacts:
    """Where a spider finds the site's article URLs; spiders read these and know nothing else.

    Listing XPaths are leads until checked against a served page (SITE_NOTES.md): a wrong one
    loses listing discovery only, sitemaps and feeds still work.
    """

    hosts: tuple[str, ...] = ()  # hosts crawled by default (`--host` may choose others of the CMS)
    start_urls: tuple[str, ...] = ()  # listing pages (sections, zones, region pages), newest first
    sitemap_paths: tuple[str, ...] = ()  # sitemap or sitemap-index paths, read on every crawled host
    feeds: tuple[str, ...] = ()
    article_url: re.Pattern[str] | None = None  # what an article URL looks like
    # Child sitemaps whose lastmods are batch dates, not publication dates: only the lower bound
    # of a window applies to them (a page is never modified before it is published).
    archive_sitemap: re.Pattern[str] | None = None
    skip_sitemap: re.Pattern[str] | None = None  # child sitemaps not worth reading (videos, sections)
    # Listing pages: each item, its links and its date, relative to the item.
    listing_item: str = "//article"
    listing_link: str = ".//a/@href"
    listing_date: str = ".//time/@datetime"
    listing_date_formats: tuple[str, ...] = ()  # strptime formats of listing date text, if not ISO
    # The URL of page n of a listing; {url} is the first page's URL without a trailing slash.
    listing_page_url: str | None = None
    listing_second_page: int = 2  # n of the second page (0-based pagers start at 1)


@dataclass(frozen=True)
class Site:
    """One outlet: its hosts, how to recognise its pages, and how to read them."""

    key: str
    name: str
    hosts: tuple[str, ...]
    # Strings whose presence in a page's text identifies the site when there is no URL.
    content_markers: tuple[str, ...] = ()
    # How the outlet writes, seen where no chrome and no marker is left (a main-content dump):
    # its citation style, its headline convention, the desks it names. Weaker than a marker: a
    # page is the outlet's when this evidence (with its layout lines and language) outweighs
    # every other site's (pipeline.sites.detect).
    text_evidence: tuple[re.Pattern[str], ...] = ()
    # Markup that identifies the site's CMS in the HTML of any host: a page of a sibling outlet on
    # the same CMS (another service, a fact-check site) is read with this site's rules, under
    # source "other".
    cms_markers: tuple[re.Pattern[str], ...] = ()
    text: TextRules = field(default_factory=TextRules)
    # The dated rule sets `text` merges (one per service, language or template era), kept so that
    # tests can ask each for fixtures of its own.
    rule_sets: tuple[TextRules, ...] = ()
    listing: ListingTextRules | None = None
    html: HtmlRules = field(default_factory=HtmlRules)
    crawl: CrawlFacts = field(default_factory=CrawlFacts)
    # Default language by host when the page does not say (ISO 639-1).
    host_languages: dict[str, str] = field(default_factory=dict)
    default_language: str | None = None
    # The zone the outlet dates its pages in (IANA name), by host, and for pages of other hosts or
    # none: a UTC timestamp is dated by its calendar day there (pipeline.text.dates).
    host_timezones: dict[str, str] = field(default_factory=dict)
    default_timezone: str | None = None
    publication: str | None = None
    # Eurasia Daily Monitor style numbering: the year of volume 1, and by publication name where
    # the site has had several series.
    volume_one_year: int | None = None
    publication_volume_one_year: dict[str, int] = field(default_factory=dict)
    # (pattern, replacement) applied to a normalised URL to get the key that identifies an
    # article: e.g. Pangea's /a/<slug>/<id>.html and /a/<id>.html are the same article.
    url_identity: tuple[tuple[re.Pattern[str], str], ...] = ()
    # Hosts that serve the same articles as another host (a staging mirror).
    host_aliases: dict[str, str] = field(default_factory=dict)

    @property
    def languages(self) -> frozenset[str]:
        """Every language the outlet publishes in, as its rule sets and hosts declare."""
        declared = [r.language for r in self.rule_sets] + [
            *self.host_languages.values(),
            self.default_language,
        ]
        return frozenset(code for code in declared if code)

    def first_volume_year(self, publication: str | None) -> int | None:
        """The year of volume 1 of the named series (the site's default series otherwise)."""
        return self.publication_volume_one_year.get(publication or "", self.volume_one_year)

    def timezone_for(self, url: str | None) -> str | None:
        """The outlet's zone for a page at url (its host's, else the site's default)."""
        host = (urlsplit(url).hostname or "").lower() if url else ""
        return self.host_timezones.get(host) or self.default_timezone

    def owns_host(self, host: str) -> bool:
        host = host.lower().split(":")[0]
        return any(
            host == h or host.endswith("." + h.removeprefix("www.")) or host == h.removeprefix("www.")
            for h in self.hosts
        )
