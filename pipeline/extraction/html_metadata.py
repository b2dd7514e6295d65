"""The page's metadata from HTML: title, publication and modification dates, tags, dateline,
language hint and canonical URL.

Each field has an order of trust (the site's selectors and JSON-LD before meta tags, meta tags
before the URL); reading them here keeps those orders in one place for known and unknown sites.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

from lxml import html

from pipeline.extraction.html_tree import first_text, select, selected_strings
from pipeline.extraction.json_ld import ld_names, ld_str
from pipeline.sites.base import Site
from pipeline.text.dates import ParsedDate, date_from_url, parse_date
from pipeline.text.normalise import normalize_line

_DATELINE_TAIL = re.compile(r"[\s\u2014\u2013\-:,]+$")


# Finer first: a coarser trusted date yields to a finer one of the same day.
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def page_title(
    root: html.HtmlElement,
    xpaths: Iterable[str],
    ld: dict[str, Any],
    url: str | None = None,
    selected: str | None = None,
) -> str | None:
    """The headline: the site's selectors, JSON-LD, og:title or <title>, without the outlet's name.

    selected: what the site's selectors give, when the caller has read them already (xpaths
    are then not read again).
    """
    title = (
        (selected if selected is not None else first_text(root, xpaths))
        or ld_str(ld, "headline")
        or first_text(root, ("//meta[@property='og:title']/@content", "//title"))
    )
    return _without_site_name(title, root, ld, url)


# " | Site", " - Site", " — Site", " :: Site", " » Section » Site", and the same before the headline.
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•:»›]{1,2}\s+|\s+-\s+|(?<=\w):\s+")  # "Site: Headline" too


_BREADCRUMB = re.compile(r"[»›]")


def _without_site_name(
    title: str | None, root: html.HtmlElement, ld: dict[str, Any], url: str | None = None
) -> str | None:
    """The headline without the outlet's name that <title> and og:title often carry.

    A segment is the outlet's name by evidence: it matches og:site_name, the JSON-LD publisher,
    the application name or the host's name; or the page's own <h1> is the title without it.
    A breadcrumb trail ("Headline » Section » Site") leaves the headline, its first segment.
    """
    if not title:
        return title
    title = normalize_line(title)
    if not any(char in title for char in _SEPARATOR_CHARS):
        return title  # nothing set off: a headline as it stands (no need to read the <h1>)
    h1 = first_text(root, ("//h1",))
    if h1 and h1 != title and _is_h1_with_site_name(title, h1):
        return h1
    if not _TITLE_SEPARATOR.search(title):
        return title
    names = {
        _letters(v)
        for v in selected_strings(
            root, "//meta[@property='og:site_name' or @name='application-name']/@content"
        )
    }
    names.update(_letters(n) for n in ld_names(ld.get("publisher")))
    host = _host(canonical_url(root, None)) or _host(url) or ""
    label = host.removeprefix("www.").split(".")[0]

    def is_site(segment: str) -> bool:
        key = _letters(segment)
        if not key or len(segment.split()) > 6:
            return False
        return key in names or (len(label) >= 3 and (label in key or key in label))

    parts = _TITLE_SEPARATOR.split(title)
    seps = _TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and is_site(parts[-1]):
        parts, seps = parts[:-1], seps[:-1]
    while len(parts) > 1 and is_site(parts[0]):
        parts, seps = parts[1:], seps[1:]
    if any(_BREADCRUMB.search(sep) for sep in seps) and len(parts[0].split()) >= 3:
        return parts[0]
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


def _letters(text: str) -> str:
    """Letters and digits, case-folded: a site name or headline compared whatever its spacing and quotes."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_SEPARATOR_CHARS = "|-–—:·•/»«~_"


def _is_h1_with_site_name(title: str, h1: str) -> bool:
    """True when title is the page's <h1> with something set off by a separator before or after
    it ("Headline | Site", "Site: Headline", "标题-新华网"): the <h1> is the headline. Letters are
    compared, so quotes and spacing may differ; a headline in a script without spaces between
    words counts from six letters, one with spaces from three words."""
    key = _letters(h1)
    if len(h1.split()) < 3 and (h1.isascii() or len(key) < 6):
        return False
    for text in (title, title[::-1]):
        wanted = key if text is title else key[::-1]
        if not _letters(text).startswith(wanted):
            continue
        seen, cut = 0, len(text)
        for index, char in enumerate(text):
            if seen == len(wanted):
                cut = index
                break
            seen += char.casefold().isalnum() and len(char.casefold())
        rest = text[cut:].strip()
        if not rest or rest[0] in _SEPARATOR_CHARS:
            return True
    return False


def publication_date(
    root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any], url: str | None, tz: str | None
) -> ParsedDate | None:
    """The publication date by order of trust: JSON-LD, the site's <time>/meta, then the URL.

    A value without a time of day (a ClaimReview's "2019-11-18") yields to a timestamp of the
    same day from a less trusted source. Never dateModified (an update is not a publication:
    a wrong date is worse than none), never the fetch date.
    """
    best: ParsedDate | None = None
    for found in _date_candidates(root, xpaths, ld, tz):
        if best is None or (found.published_date == best.published_date and _rank(found) < _rank(best)):
            best = found
        if best.published_at is not None:  # nothing finer can come: stop reading the page
            break
    return best or url_date(url)


