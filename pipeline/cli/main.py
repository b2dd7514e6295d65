"""python -m pipeline COMMAND: run | crawl | backfill | ingest | serve | stats | query | config |
compact.

Each group of commands lives in its own module with a register(subparsers) function, so the
commands of crawling, curating and reporting stay next to the code they drive.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Modules that add subcommands; each has register(subparsers) -> None.
COMMAND_MODULES = (
    "pipeline.cli.run",
    "pipeline.cli.crawl",
    "pipeline.cli.stats",
    "pipeline.cli.query",
    "pipeline.cli.config",
    "pipeline.cli.compact",
)


def quiet_prefect() -> None:
    """Offline-friendly Prefect defaults, set before Prefect is imported; the user's values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # INFO logs of flows and tasks reach the API (the UI's Logs tab); the console shows warnings
    # only: the commands print their own progress and summary.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # A dead API must not hold a command for minutes of retries (5 by default, with backoff).
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "1")
    # The temporary server gets 20 s to answer by default; on a busy machine it takes longer, and
    # the run would fail before it starts ("Timed out while attempting to connect").
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


# Commands that run a Prefect flow (and so wait for a temporary API server when none is set).
FLOW_COMMANDS = frozenset({"run", "crawl", "backfill", "ingest"})


def announce_prefect(command: str | None) -> str | None:
    """The line a flow command prints before Prefect starts a temporary server, or None."""
    from pipeline.flows.prefect_config import configured_api_url

    if command not in FLOW_COMMANDS or configured_api_url():
        return None
    return (
        "starting Prefect (a temporary local API server: 10-15 s; set PREFECT_API_URL to use a "
        "running `prefect server start`)..."
    )


def say_starting_prefect(command: str) -> None:
    """Print announce_prefect's line, once the command's arguments have been checked."""
    line = announce_prefect(command)
    if line:
        print(line, file=sys.stderr, flush=True)


def stop_cleanly_on_ctrl_c(args: argparse.Namespace) -> None:
    """Ctrl-C during a flow command or serve: one line saying what was kept, exit 130
    (pipeline.cli.interrupt)."""
    if args.command not in FLOW_COMMANDS | {"serve"}:
        return
    from pipeline.cli import interrupt
    from pipeline.settings import load_settings

    def curated() -> str:
        # Resolved only on Ctrl-C: the command reads the settings itself, once per run.
        return load_settings(overrides={"paths.curated": getattr(args, "curated", None)}).paths.curated

    if args.command == "run":
        interrupt.stop_on_interrupt(lambda: interrupt.curate_outcome(curated()))
    elif args.command == "serve":
        interrupt.stop_on_interrupt(interrupt.serve_outcome)
    elif args.command == "crawl":
        interrupt.stop_on_interrupt(interrupt.crawl_outcome)
    else:
        interrupt.stop_on_interrupt(lambda: interrupt.gather_outcome(curated()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Curated corpus of RFE/RL, Jamestown and Eurasianet articles on Tajik-Russian relations.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_prefect()
    # The stdlib's production setting: a log handler that fails (Prefect's, when its API is gone)
    # does not print its own traceback; the command reports the failure itself.
    logging.raiseExceptions = False
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    stop_cleanly_on_ctrl_c(args)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the command.
        sys.stderr.close()
        return 0
    except OSError as exc:
        # A file or directory the user named cannot be read or written: one line saying which
        # and why; the traceback only when asked for.
        if args.debug:
            raise
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
