"""The mechanisms that need no list of a site's strings: names, titles, JSON-LD, learned chrome,
not-an-article pages, pull quotes, revisions. Each input here is written for the test."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.curation.batch import learn_chrome
from pipeline.dedupe.decisions import Deduper, content_hash
from pipeline.dedupe.minhash import signatures
from pipeline.extraction.authors import clean_authors, is_person_name
from pipeline.extraction.html_article import extract_html
from pipeline.extraction.text_dump import extract_text
from pipeline.models import Article, RawDocument, Reject
from pipeline.settings import DedupeSettings
from pipeline.sites import GENERIC, SITES, detect
from pipeline.text.normalise import drop_repeated_paragraphs

# --- authors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (["By Jane Doe and John Smith"], ["Jane Doe", "John Smith"]),
        (["Jane Doe, Reuters"], ["Jane Doe"]),
        (["Reuters"], []),
        (["AFP"], []),
        (["dpa"], []),
        (["Staff writer"], []),
        (["RFE/RL's Tajik Service"], []),
        (["Jane Doe (jd)"], ["Jane Doe"]),
        (["Doe, Jane"], ["Jane Doe"]),
        (["Jane Doe | Staff Writer"], ["Jane Doe"]),
        (["Иван Петров и Анна Смирнова"], ["Иван Петров", "Анна Смирнова"]),
        (["Муаллиф: Абдулло Раҳимов ва Нигина Саидова"], ["Абдулло Раҳимов", "Нигина Саидова"]),
        (["Jane Doe, John Smith & Ann Lee"], ["Jane Doe", "John Smith", "Ann Lee"]),
        (["Associated Press"], []),
        (["Jane Doe; jane.doe@example.com"], ["Jane Doe"]),
        (["Frans de Waal"], ["Frans de Waal"]),
    ],
)
def test_authors_are_people_split_right(raw, names):
    assert clean_authors(raw) == names


def test_the_outlets_own_name_is_never_an_author():
    assert not is_person_name("The Daily Planet Team")
    assert not is_person_name("Daily Planet", not_names=("The Daily Planet".replace("The ", ""),))
    assert is_person_name("Sandra Anderson")  # "and" inside a word does not split or reject


# --- HTML metadata: titles, JSON-LD, CMS by markup ------------------------------------------------

_PAGE = """<html><head><title>{title}</title>
<meta property="og:site_name" content="The Daily Planet">
<link rel="canonical" href="https://www.dailyplanet.example/news/{slug}">
{head}</head><body><div class="wrap">{h1}
<article><p>{p1}</p><p>{p2}</p><p>{p3}</p></article></div></body></html>"""
_P1 = "Tajik officials met their Russian counterparts in Dushanbe on Monday to discuss rules for migrants."
_P2 = "The talks covered work permits, the cost of patents and the fate of those barred from entering Russia."
_P3 = "Neither side announced an agreement, but both said that the working group would meet again in May."


def _html(title: str, head: str = "", h1: str = "", slug: str = "tajik-talks") -> RawDocument:
    text = _PAGE.format(title=title, head=head, h1=h1, slug=slug, p1=_P1, p2=_P2, p3=_P3)
    return RawDocument("page.html", "html", text, url=f"https://www.dailyplanet.example/news/{slug}")


@pytest.mark.parametrize(
    "title",
    [
        "Tajik and Russian officials discuss migrants | The Daily Planet",
        "Tajik and Russian officials discuss migrants - Daily Planet",
        "The Daily Planet | Tajik and Russian officials discuss migrants",
        "Tajik and Russian officials discuss migrants — dailyplanet.example",
    ],
)
def test_titles_lose_the_site_name(title):
    doc = _html(title)
    [a] = extract_html(doc, detect(doc.url, doc.text, html=True))
    assert a.title == "Tajik and Russian officials discuss migrants"


def test_a_hyphen_inside_a_headline_stays():
    doc = _html("Russia - Tajikistan talks stall over migrants")
    [a] = extract_html(doc, detect(doc.url, doc.text, html=True))
    assert a.title == "Russia - Tajikistan talks stall over migrants"


def test_claimant_and_publisher_in_json_ld_are_never_authors():
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "ClaimReview",'
        ' "datePublished": "2024-06-03", "claimReviewed": "Migrants commit every third crime.",'
        ' "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Viktor Sorokin"}},'
        ' "author": {"@type": "Organization", "name": "The Daily Planet"},'
        ' "publisher": {"@type": "Organization", "name": "Planet Media"}}</script>'
        '<meta name="author" content="Viktor Sorokin">'
    )
    doc = _html("A claim about migrants, checked", head=ld)
    [a] = extract_html(doc, detect(doc.url, doc.text, html=True))
    assert a.authors == []
    assert a.published_date == dt.date(2024, 6, 3)


def test_a_pangea_page_of_another_host_is_read_with_the_rferl_rules():
    page = (
        '<html><head><title>Claim checked</title><link rel="canonical" href="https://www.polygraph.example/a/1.html">'
        '<link rel="stylesheet" href="/Content/responsive/VOA/en-US/VOA.css"></head>'
        '<body class="pg-fc"><h1 class="pg-title">Did Moscow Ban Tajik Teachers?</h1>'
        '<div class="statement-author"><h4 class="author">Viktor Sorokin</h4></div>'
        '<div class="links"><ul><li class="links__item">By <a class="links__item-link" href="/author/x">'
        "Anna Belova</a></li></ul></div>"
        '<div class="published"><span class="date">'
        '<time datetime="2024-06-03T21:20:00+05:00">x</time></span></div>'
        f'<div id="article-content"><div class="wsw"><p>{_P1}</p><p>{_P2}</p><p>{_P3}</p></div></div>'
        "</body></html>"
    )
    doc = RawDocument("fc.html", "html", page, url="https://www.polygraph.example/a/1.html")
    site = detect(doc.url, page, html=True)
    assert site.key == "other" and site.html.container == SITES["rferl"].html.container
    [a] = extract_html(doc, site)
    assert (a.source, a.title, a.authors) == ("other", "Did Moscow Ban Tajik Teachers?", ["Anna Belova"])
    # The outlet's own day: 21:20 at +05:00 is the 3rd there, although it is the 3rd at 16:20 UTC too.
    assert a.published_date == dt.date(2024, 6, 3)


def test_the_outlets_own_day_not_the_utc_day():
    page = (
        '<html><head><link rel="canonical" href="https://www.ozodi.org/a/33000001.html"></head>'
        '<body class="pg-article"><h1 class="pg-title">Нишасти вазирон дар Душанбе</h1>'
        '<div class="published"><span class="date">'
        '<time datetime="2024-05-16T02:00:00+05:00">x</time></span></div>'
        f'<div id="article-content"><div class="wsw"><p>{_P1}</p><p>{_P2}</p><p>{_P3}</p></div></div>'
        "</body></html>"
    )
    doc = RawDocument("o.html", "html", page, url="https://www.ozodi.org/a/33000001.html")
    [a] = extract_html(doc, detect(doc.url, page, html=True))
    assert a.published_date == dt.date(2024, 5, 16)
    assert a.published_at == dt.datetime(2024, 5, 15, 21, 0, tzinfo=dt.UTC)


# --- not an article ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    ["Page not found", "Страница не найдена", "Саҳифа ёфт нашуд", "Error 404", "Search results"],
)
def test_error_and_search_pages_are_rejected_in_every_language(message):
    text = "\n".join(
        [
            "Accessibility links",
            "Skip to main content",
            message,
            "The address may be wrong, or the page may have been moved or removed from the site some"
            " time ago, and we are sorry for the trouble it causes you while you are looking for it.",
            "Most read",
            "Tajik migrants face new checks at Moscow airports",
            "Rahmon meets Putin in Sochi",
        ]
    )
    result = extract_text(RawDocument("404.txt", "text", text), SITES["rferl"])
    assert isinstance(result, Reject) and result.reason == "not_article"


def test_an_html_error_page_in_the_sites_chrome_is_rejected():
    doc = _html("Page not found | The Daily Planet")
    result = extract_html(doc, detect(doc.url, doc.text, html=True))
    assert isinstance(result, Reject) and result.reason == "not_article"


def test_a_headline_that_starts_with_404_is_an_article():
    doc = _html("404 Tajik migrants deported from Moscow in a week")
    assert isinstance(extract_html(doc, detect(doc.url, doc.text, html=True)), list)


def test_a_section_front_is_rejected():
    items = []
    for n in range(8):
        items += [f"Tajik and Russian officials meet for talks number {n} in Dushanbe", f"May {n + 1}, 2024"]
    text = "\n".join(["Tajikistan", *items, "Load more"])
    result = extract_text(RawDocument("front.txt", "text", text), GENERIC)
    assert isinstance(result, Reject) and result.reason == "not_article"


_PROSE = [
    "Officials in Dushanbe said on Monday that talks with Moscow on the fuel quota would resume soon.",
    "The two governments have argued for a year over the volume of duty-free diesel for next year.",
    "Drivers in the capital say the price of diesel has risen several times over the past twelve months.",
    "The energy ministry expects the agreement to be signed before the end of the year, officials added.",
]


def test_a_front_whose_items_have_a_headline_and_a_byline_each_is_rejected():
    text = "\n".join(
        [
            "Tajikistan Seeks More Russian Fuel",
            "BY ANORA KARIMOVA",
            _PROSE[0],
            "Moscow Weighs Dushanbe's Request",
            "BY DAVRON NAZAROV",
            _PROSE[1],
        ]
    )
    result = extract_text(RawDocument("front.txt", "text", text), GENERIC)
    assert isinstance(result, Reject) and "byline each" in result.detail


def test_an_article_with_one_byline_is_kept():
    text = "\n".join(["Tajikistan Seeks More Russian Fuel", "By Anora Karimova", *_PROSE])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert (article.title, article.authors) == ("Tajikistan Seeks More Russian Fuel", ["Anora Karimova"])


def test_a_list_of_teasers_cut_off_with_an_ellipsis_is_rejected_and_one_trailing_ellipsis_is_not():
    cut = [p[:-1].rsplit(" ", 3)[0] + "..." for p in _PROSE]
    result = extract_text(
        RawDocument("m.txt", "text", "\n".join([cut[0], _PROSE[1], cut[2], _PROSE[3]])), GENERIC
    )
    assert isinstance(result, Reject) and "ellipsis" in result.detail
    text = "\n".join(["Fuel Talks Resume", *_PROSE[:3], "He paused and added that the talks would go on..."])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert article.body.endswith("would go on...")


def test_a_menu_written_on_one_line_is_chrome_and_never_the_title():
    text = "\n".join(["home | about | partners | events | site map |", "Fuel Talks Resume", *_PROSE])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert article.title == "Fuel Talks Resume" and "partners" not in article.body


def test_an_author_page_gives_its_snippets_as_teasers_and_not_the_biography():
    """Jamestown's analyst pages [docs/research/jamestown.md P1]: name, biography, a contact form,
    "Articles by <Name>", then headline/snippet pairs cut mid-phrase with no marker."""
    snippets = [p[:-1].rsplit(" ", 2)[0] for p in _PROSE[:3]]
    text = "\n\n".join(
        [
            "Anora Karimova",
            "Anora Karimova is an analyst of energy policy in Central Asia who has written on Russia.",
            "Contact Anora Karimova",
            "Articles by Anora Karimova",
            "Fuel Talks Resume",
            snippets[0],
            "Quota Dispute Drags On",
            snippets[1],
            "Drivers Count the Cost",
            snippets[2],
        ]
    )
    teasers = extract_text(RawDocument("p.txt", "text", text), detect(None, text))
    assert isinstance(teasers, list)
    assert [(t.source, t.title, t.is_teaser) for t in teasers] == [
        ("jamestown", "Fuel Talks Resume", True),
        ("jamestown", "Quota Dispute Drags On", True),
        ("jamestown", "Drivers Count the Cost", True),
    ]
    assert [t.body for t in teasers] == snippets


# --- chrome learned from the corpus ----------------------------------------------------------------


def _dump(n: int, chrome: list[str]) -> RawDocument:
    body = [
        f"Report {n}: officials in Dushanbe said on Monday that the number of migrants returning from Russia"
        f" had grown for the {n + 2}th month in a row, according to figures of the labour ministry.",
        f"The ministry expects about {n + 3}0,000 more people to come back before the end of the year, and"
        " says it is preparing jobs for them in construction and farming in the south of the country.",
        " ".join(_sentences(4, n + 10)),  # words of this report alone: no page is another's copy
    ]
    lines = [*chrome[:2], f"Migrants return, report {n}", *body, *chrome[2:]]
    return RawDocument(f"d{n}.txt", "text", "\n".join(lines))


def test_lines_on_many_pages_of_a_site_are_learned_as_chrome():
    chrome = ["Zzyzx Portal Home", "Listen to our new podcast", "Zzyzx Portal keeps you informed every day."]
    docs = [_dump(n, chrome) for n in range(5)]
    learned = learn_chrome(docs)
    [a] = extract_text(docs[0], GENERIC, learned["other:en"])
    assert "podcast" not in a.body and "keeps you informed" not in a.body and "Zzyzx" not in a.body
    assert a.title == "Migrants return, report 0"
    assert a.body.startswith("Report 0: officials")


def test_copies_of_one_article_do_not_teach_that_its_lines_are_chrome():
    docs = [_dump(1, ["Home"]) for _ in range(4)] + [_dump(2, ["Home"])]
    learned = learn_chrome(docs)["other:en"]
    [a] = extract_text(docs[0], GENERIC, learned)
    assert a.body.startswith("Report 1: officials") and "preparing jobs" in a.body


# --- pull quotes and repeated lines ----------------------------------------------------------------


def test_repeated_short_lines_of_a_list_or_table_are_content():
    rows = ["Pamir 3 1 0", "Won", "Istiqlol 2 1 1", "Won", "Ravshan 1 0 3", "Lost"]
    assert drop_repeated_paragraphs(rows) == rows


def test_a_pull_quote_is_still_kept_once():
    quote = "We will not leave the border, whatever happens next year."
    paras = [quote, "The general spoke in Dushanbe.", f"He said: {quote} Others agreed with him."]
    assert drop_repeated_paragraphs(paras) == paras[1:]


# --- revisions -------------------------------------------------------------------------------------


_WORD_POOL = """border migrants ministry patent remittance base soldiers treaty energy dam river train
airport customs visa court prison election party exile opposition envoy summit loan wheat cotton gold
school teacher mosque market bazaar village mountain road tunnel bridge flight ticket salary"""
_WORDS = _WORD_POOL.split()


def _sentences(n: int, seed: int) -> list[str]:
    """n sentences of distinct word choices: another seed gives other sentences."""
    out = []
    for i in range(n):
        words = [_WORDS[(seed * 7 + i * 5 + k * 3) % len(_WORDS)] for k in range(12)]
        out.append(f"The {' '.join(words)} number {seed * 100 + i}.")
    return out


def test_a_lightly_corrected_short_copy_merges_with_its_article():
    cfg = DedupeSettings()
    original = _sentences(9, 1)
    corrected = list(original)
    corrected[5] = "A corrected fifth sentence now names the right minister and the right day of the talks."
    d = Deduper(cfg)
    first = Article(source="rferl", body=" ".join(original), raw_path="a.html")
    second = Article(source="rferl", body=" ".join(corrected), raw_path="a-print.html")
    d.decide(first, signatures(first.body, cfg), content_hash(first.body))
    decision = d.decide(second, signatures(second.body, cfg), content_hash(second.body))
    assert decision.duplicate is not None and decision.duplicate.kind == "near"


def test_articles_sharing_only_an_opening_stay_apart():
    cfg = DedupeSettings()
    opening = _sentences(5, 1)
    a = Article(source="rferl", body=" ".join(opening + _sentences(8, 2)), raw_path="a.txt")
    b = Article(source="rferl", body=" ".join(opening + _sentences(8, 3)), raw_path="b.txt")
    d = Deduper(cfg)
    d.decide(a, signatures(a.body, cfg), content_hash(a.body))
    assert d.decide(b, signatures(b.body, cfg), content_hash(b.body)).duplicate is None


def _eurasianet(byline_markup: str) -> RawDocument:
    page = (
        '<html><head><link rel="canonical" href="https://eurasianet.org/tajik-migrants-new-rules"></head>'
        '<body class="page-node-type-article"><article class="node--type-article node--view-mode-full">'
        f'<h1 class="page-title">Tajik migrants face new rules</h1>{byline_markup}'
        f'<div class="field--name-body"><p>{_P1}</p><p>{_P2}</p><p>{_P3}</p></div>'
        "</article></body></html>"
    )
    return RawDocument("e.html", "html", page, url="https://eurasianet.org/tajik-migrants-new-rules")


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="byline-wrapper"><span itemprop="author">'
        '<span itemprop="name">Ayzirek Imanaliyeva</span></span></div>',
        '<div class="meta"><a href="/authors/ayzirek-imanaliyeva">Ayzirek Imanaliyeva</a></div>',
        '<p class="node-byline">By <a href="/node/123">Ayzirek Imanaliyeva</a></p>',
    ],
)
def test_a_byline_the_sites_selectors_miss_is_still_found(markup):
    doc = _eurasianet(markup)
    [a] = extract_html(doc, detect(doc.url, doc.text, html=True))
    assert a.authors == ["Ayzirek Imanaliyeva"]


def test_an_unsigned_fact_check_does_not_take_its_claimant_for_author():
    page = (
        '<html><head><link rel="canonical" href="https://www.rferl.org/a/claim/33000002.html"></head>'
        '<body class="pg-fc"><h1 class="pg-title">Did Moscow Ban Tajik Teachers?</h1>'
        '<div class="statement-author"><h4 class="author">Viktor Sorokin</h4></div>'
        f'<div id="article-content"><div class="wsw"><p>{_P1}</p><p>{_P2}</p><p>{_P3}</p></div></div>'
        "</body></html>"
    )
    doc = RawDocument("fc.html", "html", page, url="https://www.rferl.org/a/claim/33000002.html")
    [a] = extract_html(doc, detect(doc.url, page, html=True))
    assert a.authors == []


# --- RFE/RL services in Russian and Tajik ------------------------------------------------------------

_RU_PAGE = "\n".join(
    [
        "Ссылки для упрощенного доступа",
        "",
        "Срочные новости",
        "",
        "Таджикские мигранты жалуются на новые проверки в аэропортах Москвы",
        "",
        "",
        "Мигранты в очереди в аэропорту",
        "Мигранты в очереди в аэропорту",
        "",
        "МОСКВА — Проверки ужесточились.",
        "",
        (
            "Пограничники в аэропортах Москвы на прошлой неделе развернули десятки граждан "
            "Таджикистана, сообщили Радио Озоди сами мигранты и их родственники в Душанбе."
        ),
        "",
        (
            "По их словам, проверка телефонов и документов занимает несколько часов, а тех, у кого "
            "находят нарушения, отправляют обратно ближайшим рейсом без объяснения причин."
        ),
        "",
        "Ваш браузер не поддерживает HTML5",
        "",
        (
            "В посольстве Таджикистана в Москве сказали, что знают о жалобах и ведут переговоры с "
            "российской стороной."
        ),
        "",
    ]
)

_TG_PAGE = "\n".join(
    [
        "Пайвандҳои дастрасӣ",
        "",
        "Хабари нав",
        "",
        "Муҳоҷирони тоҷик аз санҷишҳои нав дар фурудгоҳҳои Маскав шикоят доранд",
        "",
        "",
        "ДУШАНБЕ, 14 апрели (Радиои Озодӣ) — Санҷишҳо сахт шуданд.",
        "",
        (
            "Марзбонон дар фурудгоҳҳои Маскав ҳафтаи гузашта даҳҳо шаҳрванди Тоҷикистонро ба ватан "
            "баргардониданд, ба Радиои Озодӣ гуфтанд худи муҳоҷирон ва наздиконашон дар Душанбе."
        ),
        "",
        (
            "Ба гуфтаи онҳо, санҷиши телефонҳо ва ҳуҷҷатҳо чанд соат тӯл мекашад ва касонеро, ки "
            "қонунвайронкунӣ доранд, бо аввалин парвоз бармегардонанд."
        ),
        "",
        "XS",
        "SM",
        "MD",
        "LG",
        "",
    ]
)


@pytest.mark.parametrize(
    ("page", "title", "lead", "place", "last"),
    [
        (
            _RU_PAGE,
            "Таджикские мигранты жалуются на новые проверки в аэропортах Москвы",
            "МОСКВА — Проверки ужесточились.",
            "МОСКВА",
            "ведут переговоры с российской стороной.",
        ),
        (
            _TG_PAGE,
            "Муҳоҷирони тоҷик аз санҷишҳои нав дар фурудгоҳҳои Маскав шикоят доранд",
            "ДУШАНБЕ, 14 апрели (Радиои Озодӣ) — Санҷишҳо сахт шуданд.",
            "ДУШАНБЕ",
            "бо аввалин парвоз бармегардонанд.",
        ),
    ],
)
def test_rferl_service_dumps_keep_their_dateline_lead_and_lose_their_chrome(page, title, lead, place, last):
    site = detect(None, page)
    assert site.key == "rferl"
    [a] = extract_text(RawDocument("s.txt", "text", page), site)
    assert a.title == title
    assert a.body.startswith(lead) and a.body.endswith(last)
    assert a.dateline == place
    for chrome in ("Ссылки", "Срочные", "браузер", "Пайвандҳо", "Хабари нав", "XS", "очереди в аэропорту"):
        assert chrome not in a.body


@pytest.mark.parametrize(
    ("byline", "authors", "date"),
    [
        ("by Ahmad Rustamov 11/16/04", ["Ahmad Rustamov"], dt.date(2004, 11, 16)),
        ("March 1, 2010 - 12:02pm, by Bahrom Kodirov", ["Bahrom Kodirov"], dt.date(2010, 3, 1)),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"], None),
    ],
)
def test_bylines_of_older_templates(byline, authors, date):
    body = (
        "Officials in Dushanbe said on Monday that the number of migrants returning from Russia had grown for"
        " the third month in a row, according to figures of the labour ministry published this week.\n"
        "The ministry expects many more people to come back before the end of the year, and it says it is"
        " preparing jobs for them in construction and in farming in the south of the country."
    )
    text = f"Tajik Migrants Return Home As Russian Jobs Dry Up\n{byline}\n{body}"
    [a] = extract_text(RawDocument("b.txt", "text", text), GENERIC)
    assert (a.title, a.authors, a.published_date) == (
        "Tajik Migrants Return Home As Russian Jobs Dry Up",
        authors,
        date,
    )
    assert a.body.startswith("Officials in Dushanbe")


def test_a_caption_printed_once_between_headline_and_byline_is_not_the_title():
    text = "\n".join(
        [
            "Accessibility links",
            "Breaking News",
            "Tajikistan",
            "Dushanbe Turns To Beijing For Border Posts",
            "Chinese-built border posts in the Gorno-Badakhshan region.",
            "By Jane Doe",
            "May 16, 2024 14:05 GMT",
            "Tajikistan has asked China to fund a further set of outposts along its border with Afghanistan,"
            " officials in Dushanbe said on May 15, after Russia failed to deliver promised equipment.",
            "The request is the latest sign that Dushanbe is widening its security ties beyond Moscow, which"
            " still keeps its largest military base abroad in the country.",
        ]
    )
    [a] = extract_text(RawDocument("c.txt", "text", text), SITES["rferl"])
    assert (a.title, a.authors) == ("Dushanbe Turns To Beijing For Border Posts", ["Jane Doe"])
    assert (a.published_date, str(a.published_at)) == (dt.date(2024, 5, 16), "2024-05-16 14:05:00+00:00")
    assert a.body.startswith("Tajikistan has asked China") and "Gorno-Badakhshan region." not in a.body


def test_chrome_learned_by_one_run_is_dropped_by_later_runs_of_a_few_pages(tmp_path):
    """An hourly run brings one or two pages: too few to learn from, so the chrome a larger run
    learned is remembered (as line hashes under curated/_state/chrome/)."""
    from pipeline.curation.driver import run_curation
    from pipeline.settings import load_settings
    from pipeline.store.readers import read_table

    chrome = ["Zzyzx Portal Home", "Listen to our new podcast", "Zzyzx Portal keeps you informed every day."]
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    for n in range(5):
        (raw / f"d{n}.txt").write_text(_dump(n, chrome).text)
    settings = load_settings(config_path="/nonexistent", env={})
    run_curation(raw, curated, settings)
    assert read_table(curated, "_state/chrome").num_rows >= 3
    (raw / "d9.txt").write_text(_dump(9, chrome).text)  # the next run: one new page
    run_curation(raw, curated, settings)
    [late] = [r for r in read_table(curated, "articles").to_pylist() if r["raw_path"] == "d9.txt"]
    assert "podcast" not in late["body"] and "keeps you informed" not in late["body"]
    assert late["title"] == "Migrants return, report 9"


def test_chrome_is_learned_per_script_so_each_service_of_a_site_learns_its_own():
    """RFE/RL pages in English, Russian and Tajik in one batch: each language's labels stand on a
    third of the site's pages, too few to count as chrome of the site, but on all of its own."""
    en = ["Zzyzx Home", "Listen to our podcast"]
    ru = ["Главная страница Ззызкс", "Слушайте наш подкаст"]
    docs = [_dump(n, en) for n in range(3)]
    from support.corpus_texts import RUSSIAN, as_text

    docs += [
        RawDocument(f"r{k}.txt", "text", "\n".join([*ru, as_text(*RUSSIAN[k])]))
        for k in ("migration", "trade", "energy")
    ]
    learned = learn_chrome(docs)
    assert {"other:en", "other:ru"} <= set(learned)
    from pipeline.extraction.boilerplate import line_key

    assert line_key("Слушайте наш подкаст") in learned["other:ru"]
    assert line_key("Listen to our podcast") in learned["other:en"]


