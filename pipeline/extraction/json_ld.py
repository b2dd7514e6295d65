"""The page's own article object from its JSON-LD, and the reading of its values.

JSON-LD is the most trusted metadata a page carries (title, date, authors, language), but it
comes as lists, graphs and references: this module finds the one object that describes the
page's article and reads strings and names out of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import html

from pipeline.text.normalise import normalize_line

# JSON-LD types that describe the page's own article (a WebPage or BreadcrumbList does not).
_ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
        "ScholarlyArticle",
        "ClaimReview",
        "LiveBlogPosting",
    }
)


def ld_names(value: Any, depth: int = 0) -> Iterator[str]:
    """Every name string in a JSON-LD value, nested objects included (bounded depth)."""
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value:
            yield from ld_names(item, depth + 1)
    elif isinstance(value, dict):
        if isinstance(value.get("name"), str) and (ld_types(value) & {"Person", "Organization"} or depth):
            yield normalize_line(value["name"])
        for key, item in value.items():
            if key != "name":
                yield from ld_names(item, depth + 1)


def json_ld_article(root: html.HtmlElement) -> dict[str, Any]:
    """The page's article object from its JSON-LD (first of an article type), or {}."""
    objects: list[dict[str, Any]] = []
    for script in root.iterfind(".//script[@type='application/ld+json']"):
        try:
            objects.extend(_ld_objects(json.loads(script.text or "", strict=False)))
        except ValueError:
            continue
    article = next((o for o in objects if ld_types(o) & _ARTICLE_TYPES), None)
    article = article or next((o for o in objects if "headline" in o), {})
    return _resolve_authors(article, objects)


def _resolve_authors(article: dict[str, Any], objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Yoast-style graphs name authors by reference ({"@id": ...}): put the Person nodes in."""
    author = article.get("author")
    items = author if isinstance(author, list) else [author]
    if not any(isinstance(a, dict) and "@id" in a and "@type" not in a for a in items):
        return article
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    resolved = [by_id.get(a["@id"], a) if isinstance(a, dict) and "@id" in a else a for a in items]
    return {**article, "author": resolved}


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _ld_objects(data["@graph"])


def ld_types(obj: dict[str, Any]) -> set[str]:
    """The @type names of a JSON-LD object (one string or a list)."""
    raw = obj.get("@type")
    return {t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)}


def ld_str(ld: dict[str, Any], key: str) -> str | None:
    """A JSON-LD value as one non-empty string (the first of a list), or None."""
    value = ld.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return (value.strip() or None) if isinstance(value, str) else None
