"""`python -m pipeline config`: every setting, its value and where it came from; or, with --toml,
a commented pipeline.toml to start from.

It reads the settings and changes nothing. DESCRIPTIONS is the one place a setting is explained:
`config --toml` prints it, and pipeline.toml.example is that output.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from pipeline.cli.output import print_table
from pipeline.cli.settings_in_force import settings_in_force
from pipeline.settings import ENV_PREFIX, Settings
from pipeline.sites import SITES

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


def _toml_value(value: Any) -> str:
    """A value as TOML writes it (big integers with _ separators, so they read at a glance)."""
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
    """The environment variable that sets key: crawl.download_delay -> TAJRUS_CRAWL__DOWNLOAD_DELAY."""
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
    """Print the settings in force (or, with --toml, a pipeline.toml); 2 when they cannot be read."""
    settings = settings_in_force()
    if settings is None:
        return 2
    if args.toml:
        print(render_toml(settings), end="")
        return 0
    rows = [[key, _toml_value(value), origin] for key, value, origin in settings.items()]
    print_table(["setting", "value", "from"], rows, width=500)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add config to the main parser (pipeline/cli/main.py calls this)."""
    config = subparsers.add_parser("config", help="show every setting, its value and where it came from")
    config.add_argument("--toml", action="store_true", help="print a commented pipeline.toml to start from")
    config.set_defaults(func=cmd_config)
