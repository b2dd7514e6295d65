"""raw/ -> RawDocument: find the inputs, read them safely, decode them to text.

Everything that can go wrong with a scraped file goes wrong here (empty, binary, cut short, in a
legacy encoding, behind a link that leaves raw/), so each failure becomes a Reject with a specific
reason instead of an exception: a run never stops for one bad file and never loses track of it.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.models import RawDocument, Reject
from pipeline.reading import location
from pipeline.settings import LimitsSettings

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
WARC_SUFFIXES = (".warc", ".warc.gz")
# Directories under raw/ that hold crawl bookkeeping, not inputs.
SKIP_DIRS = frozenset({"_state", ".git", "__pycache__"})


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file under raw/, identified by its path relative to the raw root."""

    rel_path: str
    size: int
    mtime_ns: int
    # Which file this is on its filesystem (device, inode, change time): what cp -p, tar and
    # rsync -t do not carry over, so a copy with the same size and mtime is still told apart.
    # Empty where the filesystem has no such thing (object stores).
    ident: str = ""


def iter_inputs(raw_root: str | Path) -> Iterator[InputFile | Reject]:
    """Every input file under raw_root in a stable (sorted) order; links out of raw/ are rejected.

    Hidden files and names ending in .open (a WARC still being written) are skipped, not rejected:
    they are not inputs yet. The walk keeps its own stack instead of recursing (os.walk recurses
    on Python 3.11), so a directory tree nested thousands deep is read, not a RecursionError.
    raw_root may be an fsspec URL (s3://, memory://): see _iter_remote.
    """
    local = location.local_path(raw_root)
    if local is None:
        yield from _iter_remote(str(raw_root))
        return
    root = local.resolve()
    # Paths as strings below raw/: pathlib's parsing was most of a listing's cost (a run lists
    # raw/ twice, once for the progress total, and a no-op rerun does little else).
    top = str(root)
    prefix = _inside_prefix(top)
    stack = [top]
    while stack:
        base = stack.pop()
        try:
            with os.scandir(base) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Reject(_rel(root, Path(base))[0], "unreadable", f"cannot list directory: {exc.strerror}")
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in SKIP_DIRS:
                continue
            if entry.is_symlink():
                yield from _check_link(root, Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                subdirs.append(entry.path)
            elif not name.endswith((".open", ".tmp")):
                yield from _regular_entry(prefix, entry)
        stack.extend(reversed(subdirs))


def _regular_entry(prefix: str, entry: os.DirEntry[str]) -> Iterator[InputFile | Reject]:
    """_regular for a directory entry that is not a link, its relative path cut from a string."""
    real = entry.path[len(prefix) :]
    rel = os.fsencode(real).decode("utf-8", "backslashreplace")
    yield from _input_file(rel, rel == real, entry.stat)


def _rel(root: Path, path: Path) -> tuple[str, bool]:
    """The path relative to raw/ as valid UTF-8 (a byte that is not shows as \\xNN), and whether
    that is the real name: a name that cannot be stored as it is cannot be pointed back to."""
    real = path.relative_to(root).as_posix()
    safe = os.fsencode(real).decode("utf-8", "backslashreplace")
    return safe, safe == real


def _regular(root: Path, path: Path, target: Path) -> Iterator[InputFile | Reject]:
    """An InputFile for a regular file with a UTF-8 name; a FIFO or device would block or never end."""
    rel, storable = _rel(root, path)
    yield from _input_file(rel, storable, target.stat)


def _input_file(
    rel: str, storable: bool, stat_of: Callable[[], os.stat_result]
) -> Iterator[InputFile | Reject]:
    try:
        st = stat_of()
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot stat: {exc.strerror}")
        return
    if not stat.S_ISREG(st.st_mode):
        yield Reject(rel, "unsupported", "not a regular file (FIFO, socket or device); not read")
    elif not storable:
        yield Reject(rel, "unsupported", "file name is not valid UTF-8; rename the file to read it")
    else:
        yield InputFile(rel, st.st_size, st.st_mtime_ns, f"{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}")


def _check_link(root: Path, path: Path) -> Iterator[InputFile | Reject]:
    """A link is read only if it leads to a file inside raw/ (a link to a directory inside raw/
    adds nothing: its files are reached through their real path)."""
    rel = _rel(root, path)[0]
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        yield Reject(rel, "unreadable", "broken symbolic link (or a loop of links)")
        return
    if not target.is_relative_to(root):
        yield Reject(rel, "outside_raw", "symbolic link to a path outside the raw root; not followed")
    elif not target.is_dir():
        yield from _regular(root, path, target)


def _iter_remote(url: str) -> Iterator[InputFile]:
    """Inputs under an fsspec URL: size and mtime from the listing (object stores have no links)."""
    fs, base = location.filesystem(url)
    for path, info in sorted(fs.find(base, detail=True).items()):
        rel = path[len(base) :].lstrip("/")
        parts = rel.split("/")
        if any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
            continue
        name = parts[-1]
        if name.startswith(".") or name.endswith((".open", ".tmp")):
            continue
        yield InputFile(rel, int(info.get("size") or 0), location.mtime_ns(info))


def resolve_input(raw_root: str | Path, rel_path: str, root: Path | None = None) -> Path | str | None:
    """The input's real path if it is still inside raw/, else None.

    Checked again just before reading, because a link or directory can be swapped for a link
    to somewhere else between listing and reading: nothing outside raw/ is ever opened.
    Under an fsspec URL (no links there), the input's URL.
    """
    local = location.local_path(raw_root)
    if local is None:
        return f"{str(raw_root).rstrip('/')}/{rel_path}"
    root = root or local.resolve()  # root: resolved_root(raw_root), when the caller has it
    # Path.resolve(strict=True) and is_relative_to, on strings: pathlib's own overhead was half
    # of this check's cost.
    top = str(root)
    try:
        real = os.path.realpath(os.path.join(top, rel_path), strict=True)
    except (OSError, RuntimeError):
        return root / rel_path  # gone or broken: the read reports it as unreadable
    inside = real == top or real.startswith(_inside_prefix(top))
    return Path(real) if inside else None


def _inside_prefix(top: str) -> str:
    """What every path strictly below the directory top starts with ("/" stays "/")."""
    return top if top.endswith(os.sep) else top + os.sep


def resolved_root(raw_root: str | Path) -> Path | None:
    """raw/'s real path (None under an fsspec URL): resolved once for a batch of resolve_input calls."""
    local = location.local_path(raw_root)
    return None if local is None else local.resolve()


def input_kind(rel_path: str) -> str | None:
    """'text', 'html' or 'warc' by file name (a trailing .gz is looked through), else None."""
    name = rel_path.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def load(raw_root: str | Path, item: InputFile, limits: LimitsSettings) -> Iterator[RawDocument | Reject]:
    """The documents of one input file (one, or one per WARC response record), or its rejects."""
    yield from load_resolved(resolve_input(raw_root, item.rel_path), item, limits)


def load_resolved(
    path: Path | str | None,
    item: InputFile,
    limits: LimitsSettings,
    on_read: Callable[[bytes], None] | None = None,
) -> Iterator[RawDocument | Reject]:
    """load() for a path already given by resolve_input (None: it leads outside raw/).

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
        yield from _load_warc(path, rel, limits)
        return
    if item.size > limits.max_file_bytes:
        yield Reject(rel, "too_large", f"{item.size} bytes > limit {limits.max_file_bytes}")
        return
    try:
        data = _read_capped_file(path, limits.max_file_bytes)
    except _TooLarge:
        yield Reject(rel, "too_large", f"grew past the limit {limits.max_file_bytes} since listed")
        return
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot read: {exc.strerror or exc}")
        return
    if on_read is not None:
        on_read(data)
    if rel.lower().endswith(".gz"):
        try:
            data = _gunzip(data, limits.max_decompressed_bytes)
        except _TooLarge:
            yield Reject(rel, "too_large", f"decompresses to more than {limits.max_decompressed_bytes} bytes")
            return
        except (EOFError, OSError, zlib.error) as exc:
            yield Reject(rel, "truncated", f"gzip stream is damaged or cut short: {exc}")
            return
    result = decode(data, declared=None, html=(kind == "html"))
    if isinstance(result, str):
        yield Reject(rel, *_reason(result))
        return
    text, encoding = result
    yield RawDocument(raw_path=rel, kind=kind, text=text, encoding=encoding)  # type: ignore[arg-type]


class _TooLarge(Exception):
    pass


def _read_capped_file(path: Path | str, limit: int) -> bytes:
    """At most limit bytes: a file that grew since it was listed must not fill memory."""
    with location.open_file(path) as fh:
        try:  # read(limit + 1) would allocate limit + 1 bytes for every file, then shrink them
            size = min(os.fstat(fh.fileno()).st_size, limit)
        except (AttributeError, OSError, io.UnsupportedOperation):  # an fsspec file
            size = limit
        data = fh.read(size + 1)
        if size < len(data) <= limit:  # it grew since the stat: read on, up to the limit
            data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise _TooLarge
    return data


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress every member, refusing to go past limit (a gzip bomb must not fill memory)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        while chunk := gz.read(1 << 20):
            out.write(chunk)
            if out.tell() > limit:
                raise _TooLarge
    return out.getvalue()


def _reason(code: str) -> tuple[str, str]:
    return {
        "empty": ("empty", "no content, or only whitespace"),
        "binary": ("binary", "binary data, not text (NUL or control bytes)"),
        "undecodable": ("undecodable", "no supported encoding decodes it as plausible text"),
    }[code]


# --- decoding -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])
# Single-byte encodings that Russian and Tajik pages were published in before UTF-8.
_LEGACY_CYRILLIC = ("cp1251", "koi8-r", "koi8-u", "iso-8859-5", "cp866")


def decode(data: bytes, declared: str | None, html: bool) -> tuple[str, str] | str:
    """(text, encoding) or an error code ('empty', 'binary', 'undecodable').

    Trust order: a BOM; strict UTF-8 (bytes that decode as UTF-8 almost never are anything else);
    a declared charset (HTTP header, meta, XML declaration) only if it decodes cleanly and
    plausibly, since declarations lie; then the legacy Cyrillic code pages, chosen by how Russian
    the result looks; then Windows-1252.
    """
    if not data.strip():
        return "empty"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return "undecodable"
            return _finish(text, encoding)
    # A file cut off by a crash is often padded with NUL bytes: the text before them is whole.
    unpadded = data.rstrip(b"\x00")
    if not unpadded.strip():
        return "empty"
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text (its last NUL is not padding).
    head = unpadded[1:200:2]
    if len(unpadded) >= 4 and head.count(0) > 0.8 * len(head):
        try:
            return _finish(data[: len(unpadded) + len(unpadded) % 2].decode("utf-16-le"), "utf-16-le")
        except UnicodeDecodeError:
            pass
    data = unpadded
    sample = data[:8192]
    if len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > max(8, len(sample) // 100):
        return "binary"  # no text encoding we read uses these bytes for letters
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _finish(text, "utf-8", controls=_has_control_bytes(data))
    candidates: list[str] = []
    for name in (declared, _declared_in(data) if html else None):
        if name:
            try:
                candidates.append(codecs.lookup(name).name)
            except LookupError:
                continue
    candidates += [c for c in _LEGACY_CYRILLIC if c not in candidates]
    best: tuple[float, str, str] | None = None
    for encoding in candidates:
        if encoding in ("utf-8", "ascii"):
            continue
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _plausibility(text)
        if best is None or score > best[0] + 0.02:
            best = (score, text, encoding)
    if best is not None and best[0] > 0.5:
        return _finish(best[1], best[2])
    try:
        return _finish(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return "undecodable"


def _declared_in(data: bytes) -> str | None:
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_DECL.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


_RUSSIAN_LOWER = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяӣӯҳқҷғ")


def _plausibility(text: str) -> float:
    """How much a decoding looks like real prose: its non-ASCII characters are lowercase letters.

    Russian decoded with the wrong code page comes out as capitals, Serbian letters, box drawing
    or symbols; decoded right, nearly every non-ASCII character is a lowercase Cyrillic letter.
    """
    sample = text[:20000]
    nonascii = [ch for ch in sample if ord(ch) > 127]
    if len(nonascii) < 20:
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in sample)
        return printable / max(1, len(sample)) - 0.4
    return sum(ch in _RUSSIAN_LOWER for ch in nonascii) / len(nonascii)


def _has_control_bytes(data: bytes) -> bool:
    """Whether UTF-8 data decodes to any character of _CONTROL: in UTF-8 those characters are
    the same single bytes, which never occur inside a multi-byte character. Deleting bytes is
    about seven times cheaper than a regular expression search of the decoded text."""
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def _finish(text: str, encoding: str, controls: bool = True) -> tuple[str, str] | str:
    """Newlines normalised; a few stray control bytes (NUL mid-text) dropped; many mean binary.

    controls=False: the caller knows text has no control characters, so they are not searched for.
    """
    if "\r" in text:  # a search costs 1/70 of the two replaces that find nothing (60 KB page)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return "empty"
    if not controls:
        return text, encoding
    sample = text[:8192]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        return "binary"
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text, encoding


# --- WARC ---------------------------------------------------------------------------------------

_HTML_TYPES = ("text/html", "application/xhtml+xml")


_WARC_ERRORS = (EOFError, OSError, zlib.error, ValueError, AttributeError, TypeError)
_REQUIRED_WARC_HEADERS = ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length")


class _CutShort(Exception):
    """A WARC record that ends before its Content-Length, or whose header block is torn."""


def _load_warc(path: Path | str, rel: str, limits: LimitsSettings) -> Iterator[RawDocument | Reject]:
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
        fh = location.open_file(path)  # closed in finally, records stream from it
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
            payload = _read_capped(record.content_stream(), limits.max_decompressed_bytes)
        except _TooLarge:
            _drain_whole(record)
            return Reject(
                rel, "too_large", f"record payload over {limits.max_decompressed_bytes} bytes", record_id
            )
    _drain_whole(record)
    if payload is None:
        return None
    result = decode(payload, declared=_charset(content_type), html=True)
    if isinstance(result, str):
        return Reject(rel, *_reason(result), record_id)
    text, encoding = result
    return RawDocument(
        raw_path=rel,
        kind="html",
        text=text,
        raw_record=record_id,
        url=headers.get_header("WARC-Target-URI"),
        fetched_at=_warc_date(headers.get_header("WARC-Date")),
        encoding=encoding,
    )


def _drain_whole(record: Any) -> None:
    """Read the rest of the record's block; raise _CutShort if the file ends before it does."""
    stream = record.raw_stream
    while stream.read(1 << 16):
        pass
    left = getattr(stream, "limit", 0)
    if left:
        raise _CutShort(f"record ends {left} bytes short of its Content-Length")


def _read_capped(stream: io.IOBase, limit: int) -> bytes:
    out = io.BytesIO()
    while chunk := stream.read(1 << 16):
        out.write(chunk)
        if out.tell() > limit:
            raise _TooLarge
    return out.getvalue()


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
