"""RFE/RL and its services (rferl.org, ozodi.org, rus.ozodi.org, ...): all run the Pangea CMS.

Sources of each rule are in ../shared/sites/SITE_NOTES.md; [real] ones were seen in served pages,
the rest are leads. Selectors hold across every Pangea host and language.
"""

import re

from pipeline.sites import pangea_labels
from pipeline.sites.base import CrawlFacts, HtmlRules, Site, TextRules, exact_line, line_starting, merged

HOSTS = ("www.rferl.org", "www.ozodi.org", "rus.ozodi.org")

# Text-dump rule sets by service, language and era: the Pangea template is one across every
# service, its labels differ only by language (docs/research/rferl-*.md, each fact with the pages
# it was seen on). A new service or language is one more rule set here; TEXT is their union.
_MEDIA_PLAYER = (
    exact_line("XS"),
    exact_line("SM"),
    exact_line("MD"),
    exact_line("LG"),  # the embed-size chooser of a media player, under short items (2010-2015)
    exact_line("No media source currently available"),
    re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s+\d{1,2}:\d{2}(?::\d{2})?){1,3}\s*$"),  # 0:00 0:02:38 0:00
    re.compile(r"^\s*Your browser doesn[’']t support HTML5\s*$"),
    exact_line("Embed"),
    exact_line("share"),
)
ENGLISH_2004 = TextRules(
    name="rferl-en-2004",
    language="en",
    since="2004-01-01",
    # "Prague, 12 April 2005 (RFE/RL) -- ", the place-only form "PRAGUE (RFE/RL) -- ", and 2007's
    # "(RFE/RL) September 8, 2007 (RFE/RL) -- " with the agency in place of the place.
    dateline=re.compile(
        r"^(?:(?P<place>[A-Z][A-Za-z .'’-]{1,40}?),?|\(RFE/RL\))"
        r"(?:\s+(?P<date>\d{1,2} \w+ \d{4}|\w+ \d{1,2}, \d{4}))?"
        r"\s+\((?:RFE/RL|Reuters|AP|AFP|dpa|Interfax|TASS|ITAR-TASS)[^)]{0,40}\)\s+(?:--|—|–|-)\s"
    ),
    drop_lines=(
        exact_line("Accessibility links"),
        exact_line("Breaking News"),
        exact_line("Skip to main content"),
        exact_line("Skip to main Navigation"),
        exact_line("Skip to Search"),
        exact_line("Share"),
        exact_line("Print"),
        exact_line("Updated"),  # a status label beside the section label
        exact_line("please wait"),
        exact_line("Direct link"),
        line_starting("Listen to the podcast above"),
        exact_line("Subscribe"),
        exact_line("All RFE/RL sites"),
        exact_line("site logo site logo"),
        exact_line("Previous Next"),
        exact_line("Back to top"),
    ),
    front_markers=(exact_line("Blog Archive"), exact_line("See all episodes")),
    tail_start=(
        exact_line("About This Blog"),
        # The image placeholder of a feature or author card under the text: the card is promotion
        # ("Polygraph is a fact-checking feature of ...") [docs/research/rferl-en.md, 4 pages].
        re.compile(r"^\s*(?:[•·]\s*)?16x9 Image\s*$"),
        # The legal notice RFE/RL puts under every article since Russia's 2024 designation.
        line_starting("RFE/RL has been declared"),
        line_starting("If you are in Russia and hold a Russian passport"),
        line_starting("If you are in Russia or the Russia-controlled"),
        line_starting("To find out more, click here"),
        line_starting("Copyright (c)"),
        line_starting("Copyright ©"),
        exact_line("Editors' Picks"),
        exact_line("Editors’ Picks"),
    ),
)
TAJIK = TextRules(
    name="rferl-tg",
    language="tg",
    since="2008-01-01",
    drop_lines=(
        exact_line("Пайвандҳои дастрасӣ"),  # accessibility links
        exact_line("Хабари нав"),  # breaking news
        exact_line("Дар чанд ҷумла"),  # "in brief", over short news (2022-)
        re.compile(r"^\s*ИНЧУНИН,?\s+БИХОНЕД:"),  # "read also: <headline>"
        re.compile(r"^\s*Акс аз\s.{0,80}$"),  # "photo from ...", a caption of AMP pages
        *_MEDIA_PLAYER,
    ),
    # "Read all of today's news here": the next item of the day's stream follows.
    tail_start=(line_starting("Ҳамаи хабарҳои имрӯзро дар инҷо бихонед"),),
    front_markers=(exact_line("Ёфтҳои бештар"),),  # "more results", the pager of a front
)
RUSSIAN = TextRules(
    name="rferl-ru",
    language="ru",
    since="2008-01-01",
    drop_lines=(
        exact_line("Ссылки для упрощенного доступа"),  # 2020s
        exact_line("Доступность ссылок"),  # 2016
        exact_line("Ссылки доступа"),  # 2017
        exact_line("Срочные новости"),
        exact_line("Срочные новости:"),
        exact_line("Новость часа"),
        exact_line("Ссылки"),
        exact_line("Вернуться к основному содержанию"),
        exact_line("Вернутся к главной навигации"),
        exact_line("Искать"),
        exact_line("Ваш браузер не поддерживает HTML5"),
        exact_line("пожалуйста, подождите"),
        exact_line("Иллюстративное фото"),
        # A caption that says what the photo is: "<Name>, <role>. Архивное фото".
        re.compile(r"^.{0,120}[.,]\s+(?:Архивное|Иллюстративное) фото\.?\s*$"),
        # Current Time's promo block inside its pages.
        exact_line("В моей стране заблокировали"),
        exact_line("Настоящее Время"),
        re.compile(r"^\s*СМОТРИТЕ ТАКЖЕ:"),
        # The header clock of the day the page was saved: never the article's date.
        re.compile(r"^\s*\d{1,2} [а-яё]+ \d{4}, [А-ЯЁа-яё]+ время \d{1,2}:\d{2}\s*$"),
        re.compile(r"^.{0,60}\.\s+[Фф]ото \d{4} года\s*$"),  # "<Name>. Фото 2005 года", a caption
        *_MEDIA_PLAYER,
    ),
    tail_start=(
        exact_line("КОММЕНТАРИИ"),
        exact_line("Выпуски"),
        exact_line("Подкасты"),
        line_starting("Радио Свобода признано"),
    ),
)
# The other services (Kyrgyz, Uzbek, Turkmen, Persian, ...): tables of labels, one per language.
OTHER_SERVICES = pangea_labels.rule_sets(_MEDIA_PLAYER)
TEXT = merged(ENGLISH_2004, TAJIK, RUSSIAN, *OTHER_SERVICES)

