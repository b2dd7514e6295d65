"""WARC files: one RawDocument per whole HTML response record, a Reject for each torn one."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.models import RawDocument, Reject
from pipeline.reading.capped import TooLarge, read_stream_capped
from pipeline.reading.decoding import decode_with_utf8, reject_reason
from pipeline.reading.location import RawRoot
from pipeline.settings import LimitsSettings

_HTML_TYPES = ("text/html", "application/xhtml+xml")


_WARC_ERRORS = (EOFError, OSError, zlib.error, ValueError, AttributeError, TypeError)
_REQUIRED_WARC_HEADERS = ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length")


class _CutShort(Exception):
    """A WARC record that ends before its Content-Length, or whose header block is torn."""


def load_warc(
    raw: RawRoot, path: Path | str, rel: str, limits: LimitsSettings
) -> Iterator[RawDocument | Reject]:
    """One RawDocument per HTML response record; every record that is not whole is a reject.

    A record counts only when its header block is whole and its block ends exactly where its
    Content-Length says (followed by the blank lines that close a record, or the end of its gzip
    member): warcio itself hands out a torn or mis-sized record as if it were whole (measured: a
    payload cut in half; a Content-Length too short gives a page cut mid-word, one too long
    swallows the next record). A bad record is a reject naming it, and reading resumes at the
    next record start after it (the next gzip member, or the next "WARC/1." line), so the whole
    records after it are still read.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        fh = raw.open(path)  # closed in finally, records stream from it
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot read: {exc.strerror}")
        return
    whole, pages, end, resume, damaged = 0, 0, 0, 0, False
    try:
        gzipped = fh.read(2) == b"\x1f\x8b"
        while resume is not None:
            fh.seek(resume)
            records = ArchiveIterator(fh)
            bad_at: int | None = None
            with contextlib.redirect_stderr(io.StringIO()):  # warcio prints its own warnings
                while True:
                    start, errors, record_id = records.offset, records.err_count, ""
                    try:
                        record = next(records)
                        record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
                        outcome = _warc_record(record, rel, limits)
                        end = records.get_record_offset() + records.get_record_length()
                    except StopIteration:
                        damage = _tail_damage(fh, end)
                        if damage is None:
                            break
                        exc: BaseException = damage
                    except (ArchiveLoadFailed, _CutShort, *_WARC_ERRORS) as error:
                        exc = error
                    else:
                        if records.err_count > errors:
                            exc = _CutShort("its block does not end where its Content-Length says")
                        else:
                            whole += 1
                            if outcome is not None:
                                pages += isinstance(outcome, RawDocument)
                                yield outcome
                            continue
                    where = f"after {whole} whole record(s)" if whole else "before any whole record"
                    what = f"record {record_id}" if record_id else f"WARC damaged or cut short {where}"
                    yield Reject(rel, "truncated", f"{what} at byte {start}: {exc}"[:500], record_id)
                    bad_at, damaged = start, True
                    break
            resume = None if bad_at is None else _next_record_start(fh, bad_at + 1, gzipped)
    finally:
        fh.close()
    if damaged:
        return  # the file is accounted for by its rejects
    if not whole:
        yield Reject(rel, "empty", "no WARC record in the file")
    elif not pages:
        yield Reject(rel, "not_article", "no HTML response record (only requests, metadata or other types)")


def _next_record_start(fh: Any, after: int, gzipped: bool) -> int | None:
    """Offset of the first record start at or after `after`: a gzip member's magic bytes, or a
    "WARC/1." version line at the start of a line. None at the end of the file."""
    marker = b"\x1f\x8b\x08" if gzipped else b"\nWARC/1."
    shift = 0 if gzipped else 1
    fh.seek(max(0, after - shift))
    base, carry = fh.tell(), b""
    while chunk := fh.read(1 << 20):
        data = carry + chunk
        found = data.find(marker)
        if found >= 0:
            return base - len(carry) + found + shift
        carry = data[-(len(marker) - 1) :]
        base += len(chunk)
    return None


def _tail_damage(fh: io.BufferedReader, end: int) -> _CutShort | None:
    """Bytes after the last whole record that are not blank: a record warcio gave up on silently
    (a gzip member cut before its first whole line ends the iteration as if the file ended)."""
    fh.seek(end)
    tail = fh.read(1 << 16)
    if tail.strip():
        return _CutShort(f"{fh.seek(0, io.SEEK_END) - end} bytes after it are not a whole record")
    return None


def _warc_record(record: Any, rel: str, limits: LimitsSettings) -> RawDocument | Reject | None:
    """The page in one WARC record (None for records that hold none); raises _CutShort if torn."""
    headers = record.rec_headers
    missing = [h for h in _REQUIRED_WARC_HEADERS if not headers.get_header(h)]
    if missing:
        raise _CutShort(f"record header block lacks {', '.join(missing)}")
    record_id = headers.get_header("WARC-Record-ID")
    http = record.http_headers
    content_type = (http.get_header("Content-Type") if http else "") or ""
    status = (http.get_statuscode() if http else "") or ""
    is_page = (
        record.rec_type == "response"
        and content_type.lower().startswith(_HTML_TYPES)
        and status.startswith("2")
    )
    payload = None
    if is_page:
        try:
            payload = read_stream_capped(record.content_stream(), limits.max_decompressed_bytes)
        except TooLarge:
            _drain_whole(record)
            return Reject(
                rel, "too_large", f"record payload over {limits.max_decompressed_bytes} bytes", record_id
            )
    _drain_whole(record)
    if payload is None:
        return None
    result = decode_with_utf8(payload, declared=_charset(content_type), html=True)
    if isinstance(result, str):
        return Reject(rel, *reject_reason(result), record_id)
    text, encoding, utf8 = result
    return RawDocument(
        raw_path=rel,
        kind="html",
        text=text,
        raw_record=record_id,
        url=headers.get_header("WARC-Target-URI"),
        fetched_at=_warc_date(headers.get_header("WARC-Date")),
        encoding=encoding,
        utf8=utf8,
    )


def _drain_whole(record: Any) -> None:
    """Read the rest of the record's block; raise _CutShort if the file ends before it does."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    left = getattr(stream, "limit", 0)
    if left:
        raise _CutShort(f"record ends {left} bytes short of its Content-Length")


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    return match.group(1) if match else None


def _warc_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None
