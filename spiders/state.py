"""Crawl state of one site under raw/_state/<site>/: what is stored, how far crawls have got.

- stored.txt: every URL whose page is in a closed or recovered WARC file, one a line, appended
  after the record is flushed (so a crash can only forget a URL, never claim one that is not
  stored: the worst case is one refetch).
- high_water.json: the end of the window the last *finished* crawl covered; a crawl with no
  --since starts there (minus an overlap for late sitemap updates).
- failed.txt: article URLs that failed in the last crawl; the next incremental crawl retries them.
- runs/<time>.json and last_run.json: the summary of each crawl.

It lives in raw/ because it describes raw/: move raw/ and the state moves with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spiders.warcstore import site_dir


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class CrawlState:
    """Reads and writes the state files of one site."""

    def __init__(self, raw: str | Path, site: str) -> None:
        site_dir(Path(raw), site)  # validates the key
        self.raw = Path(raw)
        self.site = site
        self.dir = self.raw / "_state" / site

    # --- stored URLs -------------------------------------------------------------------------
    @property
    def stored_path(self) -> Path:
        return self.dir / "stored.txt"

    def stored_urls(self) -> set[str]:
        if not self.stored_path.exists():
            return set()
        with open(self.stored_path, encoding="utf-8") as fh:
            return {line.rstrip("\n") for line in fh if line.strip()}

    def add_stored(self, urls: Iterable[str]) -> None:
        lines = "".join(u + "\n" for u in urls if u and "\n" not in u)
        if not lines:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.stored_path, "a", encoding="utf-8") as fh:
            fh.write(lines)
            fh.flush()

    # --- high-water mark ---------------------------------------------------------------------
    @property
    def high_water_path(self) -> Path:
        return self.dir / "high_water.json"

    def high_water(self) -> dt.datetime | None:
        if not self.high_water_path.exists():
            return None
        data = json.loads(self.high_water_path.read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(data["high_water"])

    def advance_high_water(self, when: dt.datetime) -> dt.datetime:
        """Move the mark forward to when (never back: a backfill of old years leaves it alone)."""
        current = self.high_water()
        mark = max(when, current) if current else when
        _atomic_write(
            self.high_water_path,
            json.dumps(
                {"high_water": mark.isoformat(), "updated": dt.datetime.now(dt.UTC).isoformat()}, indent=2
            ),
        )
        return mark

    # --- failures to retry -------------------------------------------------------------------
    @property
    def failed_path(self) -> Path:
        return self.dir / "failed.txt"

    def failed_urls(self) -> list[str]:
        if not self.failed_path.exists():
            return []
        return [u for u in self.failed_path.read_text(encoding="utf-8").splitlines() if u]

    def set_failed(self, urls: Iterable[str]) -> None:
        _atomic_write(self.failed_path, "".join(sorted({u + "\n" for u in urls})))

    # --- run summaries -----------------------------------------------------------------------
    def write_summary(self, summary: dict[str, Any]) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        text = json.dumps(summary, indent=2, sort_keys=True, default=str)
        path = self.dir / "runs" / f"{stamp}-{os.getpid()}.json"
        _atomic_write(path, text)
        _atomic_write(self.dir / "last_run.json", text)
        return path