# The template before the current one (2009-2014, /content/article/<id>.html): div#article holds
# the h1, an h2 section name, div.author ("By <Name>"), p.article_date ("29.07.2011", "Опубликовано
# 05.11.2011 06:49") and the body in div.zoomMe, whose first line may carry "PLACE (RFE/RL) --"
# [code: the 2014 version of Zotero's "Radio Free Europe - Radio Liberty.js" translator]. The same
# ids are served at /a/<id>.html since (the translator's 2021 tests).
_OLD_ARTICLE = "//div[@id='article']"

HTML = HtmlRules(
    container=(
        "//div[@id='article-content']",
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' wsw ')]",
        _OLD_ARTICLE + "//div[contains(concat(' ', normalize-space(@class), ' '), ' zoomMe ')]",
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
        ".//li[contains(@class, 'listenlink')]",  # the old template's audio link
    ),
    title=(
        "//h1[contains(@class, 'pg-title')]",
        "//meta[@property='og:title']/@content",
    ),
    # Byline links only; then the extractor tries JSON-LD Persons and meta author (which cannot
    # tell a desk or agency from a person, so it comes last).
    authors=(
        "//div[contains(@class, 'links')]//a[contains(@class, 'links__item-link')]",
        _OLD_ARTICLE + "//div[@class='author']",
    ),
    date=(
        "//div[contains(@class, 'published')]//time/@datetime",
        "//time[@pubdate]/@datetime",
        _OLD_ARTICLE + "//p[contains(@class, 'article_date')]",
    ),
    # One union, in document order: the keywords (head), then the section link; deduped.
    tags=(
        "//head/meta[@name='keywords']/@content"
        " | //div[contains(concat(' ', normalize-space(@class), ' '), ' category ')]/a",
        # The old template names the section in an h2 above the headline.
        _OLD_ARTICLE + "/h2 | //div[contains(@class, 'middle_content')]/h2",
    ),
    dateline=("//div[@id='article-content']//span[contains(@class, 'dateline')]",),
    article_markers=(
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' pg-article ')]",
        "//body[contains(concat(' ', normalize-space(@class), ' '), ' pg-fc ')]",
        "//div[@id='article-content']",
        _OLD_ARTICLE + "[.//div[contains(concat(' ', normalize-space(@class), ' '), ' zoomMe ')]]",
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
    # /a/<slug>/<id>.html since ~2015; /content/<kind-or-slug>/<id>.html before, the same ids
    # [docs/research/html-markup.md: Zotero's translators of 2014 and 2021].
    article_url=re.compile(r"^https?://[^/]+/(?:a|content/[^/]+)/(?:[^/]+/)?\d+\.html$"),
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

