"""Where raw/ and curated/ live: a local path, a file:// URL, or any fsspec URL (s3://, gs://, ...).

Local paths keep the fast, careful code paths (symlink checks, flock, atomic renames). Other
filesystems are reached through fsspec: raw/ can be read from anywhere; curated/ must be local
(see store.py: the commit relies on rename, which object stores do not have).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit


def local_path(location: str | Path) -> Path | None:
    """The local path of a plain path or file:// URL; None for other fsspec URLs."""
    if isinstance(location, Path):
        return location
    if location.startswith("file://"):
        return Path(urlsplit(location).path)
    if "://" in location:
        return None
    return Path(location)


def filesystem(location: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a URL."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(location)
    return fs, path.rstrip("/")


def require_local(location: str | Path, what: str) -> Path:
    path = local_path(location)
    if path is None:
        raise ValueError(
            f"{what} {location!r}: only a local path or file:// URL is supported here "
            "(the commit is atomic by rename, which object stores do not offer)"
        )
    return path


def open_file(path: Path | str) -> IO[bytes]:
    """A binary file object for a local path or an fsspec URL (from loaders.resolve_input)."""
    if isinstance(path, Path):
        return _open_regular(path)
    fs, inner = filesystem(path)
    return fs.open(inner, "rb")


class NotRegularFile(OSError):
    """The path is a FIFO, a device or a socket: reading it could block forever."""


def _open_regular(path: Path) -> IO[bytes]:
    """Open a local file for reading without ever blocking, and only if it is a regular file.

    A file listed as regular can be swapped for a FIFO before it is read; open() on a FIFO
    blocks until a writer appears, holding the run's lock forever. O_NONBLOCK makes that open
    return at once; fstat then tells what was opened, and anything but a regular file is refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(
                errno.EINVAL, "not a regular file (a FIFO, device or socket); not read", str(path)
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_dir(location: str | Path) -> bool:
    local = local_path(location)
    if local is not None:
        return local.is_dir()
    fs, path = filesystem(str(location))
    return bool(fs.isdir(path))


def mtime_ns(info: dict[str, Any]) -> int:
    """Modification time from an fsspec info dict, in ns; filesystems name it differently."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 1e9)
        if isinstance(value, str):
            import datetime as dt

            return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1e9)
        return int(float(value) * 1e9)
    return 0
