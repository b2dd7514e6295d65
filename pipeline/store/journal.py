"""How a commit survives a kill: the journal, recovery, and atomic swaps of table directories.

A run writes everything under _staging, then writes a journal naming every rename, then renames.
A run killed before the journal leaves nothing visible (its staging is swept by the next run); a run
killed during the renames is finished by the next run before it starts. Readers never see a
partially written Parquet file, because files only appear in the dataset by rename.

Compaction commits the same way, with directories instead of files: the new version of a table
directory is staged whole, the journal names it, and one atomic exchange (renameat2) puts it in
place of the old one, so a reader lists either the old files or the new one, never both or neither.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.store.kill_points import kill_point
from pipeline.store.layout import JOURNAL_DIR, STAGING_DIR, TRASH_DIR


def write_journal(curated: Path, commit_id: str, payload: dict[str, Any]) -> Path:
    """curated/_journal/<commit_id>.json, durable before any file of the commit moves: what
    recover() needs to finish the commit if the process dies during its renames."""
    journal_dir = curated / JOURNAL_DIR
    journal_dir.mkdir(parents=True, exist_ok=True)
    tmp = journal_dir / f".{commit_id}.json.tmp"
    tmp.write_text(json.dumps(payload))
    sync_file(tmp)
    journal = journal_dir / f"{commit_id}.json"
    os.replace(tmp, journal)
    _fsync_dir(journal_dir)
    return journal


def sync_file(path: Path) -> None:
    """A staged file's bytes on disk before a journal makes the commit that names it final."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def move(curated: Path, src: str, dst: str) -> None:
    """One rename of a journal's moves (paths relative to curated), making dst's directory."""
    dst_path = curated / dst
    dst_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(curated / src, dst_path)


def end_commit(curated: Path, commit_id: str, journal: Path, changed: Iterable[str], point: str) -> None:
    """After the last rename of a commit: the renames made durable (the directories of `changed`,
    paths relative to curated), then the journal, the commit's staging and _trash removed.

    point: the kill point between the two, where recovery has nothing left to do but clean up.
    """
    for parent in {(curated / rel).parent for rel in changed}:
        _fsync_dir(parent)
    kill_point(point)
    journal.unlink()
    shutil.rmtree(curated / STAGING_DIR / commit_id, ignore_errors=True)
    shutil.rmtree(curated / TRASH_DIR, ignore_errors=True)


def recover(curated: Path) -> list[str]:
    """Finish commits a killed run left half done, and sweep staging no journal refers to.

    Returns the run ids whose commit was finished, so that the caller can say so.
    """
    finished = []
    journal_dir = curated / JOURNAL_DIR
    if journal_dir.is_dir():
        for journal in sorted(journal_dir.glob("*.json")):
            try:
                entry = json.loads(journal.read_text())
                moves = entry["moves"] if "swaps" not in entry else []
                swaps = [(unit, name) for unit, name in entry.get("swaps", [])]
            except (OSError, ValueError, KeyError, TypeError):
                # A journal is written to a temporary name and renamed, so a torn one cannot
                # exist; if it does, leaving the files where they are is the safe choice.
                journal.rename(journal.with_suffix(".broken"))
                continue
            for unit, name in swaps:
                _finish_swap(curated, journal.stem, unit, name)
            for src, dst in moves:
                if (curated / src).exists():
                    move(curated, src, dst)
            journal.unlink()
            finished.append(journal.stem)
    staging = curated / STAGING_DIR
    if staging.is_dir():
        for run_dir in staging.iterdir():
            shutil.rmtree(run_dir, ignore_errors=True)
    shutil.rmtree(curated / TRASH_DIR, ignore_errors=True)  # tables a finished rebuild replaced
    return finished


# renameat2(2) flag: swap two existing paths in one step (Linux 3.15+, ext4, xfs, btrfs, tmpfs).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two existing directories atomically; False where the system cannot (then nothing moved).

    The one step that lets a table directory change all its files at once for a reader that lists
    it: before, the old files; after, the new ones; never both, never neither.
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def _swap_in(curated: Path, commit_id: str, unit: str) -> None:
    """The staged version of a table directory takes the live one's place; the old one is left in
    the staged place (to be swept). Without an atomic exchange: old out, new in (a reader between
    the two renames finds the directory empty)."""
    staged, live = curated / STAGING_DIR / commit_id / unit, curated / unit
    if exchange_paths(staged, live):
        return
    trash = curated / TRASH_DIR / commit_id / unit
    trash.parent.mkdir(parents=True, exist_ok=True)
    if live.exists():
        os.replace(live, trash)
        kill_point("compact-between-renames")
    os.replace(staged, live)


def _finish_swap(curated: Path, commit_id: str, unit: str, name: str) -> None:
    """Recovery of one swap of a journal: do it unless the live directory already holds the new
    file `name` (the exchange happened before the kill)."""
    if (curated / unit / name).exists():
        return
    staged = curated / STAGING_DIR / commit_id / unit
    if (staged / name).exists():
        if not (curated / unit).exists():  # killed between the two renames of the fallback
            (curated / unit).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, curated / unit)
        else:
            _swap_in(curated, commit_id, unit)


def commit_swaps(curated: Path, commit_id: str, swaps: list[tuple[str, str]]) -> None:
    """Replace table directories by their staged versions, as one commit that survives a kill.

    swaps: (unit, name): the directory relative to curated, staged whole under
    _staging/<commit_id>/<unit>, and the name of a file only its new version holds (how recovery
    tells a swap done from one to do). The journal is written before the first exchange, so a
    kill before it leaves the dataset as it was, and a kill after it is finished by recover().
    """
    staging = curated / STAGING_DIR / commit_id
    for unit, name in swaps:
        sync_file(staging / unit / name)
    kill_point("compact-after-staging")
    journal = write_journal(curated, commit_id, {"run_id": commit_id, "swaps": [list(s) for s in swaps]})
    kill_point("compact-after-journal")
    for unit, _ in swaps:
        _swap_in(curated, commit_id, unit)
        kill_point("compact-after-first-swap")
    end_commit(curated, commit_id, journal, (unit for unit, _ in swaps), "compact-before-cleanup")
