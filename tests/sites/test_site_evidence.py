"""Whose page is a dump that names no outlet: decided by evidence (pipeline.sites.detect).

Main-content dumps keep only the headline and the text: no chrome, no footer, no marker. The
outlet is then told by how it writes (its headline convention, citation style, bylines, date
line), by lines only its template has, and by a language only it publishes in; pages of other
outlets, and pages where two sites' evidence ties, stay 'other'. The texts are written here on the
layouts recorded in docs/research/.
"""

from __future__ import annotations

import pytest

from pipeline.sites import detect

_BODY_EN = (
    "Officials in Dushanbe said on Tuesday that the talks with Moscow would resume next month.\n"
    "The two governments have argued for a year over the terms of the agreement and its cost.\n"
    "Analysts expect little change before the end of the year, when the current deal expires.\n"
)
_BODY_RU = (
    "Власти Таджикистана заявили, что переговоры с Москвой возобновятся в следующем месяце.\n"
    "Стороны уже год спорят об условиях соглашения и о том, кто будет за него платить.\n"
    "Эксперты не ждут перемен до конца года, когда истекает срок действующего договора.\n"
)


@pytest.mark.parametrize(
    ("text", "site"),
    [
        # Eurasianet's headline convention, English and Russian.
        ("Tajikistan: Migrants brace for new exam rules\n" + _BODY_EN, "eurasianet"),
        ("Таджикистан: мигранты готовятся к новым экзаменам\n" + _BODY_RU, "eurasianet"),
        # Eurasianet's Drupal-6 byline and its 2000s "by Name MM/DD/YY".
        ("Moscow Seeks Airfield\n\nMarch 3, 2011 - 10:15am, by Anora Karimova\n\n" + _BODY_EN, "eurasianet"),
        ("Moscow Seeks Airfield\n\nby Anora Karimova 03/03/05\n\n" + _BODY_EN, "eurasianet"),
        # Eurasianet's blogs quote wire copy announced at the end of a paragraph.
        (
            "Drills Near the Border\n" + _BODY_EN + "The scenario was telling. From Interfax:\n" + _BODY_EN,
            "eurasianet",
        ),
        # EDM's bracketed citations.
        ("Bargains Over the Base\n" + _BODY_EN + "Moscow denied it (Interfax, May 4).\n", "jamestown"),
        # Pangea's visible date line, and an RFE/RL reporter quoted.
        ("Migrants Face New Rules\nMay 12, 2021 09:14 GMT\n" + _BODY_EN, "rferl"),
        ("Migrants Face New Rules\n" + _BODY_EN + "A migrant told RFE/RL he would not go back.\n", "rferl"),
        # Tajik: of the three outlets, only RFE/RL's Radio Ozodi publishes in it (when the page shows
        # no chrome of another outlet: see the next test).
        (
            "Гуфтушунид дар Маскав\n"
            "Мақомоти Тоҷикистон рӯзи сешанбе гуфтанд, ки гуфтушунид бо Маскав моҳи оянда идома меёбад.\n"
            "Ҳарду ҳукумат як сол боз дар бораи шартҳои созишнома баҳс доранд.\n",
            "rferl",
        ),
    ],
)
def test_a_dump_naming_no_outlet_goes_to_the_outlet_its_evidence_shows(text: str, site: str) -> None:
    assert detect(None, text).key == site


@pytest.mark.parametrize(
    "text",
    [
        # Another outlet's page: Title Case headline, share chrome, an agency dateline.
        "Migrants Face New Rules In Moscow\nShare\nPrint\n" + _BODY_EN,
        "Мигранты столкнулись с новыми правилами\nМосква, 3 марта - РИА Новости.\n" + _BODY_RU,
        # An English headline with a country prefix but in Title Case (RFE/RL 2004, many others).
        "Tajikistan: Talks With Moscow To Resume Next Month\n" + _BODY_EN,
        # Evidence of two sites in equal measure: nobody's.
        "Tajikistan: Migrants brace for new exam rules\nMay 12, 2021 09:14 GMT\n" + _BODY_EN,
        # No evidence at all.
        "Talks resume\n" + _BODY_EN,
    ],
)
def test_a_dump_without_evidence_or_with_tied_evidence_stays_other(text: str) -> None:
    assert detect(None, text).key == "other"


def test_a_tajik_page_with_another_outlets_chrome_is_not_taken_for_radio_ozodi() -> None:
    """A full page of Radio Ozodi shows its own chrome; menus and a footer that none of the known
    sites has are another outlet's, and the language is then no evidence."""
    text = (
        "Саҳифаи асосӣ\nАхбор\nСиёсат\nИқтисод\nГуфтушунид дар Маскав\n"
        "Мақомоти Тоҷикистон рӯзи сешанбе гуфтанд, ки гуфтушунид бо Маскав моҳи оянда идома меёбад.\n"
        "© 2023 Ҳамаи ҳуқуқҳо ҳифз шудаанд.\n"
    )
    assert detect(None, text).key == "other"


def test_a_marker_still_outweighs_evidence() -> None:
    """A page that names its outlet is that outlet's, whatever style its headline has."""
    text = "Tajikistan: Migrants brace for new exam rules\n" + _BODY_EN + "Copyright (c) 2021. RFE/RL, Inc.\n"
    text += "RFE/RL's Tajik Service contributed to this report.\n"
    assert detect(None, text).key == "rferl"


def test_a_language_of_rferls_other_services_alone_is_no_evidence() -> None:
    """Persian is RFE/RL's (Radio Farda) among the known sites, but many outlets write it."""
    text = (
        "گفت‌وگوهای تاجیکستان و روسیه\n"
        "مقام‌های تاجیکستان روز سه‌شنبه گفتند که گفت‌وگوها با مسکو درباره سهمیه سوخت ماه آینده ادامه می‌یابد.\n"
        "دو دولت یک سال است که بر سر شرایط این توافق اختلاف دارند و هنوز به نتیجه نرسیده‌اند.\n"
    )
    assert detect(None, text).key == "other"
