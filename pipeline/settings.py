"""Settings in one place: defaults, then pipeline.toml, then TAJRUS_* environment variables.

Read when a command or flow starts, never at import, so that tests and schedules can change them;
the command then hands the resolved Settings down. Every value remembers where it came from, so
`python -m pipeline config` can explain itself.

Each setting is described once, beside its default (`described`): the `config` command and
pipeline.toml.example take their descriptions from there. The section classes are named for the
settings they hold; the TOML sections a user writes are the Settings fields ([store], [dedupe]...).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, make_dataclass
from pathlib import Path
from typing import Any

from pipeline.sites import SITES

ENV_PREFIX = "TAJRUS_"
CONFIG_FILE = "pipeline.toml"
DESCRIPTION = "description"  # the field metadata key of a setting's one-line description


def described(default: Any, description: str) -> Any:
    """A setting's field: its default and the line `config --toml` and pipeline.toml.example show."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={DESCRIPTION: description})
    return field(default=default, metadata={DESCRIPTION: description})


@dataclass
class PathsSettings:
    raw: str = described("raw", "Landing zone for crawls and dumps; written once, never changed by curate.")
    curated: str = described("curated", "Output dataset: articles/, duplicates/, rejects/, runs/, _reports/.")


@dataclass
class LimitsSettings:
    # Real article pages are 50-500 KB. Measured: trafilatura takes 13 s and 580 MB on a 30 MB page,
    # so 10 MB keeps one worker near 200 MB. WARC files are containers and are not capped; their
    # records are.
    max_file_bytes: int = described(
        10_000_000,
        "A text or HTML file larger than this is rejected (too_large) unread "
        "(WARC files are read record by record instead).",
    )
    # A gzip bomb, or a huge page inside a WARC, must not fill memory.
    max_decompressed_bytes: int = described(
        10_000_000, "Cap on the decompressed size of a .gz input and on one WARC record."
    )
    # Deeper nesting is not an article page but an attack or a broken export.
    max_html_depth: int = described(
        2_000, "Deeper HTML nesting than this is rejected as not an article page."
    )
    lock_wait_seconds: float = described(
        0.0, "How long a second curate run waits for the first before refusing."
    )


@dataclass
class DedupeSettings:
    threshold: float = described(
        0.7, "Word-shingle Jaccard similarity at which two bodies are the same article."
    )
    teaser_threshold: float = described(
        0.6, "Similarity of opening words at which a teaser is the start of an article."
    )
    revision_lead: float = described(
        0.8,
        "Opening-words similarity at which a body is a revision (correction, print view) "
        "of a kept article...",
    )
    revision_body: float = described(0.5, "...when their bodies are also at least this similar.")
    num_perm: int = described(64, "MinHash permutations: more is more precise and slower.")
    shingle_words: int = described(5, "Words per shingle for near-duplicate detection.")
    lead_words: int = described(60, "Opening words compared when matching teasers to full articles.")


# Above this many new inputs `auto` starts worker processes: below it, their start-up (~1 s) costs
# more than the parallel extraction saves (a page costs ~4 ms in one process).
AUTO_WORKERS_ABOVE = 400


@dataclass
class StoreSettings:
    """How curated/ is kept over months of scheduled runs (pipeline.store.compact)."""

    # Every run that finds something adds a Parquet file to each table it touches. Measured (bench
    # --scheduled-runs 1000): at 24, a DuckDB query over the articles of 1,000 small runs took 4.1x
    # a fresh dataset's (a reader pays ~1 ms a file); at 4, 1.04x. A rewrite is cheap: 200,000
    # signatures and a 20,000-article partition in 1.6 s.
    compact_above_files: int = described(
        4,
        "A table directory (articles partition, duplicates/, a _state table...) "
        "with more Parquet files than this is rewritten into one at the end of a run; 0: only on demand "
        "(`compact`).",
    )
    # 168: a week of hourly runs.
    keep_reports: int = described(
        168,
        "Run reports kept in _reports/: the newest this many; 0 keeps all "
        "(the runs table keeps every run's summary).",
    )


