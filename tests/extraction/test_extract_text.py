"""The text-dump cleaner: each site's template rules, listings, and the general classifier."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SAMPLES

from pipeline.extraction.text_dump import extract_text
from pipeline.models import RawDocument, Reject
from pipeline.sites import GENERIC, SITES, detect


def _doc(name: str) -> RawDocument:
    text = next(SAMPLES.glob(f"{name}_*.txt")).read_text(encoding="utf-8")
    return RawDocument(raw_path=f"{name}.txt", kind="text", text=text)


def _one(name: str, site=None):
    doc = _doc(name)
    result = extract_text(doc, site or detect(None, doc.text))
    assert isinstance(result, list) and len(result) == 1
    return result[0]


def test_rferl_dump_title_dateline_and_legal_tail_cut():
    a = _one("000")
    assert a.source == "rferl"
    assert a.title == "Tajikistan: Will Opposition Leader Become Stumbling Block In Relations With Moscow?"
    assert a.dateline == "Prague"
    assert (a.published_date, a.date_precision, a.date_source) == (dt.date(2005, 4, 12), "day", "dateline")
    assert a.published_at is None  # no time of day is known
    assert a.body.endswith("Moscow has offered no official reaction to the case.")
    for chrome in ("Accessibility links", "Breaking News", "undesirable organization", "click here"):
        assert chrome not in a.body
    assert a.language == "en"


def test_pull_quote_kept_once():
    a = _one("000")
    assert a.body.count("With Russia in the midst of its own self-declared battle against terror") == 1
    b = _one("001")
    assert b.body.count("The expiration of the agreement doesn't mean we should just pick up and leave.") == 1
    # The sentence survives in its real paragraph, not only as the pull quote.
    assert 'together," he said. "The expiration of the agreement' in b.body


def test_jamestown_header_gives_publication_volume_issue_and_no_title():
    a = _one("002")
    assert a.source == "jamestown"
    assert (a.publication, a.volume, a.issue) == ("Eurasia Daily Monitor", 4, 119)
    assert a.title is None
    assert a.body.startswith("On June 12 Tajikistan")
    assert "Publication:" not in a.body
    # Volume 4 is 2007; the latest day the text names is June 14; only the month is asserted.
    assert (a.published_date, a.date_precision, a.date_source) == (
        dt.date(2007, 6, 15),
        "month",
        "volume-issue",
    )


def test_eurasianet_byline_menus_and_footer():
    a = _one("003")
    assert a.source == "eurasianet"
    assert a.title == "Tajikistan: Russia Bullies Migrants amid Base Row"
    assert a.authors == ["David Trilling"]
    assert (a.published_date, a.date_source) == (dt.date(2013, 4, 15), "byline")
    assert a.body.startswith("A familiar pattern has emerged")
    for chrome in (
        "Main Menu",
        "Support us",
        "Sign up",
        "Popular",
        "Privacy Policy",
        "Eurasianet ©",
        "Armenia scrambles",
    ):
        assert chrome not in a.body
    assert "\u00a0" not in a.body and "  " not in a.body


def test_listing_gives_one_teaser_per_post_with_tags():
    doc = _doc("004")
    site = detect(None, doc.text)
    # A WordPress blog's archive of reposted EDM articles: their bracketed citations are EDM's,
    # but the theme's "Category Archives:" heading is no site's of ours: another outlet's page.
    assert site is GENERIC
    teasers = extract_text(doc, site)
    assert [t.title for t in teasers] == [
        "CSTO Agreement on Foreign Bases Frustrates Tajikistan’s Ambitions",
        "Russia Secures Pilots’ Release But Harms Relations With Tajikistan",
        "Tajikistan Frees Jailed Pilots Under Pressure From Moscow",
        "Moscow Blackmails Dushanbe to Return to the Afghan Border",
        "Central Asia: Is Russia Ready to Address Central Asia’s Border Woes?",
    ]
    assert all(t.is_teaser for t in teasers)
    assert teasers[3].tags == ["Borders", "Drugs", "Security", "Tajik-Russian relations", "Tajikistan"]
    assert [t.raw_item for t in teasers] == [0, 1, 2, 3, 4]
    for t in teasers:
        assert (
            "Continue reading" not in t.body
            and "Filed under" not in t.body
            and "Leave a comment" not in t.body
        )
        # A listing proves no publication date: null rather than a guess from dates in the text.
        assert t.published_date is None


@pytest.mark.parametrize("name", ["000", "001", "002", "003"])
def test_unknown_site_dump_still_comes_out_clean(name):
    """The general classifier alone (no site rules) must drop the chrome of every seed dump."""
    a = _one(name, GENERIC)
    chrome = (
        "Accessibility links",
        "Breaking News",
        "undesirable organization",
        "Russian passport",
        "Skip to main content",
        "Main Menu",
        "Support us",
        "Sign up",
        "Privacy Policy",
        "Eurasianet ©",
        "Armenia scrambles",
        "Publication: Eurasia Daily Monitor",
        "Kazakhstan's Bloody January",
    )
    for c in chrome:
        assert c not in a.body, c
    assert a.title is None or "Publication:" not in a.title
    assert len(a.body.split()) > 300


def test_unknown_site_byline_gives_authors_and_date():
    a = _one("003", GENERIC)
    assert a.title == "Tajikistan: Russia Bullies Migrants amid Base Row"
    assert a.authors == ["David Trilling"]
    assert a.published_date == dt.date(2013, 4, 15)


def test_menu_only_page_is_rejected_as_not_article():
    text = "\n".join(["Home", "News", "Politics", "Economy", "About us", "Contact", "© 2024 Some Site"])
    result = extract_text(RawDocument("menu.txt", "text", text), GENERIC)
    assert isinstance(result, Reject) and result.reason == "not_article"


def test_site_detection_from_content_and_url():
    assert detect(None, "PRAGUE, 3 May 2006 (RFE/RL) -- text").key == "rferl"
    assert detect(None, "Publication: Eurasia Daily Monitor Volume: 3 Issue: 1").key == "jamestown"
    assert detect(None, "Eurasianet © 2023").key == "eurasianet"
    assert detect("https://rus.ozodi.org/a/33423616.html", "").key == "rferl"
    assert detect("https://staging.jamestown.org/program/x/", "").key == "jamestown"
    assert detect("https://example.com/x", "nothing known").key == "other"
    assert set(SITES) == {"rferl", "jamestown", "eurasianet"}


def test_site_detection_reads_the_head_of_the_text_only():
    """Markers count in the first 50,000 characters (HEAD_CHARS); a URL decides before any of it."""
    from pipeline.sites import HEAD_CHARS

    marker = "Publication: Eurasia Daily Monitor Volume: 3 Issue: 1"
    assert detect(None, "д" * (HEAD_CHARS - len(marker) - 1) + "\n" + marker).key == "jamestown"
    assert detect(None, "д" * HEAD_CHARS + "\n" + marker).key == "other"
    assert detect("https://www.ozodi.org/a/1.html", "д" * HEAD_CHARS + "\n" + marker).key == "rferl"


@pytest.mark.parametrize(
    ("name", "title", "authors", "date", "date_source", "language", "last"),
    [
        (
            "unknown_site_ru.txt",
            "Россия ужесточает правила для трудовых мигрантов из Таджикистана",
            ["Иван Петров"],
            dt.date(2009, 2, 3),
            "byline",
            "ru",
            "Официальная Москва пока не комментирует эти заявления.",
        ),
        (
            "unknown_site_tg.txt",
            "Муҳоҷирони тоҷик дар Русия бо мушкилоти нав рӯ ба рӯ шуданд",
            [],
            dt.date(2023, 4, 12),
            "text",
            "tg",
            "Вазорати корҳои хориҷии Тоҷикистон то ҳол дар ин бора изҳори назар накардааст.",
        ),
    ],
)
def test_unknown_site_dumps_in_russian_and_tajik(name, title, authors, date, date_source, language, last):
    from conftest import FIXTURES

    text = (FIXTURES / "dumps" / name).read_text(encoding="utf-8")
    [a] = extract_text(RawDocument(name, "text", text), detect(None, text))
    assert a.source == "other"
    assert (a.title, a.authors, a.published_date, a.date_source, a.language) == (
        title,
        authors,
        date,
        date_source,
        language,
    )
    assert a.body.endswith(last)
    chrome_lines = ("Главная", "Подписывайтесь", "Читайте также", "Все права", "Саҳифаи асосӣ", "©")
    for chrome in chrome_lines:
        assert chrome not in a.body
