"""Bytes to text: charsets (BOMs, declarations, legacy Cyrillic code pages) and gzip.

Scraped files come in every encoding Russian and Tajik pages were ever published in, and their
declarations lie; decode() picks the reading that looks like prose, and says why when none does.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re

from pipeline.reading.capped import TooLarge

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
    """(text, encoding) or an error code ('empty', 'binary', 'undecodable')."""
    result = decode_with_utf8(data, declared, html)
    return result if isinstance(result, str) else result[:2]


def decode_with_utf8(data: bytes, declared: str | None, html: bool) -> tuple[str, str, bytes | None] | str:
    """decode(), and as third value data itself when it is exactly text.encode("utf-8"): strict
    UTF-8 that decoding changed nothing in (no BOM, CR, NUL padding or control byte dropped).

    The HTML parser reads those bytes instead of encoding the text again (0.7 M instructions on a
    60 KB page); told here, where the checks are made anyway, rather than checked a second time.

    Trust order: a BOM; strict UTF-8 (bytes that decode as UTF-8 almost never are anything else);
    a declared charset (HTTP header, meta, XML declaration) only if it decodes cleanly and
    plausibly, since declarations lie; then the legacy Cyrillic code pages, chosen by how Russian
    the result looks; then Windows-1252.
    """
    original = len(data)
    if not data.strip():
        return "empty"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return "undecodable"
            return _no_bytes(_finish(text, encoding))
    # A file cut off by a crash is often padded with NUL bytes: the text before them is whole.
    unpadded = data.rstrip(b"\x00")
    if not unpadded.strip():
        return "empty"
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text (its last NUL is not padding).
    head = unpadded[1:200:2]
    if len(unpadded) >= 4 and head.count(0) > 0.8 * len(head):
        try:
            text = data[: len(unpadded) + len(unpadded) % 2].decode("utf-16-le")
            return _no_bytes(_finish(text, "utf-16-le"))
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
        controls = _has_control_bytes(data)
        finished = _finish(text, "utf-8", controls=controls)
        if isinstance(finished, str):
            return finished
        # _finish hands the same string back when it changed nothing (no CR to normalise).
        exact = not controls and finished[0] is text and len(data) == original
        return finished[0], finished[1], data if exact else None
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
        return _no_bytes(_finish(best[1], best[2]))
    try:
        return _no_bytes(_finish(data.decode("cp1252"), "cp1252"))
    except UnicodeDecodeError:
        return "undecodable"


def _no_bytes(result: tuple[str, str] | str) -> tuple[str, str, None] | str:
    return result if isinstance(result, str) else (result[0], result[1], None)


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


def reject_reason(code: str) -> tuple[str, str]:
    """The Reject reason and detail for an error code of decode()."""
    return {
        "empty": ("empty", "no content, or only whitespace"),
        "binary": ("binary", "binary data, not text (NUL or control bytes)"),
        "undecodable": ("undecodable", "no supported encoding decodes it as plausible text"),
    }[code]


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress every member, refusing to go past limit (a gzip bomb must not fill memory)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        while chunk := gz.read(1 << 20):
            out.write(chunk)
            if out.tell() > limit:
                raise TooLarge
    return out.getvalue()
