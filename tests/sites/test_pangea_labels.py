"""RFE/RL's other language services are read from tables of labels (pipeline/sites/pangea_labels.py):
each table becomes a rule set of the RFE/RL site, its hosts date and label pages, its markers name
the outlet in a dump with no address."""

from __future__ import annotations

import pytest

from pipeline.sites import SITES, detect, pangea_labels
from pipeline.sites.pangea_labels import SERVICES, ServiceLabels, clock_pattern, text_rules
from pipeline.text.normalise import normalize_line

RFERL = SITES["rferl"]


def _dropped(line: str) -> bool:
    return any(p.search(normalize_line(line)) for p in RFERL.text.drop_lines)


@pytest.mark.parametrize("labels", SERVICES, ids=lambda s: s.language)
def test_every_label_of_every_service_is_chrome_of_the_site(labels):
    assert labels.language in RFERL.languages
    assert labels.name in {r.name for r in RFERL.rule_sets}
    for label in labels.labels:
        assert _dropped(label), label
    for label in labels.tail_starts:
        assert any(p.search(normalize_line(label + " (3)")) for p in RFERL.text.tail_start), label


# The header clocks as the services print them [docs/research/rferl-other-services.md].
CLOCKS = {
    "ky": "23-Ноябрь, 2024-жыл, ишемби, Бишкек убактысы 22:48",
    "uz": "30 ноябр 2024, Тошкент вақти: 17:39",
    "fa": "چهارشنبه ۹ فروردین ۱۴۰۲ تهران ۱۶:۵۹",
}


@pytest.mark.parametrize("language", sorted(CLOCKS))
def test_the_header_clock_is_chrome_but_a_sentence_with_the_time_is_not(language):
    assert _dropped(CLOCKS[language])
    sentence = "Жолугушуу 12-Март, 2025-жылы башталып, Бишкек убактысы 10:00 чейин уланды деп билдирди"
    assert not _dropped(sentence + " министрлик, анын маалымат кызматы жана катышуучулары")


def test_a_clock_needs_a_month_a_year_and_the_time():
    kyrgyz = clock_pattern(pangea_labels.KYRGYZ)
    assert kyrgyz is not None
    assert not kyrgyz.search("Бишкек убактысы 22:48")
    assert not kyrgyz.search("23-Ноябрь, ишемби, Бишкек убактысы 22:48")
    assert clock_pattern(pangea_labels.TURKMEN) is None  # no clock seen on Turkmen pages


def test_a_new_service_is_one_more_table():
    """Adding a language is adding data: a table gives its rule set with no other code."""
    armenian = ServiceLabels(
        name="rferl-hy",
        language="hy",
        since="2010-01-01",
        labels=("Հղումներ",),
        tail_starts=("Մեկնաբանություններ",),
        months=("նոյեմբերի",),
        clock_label="Երևանի ժամանակով",
    )
    rules = text_rules(armenian)
    assert (rules.name, rules.language, rules.since) == ("rferl-hy", "hy", "2010-01-01")
    assert any(p.search("Հղումներ") for p in rules.drop_lines)
    assert any(p.search("23 նոյեմբերի 2024, Երևանի ժամանակով 22:48") for p in rules.drop_lines)
    assert any(p.search("Մեկնաբանություններ (4)") for p in rules.tail_start)
    assert not any(p.search("Հղումներ և աղբյուրներ հոդվածի վերջում") for p in rules.drop_lines)


@pytest.mark.parametrize(
    ("url", "zone", "language"),
    [
        ("https://www.azattyk.org/a/25062818.html", "Asia/Bishkek", "ky"),
        ("https://www.ozodlik.org/a/31726640.html", "Asia/Tashkent", "uz"),
        ("https://www.azathabar.com/a/31457970.html", "Asia/Ashgabat", "tk"),
        ("https://www.radiofarda.com/a/330136.html", "Asia/Tehran", "fa"),
        ("https://da.azadiradio.com/a/1.html", "Asia/Kabul", "fa"),
    ],
)
def test_service_hosts_are_rferl_dated_in_their_zone(url, zone, language):
    assert detect(url, "").key == "rferl"
    assert RFERL.timezone_for(url) == zone
    host = url.split("/")[2]
    assert RFERL.host_languages[host] == language


def test_the_older_host_entries_still_win():
    """The tables add hosts; the site's own entries (rus.azattyq.org is Russian) stay as they were."""
    assert RFERL.host_languages["rus.azattyq.org"] == "ru"
    assert RFERL.timezone_for("https://www.ozodi.org/a/1.html") == "Asia/Dushanbe"


def test_a_dump_with_a_service_s_chrome_and_no_address_is_rferl():
    text = "Sepleriň elýeterliligi\n\nSoňky habar\n\nTürkmen migrantlary\n\nBir setir.\n"
    assert detect(None, text).key == "rferl"
