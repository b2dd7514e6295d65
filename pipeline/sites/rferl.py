"""RFE/RL and its services (rferl.org, ozodi.org, rus.ozodi.org, ...): all run the Pangea CMS.

Sources of each rule are in ../shared/sites/SITE_NOTES.md; [real] ones were seen in served pages,
the rest are leads. Selectors hold across every Pangea host and language.
"""

import re

from pipeline.sites.base import CrawlFacts, HtmlRules, Site, TextRules, line, starts

HOSTS = ("www.rferl.org", "www.ozodi.org", "rus.ozodi.org")

TEXT = TextRules(
    drop_lines=(
        line("Accessibility links"),
        line("Breaking News"),
        line("Skip to main content"),
        line("Skip to main Navigation"),
        line("Skip to Search"),
        line("Ссылки для упрощенного доступа"),
        line("Вернуться к основному содержанию"),
        line("Вернутся к главной навигации"),
        line("Искать"),
        line("Срочные новости"),
        line("Share"),
        line("Print"),
    ),
    tail_start=(
        # The legal notice RFE/RL puts under every article since Russia's 2024 designation.
        starts("RFE/RL has been declared"),
        starts("If you are in Russia and hold a Russian passport"),
        starts("To find out more, click here"),
        starts("Радио Свобода признано"),
        starts("Copyright (c)"),
        starts("Copyright ©"),
    ),
    # "Prague, 12 April 2005 (RFE/RL) -- " and the place-only form "PRAGUE (RFE/RL) -- ".
    dateline=re.compile(
        r"^(?P<place>[A-Z][A-Za-z .'’-]{1,40}?)(?:,\s+(?P<date>\d{1,2} \w+ \d{4}|\w+ \d{1,2}, \d{4}))?"
        r"\s+\((?:RFE/RL|Reuters|AP|AFP|dpa|Interfax|TASS|ITAR-TASS)[^)]{0,40}\)\s+(?:--|—|–)"
    ),
    title="first",
)

HTML = HtmlRules(
    container=(
        "//div[@id='article-content']",
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' wsw ')]",
        "//div[contains(@class, 'articleContent')]",
    ),
    prune=(
        ".//div[contains(@class, 'wsw__embed')]",
        ".//div[contains(@class, 'media-block-wrap')]",
        ".//div[contains(@class, 'also-read')]",
        ".//div[contains(@class, 'share--box')]",
        ".//div[contains(@class, 'c-author__btns')]",
        ".//div[contains(@class, 'c-blockquote')]",
        ".//aside",
        ".//div[@id='comments']",
        ".//p[contains(@class, 'btn--load-more')]",
        ".//div[contains(@class, 'live-blog-left')]",
        ".//span[contains(@class, 'dateline')]",
        # Fact-checks: the claim's author is a claimant, never a writer of the piece.
        ".//div[contains(@class, 'statement-author')]",
    ),
    title=(
        "//h1[contains(@class, 'pg-title')]",
        "//meta[@property='og:title']/@content",
    ),
    # Byline links only; then the extractor tries JSON-LD Persons and meta author (which cannot
    # tell a desk or agency from a person, so it comes last).
    authors=("//div[contains(@class, 'links')]//a[contains(@class, 'links__item-link')]",),
    date=(
        "//div[contains(@class, 'published')]//time/@datetime",
        "//time[@pubdate]/@datetime",
    ),
    # One union, in document order: the keywords (head), then the section link; deduped.
    tags=(
        "//head/meta[@name='keywords']/@content"
        " | //div[contains(concat(' ', normalize-space(@class), ' '), ' category ')]/a",
    ),
    dateline=("//div[@id='article-content']//span[contains(@class, 'dateline')]",),
    article_markers=(
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' pg-article ')]",
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' pg-fc ')]",
        "//div[@id='article-content']",
    ),
    desk_authors=(
        re.compile(r"^RFE/RL", re.I),
        re.compile(r"^Radio Free Europe", re.I),
        re.compile(r"^Радио(и)? (Озод|Свобода)", re.I),
        re.compile(r"^Current Time", re.I),
        re.compile(r"^(Associated Press|AP|Reuters|AFP|dpa|Interfax|TASS)$", re.I),
    ),
)

CRAWL = CrawlFacts(
    hosts=HOSTS,
    sitemap_paths=("/sitemap.xml",),
    start_urls=(
        "https://www.rferl.org/Tajikistan",
        "https://www.rferl.org/p/5495.html",
        "https://www.ozodi.org/z/539",
        "https://www.ozodi.org/z/3537",
        "https://rus.ozodi.org/z/539",
    ),
    feeds=("https://www.rferl.org/api/z_iiol-vomx-tpevgmi",),
    article_url=re.compile(r"^https?://[^/]+/a/(?:[^/]+/)?\d+\.html$"),
    # sitemap_<site>_<n>.xml.gz are the archive; their lastmods are 2007/2008 batch dates [real].
    archive_sitemap=re.compile(r"/sitemap_\d+_\d+\.xml(?:\.gz)?$"),
    skip_sitemap=re.compile(r"/sitemap_\d+_(?:videos|sections)\.xml(?:\.gz)?$"),
    # Pangea listing blocks [real, 2018 homepages]; the date span's text format is a guess.
    listing_item="//div[contains(concat(' ', normalize-space(@class), ' '), ' media-block ')]",
    listing_link=".//a/@href",
    listing_date=".//time/@datetime | .//span[contains(@class, 'date')]",
    listing_date_formats=("%B %d, %Y", "%d.%m.%Y", "%d %B %Y"),
    listing_page_url="{url}?p={n}",  # [code] /z/360?p=2
    listing_second_page=1,
)

SITE = Site(
    key="rferl",
    name="RFE/RL",
    hosts=HOSTS + ("www.azattyq.org", "rus.azattyq.org", "www.azattyk.org", "rferl.eu"),
    content_markers=(
        "(RFE/RL) --",
        "RFE/RL has been declared",
        "RFE/RL's ",
        "Radio Free Europe/Radio Liberty",
    ),
    # Pangea's article and fact-check body classes, and its image host or asset path [real].
    cms_markers=(
        re.compile(r"""<body\b[^>]*\bclass=["'][^"']*\bpg-(?:article|fc)\b"""),
        re.compile(r"/Content/responsive/|gdb\.(?:rferl|voanews|polygraph)\w*\.\w+/"),
    ),
    text=TEXT,
    html=HTML,
    crawl=CRAWL,
    host_languages={
        "www.rferl.org": "en",
        "www.ozodi.org": "tg",
        "rus.ozodi.org": "ru",
        "rus.azattyq.org": "ru",
    },
    default_language="en",
    # RFE/RL's English site is edited in Prague; each service dates in its own country's zone.
    host_timezones={
        "www.rferl.org": "Europe/Prague",
        "www.ozodi.org": "Asia/Dushanbe",
        "rus.ozodi.org": "Asia/Dushanbe",
        "www.azattyq.org": "Asia/Almaty",
        "rus.azattyq.org": "Asia/Almaty",
        "www.azattyk.org": "Asia/Bishkek",
    },
    default_timezone="Europe/Prague",
    # The numeric id is the article; the slug is decoration and changes when a title is edited.
    url_identity=((re.compile(r"^https://([^/]+)/a/(?:[^/]+/)?(\d+)\.html$"), r"https://\1/a/\2.html"),),
    host_aliases={"rferl.eu": "rferl.org"},
)
