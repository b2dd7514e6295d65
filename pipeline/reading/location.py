"""Where raw/ and curated/ live: a local path, a file:// URL, or any fsspec URL (s3://, gs://, ...).

Local paths keep the fast, careful code paths (symlink checks, flock, atomic renames). Other
filesystems are reached through fsspec: raw/ can be read from anywhere; curated/ must be local
(see store.py: the commit relies on rename, which object stores do not have).

raw/ is resolved once where a run starts (RawRoot.resolve): its real path, or its fsspec
filesystem, is then handed down to the listing, the batches and the workers, which never resolve
it again.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class RawRoot:
    """raw/ as a run reads it: resolved once, then passed down to every step that lists or reads it.

    Local: `local` is raw/'s real path (links resolved), what every input is checked to stay
    inside. Under an fsspec URL: `fs` is the filesystem and `base` raw/'s path within it.
    `shown` is how the run names raw/ (its summary, its messages).
    """

    shown: str
    local: Path | None
    fs: Any = None
    base: str = ""

    @classmethod
    def resolve(cls, raw: str | Path, show_real: bool = False) -> RawRoot:
        """raw/ resolved: a local path or file:// URL to its real path, another URL to its filesystem.

        show_real: the run names raw/ by its real path (or URL) rather than as it was given.
        """
        local = local_path(raw)
        if local is None:
            fs, base = filesystem(str(raw))
            return cls(str(raw), None, fs, base)
        real = local.resolve()
        return cls(str(real if show_real else local), real)

    def __str__(self) -> str:
        return self.shown

    def is_dir(self) -> bool:
        if self.local is not None:
            return self.local.is_dir()
        return bool(self.fs.isdir(self.base))

    def input_path(self, rel_path: str) -> Path | str | None:
        """The input's real path if it is still inside raw/, else None.

        Checked again just before reading, because a link or directory can be swapped for a link
        to somewhere else between listing and reading: nothing outside raw/ is ever opened.
        Under an fsspec URL (no links there), the input's path on the filesystem.
        """
        if self.local is None:
            return f"{self.base}/{rel_path}"
        # Path.resolve(strict=True) and is_relative_to, on strings: pathlib's own overhead was half
        # of this check's cost.
        top = str(self.local)
        try:
            real = os.path.realpath(os.path.join(top, rel_path), strict=True)
        except (OSError, RuntimeError):
            return self.local / rel_path  # gone or broken: the read reports it as unreadable
        inside = real == top or real.startswith(inside_prefix(top))
        return Path(real) if inside else None

    def open(self, path: Path | str) -> IO[bytes]:
        """A binary file object for a path input_path gave."""
        if isinstance(path, Path):
            return _open_regular(path)
        return self.fs.open(path, "rb")


def inside_prefix(top: str) -> str:
    """What every path strictly below the directory top starts with ("/" stays "/")."""
    return top if top.endswith(os.sep) else top + os.sep


def require_local(location: str | Path, what: str) -> Path:
    path = local_path(location)
    if path is None:
        raise ValueError(
            f"{what} {location!r}: only a local path or file:// URL is supported here "
            "(the commit is atomic by rename, which object stores do not offer)"
        )
    return path


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
