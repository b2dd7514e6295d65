"""RawDocument -> Articles or a Reject: picks the site and the extractor (pure, no Prefect)."""

from __future__ import annotations

from pipeline.extract_text import extract_text
from pipeline.models import Article, RawDocument, Reject
from pipeline.sites import detect


def extract_document(doc: RawDocument) -> list[Article] | Reject:
    """Every article in doc, or why there is none. An extractor bug becomes a reject, not a crash."""
    try:
        site = detect(doc.url, doc.text[:50_000])
        if doc.kind == "html":
            from pipeline.extract_html import extract_html

            return extract_html(doc, site)
        return extract_text(doc, site)
    except RecursionError:
        return Reject(doc.raw_path, "not_article", "markup nested too deeply to parse", doc.raw_record)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a run
        return Reject(doc.raw_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500], doc.raw_record)