def test_rferl_2007_dateline_with_the_agency_in_place_of_the_place_dates_the_article():
    text = "\n".join(
        [
            "Accessibility links",
            "Tajikistan: Parliament Backs Fuel Deal",
            "(RFE/RL) May 4, 2007 (RFE/RL) -- " + _PROSE[0],
            *_PROSE[1:],
        ]
    )
    [article] = extract_text(RawDocument("r.txt", "text", text), SITES["rferl"])
    assert (article.published_date, article.date_precision, article.dateline) == (
        dt.date(2007, 5, 4),
        "day",
        None,
    )
    assert article.body.startswith("(RFE/RL) May 4, 2007 (RFE/RL) -- Officials")


def test_a_pangea_feature_card_under_the_text_is_not_body():
    text = "\n".join(
        [
            "Fuel Talks Resume",
            *_PROSE,
            "  • 16x9 Image",
            "    Polygraph",
            "    Polygraph is a fact-checking feature that verifies claims made by officials and media.",
        ]
    )
    [article] = extract_text(RawDocument("r.txt", "text", text), SITES["rferl"])
    assert article.body.endswith(_PROSE[-1]) and "16x9" not in article.body


def test_a_lead_paragraph_announcing_a_quotation_with_a_colon_opens_the_body():
    lead = (
        "Talks on Russian fuel resumed after a delegation visited Moscow. Interfax reports, citing officials:"
    )
    text = "\n".join(["Fuel Talks Resume", lead, *_PROSE])
    [article] = extract_text(RawDocument("e.txt", "text", text), GENERIC)
    assert article.body.startswith(lead)


