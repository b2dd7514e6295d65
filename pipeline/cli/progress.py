"""Progress for long work: a rich bar on a terminal, a plain log line now and then anywhere else.

Flows call this once per batch, so `advance` only adds numbers and reads the clock; all formatting
happens at most every `interval` seconds (or at each 10% of the total). Output that is not a
terminal (a Prefect worker log, cron mail, a CI job) gets short self-contained lines that still
read well when grepped, and never terminal control codes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Literal

Mode = Literal["auto", "rich", "plain", "off"]

# Plain mode prints when this much time has passed or the next tenth of the total is reached.
DEFAULT_INTERVAL = 10.0


def format_duration(seconds: float) -> str:
    """Whole seconds, minutes and hours as people say them: 45s, 3m40s, 2h05m."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _use_rich(mode: Mode, stream: IO[str]) -> bool:
    if mode != "auto":
        return mode == "rich"
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _write_line(stream: IO[str] | None) -> Callable[[str], None]:
    def write(line: str) -> None:
        # Resolved at write time, so pytest's capture (and a redirected stderr) sees the line.
        out = stream or sys.stderr
        out.write(line + "\n")
        out.flush()

    return write


class Progress:
    """How far a batch job is: `with Progress("curate", total=n) as p: p.advance(len(batch))`.

    counters passed to advance (rejects=3, duplicates=1) are summed and shown beside the rate,
    so the log line tells an analyst not only how fast but also how much is being thrown away.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "pages",
        mode: Mode = "auto",
        stream: IO[str] | None = None,
        interval: float = DEFAULT_INTERVAL,
        sink: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.counters: dict[str, int] = {}
        self._clock = clock
        self._interval = interval
        self._stream = stream
        self._rich = mode != "off" and sink is None and _use_rich(mode, stream or sys.stderr)
        self._silent = mode == "off"
        self._emit = sink or _write_line(stream)
        self._bar = None
        self._task = None
        self._started = 0.0
        self._next_time = 0.0
        self._next_count = 0

    # -- context manager -------------------------------------------------------------------------

    def __enter__(self) -> Progress:
        self._started = self._clock()
        self._next_time = self._started + self._interval
        self._next_count = self._step() if self.total else 0
        if self._rich:
            self._start_rich()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif not self._silent:
            self._emit(self.final_line(failed=exc_type is not None))

    # -- the per-batch call ----------------------------------------------------------------------

    def advance(self, n: int = 1, **counters: int) -> None:
        """Count n more units done (and any side counters). Cheap: formats only when it prints."""
        self.done += n
        for key, value in counters.items():
            self.counters[key] = self.counters.get(key, 0) + value
        if self._bar is not None:
            self._bar.update(self._task, advance=n, extra=self._counters_text())
            return
        if self._silent:
            return
        now = self._clock()
        if now >= self._next_time or (self._next_count and self.done >= self._next_count):
            self._emit(self.line(now))
            self._next_time = now + self._interval
            if self.total:
                step = self._step()
                self._next_count = (self.done // step + 1) * step

    def update_to(self, done: int, **counters: int) -> None:
        """For callbacks that report running totals (a RunSummary) rather than increments."""
        self.counters.update({key: 0 for key in counters})
        self.advance(done - self.done, **counters)

    def set_total(self, total: int | None) -> None:
        """For work whose size is known only after it started (files listed lazily)."""
        self.total = total
        if total and not self._next_count:
            self._next_count = (self.done // self._step() + 1) * self._step()
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    # -- formatting ------------------------------------------------------------------------------

    def _step(self) -> int:
        return max(1, (self.total or 0) // 10)

    def _counters_text(self) -> str:
        return ", ".join(f"{key} {value}" for key, value in self.counters.items())

    def rate(self, now: float | None = None) -> float:
        elapsed = (self._clock() if now is None else now) - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, now: float | None = None) -> str:
        """`curate: 1200/20000 pages, 85.3 pages/s, ~3m40s left` (plus counters when given)."""
        now = self._clock() if now is None else now
        rate = self.rate(now)
        done = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        parts = [f"{self.label}: {done} {self.unit}", f"{rate:.1f} {self.unit}/s"]
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"~{format_duration((self.total - self.done) / rate)} left")
        if self.counters:
            parts.append(self._counters_text())
        return ", ".join(parts)

    def final_line(self, failed: bool = False) -> str:
        now = self._clock()
        verb = "stopped after" if failed else "done,"
        text = (
            f"{self.label}: {verb} {self.done} {self.unit} in {format_duration(now - self._started)}"
            f" ({self.rate(now):.1f} {self.unit}/s)"
        )
        return text + (f", {self._counters_text()}" if self.counters else "")

    def _start_rich(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            ProgressColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress
        from rich.text import Text

        unit = self.unit

        class RateColumn(ProgressColumn):
            """rich's own speed columns speak bytes; ours says pages/s."""

            def render(self, task: object) -> Text:
                speed = getattr(task, "speed", None)
                return Text(f"{speed:.1f} {unit}/s" if speed else "")

        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[extra]}"),
            console=Console(file=self._stream or sys.stderr),
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total, extra="")


