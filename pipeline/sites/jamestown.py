"""The Jamestown Foundation (jamestown.org): Eurasia Daily Monitor. A WordPress site.

No raw page of it was available; HTML rules follow WordPress conventions and are marked
unverified in SITE_NOTES.md. Volume 1 of Eurasia Daily Monitor is the year 2004.
"""

import re

from pipeline.sites.base import CrawlFacts, HtmlRules, ListingRules, Site, TextRules, line, starts

HOSTS = ("jamestown.org", "staging.jamestown.org")

TEXT = TextRules(
    drop_lines=(
        line("Skip to content"),
        line("Share"),
        line("Print"),
        starts("*To read Part One"),
    ),
    tail_start=(
        starts("Related Articles"),
        starts("Subscribe to Eurasia Daily Monitor"),
        starts("© Copyright"),
        starts("The Jamestown Foundation ©"),
    ),
    header=re.compile(
        r"^Publication:\s*(?P<publication>.+?)\s+Volume:\s*(?P<volume>\d{1,3})\s+Issue:\s*(?P<issue>\d{1,4})\s*$"
    ),
    bylines=(re.compile(r"^By:?\s+(?P<authors>[A-Z][^\d]{2,120})$"),),
    title="before_header",
)

LISTING = ListingRules(
    header=(starts("Latest Eurasia Daily Monitor Articles"), starts("Latest Articles about")),
    teaser_cut=(re.compile(r"\.\.\.\s*MORE\s*$"),),
)

HTML = HtmlRules(
    container=(
        "//div[contains(@class, 'entry-content')]",
        "//article//div[contains(@class, 'post-content')]",
        "//article",
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
    ),
    title=("//h1[contains(@class, 'entry-title')]", "//meta[@property='og:title']/@content"),
    authors=("//a[@rel='author']", "//span[contains(@class, 'author')]//a"),
    date=(
        "//meta[@property='article:published_time']/@content",
        "//time[contains(@class, 'published')]/@datetime",
        "//time/@datetime",
    ),
    tags=("//a[@rel='tag']", "//a[@rel='category tag']"),
    # Not "//article": WordPress archives render every teaser as an <article>.
    article_markers=(
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' single ')]",
        "//head/meta[@property='og:type'][@content='article']",
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
    article_url=re.compile(r"^https?://(?:staging\.)?jamestown\.org/program/[^/?#]+/?$"),
    # WordPress archive markup (unverified): one <article> per teaser, <time datetime>.
    listing_item="//article",
    listing_link=".//a/@href",
    listing_date=".//time/@datetime",
    listing_page_url="{url}/page/{n}/",  # [text] /program-name/edm/page/14/
    listing_second_page=2,
)

SITE = Site(
    key="jamestown",
    name="Jamestown Foundation",
    hosts=HOSTS,
    content_markers=(
        "Publication: Eurasia Daily Monitor",
        "Eurasia Daily Monitor Volume:",
        "The Jamestown Foundation",
    ),
    text=TEXT,
    listing=LISTING,
    html=HTML,
    crawl=CRAWL,
    default_language="en",
    default_timezone="America/New_York",  # both are edited in the United States
    publication="Eurasia Daily Monitor",
    volume_one_year=2004,
    host_aliases={"staging.jamestown.org": "jamestown.org"},
)