def test_a_tajik_news_sentence_is_prose_for_the_classifier() -> None:
    from pipeline.extraction import classifier as paragraphs

    line = (
        "Далер Ҳасанови 27-сола мегӯяд, дар идораи муҳоҷирати шаҳри Самара ба ӯ гуфтанд,"
        " ки бе имзои қарордод иҷозаи иқомат намегирад."
    )
    assert paragraphs.classify(line).good


def test_a_subhead_with_the_text_going_on_under_it_stays_and_a_related_heading_does_not() -> None:
    short = [p[:60].rsplit(" ", 1)[0] + "." for p in _PROSE]  # sentences too short to be called prose
    text = "\n".join(["Fuel Talks Resume", _PROSE[0], "“THEY TOOK OUR PAPERS”", *short[1:]])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert "“THEY TOOK OUR PAPERS”" in article.body and article.body.endswith(short[-1])
    text = "\n".join(
        ["Fuel Talks Resume", *_PROSE, "Related", "Drivers count the cost of diesel in Dushanbe."]
    )
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert article.body.endswith(_PROSE[-1])


def test_a_dateline_of_the_date_alone_dates_the_article() -> None:
    text = "\n".join(["Fuel Talks Resume", "18 October 2004 -- " + _PROSE[0], *_PROSE[1:]])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert (article.published_date, article.date_precision) == (dt.date(2004, 10, 18), "day")


