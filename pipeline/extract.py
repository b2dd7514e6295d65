"""RawDocument -> Articles or a Reject: picks the site and the extractor (pure, no Prefect)."""

from __future__ import annotations

import re

from pipeline.extract_html import extract_html
from pipeline.extract_text import extract_text
from pipeline.models import Article, RawDocument, Reject
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
    head = html[:60_000]
    for pattern in _CANONICAL:
        match = pattern.search(head)
        if match and match.group(1).startswith(("http://", "https://")):
            return match.group(1)
    return None


def extract_document(doc: RawDocument) -> list[Article] | Reject:
    """Every article in doc, or why there is none. An extractor bug becomes a reject, not a crash."""
    try:
        if doc.kind == "html":
            if doc.url is None:
                doc.url = page_url(doc.text)
            return extract_html(doc, detect(doc.url, doc.text[:50_000]))
        return extract_text(doc, detect(doc.url, doc.text[:50_000]))
    except RecursionError:
        return Reject(doc.raw_path, "not_article", "markup nested too deeply to parse", doc.raw_record)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a run
        return Reject(doc.raw_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500], doc.raw_record)
