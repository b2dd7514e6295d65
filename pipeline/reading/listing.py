"""What is an input under raw/: the listing of raw/ and its guards.

A file is an input when it is a regular file below raw/ (hidden files, files still being written
and crawl bookkeeping are not); a link counts only when it leads to a file inside raw/; FIFOs,
devices and names that are not UTF-8 are rejected rather than read. Each bad entry becomes a
Reject with a reason, so a run never loses track of a file it did not read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.models import Reject
from pipeline.reading.location import RawRoot, inside_prefix, mtime_ns

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


def iter_inputs(raw: RawRoot) -> Iterator[InputFile | Reject]:
    """Every input file under raw/ in a stable (sorted) order; links out of raw/ are rejected.

    Hidden files and names ending in .open (a WARC still being written) are skipped, not rejected:
    they are not inputs yet. The walk keeps its own stack instead of recursing (os.walk recurses
    on Python 3.11), so a directory tree nested thousands deep is read, not a RecursionError.
    raw may be under an fsspec URL (s3://, memory://): see _iter_remote.
    """
    root = raw.local
    if root is None:
        yield from _iter_remote(raw)
        return
    # Paths as strings below raw/: pathlib's parsing was most of a listing's cost (a run lists
    # raw/ twice, once for the progress total, and a no-op rerun does little else).
    top = str(root)
    prefix = inside_prefix(top)
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


def _iter_remote(raw: RawRoot) -> Iterator[InputFile]:
    """Inputs under an fsspec URL: size and mtime from the listing (object stores have no links)."""
    base = raw.base
    for path, info in sorted(raw.fs.find(base, detail=True).items()):
        rel = path[len(base) :].lstrip("/")
        parts = rel.split("/")
        if any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1]):
            continue
        name = parts[-1]
        if name.startswith(".") or name.endswith((".open", ".tmp")):
            continue
        yield InputFile(rel, int(info.get("size") or 0), mtime_ns(info))


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