def test_a_long_publishers_footer_paragraph_is_not_body() -> None:
    footer = (
        "The Bulletin is a publication of the Example Foundation. It is written by a team of analysts in"
        " Washington and Prague. If you have any questions regarding its content, please contact us by"
        " e-mail or by fax. If you would like information on subscribing, write to the foundation's"
        " office. Unauthorized reproduction or redistribution of the Bulletin is strictly prohibited by"
        " law. Copyright (c) 1997 The Example Foundation."
    )
    text = "\n".join(["Fuel Talks Resume", *_PROSE, footer])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert article.body.endswith(_PROSE[-1])


def test_a_post_signed_under_its_text_is_by_that_person() -> None:
    text = "\n".join(["Fuel Talks Resume", *_PROSE, "-- Dilnoza Rahimova", "See comments (6)"])
    [article] = extract_text(RawDocument("a.txt", "text", text), GENERIC)
    assert article.authors == ["Dilnoza Rahimova"] and "Rahimova" not in article.body


def test_a_column_of_leads_and_a_series_episode_list_are_not_articles() -> None:
    leads = [_PROSE[0], _PROSE[1], _PROSE[2], "DUSHANBE -- " + _PROSE[3], _PROSE[0][::-1].capitalize() + "."]
    result = extract_text(RawDocument("l.txt", "text", "\n".join(leads)), GENERIC)
    assert isinstance(result, Reject) and "dateline" in result.detail
    episodes = []
    for n, p in enumerate(_PROSE[:3]):
        episodes += [f"FuelCast: episode {n} on diesel quotas", p]
    result = extract_text(RawDocument("s.txt", "text", "\n".join(episodes)), GENERIC)
    assert isinstance(result, Reject) and "FuelCast" in result.detail


