"""The date parsers: every format the three outlets print, and every string that must not become a date."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.text.dates import ParsedDate, date_from_url, date_from_volume_issue, parse_date

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


D = dt.date

# (value, source, extra kwargs, expected (published_at, published_date, precision) or None)
CASES = [
    # ISO 8601: offsets to UTC, 0-7 fractional digits, date-only
    ("2019-11-18", "meta", {}, (None, D(2019, 11, 18), "day")),
    ("2019-11-18T09:30:00Z", "json-ld", {}, (at(2019, 11, 18, 9, 30), D(2019, 11, 18), "day")),
    ("2019-11-18T09:30:00+05:00", "meta", {}, (at(2019, 11, 18, 4, 30), D(2019, 11, 18), "day")),
    # the day is the outlet's own: the one written beside its offset, not the UTC day
    ("2019-11-18T02:30:00+05:00", "meta", {}, (at(2019, 11, 17, 21, 30), D(2019, 11, 18), "day")),
    ("2019-11-18T23:30:00-0400", "meta", {}, (at(2019, 11, 19, 3, 30), D(2019, 11, 18), "day")),
    # a UTC timestamp is dated in the outlet's zone when it is known
    (
        "2019-11-17T21:30:00Z",
        "json-ld",
        {"tz": "Asia/Dushanbe"},
        (at(2019, 11, 17, 21, 30), D(2019, 11, 18), "day"),
    ),
    ("2019-11-17T21:30:00Z", "json-ld", {}, (at(2019, 11, 17, 21, 30), D(2019, 11, 17), "day")),
    # a bare date written as midnight with an offset is a date, not an instant
    ("2019-11-18T00:00:00+05:00", "meta", {}, (None, D(2019, 11, 18), "day")),
    ("2019-11-18T00:00:00Z", "json-ld", {"tz": "America/New_York"}, (None, D(2019, 11, 18), "day")),
    ("2019-11-18T00:00:00-05:00", "meta", {}, (None, D(2019, 11, 18), "day")),
    ("2019-11-18T09:30:00+0000", "meta", {}, (at(2019, 11, 18, 9, 30), D(2019, 11, 18), "day")),
    ("2019-11-18T09:30:00.5Z", "json-ld", {}, (at(2019, 11, 18, 9, 30, 0, 500000), D(2019, 11, 18), "day")),
    (
        "2019-11-18T09:30:00.1234567+05:00",
        "json-ld",
        {},
        (at(2019, 11, 18, 4, 30, 0, 123456), D(2019, 11, 18), "day"),
    ),
    ("2024-04-28 07:00:00Z", "json-ld", {}, (at(2024, 4, 28, 7, 0), D(2024, 4, 28), "day")),
    ("2013-04-15T16:12:00", "meta", {}, (None, D(2013, 4, 15), "day")),
    (
        "2013-04-15T16:12:00",
        "meta",
        {"tz": "Asia/Dushanbe"},
        (at(2013, 4, 15, 11, 12), D(2013, 4, 15), "day"),
    ),
    ("2013/04/15", "byline", {}, (None, D(2013, 4, 15), "day")),
    # English text dates
    ("12 April 2005", "byline", {}, (None, D(2005, 4, 12), "day")),
    ("12 Apr 2005", "byline", {}, (None, D(2005, 4, 12), "day")),
    ("Apr 15, 2013", "byline", {}, (None, D(2013, 4, 15), "day")),
    ("April 15, 2013", "byline", {}, (None, D(2013, 4, 15), "day")),
    ("Sept. 3, 2012", "byline", {}, (None, D(2012, 9, 3), "day")),
    ("April 15th, 2013", "byline", {}, (None, D(2013, 4, 15), "day")),
    ("April 15, 2013 04:12 PM", "byline", {}, (None, D(2013, 4, 15), "day")),
    (
        "April 15, 2013 04:12 PM",
        "byline",
        {"tz": "America/New_York"},
        (at(2013, 4, 15, 20, 12), D(2013, 4, 15), "day"),
    ),
    (
        "April 15, 2013 02:30 AM",
        "byline",
        {"tz": "Asia/Dushanbe"},
        (at(2013, 4, 14, 21, 30), D(2013, 4, 15), "day"),
    ),
    ("April 15, 2013 at 4:12 pm ET", "byline", {}, (at(2013, 4, 15, 20, 12), D(2013, 4, 15), "day")),
    ("April 15, 2013 16:12 et al.", "byline", {}, (None, D(2013, 4, 15), "day")),
    ("Jan 10, 2013 11:05 p.m. EST", "byline", {}, (at(2013, 1, 11, 4, 5), D(2013, 1, 10), "day")),
    ("Mon, 15 Apr 2013 16:12:00 +0000", "meta", {}, (at(2013, 4, 15, 16, 12), D(2013, 4, 15), "day")),
    ("Mon, 15 Apr 2013 16:12:00 GMT", "meta", {}, (at(2013, 4, 15, 16, 12), D(2013, 4, 15), "day")),
    # a zone in the string beats the outlet's default zone
    (
        "Mon, 15 Apr 2013 16:12:00 +0000",
        "meta",
        {"tz": "America/New_York"},
        (at(2013, 4, 15, 16, 12), D(2013, 4, 15), "day"),
    ),
    ("Published: April 15, 2013", "byline", {}, (None, D(2013, 4, 15), "day")),
    ("Apr 15, 2013 | 4:12 PM", "byline", {}, (None, D(2013, 4, 15), "day")),
    (
        "Apr 15, 2013 | 4:12 PM",
        "byline",
        {"tz": "America/New_York"},
        (at(2013, 4, 15, 20, 12), D(2013, 4, 15), "day"),
    ),
    ("April 2005", "text", {}, (None, D(2005, 4, 1), "month")),
    ("13/04/2005", "text", {}, (None, D(2005, 4, 13), "day")),
    ("04/04/2005", "text", {}, (None, D(2005, 4, 4), "day")),
    ("15.04.2013", "dateline", {}, (None, D(2013, 4, 15), "day")),
    # Russian
    ("3 февраля 2009", "byline", {}, (None, D(2009, 2, 3), "day")),
    ("3 февраля 2009 г.", "byline", {}, (None, D(2009, 2, 3), "day")),
    ("3 Февраля 2009 года", "byline", {}, (None, D(2009, 2, 3), "day")),
    ("Опубликовано 3 февраля 2009", "byline", {}, (None, D(2009, 2, 3), "day")),
    ("3 февраля 2009 г., 14:25 MSK", "byline", {}, (at(2009, 2, 3, 11, 25), D(2009, 2, 3), "day")),
    ("февраль 2009", "text", {}, (None, D(2009, 2, 1), "month")),
    ("ДЕКАБРЬ 2010 г.", "text", {}, (None, D(2010, 12, 1), "month")),
    # Tajik, with and without the izofat
    ("12 апрели 2023", "byline", {}, (None, D(2023, 4, 12), "day")),
    ("12 апрел 2023", "byline", {}, (None, D(2023, 4, 12), "day")),
    ("12 апрели соли 2023", "byline", {}, (None, D(2023, 4, 12), "day")),
    ("5 январи 2020", "byline", {}, (None, D(2020, 1, 5), "day")),
    ("1 феврал 2021", "byline", {}, (None, D(2021, 2, 1), "day")),
    ("9 майи 2022", "byline", {}, (None, D(2022, 5, 9), "day")),
    ("30 сентябри 2019", "byline", {}, (None, D(2019, 9, 30), "day")),
    ("15 декабр 2021", "byline", {}, (None, D(2021, 12, 15), "day")),
    # a bare year only from a URL or a volume number
    ("2005", "url", {}, (None, D(2005, 1, 1), "year")),
    ("2005", "volume-issue", {}, (None, D(2005, 1, 1), "year")),
    # a copyright line next to a real date does not hide it
    ("Eurasianet © 2023 | Apr 15, 2013", "byline", {}, (None, D(2013, 4, 15), "day")),
    # the +1 day allowance for time zones, and the limits exactly
    ("2024-06-02", "meta", {}, (None, D(2024, 6, 2), "day")),
    ("2024-06-02T11:00:00Z", "meta", {}, (at(2024, 6, 2, 11, 0), D(2024, 6, 2), "day")),
    ("1 January 1990", "byline", {}, (None, D(1990, 1, 1), "day")),
    ("2001-09-12", "meta", {"earliest": D(2001, 9, 12)}, (None, D(2001, 9, 12), "day")),
    # never a date
    (None, "meta", {}, None),
    ("", "meta", {}, None),
    ("   \n\t ", "meta", {}, None),
    ("lorem ipsum dolor", "text", {}, None),
    ("tomorrow", "text", {}, None),
    ("2 hours ago", "byline", {}, None),
    ("2024-06-03", "meta", {}, None),  # future
    ("2024-06-02T13:00:00Z", "meta", {}, None),  # future by more than a day
    ("12 April 2031", "byline", {}, None),
    ("July 2024", "text", {}, None),  # month not begun yet
    ("12 April 1985", "byline", {}, None),  # before 1990
    ("December 1989", "text", {}, None),
    ("2001-09-11", "meta", {"earliest": D(2001, 9, 12)}, None),
    ("© 2023", "text", {}, None),
    ("Eurasianet © 2023", "text", {}, None),
    ("Copyright 2019", "text", {}, None),
    ("Copyright © 2001-2023 RFE/RL", "url", {}, None),
    ("31 February 2005", "byline", {}, None),  # impossible, and not read as "February 2005"
    ("2005-02-30", "meta", {}, None),
    ("31.04.2013", "dateline", {}, None),
    ("03/04/2005", "text", {}, None),  # March 4 or 3 April
    ("2005", "text", {}, None),
    ("In 2005 Russia and Tajikistan", "text", {}, None),
    ("15.04.13", "dateline", {}, None),  # two-digit year
    ("0000", "url", {}, None),
    ("April 0000", "text", {}, None),
]


@pytest.mark.parametrize(("value", "source", "kwargs", "expected"), CASES)
def test_parse_date(value: str | None, source: str, kwargs: dict, expected: tuple | None) -> None:
    result = parse_date(value, source, now=NOW, **kwargs)
    if expected is None:
        assert result is None
    else:
        published_at, published_date, precision = expected
        assert result == ParsedDate(published_at, published_date, precision, source)
        if published_at is not None:
            assert result.published_at.utcoffset() == dt.timedelta(0)


def test_parse_date_rejects_unknown_source() -> None:
    with pytest.raises(ValueError, match="unknown date source"):
        parse_date("2019-11-18", "rss", now=NOW)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.org/2013/04/15/tajik-migrants", ParsedDate(None, D(2013, 4, 15), "day", "url")),
        (
            "https://www.example.org/news/2013-04-15/story.html",
            ParsedDate(None, D(2013, 4, 15), "day", "url"),
        ),
        ("https://www.example.org/2013/04/", ParsedDate(None, D(2013, 4, 1), "month", "url")),
        ("https://www.example.org/2013/04/tajik-migrants", ParsedDate(None, D(2013, 4, 1), "month", "url")),
        ("https://www.rferl.org/a/33423647.html", None),
        ("https://www.rferl.org/a/tajikistan-russia-migrants/33423647.html", None),
        ("https://jamestown.org/program/russia-tajikistan-base/", None),
        ("https://www.example.org/2013/02/30/story", None),  # impossible day
        ("https://www.example.org/2031/04/15/story", None),  # future
        ("https://www.example.org/story?date=2013/04/15", None),  # the query is not the path
        (None, None),
        ("", None),
    ],
)
def test_date_from_url(url: str | None, expected: ParsedDate | None) -> None:
    assert date_from_url(url, now=NOW) == expected


WORKED_EXAMPLE = (
    "DUSHANBE. On June 11 Tajik officials met their Russian counterparts (Asia-Plus, June 12). "
    "Talks continued on June 13 (Avesta, June 14), and the June 11-15 session ended without a deal."
)


@pytest.mark.parametrize(
    ("volume", "issue", "text", "expected"),
    [
        # the day after the latest mention (the piece went out after its news), a range counting
        # by its first day
        (4, 119, WORKED_EXAMPLE, D(2007, 6, 15)),
        (4, 119, "The June 11-15 round of talks (Avesta, June 12).", D(2007, 6, 13)),
        # Day Month order, and a mention in the same year written out
        (4, 119, "Rahmon arrived on 13 June (Itar-Tass, 14 June 2007).", D(2007, 6, 15)),
        # a mention carrying another year is history, not the news peg
        (4, 119, "As agreed on June 20, 2005, the base opened (Avesta, June 13).", D(2007, 6, 14)),
        # a citation of an earlier article is not the news of the day
        (4, 119, "Talks resumed (Avesta, June 13; see EDM, June 30).", D(2007, 6, 14)),
        (4, 119, "Talks resumed (Avesta, June 13) as before (see EDM, July 1).", D(2007, 6, 14)),
        # a prose date is an announced event when the piece cites sources: the citations date it
        (4, 119, "Elections are set for August 30 (Avesta, June 13).", D(2007, 6, 14)),
        (4, 119, "The summit on July 6 (Avesta, June 13).", D(2007, 6, 14)),
        # without citations, prose dates up to 21 days past the estimate (2007-06-15) count
        (4, 119, "The summit on July 6 was cordial.", D(2007, 7, 7)),
        (4, 119, "Elections are set for August 30.", D(2007, 6, 15)),
        # a citation weeks past the issue estimate is still the news of the day (issue rates varied)
        (16, 150, "Drills ended on October 22 (TASS, October 23; Ozodi, October 18).", D(2019, 10, 24)),
        # "may" the verb is not May
        (4, 119, "Moscow may 5 times raise the fee (Avesta, June 13).", D(2007, 6, 14)),
        # impossible days are skipped
        (4, 119, "Reported June 31 (Avesta, June 13).", D(2007, 6, 14)),
        # nothing usable: the estimate from the issue number
        (4, 119, "Tajikistan and Russia signed an agreement.", D(2007, 6, 15)),
        (4, 119, "Elections are set for August 30.", D(2007, 6, 15)),
        (1, 1, "", D(2004, 1, 1)),
        (2, 6, "No dates here.", D(2005, 1, 8)),
        # an empty issue field: the citations alone date it
        (21, None, "Signed on February 18 (Asia-Plus, February 19).", D(2024, 2, 20)),
    ],
)
def test_date_from_volume_issue(volume: int, issue: int | None, text: str, expected: dt.date) -> None:
    assert date_from_volume_issue(volume, issue, text, 2004, now=NOW) == ParsedDate(
        None, expected, "month", "volume-issue"
    )


def test_date_from_volume_issue_never_future_or_invalid() -> None:
    assert date_from_volume_issue(30, 1, "", 2004, now=NOW) is None  # volume 30 is 2033
    assert date_from_volume_issue(21, 150, "(Avesta, May 20)", 2004, now=NOW) == ParsedDate(
        None, D(2024, 5, 21), "month", "volume-issue"
    )
    # no issue and no citation: the year alone
    assert date_from_volume_issue(20, None, "No dates.", 2004, now=NOW) == ParsedDate(
        None, D(2023, 1, 1), "year", "volume-issue"
    )
    assert date_from_volume_issue(21, 150, "No dates.", 2004, now=NOW) is None  # estimate 2024-07-27
    assert date_from_volume_issue(0, 10, "June 12", 2004, now=NOW) is None
    assert date_from_volume_issue(4, 0, "June 12", 2004, now=NOW) is None
