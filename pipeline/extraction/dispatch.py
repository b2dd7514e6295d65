"""RawDocument -> Articles or a Reject: picks the site and the extractor (pure, no Prefect)."""

from __future__ import annotations

import re

from pipeline.extraction.html_article import extract_html
from pipeline.extraction.text_dump import extract_text
from pipeline.models import Article, RawDocument, Reject
from pipeline.settings import LimitsSettings
from pipeline.sites import detect

# A saved page (wget, "Save as") has no URL beside it, but its head usually names itself.
_CANONICAL = (
    re.compile(r"""<link\b[^>]*\brel=["']?canonical["']?[^>]*\bhref=["']([^"'>\s]+)""", re.I),
    re.compile(r"""<link\b[^>]*\bhref=["']([^"'>\s]+)["'][^>]*\brel=["']?canonical""", re.I),
    re.compile(r"""<meta\b[^>]*\bproperty=["']og:url["'][^>]*\bcontent=["']([^"'>\s]+)""", re.I),
    re.compile(r"""<meta\b[^>]*\bcontent=["']([^"'>\s]+)["'][^>]*\bproperty=["']og:url""", re.I),
)


def page_url(html: str) -> str | None:
    """The URL a saved HTML page gives for itself (canonical link or og:url), if absolute."""
    for pattern in _CANONICAL:
        # endpos, not a slice: the same search without copying 60,000 characters (120 KB of a
        # page with any non-ASCII letter) once a pattern.
        match = pattern.search(html, 0, 60_000)
        if match and match.group(1).startswith(("http://", "https://")):
            return match.group(1)
    return None


# Elements that never take children, or whose end tag may be left out: not counted as nesting,
# so that old hand-written pages full of unclosed <p> and <li> do not look deep.
_VOID = "area base br col embed hr img input link meta param source track wbr"
_OPTIONAL_END = "p li dt dd td th tr option optgroup thead tbody tfoot colgroup caption rp rt"
_NOT_NESTING = frozenset(_VOID.split() + _OPTIONAL_END.split())
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")


def html_depth_over(text: str, limit: int) -> int | None:
    """The nesting depth reached once it passes limit, else None.

    A cheap tag count, not a parse: lxml without huge_tree silently cuts a tree at depth 256,
    and trafilatura walks what is left, so a 20,000-deep page would be slow and come out as
    whatever survived the cut. Counting first gives a clear reject instead.
    """
    if text.count("<") <= limit:
        # Every level of nesting opens with "<": a page with fewer of them cannot be too deep.
        # Most article pages (a 60 KB Pangea page has ~1,200) skip the 2.7 ms scan this way.
        return None
    depth = 0
    for match in _TAG.finditer(text):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > limit:
            return depth
    return None


def extract_document(
    doc: RawDocument,
    max_html_depth: int | None = None,
    learned_chrome: dict[str, frozenset[str]] | None = None,
) -> list[Article] | Reject:
    """Every article in doc, or why there is none. An extractor bug becomes a reject, not a crash.

    learned_chrome: per site key, line keys learned as chrome from the corpus (text dumps).
    """
    limit = LimitsSettings().max_html_depth if max_html_depth is None else max_html_depth
    try:
        if doc.kind == "html":
            depth = html_depth_over(doc.text, limit)
            if depth is not None:
                return Reject(
                    doc.raw_path,
                    "not_article",
                    f"markup nested deeper than {limit} elements (limits.max_html_depth); not parsed",
                    doc.raw_record,
                )
            if doc.url is None:
                doc.url = page_url(doc.text)
            return extract_html(doc, detect(doc.url, doc.text, html=True))
        site = detect(doc.url, doc.text)
        return extract_text(doc, site, (learned_chrome or {}).get(site.key, frozenset()))
    except RecursionError:
        return Reject(doc.raw_path, "not_article", "markup nested too deeply to parse", doc.raw_record)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a run
        return Reject(doc.raw_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500], doc.raw_record)