def test_an_article_under_a_question_headline_with_its_dateline_below_a_summary_is_kept() -> None:
    text = "\n".join(
        [
            "Will Moscow Give Dushanbe More Fuel?",
            _PROSE[1],
            "Prague, 12 April 2005 (RFE/RL) -- " + _PROSE[0],
            *_PROSE[2:],
            _PROSE[3][::-1].capitalize() + ".",
        ]
    )
    [article] = extract_text(RawDocument("q.txt", "text", text), SITES["rferl"])
    assert article.title == "Will Moscow Give Dushanbe More Fuel?" and article.published_date == dt.date(
        2005, 4, 12
    )


def test_a_long_sentence_of_a_language_with_few_function_words_is_prose() -> None:
    from pipeline.extraction import classifier as paragraphs

    kyrgyz = (
        "Кыргызстандын президенти Садыр Жапаров Москвада Орусиянын президенти Владимир Путин менен"
        " жолугуп, эмгек мигранттарынын укуктарын жана акча которууларын талкуулады."
    )
    assert paragraphs.classify(kyrgyz).good
    assert not paragraphs.classify("Жапаров Москвада Путин менен мигранттардын укугун талкуулады").good


def test_a_byline_glued_to_its_teaser_or_lead_is_the_author_and_leaves_the_text() -> None:
    teasers = "\n".join(
        [
            "Latest Articles",
            "Fuel Talks Resume",
            "By Daniel Harlow" + _PROSE[0] + " MORE",
            "Quota Dispute Drags On",
            "By Irina Sokolova" + _PROSE[1] + " MORE",
        ]
    )
    got = extract_text(RawDocument("l.txt", "text", teasers), SITES["jamestown"])
    assert [(t.title, t.authors, t.body[:20]) for t in got] == [
        ("Fuel Talks Resume", ["Daniel Harlow"], _PROSE[0][:20]),
        ("Quota Dispute Drags On", ["Irina Sokolova"], _PROSE[1][:20]),
    ]
    [article] = extract_text(
        RawDocument(
            "a.txt", "text", "\n".join(["Fuel Talks Resume", "By Anora Karimova" + _PROSE[0], *_PROSE[1:]])
        ),
        GENERIC,
    )
    assert article.authors == ["Anora Karimova"] and article.body.startswith(_PROSE[0])


