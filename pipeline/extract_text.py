"""Text dumps (a page's visible text, chrome included) -> Articles.

trafilatura cannot help here (there is no markup to tell chrome from text: measured, it keeps
every chrome line of the seed dumps), so the site's TextRules cut the page head and tail, drop
chrome lines and find title, byline and dateline; pages of unknown sites go through the general
paragraph classifier. Listing pages (category archives) give one teaser per post.
"""

from __future__ import annotations

import re

from pipeline import paragraphs as para_classifier
from pipeline.dates import ParsedDate, date_from_volume_issue, parse_date
from pipeline.language import detect_language
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import GENERIC
from pipeline.sites.base import ListingRules, Site
from pipeline.textnorm import drop_repeated_paragraphs, join_paragraphs, normalize_line, word_count

MIN_ARTICLE_WORDS = 25
MIN_TEASER_WORDS = 12


def extract_text(doc: RawDocument, site: Site) -> list[Article] | Reject:
    lines = [normalize_line(raw) for raw in doc.text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return Reject(doc.raw_path, "empty", "no visible text", doc.raw_record)
    listing = _listing_rules(site, lines)
    if listing is not None:
        teasers = _split_listing(doc, site, lines, listing)
        if teasers:
            return teasers
    article = _article(doc, site, lines)
    if article is None or word_count(article.body) < MIN_ARTICLE_WORDS:
        n = word_count(article.body) if article else 0
        return Reject(
            doc.raw_path, "not_article", f"no article text found ({n} words of prose)", doc.raw_record
        )
    return [article]


# --- one article ---------------------------------------------------------------------------------


def _drop_patterns(site: Site) -> tuple[re.Pattern[str], ...]:
    return site.text.drop_lines + (GENERIC.text.drop_lines if site is not GENERIC else ())


def _first_match(lines: list[str], patterns: tuple[re.Pattern[str], ...], start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if any(p.search(lines[i]) for p in patterns):
            return i
    return None


def _article(doc: RawDocument, site: Site, lines: list[str]) -> Article | None:
    rules = site.text
    # The page head: everything up to the last head_end line.
    head_ends = [i for i, ln in enumerate(lines) if any(p.search(ln) for p in rules.head_end)]
    if head_ends:
        lines = lines[head_ends[-1] + 1 :]
    drops = _drop_patterns(site)
    lines = [ln for ln in lines if not any(p.search(ln) for p in drops)]

    fields: dict[str, str] = {}
    title: str | None = None
    body_start = 0
    if rules.header is not None:
        idx = _first_match(lines, (rules.header,))
        if idx is not None:
            fields.update({k: v for k, v in rules.header.search(lines[idx]).groupdict().items() if v})
            if rules.title == "before_header" and idx > 0 and _heading_like(lines[idx - 1]):
                title = lines[idx - 1]
            lines = lines[:idx] + lines[idx + 1 :]
            body_start = idx  # the header line is gone: the body starts where it stood
    byline_at = _first_match(lines[: body_start + 15], rules.bylines, body_start) if rules.bylines else None
    if byline_at is not None:
        match = next(p.search(lines[byline_at]) for p in rules.bylines if p.search(lines[byline_at]))
        fields.update({k: v for k, v in match.groupdict().items() if v})
        if title is None and byline_at > 0 and _heading_like(lines[byline_at - 1]):
            title = lines[byline_at - 1]
        body_start = byline_at + 1
    elif title is None and rules.title == "first" and site is not GENERIC:
        title = lines[0] if _heading_like(lines[0]) else None
        body_start = 1 if title else 0

    body_lines = lines[body_start:]
    tail = _first_match(
        body_lines, rules.tail_start + (GENERIC.text.tail_start if site is not GENERIC else ())
    )
    if tail is not None:
        body_lines = body_lines[:tail]
    if site is GENERIC:
        span = para_classifier.content_span(lines)
        if span is None:
            return None
        byline = _generic_byline(lines, span[0])
        if byline is not None:
            fields.update(byline[1])
        skip = frozenset({byline[0]}) if byline else frozenset()
        title_idx = para_classifier.title_before(lines, span[0], skip=skip)
        title = lines[title_idx] if title_idx is not None else None
        body_lines = para_classifier.keep_lines(lines[span[0] :])
    body_lines = drop_repeated_paragraphs(body_lines)
    if not body_lines:
        return None

    article = Article(
        source=site.key,
        body=join_paragraphs(body_lines),
        raw_path=doc.raw_path,
        raw_record=doc.raw_record,
        url=doc.url,
        title=title,
        fetched_at=doc.fetched_at,
        publication=fields.get("publication") or site.publication,
    )
    if "volume" in fields:
        article.volume = int(fields["volume"])
    if "issue" in fields:
        article.issue = int(fields["issue"])
    if fields.get("authors"):
        article.authors = _authors(fields["authors"], site)
    date = None
    if fields.get("date"):
        date = parse_date(fields["date"], fields.get("date_source", "byline"), now=doc.fetched_at)
    dateline = _dateline(body_lines, site)
    if dateline is not None:
        article.dateline = dateline[0]
        date = date or dateline[1]
    if date is None and article.volume and article.issue and site.volume_one_year:
        date = date_from_volume_issue(article.volume, article.issue, article.body, site.volume_one_year)
    _set_date(article, date)
    hint = site.default_language
    article.language = detect_language(article.body, hint=hint)
    return article


_NAME = r"[A-ZА-ЯЁҲҚҶҒӢӮ][\w'’.-]+"
_GENERIC_BYLINE_NAMES = re.compile(
    rf"^(?:By:?\s+|Автор:?\s+)?(?P<authors>{_NAME}(?:\s+(?:and\s+|и\s+)?{_NAME}){{1,5}}?)"
    r"(?:\s*[|,–—-]\s*|\s+)(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d|\d)"
)


def _generic_byline(lines: list[str], first_prose: int) -> tuple[int, dict[str, str]] | None:
    """A short line just above the text that holds a full date: a byline, or a bare date line.

    Returns the line's index and the fields it gives (date, date_source, and authors when names
    stand before the date).
    """
    for i in range(first_prose - 1, max(-1, first_prose - 4), -1):
        line = lines[i]
        if len(line.split()) > 14:
            continue
        parsed = parse_date(line, "byline")
        if parsed is None or parsed.precision != "day":
            continue
        names = _GENERIC_BYLINE_NAMES.search(line)
        if names:
            return i, {"date": line, "date_source": "byline", "authors": names.group("authors")}
        return i, {"date": line, "date_source": "text"}
    return None


def _heading_like(line: str) -> bool:
    words = len(line.split())
    return 1 <= words <= 30 and not line.endswith((",", ";")) and len(line) <= 250


def _authors(raw: str, site: Site) -> list[str]:
    names = [n.strip(" .") for n in site.text.author_split.split(raw.removeprefix("By ").strip())]
    out: list[str] = []
    for name in names:
        if name and not any(p.search(name) for p in site.html.desk_authors) and name not in out:
            out.append(name)
    return out


def _dateline(body_lines: list[str], site: Site) -> tuple[str, ParsedDate | None] | None:
    pattern = site.text.dateline
    if pattern is None:
        return None
    for line in body_lines[:4]:
        match = pattern.search(line)
        if match:
            raw_date = match.groupdict().get("date")
            date = parse_date(raw_date, "dateline") if raw_date else None
            return match.group("place").strip(), date
    return None


def _set_date(article: Article, date: ParsedDate | None) -> None:
    if date is None:
        return
    article.published_at = date.published_at
    article.published_date = date.published_date
    article.date_precision = date.precision
    article.date_source = date.source


# --- listing pages -------------------------------------------------------------------------------


def _listing_rules(site: Site, lines: list[str]) -> ListingRules | None:
    """The listing rules that fit the page: the site's own, else the generic CMS ones."""
    for rules in (site.listing, GENERIC.listing):
        if rules is None:
            continue
        has_header = any(p.search(ln) for ln in lines[:10] for p in rules.header)
        cuts = sum(1 for ln in lines if any(p.search(ln) for p in rules.teaser_cut))
        if has_header or cuts >= 2:
            return rules
    return None


def _split_listing(doc: RawDocument, site: Site, lines: list[str], rules: ListingRules) -> list[Article]:
    """One teaser per post. A post is: title, text, a cut marker, and optionally its tag line."""
    drops = _drop_patterns(site) + rules.drop_lines
    lines = [ln for ln in lines if not any(p.search(ln) for p in rules.header + drops)]
    posts: list[tuple[list[str], list[str]]] = []
    current: list[str] = []
    for line in lines:
        end = rules.post_end.search(line) if rules.post_end else None
        if end:
            tags = [t for t in rules.tag_split.split(end.group("tags").strip()) if t]
            if current:
                posts.append((current, tags))
            elif posts:
                posts[-1] = (posts[-1][0], posts[-1][1] + tags)
            current = []
            continue
        current.append(line)
        if any(p.search(line) for p in rules.teaser_cut) and rules.post_end is None:
            posts.append((current, []))
            current = []
    if current:
        posts.append((current, []))

    articles = []
    for item, (post, tags) in enumerate(posts):
        cut = _first_match(post, rules.teaser_cut)
        text = post[: cut if cut is not None else len(post)]
        if cut is not None and cut < len(post):
            tail = rules.teaser_cut[0].sub("", post[cut]).strip() if rules.teaser_cut else ""
            if tail:
                text.append(tail)
        if len(text) < 2 or not _heading_like(text[0]):
            continue
        title, body_lines = text[0], drop_repeated_paragraphs(text[1:])
        body = join_paragraphs(body_lines)
        if word_count(body) < MIN_TEASER_WORDS:
            continue
        articles.append(
            Article(
                source=site.key,
                body=body,
                raw_path=doc.raw_path,
                raw_record=doc.raw_record,
                raw_item=item,
                url=doc.url,
                title=title,
                tags=list(dict.fromkeys(tags)),
                is_teaser=True,
                fetched_at=doc.fetched_at,
                publication=site.publication,
                language=detect_language(body, hint=site.default_language),
            )
        )
    return articles
