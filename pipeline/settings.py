"""Settings in one place: defaults, then pipeline.toml, then TAJRUS_* environment variables.

Read when a flow or command starts, never at import, so that tests and schedules can change them.
Every value remembers where it came from, so `python -m pipeline config` can explain itself.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "TAJRUS_"
CONFIG_FILE = "pipeline.toml"


@dataclass
class Paths:
    raw: str = "raw"
    curated: str = "curated"


@dataclass
class Limits:
    # A text or HTML file larger than this is rejected (too_large) unread; real article pages are
    # 50-500 KB. Measured: trafilatura takes 13 s and 580 MB on a 30 MB page, so 10 MB keeps one
    # worker near 200 MB. WARC files are containers and are not capped; their records are.
    max_file_bytes: int = 10_000_000
    # Most bytes inflated from a .gz input or read from one WARC record (a gzip bomb, or a huge
    # page inside a WARC, must not fill memory).
    max_decompressed_bytes: int = 10_000_000
    # Deeper nesting than this is not an article page but an attack or a broken export.
    max_html_depth: int = 2_000
    # How long a second curate run waits for the first one before refusing.
    lock_wait_seconds: float = 0.0


@dataclass
class Dedupe:
    # Jaccard similarity over word shingles at which two bodies are the same article.
    threshold: float = 0.7
    # Similarity of opening words at which a teaser is the start of a full article.
    teaser_threshold: float = 0.6
    # A revised copy (a correction, a print view): openings this alike and bodies this alike.
    revision_lead: float = 0.8
    revision_body: float = 0.5
    num_perm: int = 64
    shingle_words: int = 5
    lead_words: int = 60


# Above this many new inputs `auto` starts worker processes: below it, their start-up (~1 s) costs
# more than the parallel extraction saves (a page costs ~4 ms in one process).
AUTO_WORKERS_ABOVE = 400


@dataclass
class Store:
    """How curated/ is kept over months of scheduled runs (pipeline.store.compact)."""

    # A table directory (an articles partition, duplicates/, rejects/, runs/, a _state table)
    # holding more Parquet files than this is rewritten into one at the end of a run; every run
    # that finds something adds one to each table it touches. 0: never during a run (`compact`
    # still does it on demand). Measured (bench --scheduled-runs 1000): at 24, a DuckDB query over
    # the articles of 1,000 small runs took 4.1x a fresh dataset's (a reader pays ~1 ms a file); at
    # 4, 1.04x. A rewrite is cheap: 200,000 signatures and a 20,000-article partition in 1.6 s.
    compact_above_files: int = 4
    # Run reports (_reports/<run>.html) kept: the newest this many (a week of hourly runs); 0 keeps
    # all. The runs table keeps every run's summary.
    keep_reports: int = 168


@dataclass
class Executor:
    # auto: processes when there are more than AUTO_WORKERS_ABOVE new inputs, else local;
    # local: this process; processes: a pool of `workers` extraction processes (pipeline.curation.pool);
    # dask: the Dask cluster at dask_address, or without one a local Dask cluster.
    kind: str = "auto"
    workers: int = 0  # 0: one per core
    batch_size: int = 400
    dask_address: str = ""

    @property
    def worker_count(self) -> int:
        """workers, with 0 read as one per core."""
        return self.workers or os.cpu_count() or 1


@dataclass
class Crawl:
    user_agent: str = "tajrus-corpus/0.1 (+https://github.com/tajrus/tajrus-corpus; research corpus)"
    concurrent_per_host: int = 1
    download_delay: float = 1.0
    download_timeout: float = 30.0
    max_response_bytes: int = 20_000_000
    retry_times: int = 3
    # A Retry-After longer than this gives the URL up for this crawl (tried on the next one).
    max_retry_after: float = 120.0
    # Window of a site's first crawl when no --since is given and no high-water mark exists yet.
    first_crawl_days: int = 7
    # Re-read this much before the high-water mark: sitemap lastmods arrive late.
    high_water_overlap_hours: int = 24
    # A stored article is fetched again while it is younger than this (days since it was first
    # stored) and its sitemap lastmod has moved past its last fetch; 0 turns revisits off.
    revisit_days: float = 3.0
    # Pagination of a listing stops here even if the window is not yet passed.
    listing_max_pages: int = 50
    # Sitemap indexes nest at most this deep (the site's /sitemap.xml is depth 0) ...
    max_sitemap_depth: int = 3
    # ... and a crawl reads at most this many sitemaps of one site: an index that links new
    # indexes forever must end (RFE/RL's real index has some 150 children).
    max_sitemaps: int = 2000


@dataclass
class Hosts:
    """Hosts each spider crawls; empty means the site's defaults (pipeline/sites/<site>.py)."""

    rferl: list[str] = field(default_factory=list)
    jamestown: list[str] = field(default_factory=list)
    eurasianet: list[str] = field(default_factory=list)


@dataclass
class Schedule:
    ingest_cron: str = "0 */6 * * *"
    crawl_cron: str = "30 */6 * * *"
    timezone: str = "UTC"


@dataclass
class Health:
    """When a site's extraction health counts as dropped (pipeline.report.health)."""

    # A run is compared with the median of the site's last this-many runs that had pages of it.
    window_runs: int = 10
    # A share (rule matched, fallback, undated) this many points worse (0.2 = 20 points), or a
    # median body length this much shorter (0.2 = 20%), is a drift warning.
    drop_threshold: float = 0.2
    # Fewer pages of a site than this in a run (or in its window) are recorded, not judged:
    # one odd page of two is not a redesign.
    min_pages: int = 3


@dataclass
class Settings:
    paths: Paths = field(default_factory=Paths)
    limits: Limits = field(default_factory=Limits)
    dedupe: Dedupe = field(default_factory=Dedupe)
    store: Store = field(default_factory=Store)
    executor: Executor = field(default_factory=Executor)
    crawl: Crawl = field(default_factory=Crawl)
    hosts: Hosts = field(default_factory=Hosts)
    schedule: Schedule = field(default_factory=Schedule)
    health: Health = field(default_factory=Health)
    sites: list[str] = field(default_factory=lambda: ["rferl", "jamestown", "eurasianet"])
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
