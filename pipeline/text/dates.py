"""Publication dates read from the strings the three outlets print, in English, Russian and Tajik.

The corpus is used to put Tajik-Russian events in order, so a wrong date is worse than a missing
one: every function here returns None when the string does not prove a date, and never a date
in the future, before `earliest`, or one that does not exist. Pure functions, no I/O; `now` is a
parameter so that results do not depend on the day the pipeline runs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

PRECISIONS = ("day", "month", "year")
SOURCES = ("json-ld", "meta", "time element", "byline", "dateline", "url", "volume-issue", "text")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    published_at: dt.datetime | None  # tz-aware UTC, only when a time of day AND its zone are known
    published_date: dt.date | None  # the calendar day the outlet printed, in its own zone
    precision: str  # one of PRECISIONS
    source: str  # one of SOURCES


# English, Russian (nominative, genitive, abbreviated) and Tajik (with and without the izofat "и").
_MONTH_WORDS = {
    1: "january jan январь января янв январ январи",
    2: "february feb февраль февраля фев феврал феврали",
    3: "march mar март марта мар марти",
    4: "april apr апрель апреля апр апрел апрели",
    5: "may май мая майи",
    6: "june jun июнь июня июн июни",
    7: "july jul июль июля июл июли",
    8: "august aug август августа авг августи",
    9: "september sept sep сентябрь сентября сент сен сентябр сентябри",
    10: "october oct октябрь октября окт октябр октябри",
    11: "november nov ноябрь ноября ноя ноябр ноябри",
    12: "december dec декабрь декабря дек декабр декабри",
}
_MONTHS = {word: number for number, words in _MONTH_WORDS.items() for word in words.split()}
# Longest first, so that "апрели" is not read as "апрел" followed by a stray letter.
_MONTH = r"(?<!\w)(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?!\w)\.?"
_ORD = r"(?:st|nd|rd|th)?"  # 15th April, April 15th
_YEAR_TAIL = r"(?:\s+соли)?\s+(?P<y>\d{4})(?!\d)(?:\s*(?:года|г\.?)(?!\w))?"  # Tajik "соли", Russian "г."

_DAY_PATTERNS = (
    # ISO 8601 and 2013/04/15: a four-digit year first is always year-month-day.
    re.compile(r"(?<![\d/.-])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"),
    # 12 April 2005, Mon, 15 Apr 2013 (RFC 2822), 3 февраля 2009 г., 12 апрели соли 2023
    re.compile(rf"(?<!\d)(?P<d>\d{{1,2}}){_ORD}\.?\s+(?:of\s+)?{_MONTH},?{_YEAR_TAIL}", re.I),
    # April 15, 2013 and Sept. 3, 2012
    re.compile(rf"{_MONTH}\s*(?P<d>\d{{1,2}})(?!\d){_ORD},?\s+(?P<y>\d{{4}})(?!\d)", re.I),
    # 15.04.2013: day-first is the only dotted order in Russian and Tajik use.
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)"),
    # 13/04/2005: day-first or month-first; read only when one order is impossible (see _ymd).
    re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"),
)
_SHORT_YEAR = re.compile(r"(?<![\d/.-])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<yy>\d{2})(?![\d/])")
_MONTH_YEAR = re.compile(rf"{_MONTH},?{_YEAR_TAIL}", re.I)
_BARE_YEAR = re.compile(r"\s*(?P<y>\d{4})\s*")
_COPYRIGHT = re.compile(r"(?:(?:copyright|©|\(c\)|&copy;)\s*)+(?:\d{4}\s*[-–]\s*)?\d{4}", re.I)

_ZONE_NAMES = "Z|UTC|GMT|UT|EST|EDT|ET|CST|CDT|MST|MDT|PST|PDT|MSK|TJT"
_TIME = re.compile(
    r"(?:T|\s*(?:[,|·•@–—-]|at\b|в\b)?\s*)"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?"
    rf"\s*(?P<zone>(?-i:{_ZONE_NAMES}))?(?![a-z])"  # upper case only: "et al." is not Eastern Time
    r"\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?)?(?!\d)",
    re.I,
)
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?")


def _fixed(hours: int) -> dt.tzinfo:
    return dt.timezone(dt.timedelta(hours=hours))


# RFC 2822's North American names, US Eastern "ET", and the zones the sources write about. ET and
# Moscow are ZoneInfo: ET follows DST, and Moscow's offset changed (+4 in 2011-2014, +3 since).
_ZONES: dict[str, dt.tzinfo] = {
    "Z": dt.UTC, "UTC": dt.UTC, "GMT": dt.UTC, "UT": dt.UTC,
    "EST": _fixed(-5), "EDT": _fixed(-4), "ET": ZoneInfo("America/New_York"),
    "CST": _fixed(-6), "CDT": _fixed(-5), "MST": _fixed(-7), "MDT": _fixed(-6),
    "PST": _fixed(-8), "PDT": _fixed(-7),
    "MSK": ZoneInfo("Europe/Moscow"), "TJT": _fixed(5),
}  # fmt: skip

_URL_DAY = re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<sep>[/-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?=[/._-]|$)")
_URL_MONTH = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})(?=/|$)")

_RANGE = r"(?:\s*[-–—]\s*\d{1,2}(?!\d))?"  # "June 11-15": the first day is the one kept
_OWN_YEAR = r"(?:,?\s+(?P<y>\d{4})(?!\d))?"
_MENTIONS = (
    re.compile(rf"{_MONTH}\s*(?P<d>\d{{1,2}})(?!\d){_ORD}{_RANGE}{_OWN_YEAR}", re.I),
    re.compile(rf"(?<![\d.,:])(?P<d>\d{{1,2}}){_ORD}{_RANGE}\s+(?:of\s+)?{_MONTH}{_OWN_YEAR}", re.I),
)


def _utc_now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    return now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)


def _plausible(day: dt.date, now: dt.datetime, earliest: dt.date) -> bool:
    """The day a source may state: the +1 day lets a Dushanbe page be dated ahead of UTC."""
    return earliest <= day <= (now + dt.timedelta(days=1)).date()


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 31 February, month 13: the string is not a date, not a near miss
        return None


def _ymd(match: re.Match[str]) -> tuple[int, int, int] | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if groups.get("mon"):
        return year, _MONTHS[groups["mon"].casefold()], int(groups["d"])
    if groups.get("a"):
        first, second = int(groups["a"]), int(groups["b"])
        if first > 12 >= second or first == second:
            return year, second, first
        if second > 12 >= first:
            return year, first, second
        return None  # 03/04/2005 is March 4 in New York and 3 April in Moscow
    return year, int(groups["m"]), int(groups["d"])


def _clock(match: re.Match[str]) -> dt.time | None:
    hour, minute = int(match["h"]), int(match["mi"])
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0")[:6].ljust(6, "0"))  # 7-digit .NET fractions lose the last digit
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    try:
        return dt.time(hour, minute, second, micro)
    except ValueError:
        return None


def _zone(match: re.Match[str]) -> dt.tzinfo | None:
    if match["off"]:
        sign, hours, minutes = _OFFSET.fullmatch(match["off"]).groups()  # type: ignore[union-attr]
        if int(hours) > 14 or int(minutes or 0) > 59:
            return None
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-delta if sign == "-" else delta)
    return _ZONES[match["zone"].upper()] if match["zone"] else None


def _when(text: str, pos: int, day: dt.date, tz: str | None) -> tuple[dt.datetime | None, dt.date] | None:
    """(UTC instant or None, the outlet's calendar day) for a date at text[:pos] and what follows.

    The day is the one the outlet printed, in its own zone: a Dushanbe page at 02:00 local is
    dated that day, not the UTC day before. A time written with its offset keeps the written
    day; a time in UTC is moved into the outlet's zone `tz` when it is known. A time of exactly
    midnight with an offset is how CMSs write a bare date: a date, not an instant. None when the
    clock is impossible.
    """
    found = _TIME.match(text, pos)
    if not found:
        return None, day
    clock = _clock(found)
    if clock is None:
        return None
    zone = _zone(found)
    if zone is not None:
        if clock == dt.time(0, 0) and not found["f"]:
            return None, day
        moment = dt.datetime.combine(day, clock, zone)
        offset = moment.utcoffset()
        if tz and offset is not None and not offset:
            day = moment.astimezone(ZoneInfo(tz)).date()
        return moment.astimezone(dt.UTC), day
    if tz:  # a local time of an outlet whose zone is known
        return dt.datetime.combine(day, clock, ZoneInfo(tz)).astimezone(dt.UTC), day
    return None, day


def parse_date(
    value: str | None,
    source: str,
    *,
    tz: str | None = None,
    now: dt.datetime | None = None,
    earliest: dt.date = dt.date(1990, 1, 1),
) -> ParsedDate | None:
    """Read one date string as found in a page; None unless the string proves the date.

    The first full date in the string decides: if it is impossible or ambiguous the answer is
    None, not a fallback to a vaguer reading of the same string. A month and year are read only
    when no full date is present, and a bare year only from a URL or volume number, since in
    running text a lone year is far more often a copyright line or an event than a dateline.
    `tz` is the outlet's own zone: a time of day without a zone of its own is read in it, and
    the published date of a UTC timestamp is its calendar day there (see _when).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown date source {source!r}; expected one of {SOURCES}")
    if not value or not value.strip():
        return None
    text = _COPYRIGHT.sub(" ", " ".join(value.split()))
    now_utc = _utc_now(now)

    matches = [found for pattern in _DAY_PATTERNS if (found := pattern.search(text))]
    if matches:
        first = min(matches, key=lambda found: (found.start(), -found.end()))
        parts = _ymd(first)
        day = _make_date(*parts) if parts else None
        if day is None:
            return None
        when = _when(text, first.end(), day, tz)
        if when is None:
            return None
        moment, day = when
        if moment is not None and moment > now_utc + dt.timedelta(days=1):
            return None
        return ParsedDate(moment, day, "day", source) if _plausible(day, now_utc, earliest) else None

    if source == "byline" and (found := _SHORT_YEAR.search(text)):
        # "by Jane Doe 10/28/04": old bylines wrote two-digit years (90-99 are the 1990s).
        first, second, short = int(found["a"]), int(found["b"]), int(found["yy"])
        year = 1900 + short if short >= 90 else 2000 + short
        order = (second, first) if first > 12 >= second else (first, second) if second > 12 >= first else None
        day = _make_date(year, *order) if order else None
        if day is not None and _plausible(day, now_utc, earliest):
            return ParsedDate(None, day, "day", source)
        return None

    if found := _MONTH_YEAR.search(text):
        day = _make_date(int(found["y"]), _MONTHS[found["mon"].casefold()], 1)
        return ParsedDate(None, day, "month", source) if day and _plausible(day, now_utc, earliest) else None

    if source in ("url", "volume-issue") and (found := _BARE_YEAR.fullmatch(text)):
        day = _make_date(int(found["y"]), 1, 1)
        return ParsedDate(None, day, "year", source) if day and _plausible(day, now_utc, earliest) else None
    return None


def date_from_url(url: str | None, *, now: dt.datetime | None = None) -> ParsedDate | None:
    """A date from date-shaped path segments only: RFE/RL's /a/33423647.html is an id, not a date."""
    if not url:
        return None
    path = urlsplit(url).path
    now_utc = _utc_now(now)
    if found := _URL_DAY.search(path):
        day = _make_date(int(found["y"]), int(found["m"]), int(found["d"]))
        precision = "day"
    elif found := _URL_MONTH.search(path):
        day = _make_date(int(found["y"]), int(found["m"]), 1)
        precision = "month"
    else:
        return None
    if day is None or not _plausible(day, now_utc, dt.date(1990, 1, 1)):
        return None
    return ParsedDate(None, day, precision, "url")


def date_from_volume_issue(
    volume: int,
    issue: int | None,
    text: str,
    volume_one_year: int,
    *,
    now: dt.datetime | None = None,
) -> ParsedDate | None:
    """Date an Eurasia Daily Monitor item that carries only "Volume 4, Issue 119".

    The volume gives the year. The issue number places the item within it to a few weeks (about
    five issues a week from early January). A news item cites its sources with dates ("(Avesta,
    June 14)"); it went out after the latest of them, so the day after the latest year-less
    citation that is not well past the estimate is the point estimate. Citations of earlier
    articles ("(see EDM, April 17)") are not news of the day and are passed over. The text only
    bounds the day, hence precision "month"; with neither an issue number nor a citation only the
    year is known.
    """
    if volume < 1 or (issue is not None and issue < 1):
        return None
    year = volume_one_year + volume - 1
    if not 1 <= year <= 9998:
        return None
    now_utc, floor = _utc_now(now), dt.date(1990, 1, 1)
    estimate = latest_allowed = None
    if issue is not None:
        estimate = min(dt.date(year, 1, 1) + dt.timedelta(days=(issue - 1) * 7 // 5), dt.date(year, 12, 31))
        latest_allowed = estimate + dt.timedelta(days=21)  # later mentions are announced events

    # Sources cited in brackets ("(Avesta, June 14)") date the news the piece reports; a date in
    # running prose may be an announced event ("elections set for August 30"), so prose dates
    # count only near the estimate and only when the piece cites no source at all. How many
    # issues a year EDM put out varied (about 250 early on, fewer later): a citation weeks past
    # the issue estimate is still the news of the day.
    cited, prose = [], []
    for pattern in _MENTIONS:
        for found in pattern.finditer(text or ""):
            word = found["mon"]
            if word.isascii() and word[0].islower():  # "may 5" is a verb; Monitor prose capitalises months
                continue
            if found["y"] and int(found["y"]) != year:
                continue
            day = _make_date(year, _MONTHS[word.casefold()], int(found["d"]))
            if day is None or not _plausible(day, now_utc, floor):
                continue
            bracket = _bracket_before(text, found.start())
            if bracket is None:
                if latest_allowed is None or day <= latest_allowed:
                    prose.append(day)
            elif not _SEE_EARLIER.search(bracket) and (
                latest_allowed is None or day <= latest_allowed + dt.timedelta(days=120)
            ):
                cited.append(day)
    candidates = cited or prose
    if candidates:
        best = min(max(candidates) + dt.timedelta(days=1), dt.date(year, 12, 31))
        precision = "month"
    elif estimate is not None:
        best, precision = estimate, "month"
    else:
        best, precision = dt.date(year, 1, 1), "year"
    return ParsedDate(None, best, precision, "volume-issue") if _plausible(best, now_utc, floor) else None


_SEE_EARLIER = re.compile(r"\(\s*(?:see|cf\.)\b|\bEDM\b", re.I)


def _bracket_before(text: str, at: int) -> str | None:
    """The text from an open bracket to at, when text[at] stands inside brackets: "(Avesta, "."""
    opening = text.rfind("(", max(0, at - 80), at)
    if opening < 0 or ")" in text[opening:at]:
        return None
    return text[opening:at]