@dataclass
class ExecutorSettings:
    # auto means processes above AUTO_WORKERS_ABOVE new inputs; processes is pipeline.curation.pool.
    kind: str = described(
        "auto",
        "auto (processes when there is much new input, else local), local (this process), "
        "processes (a pool of `workers` extraction processes on this machine) or dask (the Dask cluster at "
        "dask_address; without an address, a local Dask cluster of `workers` processes).",
    )
    workers: int = described(0, "Worker processes; 0 means one per CPU core.")
    batch_size: int = described(300, "Pages per task: larger batches cost less scheduling, more memory.")
    dask_address: str = described("", "Scheduler address for kind = dask, e.g. tcp://10.0.0.5:8786.")

    @property
    def worker_count(self) -> int:
        """workers, with 0 read as one per core."""
        return self.workers or os.cpu_count() or 1


@dataclass
class CrawlSettings:
    user_agent: str = described(
        "tajrus-corpus/0.1 (+https://github.com/tajrus/tajrus-corpus; research corpus)",
        "Sent with every request, so site operators can tell who is crawling.",
    )
    concurrent_per_host: int = described(1, "Parallel requests to one host; keep 1 to be polite.")
    download_delay: float = described(
        1.0, "Seconds between requests to one host (autothrottle may add more)."
    )
    download_timeout: float = described(30.0, "Seconds before a request is given up.")
    max_response_bytes: int = described(20_000_000, "Responses larger than this are dropped.")
    retry_times: int = described(3, "Retries for a failed request (timeouts, 5xx, 429).")
    max_retry_after: float = described(
        120.0,
        "Longest Retry-After (seconds) waited for; a longer one gives the URL up until the next crawl.",
    )
    first_crawl_days: int = described(7, "Days a site's first crawl reaches back when no --since is given.")
    # Sitemap lastmods arrive late.
    high_water_overlap_hours: int = described(24, "Hours re-read before the last crawl's high-water mark.")
    # RFE/RL updates breaking news for hours.
    revisit_days: float = described(
        3.0,
        "Days after it was first stored that an article is fetched again when "
        "its sitemap lastmod moves; 0: never.",
    )
    listing_max_pages: int = described(
        50, "Listing pages followed at most per listing, even inside the window."
    )
    max_sitemap_depth: int = described(
        3, "Deepest nesting of sitemap indexes followed (the site's /sitemap.xml is 0)."
    )
    # An index that links new indexes forever must end (RFE/RL's real index has some 150 children).
    max_sitemaps: int = described(
        2000, "Most sitemaps read per site in one crawl; the rest are reported, not read."
    )


# Hosts each spider crawls, one setting per site of the registry: adding a site (a module of
# pipeline/sites) adds its [hosts] key. Empty means the site's own hosts, which are its facts.
HostsSettings = make_dataclass(
    "HostsSettings",
    [
        (
            key,
            list[str],
            described([], f"Hosts the {key} spider crawls; empty: {', '.join(site.crawl.hosts)}."),
        )
        for key, site in SITES.items()
    ],
)
HostsSettings.__module__ = __name__
HostsSettings.__doc__ = "Hosts each spider crawls, by site key; empty: the site's defaults (pipeline/sites)."


@dataclass
class ScheduleSettings:
    ingest_cron: str = described(
        "0 */6 * * *", "When the scheduled curate run starts (cron, in schedule.timezone)."
    )
    crawl_cron: str = described(
        "30 */6 * * *", "When the scheduled crawls start (cron, in schedule.timezone)."
    )
    timezone: str = described("UTC", "Time zone of the cron expressions.")


