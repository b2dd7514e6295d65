"""RawDocument -> Articles or a Reject: picks the site and the extractor (pure, no Prefect)."""

from __future__ import annotations

import re

from pipeline.extract_text import extract_text
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import detect

# <link rel="canonical" href="..."> or <meta property="og:url" content="...">, either attribute order.
_CANONICAL = re.compile(
    r"""<link\b[^>]*?\brel=["']canonical["'][^>]*?\bhref=["']([^"']+)["']"""
    r"""|<link\b[^>]*?\bhref=["']([^"']+)["'][^>]*?\brel=["']canonical["']"""
    r"""|<meta\b[^>]*?\bproperty=["']og:url["'][^>]*?\bcontent=["']([^"']+)["']""",
    re.I,
)


def page_url(doc: RawDocument) -> str | None:
    """The URL of the page: the crawl's, else the page's own canonical link (a saved HTML file).

    Without it a saved ozodi.org page would be identified only by text markers, which Tajik and
    Russian pages may not carry, and fall to the generic (whole-page, slower) extractor.
    """
    if doc.url or doc.kind != "html":
        return doc.url
    match = _CANONICAL.search(doc.text, 0, 100_000)
    return next((g for g in match.groups() if g), None) if match else None


def extract_document(doc: RawDocument) -> list[Article] | Reject:
    """Every article in doc, or why there is none. An extractor bug becomes a reject, not a crash."""
    try:
        site = detect(page_url(doc), doc.text[:50_000])
        if doc.kind == "html":
            from pipeline.extract_html import extract_html

            return extract_html(doc, site)
        return extract_text(doc, site)
    except RecursionError:
        return Reject(doc.raw_path, "not_article", "markup nested too deeply to parse", doc.raw_record)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a run
        return Reject(doc.raw_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500], doc.raw_record)
