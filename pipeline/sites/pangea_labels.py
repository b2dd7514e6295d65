"""The chrome of RFE/RL's other language services, as data: one table per language.

Every service runs the same Pangea template, so a text dump of any of them has the same slots
(an accessibility heading, a breaking-news label, a header clock, player fallback lines, a
comments block) and only the words differ (docs/research/rferl-other-services.md, each label with
the pages it was seen on). A new service or era is one more ServiceLabels entry: `rule_sets`
turns each into the TextRules the RFE/RL site merges. Only labels seen on real pages are listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.sites.base import TextRules, exact_line, line_starting
from pipeline.text.normalise import normalize_line


@dataclass(frozen=True)
class ServiceLabels:
    """What one language service prints around its articles, word for word."""

    name: str  # the rule set's name (rferl-<language>)
    language: str  # ISO 639-1
    since: str  # the earliest article date seen re-rendered in this template
    # Whole lines of chrome: skip-link heading, breaking-news and live labels, player lines.
    labels: tuple[str, ...] = ()
    # Lines that begin with these words are chrome ("Teswirleri gör (12)").
    label_starts: tuple[str, ...] = ()
    # The first line of the page tail: a comments block, a programme's call for listeners.
    tail_starts: tuple[str, ...] = ()
    # The header clock ("23-Ноябрь, 2024-жыл, ишемби, Бишкек убактысы 22:48") is the day the
    # page was saved, never the article's: its month names and the words before the time.
    months: tuple[str, ...] = ()
    clock_label: str | None = None
    # Chrome no label describes, as regular expressions (an audio item's length line).
    patterns: tuple[str, ...] = ()
    # Strings only this service's pages print: they tell a dump with no address is RFE/RL's.
    markers: tuple[str, ...] = ()


KYRGYZ = ServiceLabels(
    name="rferl-ky",
    language="ky",
    since="2010-01-01",
    labels=(
        "Линктер",  # accessibility links
        "ЧУКУЛ КАБАР!",  # breaking news
        "Сиздин браузер HTML5 ыкмасын колдобой жатат.",  # AMP video fallback
    ),
    months=(
        "Январь",
        "Февраль",
        "Март",
        "Апрель",
        "Май",
        "Июнь",
        "Июль",
        "Август",
        "Сентябрь",
        "Октябрь",
        "Ноябрь",
        "Декабрь",
    ),
    clock_label="Бишкек убактысы",
    markers=("Бишкек убактысы", "ЧУКУЛ КАБАР!", "«Азаттык", '"Азаттык', "“Азаттык"),
)
UZBEK = ServiceLabels(
    name="rferl-uz",
    language="uz",
    since="2008-01-01",
    labels=(
        "Линклар",  # accessibility links
        "Шошилинч хабар",  # breaking news
        "OzodMikrofon sizga muntazir!",
    ),
    # OzodMikrofon's call for listeners' calls closes every item of the programme.
    tail_starts=("Muhtaram mushtariy,",),
    months=(
        "январ",
        "феврал",
        "март",
        "апрел",
        "май",
        "июн",
        "июл",
        "август",
        "сентябр",
        "октябр",
        "ноябр",
        "декабр",
    ),
    clock_label="Тошкент вақти",
    markers=("Тошкент вақти", "Шошилинч хабар", "OzodMikrofon"),
)
TURKMEN = ServiceLabels(
    name="rferl-tk",
    language="tk",
    since="2010-01-01",
    labels=(
        "Sepleriň elýeterliligi",  # accessibility links
        "Soňky habar",  # breaking news
        "Göni efirde",  # live
        "Ýükle",  # the player's download link
    ),
    # The comments block under the text: "see comments (12)", "this forum is closed", "latest
    # comments" (printed twice).
    tail_starts=("Teswirleri gör", "Şu forum ýapyk", "Iň soňky teswirler"),
    markers=("Sepleriň elýeterliligi", "Azatlyk Radiosy"),
)
PERSIAN = ServiceLabels(
    name="rferl-fa",
    language="fa",
    since="2002-12-01",
    labels=(
        # Accessibility links, as served (with the zero-width non-joiner) and as stored without it.
        "لینک‌های قابلیت دسترسی",
        "لینکهای قابلیت دسترسی",
        "خبر فوری",  # breaking news
    ),
    months=(
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ),
    clock_label="تهران",
    # "(rm) صدا | [ 2:41 mins ]": the desk's initials, "audio" and the length of a radio item.
    patterns=(r"^\s*\([^)]{1,12}\)\s*صدا\s*\|\s*\[\s*\d{1,2}:\d{2}\s*mins\s*\]\s*$",),
    markers=("لینک‌های قابلیت دسترسی", "لینکهای قابلیت دسترسی"),
)
# Tajik lines found since the Tajik rule set was written: its video player's own words ("please
# wait", "not working now") and the 2015 wording of the AMP fallback.
TAJIK_PLAYER = ServiceLabels(
    name="rferl-tg-player",
    language="tg",
    since="2015-01-01",
    labels=("лутфан мунтазир бошед", "Феълан кор намекунад", "Браузери шумо HTML5-ро намешиносад"),
)
SERVICES = (KYRGYZ, UZBEK, TURKMEN, PERSIAN, TAJIK_PLAYER)


@dataclass(frozen=True)
class ServiceHost:
    """A service's host, the language it publishes in and the zone it dates its pages in."""

    host: str
    language: str
    timezone: str


