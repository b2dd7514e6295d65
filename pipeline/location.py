"""Where raw/ and curated/ live: a local path, a file:// URL, or any fsspec URL (s3://, gs://, ...).

Local paths keep the fast, careful code paths (symlink checks, flock, atomic renames). Other
filesystems are reached through fsspec: raw/ can be read from anywhere; curated/ must be local
(see store.py: the commit relies on rename, which object stores do not have).
"""

from __future__ import annotations

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
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    fs, inner = filesystem(path)
    return fs.open(inner, "rb")


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
