"""One writer at a time: the run lock on a curated directory."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline.store.layout import LOCK_FILE


class CuratedLocked(RuntimeError):
    """Another curate run holds the curated directory."""


@contextlib.contextmanager
def run_lock(curated: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Exclusive use of a curated directory for one run.

    flock is released by the kernel when the process dies, so a killed run never leaves the
    directory locked; a second run waits up to wait_seconds and then refuses with a clear message.
    """
    curated.mkdir(parents=True, exist_ok=True)
    lock_path = curated / LOCK_FILE
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole run
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise CuratedLocked(
                        f"{curated} is being written by another curate run ({holder}); "
                        "wait for it to finish or pass --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
        handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
