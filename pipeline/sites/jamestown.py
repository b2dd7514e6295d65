"""The Jamestown Foundation (jamestown.org): Eurasia Daily Monitor. A WordPress site.

No raw page of it was available; HTML rules follow WordPress conventions and are marked
unverified in SITE_NOTES.md. Volume 1 of Eurasia Daily Monitor is the year 2004.
"""

import re

from pipeline.sites.base import (
    CrawlFacts,
    HtmlRules,
    ListingTextRules,
    Site,
    TextRules,
    exact_line,
    line_starting,
    merged,
)

HOSTS = ("jamestown.org", "staging.jamestown.org")

# Rule sets by template era, each from the research pages (docs/research/jamestown.md). Adding an
# era is adding one of these; the site's text rules are their union (pipeline.sites.base.merged).
LEGACY_1995_2007 = TextRules(
    name="jamestown-legacy",
    since="1995-01-01",
    language="en",
    # Pre-2004 items are the Monitor's, EDM's from 2004: both print the same header line.
    header=re.compile(
        r"^Publication:\s*(?P<publication>.+?)\s+Volume:\s*(?P<volume>\d{1,3})"
        r"(?:\s+Issue:\s*(?P<issue>\d{1,4})?)?\s*$"
    ),
    title="before_header",
    drop_lines=(exact_line("Placeholder canvas"),),  # the staging host's copies open with it
)
WORDPRESS_2008_2023 = TextRules(
    name="jamestown-wordpress",
    since="2008-01-01",
    language="en",
    drop_lines=(
        # The image caption under the header: "<description> (Source: RIA Novosti)".
        re.compile(r"^.{0,300}\(Source:[^)]{0,80}\)\s*$"),
        re.compile(r"^\*?\s*To read Part \w+.{0,40}click here\.?\s*$", re.I),
        re.compile(r"^By:\s*$"),  # an empty byline field
        # The old print/e-mail links beside the article.
        exact_line("Print"),
        exact_line("Email"),
        exact_line("E-mail"),
        exact_line("Print this article"),
        exact_line("Email this article"),
        exact_line("Share"),
    ),
    bylines=(re.compile(r"^By:?\s+(?P<authors>[A-Z][^\d:]{2,120})$"),),
    tail_start=(
        line_starting("Related Articles"),
        line_starting("Subscribe to Eurasia Daily Monitor"),
        line_starting("© Copyright"),
        line_starting("The Jamestown Foundation ©"),
    ),
)
EXECUTIVE_SUMMARY_2024 = TextRules(
    name="jamestown-executive-summary",
    since="2024-01-01",
    language="en",
    body_openers=(re.compile(r"^Executive Summary:"),),
)
TEXT = merged(LEGACY_1995_2007, WORDPRESS_2008_2023, EXECUTIVE_SUMMARY_2024)

LISTING = ListingTextRules(
    header=(
        # "Latest <program> Articles": Eurasia Daily Monitor, Terrorism Monitor, China Brief, ...
        # every program's listing heads its page so [docs/research/fresh-holdout3-jamestown.md].
        re.compile(r"^\s*Latest (?:[A-Z][\w’'&.-]*\s+){1,5}Articles\s*$"),
        line_starting("Latest Articles about"),
        exact_line("Latest Articles"),
        line_starting("Articles by "),
    ),
    teaser_cut=(re.compile(r"(?<=\S)\s*(?:\.\.\.|…)?\s*MORE\s*$"),),
    drop_lines=(line_starting("Eurasia Daily Monitor draws on the insights"),),
)

