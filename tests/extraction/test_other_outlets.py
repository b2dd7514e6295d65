"""Pages of outlets we have no rules for: titles without the site's name, people-only authors,
names split right, and a pull-quote rule that leaves repeated list and table lines alone.

Every page and byline here is written for the test.
"""

from __future__ import annotations

import pytest

from pipeline.extraction.authors import clean_authors
from pipeline.extraction.html_article import extract_html
from pipeline.models import Article, RawDocument
from pipeline.sites import GENERIC
from pipeline.text.normalise import drop_repeated_paragraphs

_TEXT = [
    "Officials of the two governments met on Monday to discuss the seasonal migrants and the "
    "long queues at the border crossings that have grown over the last three weeks.",
    "The ministry said in a statement that new consular offices would open in two provincial "
    "towns before the end of the year, and that fees for work permits would not rise.",
    "Independent analysts said the promises had been made before and that the real test would "
    "come in the spring, when hundreds of thousands of workers leave for the season.",
]


def _page(
    *,
    title: str = "",
    og_title: str = "",
    site_name: str = "",
    h1: str = "",
    meta: str = "",
    byline: str = "",
    before: str = "",
    after: str = "",
    paragraphs: list[str] | None = None,
) -> str:
    head = f"<title>{title}</title>" if title else ""
    head += f'<meta property="og:title" content="{og_title}">' if og_title else ""
    head += f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    text = "".join(f"<p>{p}</p>" for p in (paragraphs or _TEXT))
    h1_html = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f"<html><head>{head}{meta}</head><body>{before}<article>{h1_html}{byline}{text}</article>"
        f"{after}</body></html>"
    )


def _article(page: str, url: str = "https://news.example.net/2024/05/talks.html") -> Article:
    result = extract_html(RawDocument("other/page.html", "html", page, url=url), GENERIC)
    assert isinstance(result, list), result
    return result[0]


# --- titles without the site's name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("og_title", "site_name", "url"),
    [
        ("Migrant queues grow at the border | The Daily Example", "The Daily Example", None),
        ("Migrant queues grow at the border - Daily Example", "Daily Example", None),
        ("Daily Example: Migrant queues grow at the border", "Daily Example", None),
        ("Migrant queues grow at the border — Examplenews", "", "https://www.examplenews.org/a/1"),
        ("Migrant queues grow at the border » World » Asia » The Daily Example", "", None),
    ],
)
def test_the_site_name_leaves_the_title_by_evidence(og_title: str, site_name: str, url: str | None) -> None:
    page = _page(og_title=og_title, site_name=site_name)
    article = _article(page, url or "https://news.example.net/2024/05/talks.html")
    assert article.title == "Migrant queues grow at the border"


def test_the_h1_shows_what_the_title_adds_even_without_spaces_around_the_separator() -> None:
    page = _page(title="边境移民排队问题持续-示例新闻网", h1="边境移民排队问题持续")
    assert _article(page).title == "边境移民排队问题持续"


def test_a_title_without_evidence_of_a_site_name_is_kept_whole() -> None:
    page = _page(og_title="Russia - Tajikistan talks resume", site_name="The Daily Example")
    assert _article(page).title == "Russia - Tajikistan talks resume"


# --- authors: people only -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "byline",
    [
        "Reuters",
        "AFP",
        "dpa",
        "AP",
        "Staff writer",
        "Staff",
        "Editorial Board",
        "Daily Example Staff",
        "The Associated Press",
        "Newsroom",
        "Web Desk",
    ],
)
def test_organisations_desks_and_roles_are_never_authors(byline: str) -> None:
    page = _page(og_title="Queues at the border", meta=f'<meta name="author" content="{byline}">')
    assert _article(page).authors == []


def test_the_outlet_named_as_author_by_its_own_copyright_line_is_not_an_author() -> None:
    meta = (
        '<meta name="author" content="Example Wave, Hamburg, Germany">'
        '<meta name="copyright" content="Example Wave, Hamburg, Germany">'
    )
    assert _article(_page(og_title="Queues", meta=meta)).authors == []
    meta = '<meta name="author" content="Example Wave (www.examplewave.com)">'
    meta += '<meta name="publisher" content="© 2024 Example Wave (www.examplewave.com)">'
    assert _article(_page(og_title="Queues", meta=meta)).authors == []


def test_a_json_ld_organisation_author_is_not_an_author_but_a_person_is() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Queues", "author": '
        '[{"@type": "Organization", "name": "Example Wire"}, {"@type": "Person", "name": "Dana A. Ford"}]}'
        "</script>"
    )
    assert _article(_page(og_title="Queues", meta=ld)).authors == ["Dana A. Ford"]


