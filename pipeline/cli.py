"""python -m pipeline COMMAND: run | crawl | backfill | ingest | serve | bench | stats | query | config.

Each group of commands lives in its own module with a register(subparsers) function, so the
commands of crawling, reporting and benchmarking stay next to the code they drive.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules that add subcommands; each has register(subparsers) -> None.
COMMAND_MODULES = ("pipeline.cli_curate", "pipeline.cli_crawl", "pipeline.cli_ux", "pipeline.cli_bench")


def quiet_prefect() -> None:
    """Offline-friendly Prefect defaults, set before Prefect is imported; the user's values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Curated corpus of RFE/RL, Jamestown and Eurasianet articles on Tajik-Russian relations.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_prefect()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the command.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
