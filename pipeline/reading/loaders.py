"""raw/ -> RawDocument: read one input safely and decode it to text.

Everything that can go wrong with a scraped file goes wrong here (empty, binary, cut short, in a
legacy encoding, behind a link that leaves raw/), so each failure becomes a Reject with a specific
reason instead of an exception: a run never stops for one bad file and never loses track of it.
The parts live apart: what is an input (listing), reads that stop at a limit (capped), bytes to
text (decoding), WARC records (warc).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.models import RawDocument, Reject
from pipeline.reading.capped import TooLarge, read_file_capped
from pipeline.reading.decoding import decode_with_utf8, gunzip, reject_reason
from pipeline.reading.listing import InputFile, input_kind
from pipeline.reading.location import RawRoot
from pipeline.reading.warc import load_warc
from pipeline.settings import LimitsSettings


def load(raw: RawRoot, item: InputFile, limits: LimitsSettings) -> Iterator[RawDocument | Reject]:
    """The documents of one input file (one, or one per WARC response record), or its rejects."""
    yield from load_resolved(raw, raw.input_path(item.rel_path), item, limits)


def load_resolved(
    raw: RawRoot,
    path: Path | str | None,
    item: InputFile,
    limits: LimitsSettings,
    on_read: Callable[[bytes], None] | None = None,
) -> Iterator[RawDocument | Reject]:
    """load() for a path already given by raw.input_path (None: it leads outside raw/).

    A caller that needs the file's digest too resolves once and passes on_read: it is handed the
    file's bytes whenever a text or HTML file is read whole, so the file is not read a second time.
    """
    rel = item.rel_path
    kind = input_kind(rel)
    if kind is None:
        yield Reject(
            rel, "unsupported", f"not a text dump, HTML page or WARC file: {Path(rel).suffix or 'no suffix'}"
        )
        return
    if path is None:
        yield Reject(rel, "outside_raw", "now leads outside the raw root (changed since listed); not read")
        return
    if kind == "warc":
        # A WARC is a container read record by record: each record's payload is capped instead.
        yield from load_warc(raw, path, rel, limits)
        return
    if item.size > limits.max_file_bytes:
        yield Reject(rel, "too_large", f"{item.size} bytes > limit {limits.max_file_bytes}")
        return
    try:
        with raw.open(path) as fh:
            data = read_file_capped(fh, limits.max_file_bytes)
    except TooLarge:
        yield Reject(rel, "too_large", f"grew past the limit {limits.max_file_bytes} since listed")
        return
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot read: {exc.strerror or exc}")
        return
    if on_read is not None:
        on_read(data)
    if rel.lower().endswith(".gz"):
        try:
            data = gunzip(data, limits.max_decompressed_bytes)
        except TooLarge:
            yield Reject(rel, "too_large", f"decompresses to more than {limits.max_decompressed_bytes} bytes")
            return
        except (EOFError, OSError, zlib.error) as exc:
            yield Reject(rel, "truncated", f"gzip stream is damaged or cut short: {exc}")
            return
    result = decode_with_utf8(data, declared=None, html=(kind == "html"))
    if isinstance(result, str):
        yield Reject(rel, *reject_reason(result))
        return
    text, encoding, utf8 = result
    # The bytes ride along for the HTML parser only: a text dump waits for the end of its batch
    # (its chrome is learned from the batch) and would hold them all that time.
    utf8 = utf8 if kind == "html" else None
    yield RawDocument(raw_path=rel, kind=kind, text=text, encoding=encoding, utf8=utf8)  # type: ignore[arg-type]