# How RFE/RL writes where a dump keeps only the article [docs/research/rferl-en.md,
# rferl-services.md]: its reporters are quoted as "told RFE/RL", its services and channels name
# themselves, Pangea's visible date line reads "May 19, 2021 07:36 GMT", and its video player's
# fallback line stands in the text of pages with a video.
TEXT_EVIDENCE = (
    re.compile(r"\b(?:told|tells|to) RFE/RL\b(?!\s*,)|\bRFE/RL (?:correspondents?|reporters?)\b"),
    re.compile(
        r"\b(?:Radio Ozodi|Radio Azattyk|Radio Azadi|Current Time|Настоящ\w+ Времен?\w*|Азаттык\w*|Озоди)\b"
    ),
    re.compile(r"(?m)^[A-Z][a-z]+ \d{1,2}, \d{4} \d{2}:\d{2} (?:GMT|UTC)$"),
    re.compile(
        r"(?m)^\s*(?:Your browser doesn[’']t support HTML5|Ваш браузер не поддерживает HTML5"
        r"|Браузери шумо HTML5-ро дастгирӣ намекунад)\s*$"
    ),
)

SITE = Site(
    key="rferl",
    name="RFE/RL",
    hosts=HOSTS + ("www.azattyq.org", "rus.azattyq.org", "www.azattyk.org", "rferl.eu") + pangea_labels.HOSTS,
    content_markers=(
        *pangea_labels.CONTENT_MARKERS,
        "(RFE/RL) --",
        "RFE/RL has been declared",
        "RFE/RL's ",
        "Radio Free Europe/Radio Liberty",
        "Пайвандҳои дастрасӣ",
        "Радиои Озодӣ",
        "Ҳамаи хабарҳои имрӯзро",
        "Ссылки для упрощенного доступа",
        "Доступность ссылок",
        "Ссылки доступа",
        "Радио Озоди",
        "Радио Свобода",
        "РСЕ/РС",
        "\nXS\nSM\nMD\nLG",
    ),
    # Pangea's article and fact-check body classes, and its image host or asset path [real].
    cms_markers=(
        re.compile(r"""<body\b[^>]*\bclass=["'][^"']*\bpg-(?:article|fc)\b"""),
        re.compile(r"/Content/responsive/|gdb\.(?:rferl|voanews|polygraph)\w*\.\w+/"),
    ),
    text_evidence=TEXT_EVIDENCE,
    text=TEXT,
    rule_sets=(ENGLISH_2004, TAJIK, RUSSIAN, *OTHER_SERVICES),
    html=HTML,
    crawl=CRAWL,
    host_languages={
        **pangea_labels.HOST_LANGUAGES,
        "www.rferl.org": "en",
        "www.ozodi.org": "tg",
        "rus.ozodi.org": "ru",
        "rus.azattyq.org": "ru",
    },
    default_language="en",
    # RFE/RL's English site is edited in Prague; each service dates in its own country's zone.
    host_timezones={
        **pangea_labels.HOST_TIMEZONES,
        "www.rferl.org": "Europe/Prague",
        "www.ozodi.org": "Asia/Dushanbe",
        "rus.ozodi.org": "Asia/Dushanbe",
        "www.azattyq.org": "Asia/Almaty",
        "rus.azattyq.org": "Asia/Almaty",
        "www.azattyk.org": "Asia/Bishkek",
    },
    default_timezone="Europe/Prague",
    # The numeric id is the article; the slug is decoration and changes when a title is edited.
    url_identity=(
        (
            re.compile(r"^https://([^/]+)/(?:a|content/[^/]+)/(?:[^/]+/)?(\d+)\.html$"),
            r"https://\1/a/\2.html",
        ),
    ),
    host_aliases={"rferl.eu": "rferl.org"},
)