# No served jamestown.org HTML was found (docs/research/html-markup.md): these are WordPress
# conventions. What the stored texts show is the order title, "Publication: ... Volume: Issue:",
# "By: <Name>", an image caption "(Source: ...)", then the body [docs/research/jamestown.md]; since
# 2025 articles are at jamestown.org/<slug>/ without /program/ [code, a third-party link list].
# Before WordPress (to 2016) the site ran TYPO3 with the tt_news extension (its cited URLs are
# /single/?tx_ttnews[tt_news]=<id>): tt_news's single view is div.news-single-item holding the h1,
# the date box div.news-single-rightbox and the text [code: scrapers of other tt_news sites].
_TT_NEWS = "//div[contains(concat(' ', normalize-space(@class), ' '), ' news-single-item ')]"
HTML = HtmlRules(
    container=(
        "//div[contains(@class, 'entry-content')]",
        "//article//div[contains(@class, 'post-content')]",
        "//article",
        _TT_NEWS,
    ),
    prune=(
        ".//div[contains(@class, 'sharedaddy')]",
        ".//div[contains(@class, 'share')]",
        ".//div[contains(@class, 'related')]",
        ".//aside",
        ".//script",
        ".//div[contains(@class, 'wp-caption')]",
        ".//figure",
        ".//div[contains(@class, 'subscribe')]",
        # The pointer to an earlier part of a series, which the text rules drop from dumps too.
        ".//p[starts-with(translate(normalize-space(.), '*', ''), 'To read Part')]"
        "[contains(., 'click here')]",
        # tt_news: the date box, the title, the author line and the image with its caption.
        ".//div[contains(@class, 'news-single-rightbox')]",
        ".//div[contains(@class, 'news-single-timedata')]",
        ".//h1",
        ".//*[contains(@class, 'news-single-author')]",
        ".//div[contains(@class, 'news-single-img')]",
    ),
    title=(
        "//h1[contains(@class, 'entry-title')]",
        _TT_NEWS + "//h1",
        "//meta[@property='og:title']/@content",
    ),
    authors=(
        "//a[@rel='author']",
        "//span[contains(@class, 'author')]//a",
        _TT_NEWS + "//*[contains(@class, 'news-single-author')]",  # tt_news's author field (a guess)
    ),
    date=(
        "//meta[@property='article:published_time']/@content",
        "//time[contains(@class, 'published')]/@datetime",
        "//time/@datetime",
        _TT_NEWS + "//div[contains(@class, 'news-single-rightbox')]",
        _TT_NEWS + "//div[contains(@class, 'news-single-timedata')]",
    ),
    tags=("//a[@rel='tag']", "//a[@rel='category tag']"),
    # Not "//article": WordPress archives render every teaser as an <article>.
    article_markers=(
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' single ')]",
        "//head/meta[@property='og:type'][@content='article']",
        _TT_NEWS,
    ),
    desk_authors=(re.compile(r"^The Jamestown Foundation$", re.I), re.compile(r"^Jamestown", re.I)),
)

CRAWL = CrawlFacts(
    hosts=("jamestown.org",),
    start_urls=(
        "https://jamestown.org/program-name/edm/",
        "https://jamestown.org/region/central-asia/tajikistan/",
    ),
    feeds=("https://jamestown.org/feed/",),
    # /program/<slug>/ to 2024; since 2025 a bare /<slug>/ [docs/research/html-markup.md], told
    # from the site's own pages (about-us, analyst/..., region/...) by a headline-long slug.
    article_url=re.compile(
        r"^https?://(?:staging\.)?jamestown\.org/"
        r"(?:program/[^/?#]+|(?!(?:program-name|program|region|analyst|category|tag|page|events?|product"
        r"|wp-[a-z]+|feed|search)(?:/|$))[a-z0-9]+(?:-[a-z0-9]+){3,})/?$"
    ),
    # WordPress archive markup (unverified): one <article> per teaser, <time datetime>.
    listing_item="//article",
    listing_link=".//a/@href",
    listing_date=".//time/@datetime",
    listing_page_url="{url}/page/{n}/",  # [text] /program-name/edm/page/14/
    listing_second_page=2,
)

_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
# EDM's citation style [docs/research/jamestown.md]: sources in brackets with the day they are
# cited from, "(Avesta, June 12)", "(Interfax, RIA Novosti, March 3, 2007)", several per article.
TEXT_EVIDENCE = (
    re.compile(rf"\([A-Z][^()\n]{{1,80}}?, {_MONTHS} \d{{1,2}}(?:, \d{{4}})?(?:[;,][^()\n]{{0,80}})?\)"),
)

SITE = Site(
    key="jamestown",
    name="Jamestown Foundation",
    hosts=HOSTS,
    content_markers=(
        "Publication: Eurasia Daily Monitor",
        "Publication: Monitor Volume:",
        "Eurasia Daily Monitor",
        "The Jamestown Foundation",
        "Latest Articles about",
    ),
    text_evidence=TEXT_EVIDENCE,
    text=TEXT,
    rule_sets=(LEGACY_1995_2007, WORDPRESS_2008_2023, EXECUTIVE_SUMMARY_2024),
    listing=LISTING,
    html=HTML,
    crawl=CRAWL,
    default_language="en",
    default_timezone="America/New_York",  # both are edited in the United States
    publication="Eurasia Daily Monitor",
    volume_one_year=2004,
    # The Monitor, EDM's predecessor, numbered its volumes from 1995.
    publication_volume_one_year={"Monitor": 1995},
    host_aliases={"staging.jamestown.org": "jamestown.org"},
)
