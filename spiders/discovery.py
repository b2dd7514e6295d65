"""Pure parsing of discovery pages: sitemaps, feeds and listings -> (url, date) entries.

Kept free of Scrapy so that offline tests and other tools (a backfill planner, a link checker) can
use it on saved bytes. Every date here is a *discovery* date (lastmod, feed date, listing date):
it bounds what is fetched, it is never the article's publication date (the curate flow reads that
from the page).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import lxml.etree
import lxml.html

UTC = dt.UTC

# ISO 8601 as sitemaps write it: fractional seconds of any length (RFE/RL uses 0 to 7 digits,
# which datetime.fromisoformat rejects before Python 3.11 and mis-reads beyond 6 digits).
_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<frac>\d+))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$"
)


@dataclass(frozen=True)
class Entry:
    """A URL found on a discovery page, with the date the page gave for it (if any).

    date bounds the window (a publication date where the page gives one, else lastmod);
    lastmod is a sitemap's own <lastmod>, kept apart because it alone says that a page changed
    (a revisit compares it with when the page was fetched).
    """

    url: str
    date: dt.datetime | None = None
    lastmod: dt.datetime | None = None


@dataclass(frozen=True)
class Window:
    """The time span a crawl covers; None on a side means open. Bounds are inclusive, in UTC."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def admits(self, when: dt.datetime | None, *, upper: bool = True) -> bool:
        """Whether a discovery date falls in the window. Undated entries are admitted (the page
        itself will tell). upper=False checks only the lower bound: for dates that are known to
        be no earlier than publication but may be much later (archive batch dates, lastmod)."""
        if when is None:
            return True
        if self.since is not None and when < self.since:
            return False
        return not (upper and self.until is not None and when > self.until)

    def before(self, when: dt.datetime | None) -> bool:
        """Whether a date lies before the window: a newest-first listing can stop there."""
        return when is not None and self.since is not None and when < self.since


def parse_iso(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date or datetime as an aware UTC datetime; naive values are taken as UTC."""
    if not value:
        return None
    m = _ISO.match(value)
    if not m:
        return None
    try:
        day = dt.date.fromisoformat(m["date"])
        hms = [int(x) for x in (m["time"] or "00:00").split(":")] + [0]
        micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
        tz = UTC
        if m["tz"] and m["tz"] != "Z":
            sign = 1 if m["tz"][0] == "+" else -1
            digits = m["tz"][1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        value_dt = dt.datetime(day.year, day.month, day.day, hms[0], hms[1], hms[2], micro, tzinfo=tz)
    except ValueError:
        return None
    return value_dt.astimezone(UTC)


def parse_any_date(value: str | None) -> dt.datetime | None:
    """ISO 8601 or RFC 822 (RSS pubDate) as UTC."""
    if not value:
        return None
    iso = parse_iso(value)
    if iso is not None:
        return iso
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_bound(value: str | None, *, end_of_day: bool = False) -> dt.datetime | None:
    """A --since/--until value: a date (YYYY-MM-DD) or an ISO datetime. A bare date given as an
    upper bound means the end of that day, so that --until 2025-05-25 includes that day."""
    if not value:
        return None
    when = parse_iso(value)
    if when is None:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 datetime)")
    if end_of_day and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        when += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return when


def maybe_gunzip(body: bytes, max_size: int = 200 * 1024 * 1024) -> bytes:
    """The body, decompressed if it is gzip (sitemap children are .xml.gz). Size-capped so that a
    gzip bomb cannot exhaust memory."""
    if body[:2] != b"\x1f\x8b":
        return body
    d = zlib.decompressobj(wbits=31)
    out = d.decompress(body, max_size)
    if d.unconsumed_tail:
        raise ValueError(f"gzip body inflates beyond {max_size} bytes")
    return out


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes) -> tuple[str, list[Entry]]:
    """A sitemap or sitemap index: ("sitemapindex" | "urlset", entries).

    The date of an entry is news:publication_date when the sitemap is a Google News one (a real
    publication date), else lastmod. An empty urlset (RFE/RL's news sitemap on a quiet day) is
    ("urlset", []).
    """
    body = maybe_gunzip(body)
    if not body.strip():
        return "urlset", []
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = lxml.etree.fromstring(body, parser=parser)
    if root is None:
        return "urlset", []
    kind = _local(root.tag)
    entries: list[Entry] = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name in ("loc", "lastmod", "publication_date") and child.text and name not in fields:
                fields[name] = child.text.strip()
        if fields.get("loc"):
            lastmod = parse_iso(fields.get("lastmod"))
            when = parse_iso(fields.get("publication_date")) or lastmod
            entries.append(Entry(fields["loc"], when, lastmod))
    return kind, entries


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """RSS 2.0 items or Atom entries: their links and dates (published, else updated)."""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = lxml.etree.fromstring(maybe_gunzip(body), parser=parser)
    if root is None:
        return []
    entries: list[Entry] = []
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("item", "entry"):
            continue
        link, when = None, None
        for child in node:
            cname = _local(child.tag)
            if cname == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    link = link or href
                elif child.text and child.text.strip():
                    link = link or child.text.strip()
            elif cname in ("pubDate", "published", "date") and child.text:
                when = parse_any_date(child.text) or when
            elif cname == "updated" and child.text and when is None:
                when = parse_any_date(child.text)
        if link:
            entries.append(Entry(urljoin(base_url, link), when))
    return entries


@dataclass(frozen=True)
class ListingXPaths:
    """Where a listing page keeps its items, as XPaths (read from the site's CrawlFacts)."""

    item: str  # each teaser block
    link: str  # relative to an item: the article link(s)
    date: str  # relative to an item: a date string (attribute or text); may match nothing
    date_formats: tuple[str, ...] = ()  # strptime formats tried when the text is not ISO/RFC 822


def parse_listing_date(text: str, formats: tuple[str, ...] = ()) -> dt.datetime | None:
    """A listing's date string: ISO, RFC 822, or one of the site's formats (taken as UTC)."""
    text = " ".join(text.split())
    when = parse_any_date(text)
    for fmt in formats if when is None else ():
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return when


def parse_listing(html: bytes | str, base_url: str, rules: ListingXPaths) -> list[Entry]:
    """Teasers of a listing page as entries, in page order (newest first on every site here)."""
    if not html:
        return []
    doc = lxml.html.fromstring(html)
    entries: list[Entry] = []
    for item in doc.xpath(rules.item):
        links = item.xpath(rules.link)
        if not links:
            continue
        dates = item.xpath(rules.date) if rules.date else []
        when = None
        for raw in dates:
            text = raw if isinstance(raw, str) else raw.text_content()
            when = parse_listing_date(str(text), rules.date_formats)
            if when is not None:
                break
        for href in links:
            entries.append(Entry(urljoin(base_url, str(href).strip()), when))
    return entries
