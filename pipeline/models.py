"""The records that flow between the pure steps: raw input, extracted article, reject, duplicate.

They are plain dataclasses (not pydantic) because millions of them are made in a backfill and
they cross process boundaries (process pools, Dask workers) by pickling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pipeline.extraction.evidence import Evidence

DocKind = Literal["text", "html"]


@dataclass(slots=True)
class RawDocument:
    """One page as read from raw/: a text dump, an HTML file or one WARC response record.

    raw_path is relative to the raw root (posix separators) so that a curated row points back to
    its input wherever the raw root is mounted. raw_record tells records of one file apart: ""
    for a whole file, the WARC-Record-ID for a WARC record.
    """

    raw_path: str
    kind: DocKind
    text: str
    raw_record: str = ""
    url: str | None = None
    fetched_at: dt.datetime | None = None
    encoding: str | None = None
    # The bytes the text was decoded from, when they are exactly text.encode("utf-8") (plain
    # UTF-8 without BOM, CR or control bytes: pipeline.reading.decoding.decode_with_utf8). The HTML
    # parser reads them instead of encoding the text again.
    utf8: bytes | None = None


# The fewest words of body text an article has, from a page or a text dump alike: below it
# the text is a teaser, a caption or a stub, and the input is a not_article reject.
MIN_ARTICLE_WORDS = 25


@dataclass(slots=True)
class Article:
    """An article as extracted from one RawDocument, before dedupe gives it an id.

    A listing page gives several (is_teaser=True); raw_item numbers them within the document.
    """

    source: str
    body: str
    raw_path: str
    raw_record: str = ""
    raw_item: int = 0
    url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None
    published_date: dt.date | None = None
    date_precision: str | None = None
    date_source: str | None = None
    dateline: str | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    publication: str | None = None
    volume: int | None = None
    issue: int | None = None
    is_teaser: bool = False
    fetched_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None  # when the page says it was last updated (UTC)
    # Which rules gave container, title, date and authors (pipeline.report.health); None for teasers.
    evidence: Evidence | None = None


@dataclass(slots=True)
class Reject:
    """An input (or one record of it) that gave no article, with a machine-readable reason.

    reason is one of REJECT_REASONS; detail is for a human (what exactly was wrong).
    """

    raw_path: str
    reason: str
    detail: str
    raw_record: str = ""
    # Set when the page was read as an article of a site and then found wanting (too little
    # text): it counts in that site's extraction health (a redesign often looks like this).
    evidence: Evidence | None = None


REJECT_REASONS = (
    "empty",  # zero bytes or only whitespace
    "binary",  # not text in any encoding we accept
    "undecodable",  # looks like text but no encoding decodes it cleanly
    "not_article",  # decoded and parsed, but no article text in it (app shell, index page, ...)
    "too_large",  # over the configured size limit
    "truncated",  # a compressed file or WARC record cut short
    "unreadable",  # an OS error reading it
    "unsupported",  # a file type we do not load
    "outside_raw",  # a symbolic link leading out of the raw root
    "extract_error",  # the extractor raised; the detail carries the exception
    "worker_crashed",  # the worker process died reading it, in its batch and again alone
)


@dataclass(slots=True)
class Duplicate:
    """A record that dedupe dropped, kept as a row so that nothing is lost."""

    raw_path: str
    raw_record: str
    raw_item: int
    duplicate_of: str  # article_id of the kept article
    kind: str  # url | exact | near | teaser | revision
    similarity: float
    url: str | None
    title: str | None
    # kind "revision" only: what changed from this version to the one kept (None when not known).
    title_changed: bool | None = None
    words_before: int | None = None
    words_after: int | None = None
    fetched_at: dt.datetime | None = None
