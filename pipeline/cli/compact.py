"""`python -m pipeline compact`: rewrite the dataset's many small files into one per table directory.

A run does this by itself for the directories past store.compact_above_files; the command is for
doing it now (before archiving curated/, after a long backfill, or with compaction turned off in
runs), and also prunes run reports past store.keep_reports.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.reading import location
from pipeline.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    compact = subparsers.add_parser(
        "compact", help="rewrite each table directory's files into one (runs do it past a threshold)"
    )
    compact.add_argument("--curated", help="dataset directory (default: paths.curated, ./curated)")
    compact.add_argument(
        "--threshold",
        type=int,
        default=1,
        metavar="N",
        help="only directories holding more than N files (default 1: every directory of 2 or more)",
    )
    compact.add_argument("--wait", type=float, metavar="SECONDS", help="wait this long for a run's lock")
    compact.set_defaults(func=compact_command)


def compact_command(args: argparse.Namespace) -> int:
    """Exit codes as `run`'s: 2 no dataset there, 3 another run holds it, 4 it cannot be written,
    1 a file that cannot be read or written (from pipeline.cli.main)."""
    from pipeline.cli.run import curated_unwritable
    from pipeline.store.compact import compact
    from pipeline.store.journal import recover
    from pipeline.store.lock import CuratedLocked, run_lock
    from pipeline.store.retention import prune_reports

    if args.threshold < 1:
        print(f"error: --threshold must be 1 or more, not {args.threshold}", file=sys.stderr)
        return 2
    settings = load_settings(overrides={"paths.curated": args.curated, "limits.lock_wait_seconds": args.wait})
    try:
        curated = location.require_local(settings.paths.curated, "curated")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not Path(curated).is_dir():
        print(f"error: no curated dataset at {curated}: nothing to compact", file=sys.stderr)
        return 2
    unwritable = curated_unwritable(str(curated))
    if unwritable:
        print(f"error: {unwritable}", file=sys.stderr)
        return 4
    started = time.monotonic()
    try:
        with run_lock(curated, settings.limits.lock_wait_seconds):
            recovered = recover(curated)
            done = compact(curated, args.threshold)
            pruned = prune_reports(curated, settings.store.keep_reports)
    except CuratedLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    line = f"compact: {done.line()}; {pruned} old run reports pruned; {time.monotonic() - started:.1f}s"
    if recovered:
        line += f" (finished the interrupted commit of {', '.join(recovered)})"
    print(line)
    return 0
