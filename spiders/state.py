"""Crawl state of one site under raw/_state/<site>/: what is stored, how far crawls have got.

- stored.txt: every URL whose page is in a closed or recovered WARC file, one a line, appended
  after the record is flushed (so a crash can only forget a URL, never claim one that is not
  stored: the worst case is one refetch). Since revisits, a line is `URL<TAB>fetch time`, and a
  refetched URL gets another line: the first line of a URL says when it was first stored (its
  age), the last when it was last fetched. Lines of older versions (a URL alone) still count as
  stored, with no time: such a URL is never revisited.
- high_water.json: per host, the end of the window the last *finished* crawl of that host
  covered; a crawl with no --since starts there (minus an overlap for late sitemap updates). A
  file of an older version holds one mark for the whole site: it stays the mark of every host
  that has none of its own yet.
- failed.txt: article URLs that failed in the last crawl; the next incremental crawl retries them.
- runs/<time>.json and last_run.json: the summary of each crawl.

It lives in raw/ because it describes raw/: move raw/ and the state moves with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spiders.warcstore import site_dir


@dataclass(frozen=True)
class StoredTimes:
    """When a stored URL was first fetched (its age) and last fetched; None when not recorded."""

    first: dt.datetime | None
    last: dt.datetime | None


def _parse_time(stamp: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(stamp.strip()) if stamp.strip() else None
    except ValueError:
        return None  # a line cut by a crash: the URL still counts as stored
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


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
        return set(self.stored_times())

    def stored_times(self) -> dict[str, StoredTimes]:
        """Every stored URL with when it was first and last fetched (None on lines of older
        versions, which carry no time)."""
        times: dict[str, StoredTimes] = {}
        if not self.stored_path.exists():
            return times
        with open(self.stored_path, encoding="utf-8") as fh:
            for line in fh:
                url, _, stamp = line.rstrip("\n").partition("\t")
                if not url.strip():
                    continue
                when = _parse_time(stamp)
                seen = times.get(url)
                if seen is None:
                    times[url] = StoredTimes(when, when)
                elif when is not None:
                    times[url] = StoredTimes(seen.first, max(when, seen.last or when))
        return times

    def add_stored(self, urls: Iterable[str], fetched_at: dt.datetime | None = None) -> None:
        """Note urls as stored (fetched at fetched_at, when known)."""
        stamp = "\t" + fetched_at.astimezone(dt.UTC).isoformat() if fetched_at else ""
        lines = "".join(u + stamp + "\n" for u in urls if u and "\n" not in u and "\t" not in u)
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

    def _high_water_data(self) -> dict[str, Any]:
        if not self.high_water_path.exists():
            return {}
        data = json.loads(self.high_water_path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def high_water(self, host: str | None = None) -> dt.datetime | None:
        """host's mark; the site-wide mark of an older version when host has none (or no host
        is named)."""
        data = self._high_water_data()
        value = (data.get("hosts") or {}).get(host) if host else None
        value = value or data.get("high_water")
        return dt.datetime.fromisoformat(value) if value else None

    def advance_high_water(self, when: dt.datetime, hosts: Iterable[str] = ()) -> dt.datetime:
        """Move the marks of hosts forward to when (never back: a backfill of old years leaves
        them alone); other hosts' marks are untouched. Without hosts, the site-wide mark moves
        (as older versions did). Returns the mark now in force for those hosts (the earliest)."""
        data = self._high_water_data()
        hosts = sorted(set(hosts))
        marks: list[dt.datetime] = []
        if hosts:
            per_host = dict(data.get("hosts") or {})
            for host in hosts:
                current = self.high_water(host)
                mark = max(when, current) if current else when
                per_host[host] = mark.isoformat()
                marks.append(mark)
            data["hosts"] = per_host
        else:
            current = self.high_water()
            mark = max(when, current) if current else when
            data["high_water"] = mark.isoformat()
            marks.append(mark)
        data["updated"] = dt.datetime.now(dt.UTC).isoformat()
        _atomic_write(self.high_water_path, json.dumps(data, indent=2, sort_keys=True))
        return min(marks)

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
