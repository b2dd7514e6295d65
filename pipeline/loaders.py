"""raw/ -> RawDocument: find the inputs, read them safely, decode them to text.

Everything that can go wrong with a scraped file goes wrong here (empty, binary, cut short, in a
legacy encoding, behind a link that leaves raw/), so each failure becomes a Reject with a specific
reason instead of an exception: a run never stops for one bad file and never loses track of it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import location
from pipeline.models import RawDocument, Reject
from pipeline.settings import Limits

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


def iter_inputs(raw_root: str | Path) -> Iterator[InputFile | Reject]:
    """Every input file under raw_root in a stable (sorted) order; links out of raw/ are rejected.

    Hidden files and names ending in .open (a WARC still being written) are skipped, not rejected:
    they are not inputs yet. raw_root may be an fsspec URL.
    """
    local = location.local_path(raw_root)
    if local is None:
        yield from _iter_remote(str(raw_root))
        return
    root = local.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        base = Path(dirpath)
        # A symlinked directory is not walked into (followlinks=False); account for it here.
        for d in list(dirnames):
            if (base / d).is_symlink():
                dirnames.remove(d)
                rel = (base / d).relative_to(root).as_posix()
                yield from _check_link(root, base / d, rel, directory=True)
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".open") or name.endswith(".tmp"):
                continue
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                yield from _check_link(root, path, rel, directory=False)
                continue
            try:
                st = path.stat()
            except OSError as exc:
                yield Reject(rel, "unreadable", f"cannot stat: {exc.strerror}")
                continue
            yield InputFile(rel, st.st_size, st.st_mtime_ns)


def _iter_remote(url: str) -> Iterator[InputFile]:
    """Inputs under an fsspec URL (s3://bucket/raw, memory://raw, ...): size and mtime from listing."""
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


def _check_link(root: Path, path: Path, rel: str, directory: bool) -> Iterator[InputFile | Reject]:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        yield Reject(rel, "unreadable", "broken symbolic link")
        return
    if not target.is_relative_to(root):
        yield Reject(rel, "outside_raw", "symbolic link to a path outside the raw root; not followed")
        return
    if directory:
        # Inside raw/: its files are reached through their real path already.
        return
    st = target.stat()
    yield InputFile(rel, st.st_size, st.st_mtime_ns)


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


def load(raw_root: str | Path, item: InputFile, limits: Limits) -> Iterator[RawDocument | Reject]:
    """The documents of one input file (one, or one per WARC response record), or its rejects."""
    rel = item.rel_path
    kind = input_kind(rel)
    if kind is None:
        yield Reject(
            rel, "unsupported", f"not a text dump, HTML page or WARC file: {Path(rel).suffix or 'no suffix'}"
        )
        return
    if item.size > limits.max_file_bytes:
        yield Reject(rel, "too_large", f"{item.size} bytes > limit {limits.max_file_bytes}")
        return
    if kind == "warc":
        yield from _load_warc(raw_root, rel, limits)
        return
    try:
        with location.open_input(raw_root, rel) as fh:
            data = fh.read()
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot read: {exc.strerror}")
        return
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
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text.
    if len(data) >= 4 and data[1:200:2].count(0) > 0.8 * len(data[1:200:2]):
        try:
            return _finish(data.decode("utf-16-le"), "utf-16-le")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        return "binary"
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
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


def _finish(text: str, encoding: str) -> tuple[str, str] | str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return "empty"
    sample = text[:8192]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        return "binary"
    return text, encoding


# --- WARC ---------------------------------------------------------------------------------------

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _load_warc(raw_root: str | Path, rel: str, limits: Limits) -> Iterator[RawDocument | Reject]:
    """One RawDocument per HTML response record; a record cut short ends the file with a reject.

    Records before the damage are kept: a crawl killed mid-write loses only its last record.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        fh = location.open_input(raw_root, rel)  # closed in finally, records stream from it
    except OSError as exc:
        yield Reject(rel, "unreadable", f"cannot read: {exc.strerror}")
        return
    seen_any = False
    try:
        iterator = ArchiveIterator(fh)
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except (
                ArchiveLoadFailed,
                EOFError,
                OSError,
                zlib.error,
                ValueError,
                AttributeError,
                TypeError,
            ) as exc:
                # warcio reports a record cut short in several ways (AttributeError on a torn header).
                where = "after its last whole record" if seen_any else "before any whole record"
                yield Reject(rel, "truncated", f"WARC damaged {where}: {type(exc).__name__}: {exc}"[:500])
                return
            seen_any = True
            if record.rec_type != "response":
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
            http = record.http_headers
            content_type = (http.get_header("Content-Type") if http else "") or ""
            if http is None or not content_type.lower().startswith(_HTML_TYPES):
                continue
            status = http.get_statuscode() if http else "200"
            if status and not status.startswith("2"):
                continue
            try:
                payload = _read_capped(record.content_stream(), limits.max_decompressed_bytes)
            except _TooLarge:
                yield Reject(
                    rel, "too_large", f"record payload over {limits.max_decompressed_bytes} bytes", record_id
                )
                continue
            except (EOFError, OSError, zlib.error, ValueError) as exc:
                yield Reject(rel, "truncated", f"record payload cut short: {exc}", record_id)
                return
            charset = _charset(content_type)
            result = decode(payload, declared=charset, html=True)
            if isinstance(result, str):
                yield Reject(rel, *_reason(result), record_id)
                continue
            text, encoding = result
            yield RawDocument(
                raw_path=rel,
                kind="html",
                text=text,
                raw_record=record_id,
                url=record.rec_headers.get_header("WARC-Target-URI"),
                fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
                encoding=encoding,
            )
    finally:
        fh.close()


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