@dataclass
class HealthSettings:
    """When a site's extraction health counts as dropped (pipeline.report.health)."""

    window_runs: int = described(
        10, "A site's extraction health is compared with the median of its last N runs."
    )
    drop_threshold: float = described(
        0.2,
        "A rule-matched, fallback or undated share this much worse (0.2 = 20 points), "
        "or a median body this much shorter (0.2 = 20%), is a drift warning.",
    )
    # One odd page of two is not a redesign.
    min_pages: int = described(3, "Runs with fewer pages of a site than this are recorded but not judged.")


@dataclass
class Settings:
    paths: PathsSettings = field(default_factory=PathsSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    dedupe: DedupeSettings = field(default_factory=DedupeSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    hosts: HostsSettings = field(default_factory=HostsSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    sites: list[str] = described(
        list(SITES), f"Sites to crawl and curate (keys of pipeline/sites: {', '.join(SITES)})."
    )
    # "section.key" -> "default" | "pipeline.toml" | "env TAJRUS_..." | "command line"
    origin: dict[str, str] = field(default_factory=dict)

    def items(self) -> list[tuple[str, Any, str]]:
        """(dotted name, value, where it came from) for every setting."""
        out = []
        for f in fields(self):
            if f.name == "origin":
                continue
            value = getattr(self, f.name)
            if is_dataclass(value):
                for sub in fields(value):
                    key = f"{f.name}.{sub.name}"
                    out.append((key, getattr(value, sub.name), self.origin.get(key, "default")))
            else:
                out.append((f.name, value, self.origin.get(f.name, "default")))
        return out


def descriptions() -> dict[str, str]:
    """Dotted name -> the one line that describes it, for every setting (from its field)."""
    defaults = Settings()
    out = {}
    for f in fields(defaults):
        if f.name == "origin":
            continue
        section = getattr(defaults, f.name)
        if is_dataclass(section):
            out.update({f"{f.name}.{sub.name}": sub.metadata[DESCRIPTION] for sub in fields(section)})
        else:
            out[f.name] = f.metadata[DESCRIPTION]
    return out


def _coerce(current: Any, raw: Any, key: str) -> Any:
    if isinstance(raw, str) and not isinstance(current, str):
        if isinstance(current, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"setting {key}: {raw!r} is not a boolean")
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
        if isinstance(current, list):
            return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(current, float) and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if current is not None and not isinstance(raw, type(current)):
        raise ValueError(f"setting {key}: {raw!r} should be a {type(current).__name__}")
    return raw


def _apply(settings: Settings, key: str, raw: Any, origin: str) -> None:
    section, _, name = key.partition(".")
    if not hasattr(settings, section) or section == "origin":
        raise ValueError(f"unknown setting {key!r} (from {origin})")
    if name:
        target = getattr(settings, section)
        if not is_dataclass(target) or not hasattr(target, name):
            raise ValueError(f"unknown setting {key!r} (from {origin})")
        setattr(target, name, _coerce(getattr(target, name), raw, key))
    else:
        setattr(settings, section, _coerce(getattr(settings, section), raw, key))
    settings.origin[key] = origin


def load_settings(
    config_path: str | Path | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Defaults < pipeline.toml (or TAJRUS_CONFIG) < TAJRUS_SECTION__KEY variables < overrides."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    path = Path(config_path or env.get(f"{ENV_PREFIX}CONFIG") or CONFIG_FILE)
    if path.is_file():
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        for section, values in data.items():
            if isinstance(values, dict):
                for name, raw in values.items():
                    _apply(settings, f"{section}.{name}", raw, str(path))
            else:
                _apply(settings, section, values, str(path))
    for var, raw in sorted(env.items()):
        if not var.startswith(ENV_PREFIX) or var == f"{ENV_PREFIX}CONFIG":
            continue
        key = var[len(ENV_PREFIX) :].lower().replace("__", ".")
        _apply(settings, key, raw, f"env {var}")
    for key, raw in (overrides or {}).items():
        if raw is not None:
            _apply(settings, key, raw, "command line")
    return settings
