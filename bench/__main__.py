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
        description="time the whole `python -m pipeline run` command against bare trafilatura "
        "(plain and inline-markup pages, one core busy), its process tree's RSS, run --full, and "
        "start-up over the samples; print each figure with the machine named",
    )
    bench.add_argument(
        "--pages", type=int, default=3000, help="distinct pages of each kind (default 3000; 0: none)"
    )
    bench.add_argument(
        "--kinds",
        default="plain,inline",
        help="kinds of page: plain (paragraphs of text), inline (40%% of paragraphs with a link or "
        "bold words); default plain,inline. The first is the one measured again with a core busy",
    )
    bench.add_argument(
        "--rss-pages",
        type=int,
        default=20000,
        metavar="M",
        help="also run over M plain pages and print the run tree's peak RSS beside the one at --pages "
        "(default 20000, the size issue 16's memory target names; 0: not measured)",
    )
    bench.add_argument("--no-busy", action="store_true", help="skip the measurement with one core busy")
    bench.add_argument(
        "--busy-cpu",
        type=int,
        metavar="K",
        help="pin the CPU-burning process to core K (default: not pinned)",
    )
    bench.add_argument("--noop-rerun", action="store_true", help="also time `run` again with nothing new")
    bench.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="R",
        help="measure in R rounds, each an empty run, a run over the pages and the bare loop over every "
        "R-th page; report the runs' medians and the loop's parts summed (default 3: single runs on "
        "a shared VM vary by ~15%% and its speed drifts over minutes)",
    )
    bench.add_argument("--workers", type=int, help="passed to `run --workers` (default: the setting)")
    bench.add_argument(
        "--executor",
        choices=("auto", "local", "processes", "dask"),
        help="passed to `run --executor` (default: the setting, auto)",
    )
    bench.add_argument("--batch-size", type=int, help="passed to `run --batch-size` (default: the setting)")
    bench.add_argument(
        "--sites", default="rferl", help="sites whose fixture pages are templates (default rferl)"
    )
    bench.add_argument(
        "--markup",
        choices=("real", "synthetic", "all"),
        default="real",
        help="fixture pages used as templates: real (saved from the sites, default: the Pangea page), "
        "synthetic, all",
    )
    bench.add_argument(
        "--templates",
        default="",
        help="only fixture pages whose name starts with this (voanews: the real Pangea page)",
    )
    bench.add_argument(
        "--startup-runs",
        type=int,
        default=5,
        help="times `run` over the five samples is timed, a fresh process each (0: skip; default 5)",
    )
    bench.add_argument(
        "--startup-temporary-server",
        action="store_true",
        help="also time `run --prefect` over the samples (Prefect starts a temporary server)",
    )
    bench.add_argument(
        "--near-dup-articles",
        type=int,
        default=0,
        metavar="N",
        help="also time near-duplicate detection over N synthetic articles (e.g. 100000; default 0)",
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
    bench.add_argument(
        "--api", help="a running Prefect server's API URL to time against (default: start one for the bench)"
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
    from bench.pages import load_templates
    from bench.throughput import workdir
    from bench.whole import KINDS, measure

    def say(line: str) -> None:
        print(f"... {line}", file=sys.stderr, flush=True)

    if args.scheduled_runs:
        return scheduled_runs_command(args, say)

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or any(k not in KINDS for k in kinds):
        raise SystemExit(f"--kinds: choose among {', '.join(KINDS)}, not {args.kinds!r}")
    chosen = [t for t in load_templates(sites, markup=args.markup) if t.name.startswith(args.templates)]
    if not chosen:
        raise SystemExit(f"no {args.markup} fixture page of {sites} starts with {args.templates!r}")
    options = []
    for flag, value in (
        ("--workers", args.workers),
        ("--executor", args.executor),
        ("--batch-size", args.batch_size),
    ):
        if value is not None:
            options += [flag, str(value)]
    with workdir(args.keep) as root:
        figures = measure(
            args.pages,
            chosen,
            root,
            options,
            say,
            kinds=kinds,
            startup_runs=args.startup_runs,
            startup_temporary_server=args.startup_temporary_server,
            busy=not args.no_busy,
            busy_cpu=args.busy_cpu,
            rss_pages=args.rss_pages,
            noop=args.noop_rerun,
            repeat=max(1, args.repeat),
            api=args.api,
        )
    figures.machine = machine()
    lines = figures.lines()
    if args.pages:
        lines.insert(4, f"templates: {', '.join(t.name for t in chosen)}")
    misses = figures.misses()
    if args.near_dup_articles:
        seconds, planted, found, rss_mb = near_dup_figure(args.near_dup_articles, sites, say)
        lines += [
            f"near-dup articles  {args.near_dup_articles}",
            f"near-dup seconds  {seconds:.2f}",
            f"near-dup copies found / planted  {found} / {planted}",
            f"near-dup peak RSS MB  {rss_mb:.0f}",
        ]
        if args.near_dup_articles >= 100_000 and seconds > 60:
            misses.append(f"near-dup {seconds:.1f} s > 60 s")
    print("\n".join(lines))
    print("targets: " + ("all met" if not misses else "missed: " + "; ".join(misses)))
    return 1 if args.check and misses else 0


def near_dup_figure(
    articles: int, sites: tuple[str, ...], say: Callable[[str], None]
) -> tuple[float, int, int, float]:
    """(seconds, planted, found, peak RSS MB) of near-duplicate detection (bench.throughput.near_dup)."""
    from bench.pages import load_templates
    from bench.throughput import TreeRss, near_dup

    say(f"near-dup over {articles} synthetic articles")
    with TreeRss() as rss:
        seconds, planted, found = near_dup(articles, load_templates(sites))
    return seconds, planted, found, rss.peak / 2**20


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