def test_a_one_word_block_label_is_never_a_teasers_headline() -> None:
    text = "\n".join(
        ["Latest Articles", "Briefs", _PROSE[0] + " MORE", "Fuel Talks Resume", _PROSE[1] + " MORE"]
    )
    got = extract_text(RawDocument("l.txt", "text", text), SITES["jamestown"])
    assert [t.title for t in got] == ["Fuel Talks Resume"]


def test_section_labels_printed_into_the_lead_are_not_body() -> None:
    lead = "Власти Таджикистана заявили, что переговоры с Москвой возобновятся в следующем месяце."
    rest = [
        "Стороны уже год спорят об условиях соглашения и о том, кто будет за него платить в будущем году."
    ] * 1
    text = "\n".join(
        [
            "НОВОСТИ / АНАЛИТИКА. " + lead,
            *rest,
            "Эксперты не ждут перемен до конца года, когда истекает срок договора.",
        ]
    )
    [article] = extract_text(RawDocument("r.txt", "text", text), GENERIC)
    assert article.body.startswith("Власти Таджикистана")


def test_an_archive_heading_makes_a_front_and_an_archive_photo_caption_is_chrome() -> None:
    text = "\n".join(["Qishloq Ovozi (Archive)", "Fuel Talks Resume", *_PROSE])
    result = extract_text(RawDocument("a.txt", "text", text), SITES["rferl"])
    assert isinstance(result, Reject) and "Archive" in result.detail
    caption = "Министр труда Таджикистана Фаррух Назарзода. Архивное фото"
    body = [
        "Власти Таджикистана заявили, что переговоры с Москвой о квотах возобновятся в следующем месяце.",
        caption,
        "Стороны уже год спорят об условиях соглашения и о том, кто будет за него платить в будущем году.",
        "Эксперты не ждут перемен до конца года, когда истекает срок действующего договора о мигрантах.",
    ]
    [article] = extract_text(
        RawDocument("r.txt", "text", "\n".join(["Переговоры о квотах", *body])), SITES["rferl"]
    )
    assert caption not in article.body


