"""Eurasianet (eurasianet.org). A Drupal site; HTML selectors are unverified leads (SITE_NOTES.md)."""

import re

from pipeline.sites.base import CrawlFacts, HtmlRules, Site, TextRules, exact_line, line_starting

HOSTS = ("eurasianet.org", "www.eurasianet.org", "russian.eurasianet.org")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

TEXT = TextRules(
    name="eurasianet-drupal",
    language="en",
    since="2018-01-01",
    drop_lines=(
        exact_line("Skip to main content"),
        exact_line("Main Menu"),
        exact_line("X"),
        re.compile(r"^\s*[•·]\s+\S.{0,30}$"),  # bulleted menu entries
    ),
    # The search box closes the mega-menu; everything above it is navigation.
    head_end=(exact_line("You can search using keywords to narrow down the list."),),
    tail_start=(
        line_starting("Sign up for Eurasianet"),
        re.compile(r"^\s*Sign up\W"),
        line_starting("Support Eurasianet"),
        exact_line("Popular"),
        line_starting("Eurasianet ©"),
    ),
    # "David Trilling Apr 15, 2013" (authors then date) or the date alone.
    bylines=(re.compile(rf"^(?:(?P<authors>[^\d]{{3,160}}?)\s+)?(?P<date>{_MONTH} \d{{1,2}}, \d{{4}})$"),),
    title="first",
)

# The full view of a node; teasers in listings and "Popular" blocks are articles too.
_FULL = "//article[contains(@class, 'node--view-mode-full')]"
# The Drupal 6 site (www.eurasianet.org/node/<id>, 2000s-2017): the node's "submitted" line holds
# span.authors links and span.timestamp "October 31, 2011 - 11:28am"; topic links are
# div.terms.terms-inline li a[rel=tag] [code: zotero/translators EurasiaNet.js, 2011, tested on
# /node/64419]. The body is the node's div.content (Drupal 6 node.tpl.php convention; not seen on
# a EurasiaNet page). A listing has one "submitted" line per teaser, an article exactly one.
_D6_SUBMITTED = "//div[contains(concat(' ', normalize-space(@class), ' '), ' submitted ')]"
_D6_NODE = "//div[contains(concat(' ', normalize-space(@class), ' '), ' node ')]"

HTML = HtmlRules(
    container=(
        _FULL + "//div[contains(@class, 'field--name-body')]",
        "//div[contains(@class, 'field--name-body')]",
        _FULL + "//div[contains(@class, 'node__content')]",
        _FULL,
        _D6_NODE + "//div[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    ),
    prune=(
        ".//div[contains(@class, 'newsletter')]",
        ".//div[contains(@class, 'related')]",
        ".//div[contains(@class, 'field--name-field-tags')]",
        ".//aside",
        ".//script",
        ".//figure",
        # Drupal 6 node furniture, when a theme prints it inside the content: the submitted line,
        # the terms, the node links ("Printer-friendly version") and the image captions.
        ".//div[contains(concat(' ', normalize-space(@class), ' '), ' submitted ')]",
        ".//div[contains(concat(' ', normalize-space(@class), ' '), ' terms ')]",
        ".//div[contains(concat(' ', normalize-space(@class), ' '), ' links ')]",
        ".//ul[contains(concat(' ', normalize-space(@class), ' '), ' links ')]",
        ".//div[contains(@class, 'service-links')]",
        ".//div[contains(@class, 'image-caption')]",
    ),
    title=(
        "//h1[contains(@class, 'page-title')]",
        "//h1[@class='title']",  # Drupal 6 [code: EurasiaNet.js]
        "//h1",
        "//meta[@property='og:title']/@content",
    ),
    # Scoped to the full node: the "Popular" block under every article lists other articles with
    # their authors' byline lines [docs/research/eurasianet.md S3].
    authors=(
        _FULL + "//div[contains(@class, 'field--name-field-byline')]//a",
        _FULL + "//a[contains(@href, '/author/')]",
        # A plain-text byline (no author page).
        _FULL + "//div[contains(@class, 'field--name-field-byline')]",
        _D6_SUBMITTED + "//span[contains(@class, 'authors')]//a",
        _D6_SUBMITTED + "//span[contains(@class, 'authors')]",
    ),
    date=(
        "//meta[@property='article:published_time']/@content",
        _FULL + "//div[contains(@class, 'field--name-field-publication-date')]//time/@datetime",
        _FULL + "//time/@datetime",
        _FULL + "//div[contains(@class, 'field--name-field-publication-date')]",
        _D6_SUBMITTED + "//span[contains(@class, 'timestamp')]",
    ),
    # Topic tags; without them the article's own region link (not the menu's region links).
    tags=(
        _FULL + "//div[contains(@class, 'field--name-field-tags')]//a",
        _FULL + "//div[contains(@class, 'field--name-field-region')]//a",
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' terms ')]//a[@rel='tag']",
    ),
    article_markers=(
        "//article[contains(@class, 'node--type-article')][contains(@class, 'node--view-mode-full')]",
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' page-node-type-article ')]",
        # Drupal 6: one node's submitted line with a timestamp, under an h1.title.
        "//body[count(.//div[contains(concat(' ', normalize-space(@class), ' '), ' submitted ')]) = 1]"
        "[.//h1[@class='title']]" + _D6_SUBMITTED + "//span[contains(@class, 'timestamp')]",
    ),
    desk_authors=(re.compile(r"^Eurasianet$", re.I),),
)