# Hosts of the services (their mobile and CDN mirrors serve the same pages under other names).
# Kazakh and Pashto pages print the English chrome or too little was seen to write a table.
SERVICE_HOSTS = (
    ServiceHost("www.azattyk.org", "ky", "Asia/Bishkek"),
    ServiceHost("rus.azattyk.org", "ru", "Asia/Bishkek"),
    ServiceHost("www.azattyq.org", "kk", "Asia/Almaty"),
    ServiceHost("www.ozodlik.org", "uz", "Asia/Tashkent"),
    ServiceHost("rus.ozodlik.org", "ru", "Asia/Tashkent"),
    ServiceHost("www.azathabar.com", "tk", "Asia/Ashgabat"),
    ServiceHost("rus.azathabar.com", "ru", "Asia/Ashgabat"),
    ServiceHost("www.radiofarda.com", "fa", "Asia/Tehran"),
    ServiceHost("da.azadiradio.com", "fa", "Asia/Kabul"),
    ServiceHost("pa.azadiradio.com", "ps", "Asia/Kabul"),
    ServiceHost("www.mashaalradio.com", "ps", "Asia/Karachi"),
    ServiceHost("www.svoboda.org", "ru", "Europe/Moscow"),
)
HOSTS = tuple(h.host for h in SERVICE_HOSTS)
HOST_LANGUAGES = {h.host: h.language for h in SERVICE_HOSTS}
HOST_TIMEZONES = {h.host: h.timezone for h in SERVICE_HOSTS}
CONTENT_MARKERS = tuple(marker for labels in SERVICES for marker in labels.markers)


def clock_pattern(labels: ServiceLabels) -> re.Pattern[str] | None:
    """The header clock line: a month name and a year, then the clock label and the time."""
    if not labels.clock_label or not labels.months:
        return None
    months = "|".join(re.escape(m) for m in labels.months)
    return re.compile(
        rf"^(?=.{{0,90}}$).*?(?<!\w)(?:{months})(?!\w).*?\d{{4}}.*?"
        rf"{re.escape(labels.clock_label)}:?\s+\d{{1,2}}:\d{{2}}\s*$",
        re.I,
    )


def text_rules(labels: ServiceLabels, shared: tuple[re.Pattern[str], ...] = ()) -> TextRules:
    """The TextRules of one service: its labels as chrome lines, plus the template's own
    language-free chrome (`shared`: the media player's size chooser and timer)."""
    clock = clock_pattern(labels)
    drops = (
        *(exact_line(normalize_line(label)) for label in labels.labels),
        *(line_starting(normalize_line(label)) for label in labels.label_starts),
        *((clock,) if clock else ()),
        *(re.compile(p) for p in labels.patterns),
        *shared,
    )
    return TextRules(
        name=labels.name,
        language=labels.language,
        since=labels.since,
        drop_lines=drops,
        tail_start=tuple(line_starting(normalize_line(label)) for label in labels.tail_starts),
    )


def rule_sets(shared: tuple[re.Pattern[str], ...] = ()) -> tuple[TextRules, ...]:
    """One TextRules per service table, in the order of SERVICES."""
    return tuple(text_rules(labels, shared) for labels in SERVICES)
