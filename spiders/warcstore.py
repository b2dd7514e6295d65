"""WARC files under raw/warc/<site>/: written so that a crash never leaves a record a reader trusts.

Each record is its own gzip member, flushed as soon as it is written; a file being written is named
`*.warc.gz.open` (readers only take `*.warc.gz`) and renamed when closed. A crawl that dies leaves
an `.open` file whose tail may be a partial member: `recover_open_files` cuts it back to the last
whole member and renames it, so every closed file reads cleanly to its end.

File names come from the site key, the time and the process id, never from a URL, so no URL can
make a path that escapes raw/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zlib
from collections.abc import Iterator
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"
_SAFE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
# Hop-by-hop or encoding headers that no longer describe the stored body (Scrapy has already
# decompressed and de-chunked it): kept under a prefixed name so nothing is lost.
_STALE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def site_dir(raw: Path, site: str) -> Path:
    """raw/warc/<site>; the site key is checked so that it cannot name a path outside raw/."""
    if not _SAFE_KEY.match(site):
        raise ValueError(f"bad site key {site!r}")
    return Path(raw) / "warc" / site


def whole_prefix(fh: BinaryIO) -> int:
    """Length of the longest prefix of fh made of complete gzip members."""
    good, consumed, pending = 0, 0, b""
    d = zlib.decompressobj(wbits=31)
    while True:
        chunk, pending = pending or fh.read(1 << 14), b""
        if not chunk:
            return good
        try:
            d.decompress(chunk)  # output discarded; 16 KiB in is at most ~16 MiB out
        except zlib.error:
            return good
        if d.eof:
            # Everything fed so far, minus the unused tail, belonged to the member just closed.
            good += consumed + len(chunk) - len(d.unused_data)
            consumed, pending = 0, d.unused_data
            d = zlib.decompressobj(wbits=31)
        else:
            consumed += len(chunk)


def response_urls(path: Path) -> Iterator[tuple[str, dt.datetime | None]]:
    """WARC-Target-URI and WARC-Date (the fetch time) of every response record of a (whole)
    WARC file."""
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri:
                    yield uri, _warc_date(record.rec_headers.get_header("WARC-Date"))


def _warc_date(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def recover_open_files(directory: Path) -> list[tuple[str, dt.datetime | None]]:
    """Close the `.open` files a dead crawl left: truncate each to its last whole record, rename
    it to its final name, and return the URLs of the responses it holds with their fetch times
    (so the caller can put them in the index of stored URLs). Files with no whole record are
    removed."""
    urls: list[tuple[str, dt.datetime | None]] = []
    if not directory.exists():
        return urls
    for path in sorted(directory.rglob("*" + OPEN_SUFFIX)):
        with open(path, "r+b") as fh:
            keep = whole_prefix(fh)
            fh.truncate(keep)
        if keep == 0:
            path.unlink()
            continue
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, final)
        urls.extend(response_urls(final))
    return urls


class WarcFileWriter:
    """Appends request/response pairs to WARC files of one site, rotating at max_bytes."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        max_bytes: int = 100 * 1024 * 1024,
        fsync: bool = False,
        software: str = "tajrus-corpus spiders",
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.software = software
        self._fh: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self._seq = 0
        self.closed_files: list[Path] = []

    def _open(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self._seq += 1
        folder = self.directory / f"{now:%Y}" / f"{now:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{now:%Y%m%dT%H%M%S}-{os.getpid()}-{self._seq:04d}.warc.gz"
        self._path = folder / (name + OPEN_SUFFIX)
        self._fh = open(self._path, "xb")  # noqa: SIM115 - stays open across writes until close()
        self._writer = WARCWriter(self._fh, gzip=True)
        info = self._writer.create_warcinfo_record(name, {"software": self.software, "format": "WARC/1.1"})
        self._writer.write_record(info)
        self._fh.flush()

    def write(
        self,
        *,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        fetched_at: dt.datetime,
        ip: str | None = None,
    ) -> None:
        """Write a request record and its response record, each its own gzip member, then flush."""
        if self._fh is None or (self._fh.tell() >= self.max_bytes):
            self.close()
            self._open()
        assert self._writer is not None and self._fh is not None
        warc_date = fetched_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = [(k, v) for k, v in response_headers if k.lower() not in _STALE_HEADERS]
        headers += [(f"X-Original-{k}", v) for k, v in response_headers if k.lower() in _STALE_HEADERS]
        headers.append(("Content-Length", str(len(body))))
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        response = self._writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": warc_date, **({"WARC-IP-Address": ip} if ip else {})},
        )
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        request = self._writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),
            http_headers=StatusAndHeaders(
                f"{method} /{path} HTTP/1.1", request_headers, is_http_request=True
            ),
            warc_headers_dict={
                "WARC-Date": warc_date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        self._writer.write_record(request)
        self._writer.write_record(response)
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Finish the current file and give it its final name (readers pick it up from now on)."""
        if self._fh is None or self._path is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self._path.with_name(self._path.name.removesuffix(OPEN_SUFFIX))
        os.replace(self._path, final)
        self.closed_files.append(final)
        self._fh = self._path = self._writer = None
