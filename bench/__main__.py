"""`python -m bench` (`make bench`): the performance figures of the README, measured on this machine.

Not product code: it lives beside the package, generates its own pages and times the product's
commands the way a user runs them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    bench = argparse.ArgumentParser(
        prog="python -m bench",
        description="measure throughput against bare trafilatura, memory, no-op rerun and dedupe",
    )
    bench.add_argument("--pages", type=int, default=2000, help="distinct pages to generate (default 2000)")
    bench.add_argument(
        "--near-dup-articles", type=int, default=100_000, help="synthetic articles for dedupe (0: skip)"
    )
    bench.add_argument("--workers", type=int, default=0, help="worker processes (0: one per core)")
    bench.add_argument(
        "--executor",
        choices=("processes", "dask"),
        default="processes",
        help="processes: the local pool (default); dask: a local Dask cluster through prefect-dask",
    )
    bench.add_argument("--batch-size", type=int, default=0, help="input files per task (0: setting)")
    bench.add_argument(
        "--sites", default="rferl", help="sites whose fixture pages are templates (default rferl)"
    )
    bench.add_argument(
        "--markup",
        choices=("real", "synthetic", "all"),
        default="real",
        help="fixture pages used as templates: real (saved from the sites, default), synthetic, all",
    )
    bench.add_argument(
        "--templates",
        default="",
        help="only fixture pages whose name starts with this (voanews: the real Pangea page)",
    )
    bench.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of a bare-loop share then a curate run; the median curate round counts (default 3)",
    )
    bench.add_argument(
        "--startup-runs",
        type=int,
        default=5,
        help="times `run` over the five samples is timed, a fresh process each (0: skip; default 5)",
    )
    bench.add_argument(
        "--scheduled-runs",
        type=int,
        default=0,
        metavar="N",
        help="instead: simulate N small scheduled runs, then compare the dataset with a fresh one "
        "(files, start-up, queries; issue 15)",
    )
    bench.add_argument("--pages-per-run", type=int, default=3, help="new pages per simulated run (default 3)")
    bench.add_argument(
        "--compact-above",
        type=int,
        help="store.compact_above_files for the simulation (default: the setting)",
    )
    bench.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temp dir)")
    bench.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return bench


def machine() -> str:
    """nproc, memory and CPU model: the figures mean nothing without them."""
    import psutil

    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model)
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {model}, Python {platform.python_version()}"


def bench_command(args: argparse.Namespace) -> int:
    from bench.throughput import run

    def say(line: str) -> None:
        print(f"... {line}", file=sys.stderr, flush=True)

    if args.scheduled_runs:
        return scheduled_runs_command(args, say)

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    figures = run(
        pages=args.pages,
        near_dup_articles=args.near_dup_articles,
        workers=args.workers,
        batch_size=args.batch_size,
        sites=sites,
        templates=args.templates,
        markup=args.markup,
        executor=args.executor,
        keep=args.keep,
        say=say,
        rounds=args.rounds,
        startup_runs=args.startup_runs,
    )
    print(f"machine: {machine()}")
    print(figures.table())
    print(f"ratio: {figures.ratio:.2f}")
    misses = figures.misses(near_dup_full=args.near_dup_articles >= 100_000)
    print("targets: " + ("all met" if not misses else "missed: " + "; ".join(misses)))
    return 1 if args.check and misses else 0


def scheduled_runs_command(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    """The simulation of months of scheduled runs (bench.schedule); prints its figures."""
    from bench.schedule import simulate
    from bench.throughput import workdir
    from pipeline.settings import load_settings

    store = load_settings().store
    above = store.compact_above_files if args.compact_above is None else args.compact_above
    with workdir(args.keep) as root:
        figures = simulate(
            root,
            runs=args.scheduled_runs,
            pages_per_run=args.pages_per_run,
            compact_above=above,
            keep_reports=store.keep_reports,
            say=say,
        )
    print(f"machine: {machine()}")
    print("\n".join(figures.lines()))
    return 0 if figures.rows_identical else 1


def main(argv: list[str] | None = None) -> int:
    return bench_command(parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