CRAWL_COUNTERS = ("fetched", "queued", "failed", "stored", "skipped", "requested", "refused", "discovering")
"""The per-site running totals of spiders/progress.py; `discovering` is a gauge (sitemaps, feeds and
listing pages not yet answered), the others only grow."""


class CrawlProgress:
    """Per-site counts of a crawl, fed by the spiders' running totals (`update`) or by events
    (`record`): on a terminal a bar per site, elsewhere a plain line every `interval` seconds.

    Each site shows its article pages done (stored, failed, refused) against those asked for, its
    rate (article pages per second since its first count) and, once its sitemaps, feeds and listing
    pages are all read (no more articles can come), the time left at that rate. While they are
    still being read the total is not known, and the line says so instead of guessing.
    """

    def __init__(
        self,
        sites: Iterable[str] = (),
        *,
        label: str = "crawl",
        mode: Mode = "auto",
        stream: IO[str] | None = None,
        interval: float = DEFAULT_INTERVAL,
        sink: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.counts: dict[str, dict[str, int]] = {}
        self._clock = clock
        self._interval = interval
        self._stream = stream
        self._silent = mode == "off"
        self._rich = not self._silent and sink is None and _use_rich(mode, stream or sys.stderr)
        self._emit = sink or _write_line(stream)
        self._lock = threading.Lock()
        self._bar = None
        self._tasks: dict[str, int] = {}
        self._started = 0.0
        self._next_time = 0.0
        self._known: dict[str, set[str]] = {}  # the counters each site has reported
        for site in sites:
            self._site(site)

    def __enter__(self) -> CrawlProgress:
        self._started = self._clock()
        self._next_time = self._started + self._interval
        if self._rich:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description:<12}"),
                BarColumn(bar_width=20),  # the text (rate and time left first) needs the width
                TextColumn("{task.fields[text]}"),
                console=Console(file=self._stream or sys.stderr),
            )
            self._bar.start()
            for site in self.counts:
                self._add_rich_task(site)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._bar is not None:
            with self._lock:
                for site in self.counts:
                    self._refresh_bar(site, final=True)
            self._bar.stop()
            self._bar = None
        elif not self._silent:
            self._emit(self.line(final=True))

    def _site(self, site: str) -> dict[str, int]:
        counts = self.counts.get(site)
        if counts is None:
            counts = self.counts[site] = dict.fromkeys(CRAWL_COUNTERS, 0)
            self._known[site] = set()
            if self._bar is not None:
                self._add_rich_task(site)
        return counts

    def _add_rich_task(self, site: str) -> None:
        self._tasks[site] = self._bar.add_task(site, total=None, text="")

    def record(self, site: str, counter: str, n: int = 1) -> None:
        """Count an event of one site; counter is one of CRAWL_COUNTERS."""
        if counter not in CRAWL_COUNTERS:
            raise ValueError(f"unknown crawl counter {counter!r}; expected one of {CRAWL_COUNTERS}")
        with self._lock:  # Scrapy callbacks and rich's refresh thread may interleave
            counts = self._site(site)
            counts[counter] += n
            self._known[site].add(counter)
            self._changed(site)

    def update(self, site: str, totals: dict[str, object]) -> None:
        """Set a site's running totals (a spider's TAJRUS-PROGRESS counters; unknown keys ignored)."""
        with self._lock:
            counts = self._site(site)
            for key in CRAWL_COUNTERS:
                value = totals.get(key)
                if isinstance(value, int):
                    counts[key] = value
                    self._known[site].add(key)
            self._changed(site)

    def _changed(self, site: str) -> None:
        if self._bar is not None:
            self._refresh_bar(site)
            return
        if self._silent:
            return
        now = self._clock()
        if now >= self._next_time:
            self._next_time = now + self._interval
            self._emit(self.line())

    def _refresh_bar(self, site: str, final: bool = False) -> None:
        counts = self.counts[site]
        total = counts["requested"] if "requested" in self._known[site] else counts["queued"]
        self._bar.update(
            self._tasks[site],
            total=max(total, 1),
            completed=self._progressed(site),
            text=self.site_text(site, final=final),
        )

    def fetched(self, site: str, n: int = 1) -> None:
        self.record(site, "fetched", n)

    def queued(self, site: str, n: int = 1) -> None:
        self.record(site, "queued", n)

    def failed(self, site: str, n: int = 1) -> None:
        self.record(site, "failed", n)

    @staticmethod
    def _done(counts: dict[str, int]) -> int:
        """Article pages finished: stored, failed, or refused by robots.txt or the off-site guard."""
        return counts["stored"] + counts["failed"] + counts["refused"]

    def _progressed(self, site: str) -> int:
        """Article pages done; requests answered for a spider that reports only those."""
        counts = self.counts[site]
        if "requested" in self._known[site]:
            return self._done(counts)
        return counts["fetched"] + counts["failed"]

    def rate(self, site: str, now: float | None = None) -> float:
        """The site's pages done per second since the crawl began."""
        elapsed = (self._clock() if now is None else now) - self._started
        return self._progressed(site) / elapsed if elapsed > 0 else 0.0

    def time_left(self, site: str, now: float | None = None) -> float | None:
        """Seconds to fetch the rest at the site's rate; None when the total is not known yet
        (sitemaps, feeds or listings still being read) or there is no rate yet."""
        counts, known = self.counts[site], self._known[site]
        if "requested" not in known or "discovering" not in known or counts["discovering"]:
            return None
        left = counts["requested"] - self._done(counts)
        if left <= 0:
            return 0.0
        rate = self.rate(site, now)
        return left / rate if rate > 0 else None

    def site_text(self, site: str, final: bool = False, now: float | None = None) -> str:
        """`12/40 pages, 2.1 pages/s, ~14s left (stored 11, skipped 3, failed 1)`."""
        counts, known = self.counts[site], self._known[site]
        now = self._clock() if now is None else now
        rate = f"{self.rate(site, now):.1f} pages/s"
        if "requested" not in known:  # a spider that counts only requests (not a SiteSpider)
            text = ", ".join(f"{key} {counts[key]}" for key in ("fetched", "queued", "failed"))
            return f"{text}, {rate}" + ("" if final else ", time left unknown")
        done, total = self._done(counts), counts["requested"]
        tally = f"stored {counts['stored']}, skipped {counts['skipped']}, failed {counts['failed']}"
        if counts["refused"]:
            tally += f", refused {counts['refused']}"
        if final:
            return f"{done}/{total} pages, {rate} ({tally})"
        left = self.time_left(site, now)
        if left is not None:
            when = f"~{format_duration(left)} left"
        elif "discovering" in known and counts["discovering"]:
            when = "time left unknown: still reading sitemaps, feeds and listings"
            return f"{done}/{total}+ pages so far, {rate}, {when} ({tally})"
        else:
            when = "time left unknown"
        return f"{done}/{total} pages, {rate}, {when} ({tally})"

    def line(self, final: bool = False) -> str:
        """`crawl: rferl 12/40 pages, 2.1 pages/s, ~14s left (stored 11, skipped 3, failed 1); ...`."""
        now = self._clock()
        elapsed = now - self._started
        sites = (
            "; ".join(f"{site} {self.site_text(site, final=final, now=now)}" for site in self.counts)
            or "nothing yet"
        )
        head = f"{self.label}: done in {format_duration(elapsed)}, " if final else f"{self.label}: "
        return f"{head}{sites}"
