"""Reads that stop at a limit: a file that grew, a gzip bomb or a huge WARC record must not fill memory."""

from __future__ import annotations

import io
import os
from typing import IO


class TooLarge(Exception):
    """The data went past the limit it was read with."""


def read_file_capped(fh: IO[bytes], limit: int) -> bytes:
    """At most limit bytes of an open file: a file that grew since it was listed must not fill memory."""
    try:  # read(limit + 1) would allocate limit + 1 bytes for every file, then shrink them
        size = min(os.fstat(fh.fileno()).st_size, limit)
    except (AttributeError, OSError, io.UnsupportedOperation):  # an fsspec file
        size = limit
    data = fh.read(size + 1)
    if size < len(data) <= limit:  # it grew since the stat: read on, up to the limit
        data += fh.read(limit + 1 - len(data))
    if len(data) > limit:
        raise TooLarge
    return data


def read_stream_capped(stream: IO[bytes], limit: int) -> bytes:
    """A stream read whole, refusing to go past limit."""
    out = io.BytesIO()
    while chunk := stream.read(1 << 16):
        out.write(chunk)
        if out.tell() > limit:
            raise TooLarge
    return out.getvalue()