@pytest.mark.parametrize(
    ("question", "speaker", "language"),
    [("Q", "Karimov", "en"), ("Вопрос", "Каримов", "ru"), ("Суол", "Каримов", "tg")],
)
def test_an_interview_whose_questions_carry_a_label_is_an_article_not_a_series(
    question: str, speaker: str, language: str
) -> None:
    """Labelled questions, each answered by the next line under the speaker's label, are an
    interview's turns; a series' labelled headlines are followed by unlabelled teasers (above)."""
    answers = [_PROSE[0], _PROSE[1], _PROSE[2]]
    turns = ["Migrant workers without contracts: a lawyer explains", _PROSE[3]]
    for n, answer in enumerate(answers):
        turns += [
            f"{question}: Why do so many workers go without a contract, case {n}?",
            f"{speaker}: {answer}",
        ]
    [article] = extract_text(RawDocument("i.txt", "text", "\n".join(turns)), GENERIC)
    assert article.title == "Migrant workers without contracts: a lawyer explains"
    assert all(f"{speaker}: {answer}" in article.body for answer in answers)
    assert article.body.count(f"{question}: ") == 3
    # Three labelled questions with one-word answers are not an exchange of prose: still a series.
    short = []
    for n, p in enumerate(_PROSE[:3]):
        short += [f"FuelCast: episode {n} on diesel quotas", f"Host: {p.split()[0]}", p]
    result = extract_text(RawDocument("s.txt", "text", "\n".join(short)), GENERIC)
    assert isinstance(result, Reject) and "FuelCast" in result.detail


@pytest.mark.parametrize("program", ["Terrorism Monitor", "China Brief", "North Caucasus Weekly"])
def test_every_jamestown_program_listing_is_a_listing_of_jamestown_teasers(program: str) -> None:
    """'Latest <program> Articles' heads each program's listing, not only the Monitor's."""
    lines = [f"Latest {program} Articles", ""]
    for n, p in enumerate(_PROSE[:3]):
        lines += [f"Moscow and Dushanbe Revisit Border Deal, Part {n + 1}", "", p + " ... MORE", ""]
    text = "\n".join(lines)
    assert detect(None, text).key == "jamestown"
    teasers = extract_text(RawDocument("l.txt", "text", text), detect(None, text))
    assert isinstance(teasers, list) and len(teasers) == 3
    assert all(t.is_teaser and t.source == "jamestown" and "MORE" not in t.body for t in teasers)
    assert [t.title for t in teasers] == [
        f"Moscow and Dushanbe Revisit Border Deal, Part {n}" for n in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        (
            "ARMED GROUPS MASS ON THE PANJ  Dilshod Rahimov  Border guards said on Monday that",
            ["ARMED GROUPS MASS ON THE PANJ", "By Dilshod Rahimov", "Border guards said on Monday that"],
        ),
        (
            "MOSCOW AND DUSHANBE SWAP LISTS OF FIGHTERS Security chiefs signed a protocol",
            ["MOSCOW AND DUSHANBE SWAP LISTS OF FIGHTERS", "Security chiefs signed a protocol"],
        ),
        (
            "PROSECUTOR NAMES “FINANCIERS” IN MOSCOW A court in Dushanbe heard",
            ["PROSECUTOR NAMES “FINANCIERS” IN MOSCOW", "A court in Dushanbe heard"],
        ),
        (
            "ГРАНИЦА НА ПЯНДЖЕ СНОВА ЗАКРЫТА Пограничники сообщили",
            ["ГРАНИЦА НА ПЯНДЖЕ СНОВА ЗАКРЫТА", "Пограничники сообщили"],
        ),
        # Capitals and small letters of any script, not a list of alphabets.
        (
            "ШЕКАРАДАҒЫ ҰЗАҚ КЕЗЕК ТАҒЫ ДА ҰЗАРДЫ ұзақ кезек бар",
            ["ШЕКАРАДАҒЫ ҰЗАҚ КЕЗЕК ТАҒЫ ДА ҰЗАРДЫ", "ұзақ кезек бар"],
        ),
        # Not a capitals headline: a dateline, a run-in head (a full stop), title case; two spaces
        # before something that is not a name.
        ("DUSHANBE -- Officials said on Monday", None),
        ("WEEK AT A GLANCE. Officials said", None),
        ("Russia’s Migrant Raids and Tajik Workers", None),
        (
            "ARMED GROUPS MASS ON THE PANJ  Read more  Border guards said",
            ["ARMED GROUPS MASS ON THE PANJ", "Read more  Border guards said"],
        ),
        # A title-case headline set off by two spaces, its author's name, then the text.
        (
            "Militants Pledge Loyalty to a New Emir  Davlat Nazarov Since the death of their commander",
            [
                "Militants Pledge Loyalty to a New Emir",
                "By Davlat Nazarov",
                "Since the death of their commander",
            ],
        ),
        # The same with single spaces, or with no name after the two spaces: left whole.
        ("Militants Pledge Loyalty to a New Emir Davlat Nazarov Since the death", None),
        ("Militants Pledge Loyalty to a New Emir  since the death of their commander", None),
    ],
)
def test_a_headline_in_capitals_run_into_its_teaser_is_split_from_it(
    raw: str, parts: list[str] | None
) -> None:
    from pipeline.extraction.listings import split_capitals_headline

    assert split_capitals_headline(raw) == (parts or [raw])


