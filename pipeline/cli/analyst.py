"""The commands an analyst types after a run: stats, query, config.

They read curated/ and the settings and change neither, so they are safe to run while a curate
run is writing (files appear in curated/ only by rename). Output is a rich table on a terminal and
a plain aligned table otherwise, so that piping into `less`, a file or a mail gives clean text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import textwrap
import tomllib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pipeline.report.health import HEALTH_HEADERS, health_cells
from pipeline.settings import CONFIG_FILE, ENV_PREFIX, Settings, load_settings
from pipeline.sites import SITES

# Right-aligned in printed tables.
_NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
    | {"FLOAT", "DOUBLE", "DECIMAL"}
)
DISPLAY_LIMIT = 50  # rows printed when --limit is not given; --out writes everything
CELL_WIDTH = 60  # longer cells (article bodies) are cut for display, never in --out files

# One line per setting, shown by `config --toml` and in pipeline.toml.example.
DESCRIPTIONS = {
    "sites": "Sites to crawl and curate (keys of pipeline/sites: rferl, jamestown, eurasianet).",
    "paths.raw": "Landing zone for crawls and dumps; written once, never changed by curate.",
    "paths.curated": "Output dataset: articles/, duplicates/, rejects/, runs/, _reports/.",
    "limits.max_file_bytes": "A text or HTML file larger than this is rejected (too_large) unread "
    "(WARC files are read record by record instead).",
    "limits.max_decompressed_bytes": "Cap on the decompressed size of a .gz input and on one WARC record.",
    "limits.max_html_depth": "Deeper HTML nesting than this is rejected as not an article page.",
    "limits.lock_wait_seconds": "How long a second curate run waits for the first before refusing.",
    "dedupe.threshold": "Word-shingle Jaccard similarity at which two bodies are the same article.",
    "dedupe.teaser_threshold": "Similarity of opening words at which a teaser is the start of an article.",
    "dedupe.revision_lead": "Opening-words similarity at which a body is a revision (correction, print view) "
    "of a kept article...",
    "dedupe.revision_body": "...when their bodies are also at least this similar.",
    "dedupe.num_perm": "MinHash permutations: more is more precise and slower.",
    "dedupe.shingle_words": "Words per shingle for near-duplicate detection.",
    "dedupe.lead_words": "Opening words compared when matching teasers to full articles.",
    "store.compact_above_files": "A table directory (articles partition, duplicates/, a _state table...) "
    "with more Parquet files than this is rewritten into one at the end of a run; 0: only on demand "
    "(`compact`).",
    "store.keep_reports": "Run reports kept in _reports/: the newest this many; 0 keeps all "
    "(the runs table keeps every run's summary).",
    "executor.kind": "auto (processes when there is much new input, else local), local (this process), "
    "processes (a pool of `workers` extraction processes on this machine) or dask (the Dask cluster at "
    "dask_address; without an address, a local Dask cluster of `workers` processes).",
    "executor.workers": "Worker processes; 0 means one per CPU core.",
    "executor.batch_size": "Pages per task: larger batches cost less scheduling, more memory.",
    "executor.dask_address": "Scheduler address for kind = dask, e.g. tcp://10.0.0.5:8786.",
    "crawl.user_agent": "Sent with every request, so site operators can tell who is crawling.",
    "crawl.concurrent_per_host": "Parallel requests to one host; keep 1 to be polite.",
    "crawl.download_delay": "Seconds between requests to one host (autothrottle may add more).",
    "crawl.download_timeout": "Seconds before a request is given up.",
    "crawl.max_response_bytes": "Responses larger than this are dropped.",
    "crawl.retry_times": "Retries for a failed request (timeouts, 5xx, 429).",
    "crawl.max_retry_after": "Longest Retry-After (seconds) waited for; "
    "a longer one gives the URL up until the next crawl.",
    "crawl.first_crawl_days": "Days a site's first crawl reaches back when no --since is given.",
    "crawl.high_water_overlap_hours": "Hours re-read before the last crawl's high-water mark.",
    "crawl.revisit_days": "Days after it was first stored that an article is fetched again when "
    "its sitemap lastmod moves; 0: never.",
    "crawl.listing_max_pages": "Listing pages followed at most per listing, even inside the window.",
    "crawl.max_sitemap_depth": "Deepest nesting of sitemap indexes followed (the site's /sitemap.xml is 0).",
    "crawl.max_sitemaps": "Most sitemaps read per site in one crawl; the rest are reported, not read.",
    "schedule.ingest_cron": "When the scheduled curate run starts (cron, in schedule.timezone).",
    "schedule.crawl_cron": "When the scheduled crawls start (cron, in schedule.timezone).",
    "schedule.timezone": "Time zone of the cron expressions.",
    "health.window_runs": "A site's extraction health is compared with the median of its last N runs.",
    "health.drop_threshold": "A rule-matched, fallback or undated share this much worse (0.2 = 20 points), "
    "or a median body this much shorter (0.2 = 20%), is a drift warning.",
    "health.min_pages": "Runs with fewer pages of a site than this are recorded but not judged.",
    # The default hosts are the sites' own facts (pipeline/sites/<site>.py), not restated here.
    **{
        f"hosts.{key}": f"Hosts the {key} spider crawls; empty: {', '.join(site.crawl.hosts)}."
        for key, site in SITES.items()
    },
}


# -- output helpers ------------------------------------------------------------------------------


def _cell(value: Any, width: int = CELL_WIDTH) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = ", ".join(_cell(v, width) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text
    return text if len(text) <= width else text[: width - 1] + "…"


def plain_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Collection[int] = (),
    width: int = CELL_WIDTH,
) -> str:
    """Columns aligned with spaces: readable in a pipe, a file or a mail, and easy to cut/awk."""
    cells = [[_cell(v, width) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            (v.rjust(w) if i in numeric else v.ljust(w))
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in cells)])


def _is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    numeric: Collection[int] = (),
    width: int = CELL_WIDTH,
) -> None:
    if _is_tty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        # Text, not str: a title like "[Analysis] ..." must print as is, not as rich markup.
        table = Table(title=Text(title, style="bold") if title else None, title_justify="left")
        for i, header in enumerate(headers):
            table.add_column(Text(header), justify="right" if i in numeric else "left", overflow="fold")
        for row in rows:
            table.add_row(*(Text(_cell(v, width)) for v in row))
        Console().print(table)
        return
    if title:
        print(title)
    print(plain_table(headers, rows, numeric, width))
    print()


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    """DuckDB messages span lines (a caret under the SQL); one line reads better in a terminal."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:299] + "…"


