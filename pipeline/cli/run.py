"""`python -m pipeline run`: curate raw/ into curated/ and print a one-screen summary."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING

from pipeline.reading import location
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.report.summary import RunSummary


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
    run.add_argument(
        "--prefect",
        action="store_true",
        help="run as a Prefect flow even when no Prefect server is configured (Prefect then starts "
        "a temporary one: 8-15 s); with PREFECT_API_URL set, every run is a flow run",
    )
    run.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from pipeline.cli.main import say_starting_prefect
    from pipeline.report.summary import RunSummary
    from pipeline.store.lock import CuratedLocked

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
    if not location.RawRoot.resolve(settings.paths.raw).is_dir():
        print(f"error: raw directory {settings.paths.raw!r} does not exist", file=sys.stderr)
        return 2
    unwritable = curated_unwritable(settings.paths.curated)
    if unwritable:
        print(f"error: {unwritable}", file=sys.stderr)
        return 4
    from pipeline.curation import pool
    from pipeline.curation.runner import executor_kind

    kind = executor_kind(settings, args.full)
    if kind == "processes":
        pool.prestart(settings.executor.worker_count)
    try:
        if uses_prefect(args, settings):
            say_starting_prefect("run")
            from pipeline.flows import curate as flows  # here: Prefect's import alone is ~1.5 s

            try:
                result = flows.run_curate_flow(settings, full=args.full, kind=kind)
            except flows.PrefectApiLost as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 5
        else:
            result = run_here(settings, full=args.full, kind=kind).as_dict()
    except CuratedLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    finally:
        pool.discard_prestarted()
    print(RunSummary.from_dict(result).render_text())
    return 0


def uses_prefect(args: argparse.Namespace, settings: Settings) -> bool:
    """A Prefect flow run when a server is configured to record it, when asked for (--prefect),
    or when a Dask cluster runs the batches (through prefect-dask); else a plain run here."""
    from pipeline.flows.prefect_config import configured_api_url

    dask = settings.executor.kind == "dask" or bool(settings.executor.dask_address)
    return bool(args.prefect or dask or configured_api_url())


def run_here(settings: Settings, full: bool, kind: str | None = None) -> RunSummary:
    """The same run without Prefect: no API to record it, so no temporary server to wait for.

    kind: the executor kind already resolved for this run (executor_kind), else resolved here.
    """
    from pipeline.curation.runner import executor_kind, run_without_prefect

    kind = kind or executor_kind(settings, full)
    # The kind 'auto' resolved to, as the flow is told it: _local_workers starts those workers.
    settings = dataclasses.replace(settings, executor=dataclasses.replace(settings.executor, kind=kind))
    return run_without_prefect(settings, kind, full=full)


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