def test_a_program_listing_of_briefs_gives_each_its_capitals_title_and_author() -> None:
    """A brief is one line: its headline in capitals, its author (two spaces apart), its teaser."""
    lines = ["Latest Terrorism Monitor Articles", "", ""]
    lines.append(f"ARMED GROUPS MASS ON THE PANJ  Dilshod Rahimov  {_PROSE[0]} {_PROSE[1]}... MORE")
    lines += ["", f"MOSCOW AND DUSHANBE SWAP LISTS OF FIGHTERS {_PROSE[2]} {_PROSE[3]}... MORE", ""]
    text = "\n".join(lines)
    teasers = extract_text(RawDocument("b.txt", "text", text), detect(None, text))
    assert [(t.title, t.authors, t.is_teaser) for t in teasers] == [
        ("ARMED GROUPS MASS ON THE PANJ", ["Dilshod Rahimov"], True),
        ("MOSCOW AND DUSHANBE SWAP LISTS OF FIGHTERS", [], True),
    ]
    assert teasers[0].body.startswith(_PROSE[0]) and "MORE" not in teasers[0].body
    assert teasers[1].body.startswith(_PROSE[2])


@pytest.mark.parametrize(
    ("line", "is_date_line"),
    [
        ("Central Asia Report: March 3, 2006", False),  # a newsletter issue's title
        ("Tajik Service Weekly: 3 March 2006", False),
        ("Last updated: March 3, 2006", True),
        ("Published: March 3, 2006", True),
        ("Date Published: 3 March 2006", True),
        ("March 3, 2006, Volume 6, Number 9", True),
        ("Dushanbe, March 3, 2006", True),
    ],
)
def test_a_newsletter_name_before_a_date_is_a_title_not_a_date_line(line: str, is_date_line: bool) -> None:
    from pipeline.extraction.dump_lines import looks_like_date_line

    assert looks_like_date_line(line) is is_date_line


def test_a_newsletter_issue_page_gets_its_title_and_the_date_of_its_issue_line() -> None:
    text = "\n".join(
        [
            "Accessibility links",
            "Breaking News",
            "Central Asia Report: March 3, 2006",
            "",
            "March 3, 2006, Volume 6, Number 9",
            "",
            *_PROSE,
        ]
    )
    [article] = extract_text(RawDocument("r.txt", "text", text), SITES["rferl"])
    assert article.title == "Central Asia Report: March 3, 2006"
    assert article.published_date == dt.date(2006, 3, 3)
    assert article.body.startswith(_PROSE[0]) and "Volume 6" not in article.body


def test_a_teaser_opening_with_its_byline_or_its_headline_again_gives_the_author_and_the_text() -> None:
    """Listing teasers that open "By First Last <text>" (the name, then the text's first capital),
    or with their own headline again (glued to the text or not): the author, and the text alone."""
    lines = ["Latest China Brief Articles"]
    lines += [
        "BORDER POSTS CHANGE HANDS IN THE PAMIRS",
        f"By Nodira Safarova {_PROSE[0]} {_PROSE[1]}... MORE",
    ]
    lines += ["Road Money from Beijing", f"Road Money from Beijing{_PROSE[2]} {_PROSE[3]}... MORE"]
    lines += ["Traders Move to Kashgar", f"Traders Move to Kashgar {_PROSE[1]} {_PROSE[0]}... MORE"]
    text = "\n".join(lines)
    teasers = extract_text(RawDocument("c.txt", "text", text), detect(None, text))
    assert [(t.title, t.authors) for t in teasers] == [
        ("BORDER POSTS CHANGE HANDS IN THE PAMIRS", ["Nodira Safarova"]),
        ("Road Money from Beijing", []),
        ("Traders Move to Kashgar", []),
    ]
    assert [t.body.split(".")[0] + "." for t in teasers] == [_PROSE[0], _PROSE[2], _PROSE[1]]
    # "By" and a capitalised phrase before a small word is a sentence, not a byline.
    lines[2] = f"By Monday Russian officials had left the posts. {_PROSE[1]}... MORE"
    text = "\n".join(lines)
    [first, *_] = extract_text(RawDocument("c.txt", "text", text), detect(None, text))
    assert first.authors == [] and first.body.startswith("By Monday Russian officials")