def _settings() -> Settings | None:
    """The settings in force, or None with the reason printed (a typo in pipeline.toml, a bad value)."""
    try:
        return load_settings()
    except tomllib.TOMLDecodeError as exc:
        config = os.environ.get(f"{ENV_PREFIX}CONFIG") or CONFIG_FILE
        _error(f"settings: cannot read the config file {config}: {_one_line(exc)}")
    except (ValueError, OSError) as exc:
        _error(f"settings: {_one_line(exc)}")
    return None


def _curated(args: argparse.Namespace) -> Path | None:
    """The curated directory to read, or None (with the reason printed) when there is none."""
    if args.curated:
        path = Path(args.curated)
    else:
        settings = _settings()
        if settings is None:
            return None
        path = Path(settings.paths.curated)
    if not path.is_dir():
        _error(f"no curated dataset at {path}: run `python -m pipeline run` first, or pass --curated DIR")
        return None
    return path


# -- stats ---------------------------------------------------------------------------------------


def _stats_tables(stats: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]], set[int]]]:
    d = stats["dates"]
    sources = sorted({row["source"] for row in stats["per_month"]})
    years: dict[str, dict[str, int]] = {}
    for row in stats["per_month"]:
        per = years.setdefault(row["month"][:4], {})
        per[row["source"]] = per.get(row["source"], 0) + row["articles"]
    return [
        (
            f"{stats['articles_total']} articles, {stats['duplicates_total']} duplicates, "
            f"{stats['rejects_total']} rejects; dates {d['first'] or '-'} to {d['last'] or '-'}, "
            f"{d['dated_pct']}% dated ({d['undated']} undated)",
            ["source", "articles", "dated", "first date", "last date", "teasers"],
            [
                [s["source"], s["articles"], s["dated"], s["first"], s["last"], s["teasers"]]
                for s in stats["sources"]
            ],
            {1, 2, 5},
        ),
        ("Duplicates by kind", ["kind", "count"], list(map(list, stats["duplicates_by_kind"].items())), {1}),
        ("Rejects by reason", ["reason", "count"], list(map(list, stats["rejects_by_reason"].items())), {1}),
        ("Date precision", ["precision", "count"], list(map(list, stats["date_precision"].items())), {1}),
        ("Date source", ["date source", "count"], list(map(list, stats["date_source"].items())), {1}),
        ("Languages", ["language", "count"], list(map(list, stats["languages"].items())), {1}),
        (
            "Articles per year per source (month known)",
            ["year", *sources],
            [[y, *(years[y].get(s, 0) for s in sources)] for y in sorted(years)],
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
    from pipeline.report.stats import dataset_stats

    curated = _curated(args)
    if curated is None:
        return 1
    stats = dataset_stats(curated)
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    for title, headers, rows, numeric in _stats_tables(stats):
        print_table(headers, rows, title=title, numeric=numeric)
    return 0


# -- query ---------------------------------------------------------------------------------------


def _write_out(con: Any, rel: Any, out: Path) -> int:
    suffix = out.suffix.lower()
    options = {".csv": "FORMAT csv, HEADER", ".parquet": "FORMAT parquet, COMPRESSION zstd"}.get(suffix)
    if options is None:
        _error(f"--out {out}: the file name must end in .csv or .parquet")
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a failed query never leaves half a file behind.
    tmp = out.with_name(f".{out.name}.tmp")
    rel.create_view("_query_result")
    try:
        quoted = "'" + str(tmp).replace("'", "''") + "'"
        (count,) = con.execute(f"COPY _query_result TO {quoted} ({options})").fetchone()
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote {count} rows to {out}", file=sys.stderr)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.report.stats import connect

    curated = _curated(args)
    if curated is None:
        return 1
    with connect(curated) as con:
        try:
            rel = con.sql(args.sql)
            if rel is None:
                print("OK", file=sys.stderr)
                return 0
            if args.out:
                return _write_out(con, rel if args.limit is None else rel.limit(args.limit), Path(args.out))
            limit = args.limit if args.limit is not None else DISPLAY_LIMIT
            rows = rel.limit(limit + 1).fetchall()
            headers = list(rel.columns)
            types = [str(t) for t in rel.types]
        except duckdb.Error as exc:
            _error(f"query failed: {_one_line(exc)} (views: articles, duplicates, rejects, health, runs)")
            return 2
        except OSError as exc:  # --out into a missing mount or a read-only directory
            _error(f"cannot write {args.out}: {_one_line(exc)}")
            return 1
    numeric = {i for i, t in enumerate(types) if t.split("(")[0] in _NUMERIC_TYPES}
    print_table(headers, rows[:limit], numeric=numeric)
    if len(rows) > limit:
        print(
            f"(first {limit} rows shown; --limit N shows more, --out FILE writes them all)", file=sys.stderr
        )
    return 0


# -- config --------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace(".", "__")


def render_toml(settings: Settings) -> str:
    """A pipeline.toml to start from: settings left at their default are commented out.

    Values set by the file, the environment or the command line are written active, so the output
    pins down exactly the configuration in force.
    """
    lines = [
        "# pipeline.toml: settings of the tajrus corpus pipeline.",
        "# Precedence: defaults < this file (or the file named by TAJRUS_CONFIG) < environment variables",
        "# TAJRUS_<SECTION>__<KEY> (e.g. TAJRUS_CRAWL__DOWNLOAD_DELAY=2) < command-line options.",
        "# `python -m pipeline config` shows the values in force and where each came from.",
        "# Uncomment a line to change that setting.",
    ]
    section: str | None = ""
    # Top-level keys first: in TOML, a key after a [table] header belongs to that table.
    for key, value, origin in sorted(settings.items(), key=lambda item: "." in item[0]):
        head, _, name = key.rpartition(".")
        if head != section:
            lines += ["", f"[{head}]"]
            section = head
        else:
            lines.append("")
        env = _env_name(key) + (" (comma-separated)" if isinstance(value, list) else "")
        description = DESCRIPTIONS.get(key, "(no description yet)")
        lines += [
            *textwrap.wrap(description, 98, initial_indent="# ", subsequent_indent="# "),
            f"# env: {env}",
        ]
        assignment = f"{name} = {_toml_value(value)}"
        lines.append(f"# {assignment}" if origin == "default" else f"{assignment}  # from {origin}")
    return "\n".join(lines) + "\n"


def cmd_config(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings is None:
        return 2
    if args.toml:
        print(render_toml(settings), end="")
        return 0
    rows = [[key, _toml_value(value), origin] for key, value, origin in settings.items()]
    print_table(["setting", "value", "from"], rows, width=500)
    return 0


# -- registration --------------------------------------------------------------------------------


def _row_count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add stats, query and config to the main parser (pipeline/cli/main.py calls this)."""
    stats = subparsers.add_parser("stats", help="counts for the whole curated dataset")
    stats.add_argument("--curated", metavar="DIR", help="curated directory (default: paths.curated)")
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON")
    stats.set_defaults(func=cmd_stats)

    query = subparsers.add_parser(
        "query",
        help="run DuckDB SQL over views articles, duplicates, rejects, health, runs",
        description="Views: articles (with partition columns source and year; year 0 = undated), "
        "duplicates, rejects, runs (one row per run that changed the dataset).",
    )
    query.add_argument("sql", help='e.g. "SELECT source, count(*) FROM articles GROUP BY source"')
    query.add_argument("--curated", metavar="DIR", help="curated directory (default: paths.curated)")
    query.add_argument("--out", metavar="FILE", help="write all rows to FILE.csv or FILE.parquet")
    query.add_argument(
        "--limit", type=_row_count, metavar="N", help=f"at most N rows (display default {DISPLAY_LIMIT})"
    )
    query.set_defaults(func=cmd_query)

    config = subparsers.add_parser("config", help="show every setting, its value and where it came from")
    config.add_argument("--toml", action="store_true", help="print a commented pipeline.toml to start from")
    config.set_defaults(func=cmd_config)