def _date_candidates(
    root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any], tz: str | None
) -> Iterator[ParsedDate]:
    """Dates in order of trust, read lazily: most pages are settled by the first."""
    yield from filter(None, [ld_published(ld, tz)])
    for xp in xpaths:
        yield from filter(None, (parsed_date(text, source, tz) for text, source in date_values(root, xp)))
    meta = first_text(root, ("//meta[@property='article:published_time']/@content",))
    yield from filter(None, [parsed_date(meta, "meta", tz)])


def _rank(date: ParsedDate) -> tuple[int, int]:
    return (_PRECISION_RANK.get(date.precision, 9), date.published_at is None)


def date_values(root: html.HtmlElement, xp: str) -> Iterator[tuple[str, str]]:
    """(text, source) for each date an XPath selects; the source names the element it sits on."""
    for item in select(root, xp):
        if isinstance(item, html.HtmlElement):
            element, text = item, item.get("datetime") or item.get("content") or item.text_content()
        elif isinstance(item, str):
            element, text = getattr(item, "getparent", lambda: None)(), str(item)
        else:
            continue
        tag = element.tag if element is not None and isinstance(element.tag, str) else ""
        yield text, {"time": "time element", "meta": "meta"}.get(tag.lower(), "byline")


def last_modified(root: html.HtmlElement, ld: dict[str, Any], tz: str | None) -> dt.datetime | None:
    """When the page says it was last updated: JSON-LD dateModified, else the
    article:modified_time (or og:updated_time) meta. Only an instant (a time of day in a known
    zone) counts: a bare date cannot order two versions of one day. Pangea pages print no
    "Updated" time in their markup (the word stands alone in text dumps), so there is no third
    source."""
    values = [(ld_str(ld, "dateModified"), "json-ld")]
    metas = "//meta[@property='article:modified_time' or @property='og:updated_time']/@content"
    values += [(value, "meta") for value in selected_strings(root, metas)]
    for value, source in values:
        parsed = parsed_date(value, source, tz)
        if parsed is not None and parsed.published_at is not None:
            return parsed.published_at
    return None


def ld_published(ld: dict[str, Any], tz: str | None = None) -> ParsedDate | None:
    """JSON-LD datePublished, the most trusted date a page states."""
    return parsed_date(ld_str(ld, "datePublished"), "json-ld", tz)


def parsed_date(value: str | None, source: str, tz: str | None = None) -> ParsedDate | None:
    """value parsed as a date from source, or None when there is no value."""
    return parse_date(value, source, tz=tz) if value and value.strip() else None


def url_date(url: str | None) -> ParsedDate | None:
    """The date an article URL carries (/2024/05/16/), the least trusted source."""
    return date_from_url(url) if url else None


def page_tags(root: html.HtmlElement, xpaths: Iterable[str], ld: dict[str, Any]) -> list[str]:
    """The site's tag selectors (first that gives any), else JSON-LD keywords and section."""
    for xp in xpaths:
        tags = _dedupe(
            tag
            for item in select(root, xp)
            # An element is one tag (a link); a string (meta keywords) is a comma-separated list.
            for tag in ([item.text_content()] if isinstance(item, html.HtmlElement) else str(item).split(","))
        )
        if tags:
            return tags
    return ld_keywords(ld)


def ld_keywords(ld: dict[str, Any]) -> list[str]:
    """JSON-LD keywords and articleSection as tags."""
    raw = ld.get("keywords")
    values = raw if isinstance(raw, list) else [raw]
    section = ld.get("articleSection")
    values += section if isinstance(section, list) else [section]
    return split_keywords(v for v in values if isinstance(v, str))


def split_keywords(values: Iterable[str]) -> list[str]:
    """Comma-separated keyword strings as tags, normalised and deduplicated."""
    return _dedupe(tag for value in values for tag in value.split(","))


def _dedupe(values: Iterable[str]) -> list[str]:
    """Normalised, non-empty, first spelling kept, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = normalize_line(value)
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return out


def dateline_place(value: str | None) -> str | None:
    """The place of a dateline ('AUBURN, Wash. — ' -> 'AUBURN, Wash.'); an all-capitals single
    place is title-cased ('PRAGUE' -> 'Prague') so that one city is spelled one way in the corpus."""
    if not value:
        return None
    place = _DATELINE_TAIL.sub("", normalize_line(value)).strip()
    if place.isupper() and "," not in place:
        place = place.title()
    return place or None


def language_hint(root: html.HtmlElement, ld: dict[str, Any], site: Site, url: str | None) -> str | None:
    """What the page says its language is (lang, JSON-LD, the site's host), for the detector to confirm."""
    host = _host(url)
    return (
        (root.get("lang") or "").strip()
        or ld_str(ld, "inLanguage")
        or (site.host_languages.get(host) if host else None)
        or site.default_language
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    m = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", url, re.I)
    return m.group(1).lower() if m else None


def canonical_url(root: html.HtmlElement, base: str | None) -> str | None:
    """The page's canonical link or og:url, absolute: the address of a saved page without one."""
    href = first_text(root, ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"))
    return urljoin(base or "", href) if href else None
