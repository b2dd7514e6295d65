"""`python -m pipeline SUBCOMMAND`: a stand-in on the spiders branch until main's cli.py is merged
(main's version, which imports cli_crawl among its command modules, replaces this file)."""

from __future__ import annotations

import argparse

from pipeline import cli_crawl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_crawl.register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))
