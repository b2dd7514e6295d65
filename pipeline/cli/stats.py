"""`python -m pipeline stats`: the curated dataset's numbers, as tables or as JSON.

It reads curated/ and changes nothing, so it is safe to run while a curate run is writing (files
appear in curated/ only by rename). The numbers and rows are those of the HTML report and the
Prefect artifact (pipeline/report/stats.py, pipeline/report/tables.py).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.cli.output import print_table
from pipeline.cli.settings_in_force import curated_dir
from pipeline.report.health import HEALTH_HEADERS, health_cells
from pipeline.report.tables import SOURCE_HEADERS, articles_per_year, headline, source_rows


def _stats_tables(stats: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]], set[int]]]:
    """The tables `stats` prints, each as (title, headers, rows, numeric columns)."""
    sources, per_year = articles_per_year(stats)
    return [
        (headline(stats), SOURCE_HEADERS, source_rows(stats), {1, 2, 5}),
        ("Duplicates by kind", ["kind", "count"], list(map(list, stats["duplicates_by_kind"].items())), {1}),
        ("Rejects by reason", ["reason", "count"], list(map(list, stats["rejects_by_reason"].items())), {1}),
        ("Date precision", ["precision", "count"], list(map(list, stats["date_precision"].items())), {1}),
        ("Date source", ["date source", "count"], list(map(list, stats["date_source"].items())), {1}),
        ("Languages", ["language", "count"], list(map(list, stats["languages"].items())), {1}),
        (
            "Articles per year per source (month known)",
            ["year", *sources],
            per_year,
            set(range(1, len(sources) + 1)),
        ),
        (
            "Extraction health, each site's latest run (shares of its pages; see the health table)",
            HEALTH_HEADERS,
            [health_cells(row) for row in stats.get("health", [])],
            set(range(1, 11)),
        ),
    ]


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the dataset's numbers; 1 when there is no curated dataset to read."""
    from pipeline.report.stats import dataset_stats  # DuckDB: imported only when asked for

    curated = curated_dir(args)
    if curated is None:
        return 1
    stats = dataset_stats(curated)
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    for title, headers, rows, numeric in _stats_tables(stats):
        print_table(headers, rows, title=title, numeric=numeric)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add stats to the main parser (pipeline/cli/main.py calls this)."""
    stats = subparsers.add_parser("stats", help="counts for the whole curated dataset")
    stats.add_argument("--curated", metavar="DIR", help="curated directory (default: paths.curated)")
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON")
    stats.set_defaults(func=cmd_stats)
