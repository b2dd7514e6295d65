"""`python -m pipeline run`: curate raw/ into curated/ and print a one-screen summary."""

from __future__ import annotations

import argparse
import sys

from pipeline import location
from pipeline.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="curate raw/ into curated/ (the main job)")
    run.add_argument("--raw", help="input directory (default: paths.raw, ./raw)")
    run.add_argument("--curated", help="output directory (default: paths.curated, ./curated)")
    run.add_argument(
        "--full",
        action="store_true",
        help="rebuild curated/ from raw/ (every input again, old tables replaced)",
    )
    run.add_argument("--executor", choices=("auto", "local", "processes", "dask"), help="where batches run")
    run.add_argument(
        "--workers", type=int, help="worker processes for processes or local dask (0: one per core)"
    )
    run.add_argument("--dask", metavar="ADDRESS", help="run extraction on an existing Dask cluster")
    run.add_argument("--batch-size", type=int, help="input files per task")
    run.add_argument("--wait", type=float, metavar="SECONDS", help="wait this long for another run's lock")
    run.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from pipeline.cli import say_starting_prefect
    from pipeline.flows import PrefectApiLost, run_curate_flow
    from pipeline.store import CuratedLocked
    from pipeline.summary import RunSummary

    settings = load_settings(
        overrides={
            "paths.raw": args.raw,
            "paths.curated": args.curated,
            "executor.kind": "dask" if args.dask else args.executor,
            "executor.dask_address": args.dask,
            "executor.workers": args.workers,
            "executor.batch_size": args.batch_size,
            "limits.lock_wait_seconds": args.wait,
        }
    )
    if not location.is_dir(settings.paths.raw):
        print(f"error: raw directory {settings.paths.raw!r} does not exist", file=sys.stderr)
        return 2
    unwritable = curated_unwritable(settings.paths.curated)
    if unwritable:
        print(f"error: {unwritable}", file=sys.stderr)
        return 4
    say_starting_prefect("run")
    try:
        result = run_curate_flow(settings, full=args.full)
    except CuratedLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except PrefectApiLost as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 5
    print(RunSummary.from_dict(result).render_text())
    return 0


def curated_unwritable(curated: str) -> str | None:
    """Why the curated directory cannot be written (read-only filesystem, no permission), else None.

    Checked before Prefect starts, so a user's mistake is one line, not a failed flow run.
    """
    import tempfile

    try:
        path = location.require_local(curated, "curated")
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return (
            f"cannot write to the curated directory {curated!r} ({reason}): "
            "choose another --curated or make it writable"
        )
    except ValueError as exc:
        return str(exc)
    return None