CRAWL = CrawlFacts(
    hosts=("eurasianet.org",),
    start_urls=("https://eurasianet.org/region/tajikistan",),
    # An index paged as sitemap.xml?page=<n> [code]; the children are ordinary urlsets.
    sitemap_paths=("/sitemap.xml",),
    feeds=("https://eurasianet.org/region/tajikistan/feed", "https://eurasianet.org/rss.xml"),
    # Articles are bare slugs (Drupal 8, 2018-) or /node/<id> (Drupal 6, to 2017 [code: zotero
    # EurasiaNet.js, docs/research/html-markup.md]), on the English and the Russian host; listing,
    # region, author and system paths are excluded.
    article_url=re.compile(
        r"^https?://(?:www\.|russian\.)?eurasianet\.org/"
        r"(?:node/\d+|(?!region/|topic/|author/|node$|latest|search)[a-z0-9-]{8,})/?$"
    ),
    # Drupal views markup (unverified): .views-row teasers with <time datetime>, 0-based ?page=.
    listing_item="//div[contains(concat(' ', normalize-space(@class), ' '), ' views-row ')]",
    listing_link=".//a/@href",
    listing_date=".//time/@datetime",
    listing_page_url="{url}?page={n}",
    listing_second_page=1,
)

_COUNTRIES_EN = (
    r"(?:Tajikistan|Kyrgyzstan|Kazakhstan|Uzbekistan|Turkmenistan|Russia|Georgia|Armenia|Azerbaijan"
    r"|Afghanistan|Mongolia|Iran|Turkey|Ukraine|Belarus|Moldova|China|Central Asia|Caucasus)"
)
_COUNTRIES_RU = (
    r"(?:Таджикистан|Кыргызстан|Киргизия|Казахстан|Узбекистан|Туркменистан|Туркмения|Россия|Грузия"
    r"|Армения|Азербайджан|Афганистан|Монголия|Иран|Турция|Украина|Беларусь|Молдова|Китай"
    r"|Центральная Азия|Кавказ)"
)
_MINOR = r"(?:of|the|a|an|in|on|at|to|for|and|or|but|with|over|by|from|as|into|after|amid|vs)"
# How Eurasianet writes where a dump keeps only the article [docs/research/eurasianet.md E3, E4,
# E5, C1, C2, R1]: headlines "Country: sentence case" in English and Russian, quoted wire copy
# announced by "From RIA Novosti:" or "reports Bloomberg:", the Drupal-6 byline "March 1, 2011 -
# 12:02pm, by Name", the 2000s byline "by Name 10/28/04", its old name and its analysis section.
TEXT_EVIDENCE = (
    re.compile(rf"\A\s*{_COUNTRIES_EN}: [A-Z][\w'’-]*(?: \S+){{0,6}}? (?!{_MINOR}\b)[a-z]{{3,}}"),
    re.compile(rf"\A\s*{_COUNTRIES_RU}: [«\"]?[А-ЯЁа-яё]"),
    re.compile(r"(?m)(?:(?:^|[.!?]\s+)From|\b[Rr]eports?) (?:the )?[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,3}:$"),
    re.compile(r"(?m)^[A-Z][a-z]+ \d{1,2}, \d{4} - \d{1,2}:\d{2}\s?[ap]m, by \S"),
    re.compile(r"(?m)^by [A-Z][^\n\d]{2,60} \d{1,2}/\d{1,2}/\d{2}$"),
    re.compile(r"\bEurasia ?Insight\b|\bEurasiaNet\b(?!\s*,)|\btold Eurasianet\b"),
)

SITE = Site(
    key="eurasianet",
    name="Eurasianet",
    hosts=HOSTS,
    content_markers=(
        "Eurasianet ©",
        "Sign up for Eurasianet",
        "Support Eurasianet",
        "is Eurasianet’s",
        "is Eurasianet's",
    ),
    text_evidence=TEXT_EVIDENCE,
    text=TEXT,
    rule_sets=(TEXT,),
    html=HTML,
    crawl=CRAWL,
    host_languages={"russian.eurasianet.org": "ru"},
    default_language="en",
    default_timezone="America/New_York",  # both are edited in the United States
)