def test_a_labelled_author_field_names_the_author_and_a_related_story_byline_does_not() -> None:
    related = '<div class="related"><p class="author">Author: Other Writer</p></div>'
    field = "<ul><li><strong>Author</strong> Jane Roe</li></ul>"
    assert _article(_page(og_title="Queues", before=related, after=field)).authors == ["Jane Roe"]


def test_a_commenter_is_not_the_author() -> None:
    comment = '<div class="comments"><span class="comment-author">Grumpy Reader</span></div>'
    assert _article(_page(og_title="Queues", after=comment)).authors == []


def test_a_byline_paragraph_at_the_top_names_the_author_and_leaves_the_body() -> None:
    article = _article(_page(og_title="Queues", paragraphs=["Written by: Jane Roe", *_TEXT]))
    assert article.authors == ["Jane Roe"]
    assert article.body.startswith("Officials of the two governments")


# --- names split right ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe, John Roe", ["Jane Doe", "John Roe"]),
        ("By JANE DOE", ["Jane Doe"]),
        ("By JANE DOE and JOHN O'ROE", ["Jane Doe", "John O'Roe"]),
        ("Sandy Andrews", ["Sandy Andrews"]),
        ("Doe, Jane", ["Jane Doe"]),
        ("Jane Doe (jd)", ["Jane Doe"]),
        ("Jane Doe @janedoe", ["Jane Doe"]),
        ("Jane Doe jane.doe@example.com", ["Jane Doe"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe is a reporter based in Almaty.", ["Jane Doe"]),
        ("Jane Doe, Reuters", ["Jane Doe"]),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("Autor/in: Jane Doe", ["Jane Doe"]),
        ("Von Jane Doe", ["Jane Doe"]),
        ("Submitted on Mon, 2019-01-21 13:49", []),
        ("National Desk, Print, on December, at PM, updated", []),
        ("Иван Петров и Мария Иванова", ["Иван Петров", "Мария Иванова"]),
    ],
)
def test_names_split_right(raw: str, names: list[str]) -> None:
    assert clean_authors([raw]) == names


# --- repeated lines: content, unless a sentence is printed twice as a pull quote ----------------


def test_repeated_list_items_and_table_rows_stay() -> None:
    paragraphs = [
        "Ingredients",
        "- Add the flour and stir for two more minutes.",
        "- 2 eggs",
        "Ingredients",
        "- Add the flour and stir for two more minutes.",
        "- 2 eggs",
        "| Pamir | 12 | 9 | 2 | 1 | 29 |",
        "| Pamir | 12 | 9 | 2 | 1 | 29 |",
        "Pamir Khorog 12 9 2 1 29 8 29",
        "Pamir Khorog 12 9 2 1 29 8 29",
    ]
    assert drop_repeated_paragraphs(paragraphs) == paragraphs


def test_a_block_of_repeated_sentences_is_content() -> None:
    steps = [
        "Heat the oil in a large pan over a low flame.",
        "Stir the onions until they are soft and golden.",
    ]
    paragraphs = ["For the soup:", *steps, "For the stew:", *steps]
    assert drop_repeated_paragraphs(paragraphs) == paragraphs


def test_a_pull_quote_is_dropped_and_its_sentence_stays_in_the_text() -> None:
    quote = "We will not leave the border, whatever happens next year."
    paragraphs = [_TEXT[0], quote, _TEXT[1], f"The general said: {quote} Others agreed with him.", _TEXT[2]]
    kept = drop_repeated_paragraphs(paragraphs)
    assert kept == [_TEXT[0], _TEXT[1], paragraphs[3], _TEXT[2]]
    printed_twice = [_TEXT[0], quote, _TEXT[1], quote, _TEXT[2]]
    assert drop_repeated_paragraphs(printed_twice) == [_TEXT[0], _TEXT[1], quote, _TEXT[2]]


def test_the_copyright_line_at_the_end_leaves_the_body_and_a_quoted_sign_in_the_text_stays() -> None:
    notice = "™ & © 2024 Example News Network, Inc. All rights reserved."
    inside = "The court ruled that the © sign on the leaflets proved nothing about who printed them."
    article = _article(_page(og_title="Queues", paragraphs=[*_TEXT, inside, notice]))
    assert article.body.endswith(inside)


def test_trafilaturas_author_guess_is_dropped_when_the_page_shows_it_only_in_comments() -> None:
    # No author fields: trafilatura's guess is the commenter, whom the page shows only in a comment.
    comments = (
        '<div class="sf_comment"><p class="sf_comment_info">'
        '<span class="sf_comment_author">Grumpy Reader</span></p></div>'
    )
    assert _article(_page(og_title="Queues", after=comments)).authors == []
