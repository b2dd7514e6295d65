"""Prefect flows that gather (crawl), and gather then curate (backfill, ingest), and serve them.

Each crawl runs `python -m scrapy crawl SITE` in a subprocess: Twisted's reactor cannot be
restarted in one process, and a scheduled worker runs many crawls. The subprocess writes its run
summary to a file we name, so the flow reports exactly that run's counts; while it runs, it prints
`TAJRUS-PROGRESS {json}` lines (spiders/progress.py) that the flows show as per-site progress.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.cli.interrupt import note_flow_run
from pipeline.cli.progress import CRAWL_COUNTERS, CrawlProgress
from pipeline.sites import SITES

REPO_ROOT = Path(__file__).resolve().parents[1]  # where scrapy.cfg and the spiders package are
PROGRESS_PREFIX = "TAJRUS-PROGRESS "  # as spiders/progress.py writes it (not imported: no Scrapy here)
TAIL_LINES = 200  # output lines of the child kept for the error message
ERROR_TAIL_CHARS = 4000

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""on_progress(site, counters): counters are running totals (queued, fetched, failed, stored, final)."""

log = logging.getLogger(__name__)


class CrawlError(RuntimeError):
    """The spider process did not finish (crashed, was killed, or could not start)."""


def parse_progress_line(line: str) -> dict[str, Any] | None:
    """The counters of a `TAJRUS-PROGRESS {json}` line, or None for any other line (a log line,
    or a progress line cut short: it is then kept as output rather than lost silently)."""
    if not line.startswith(PROGRESS_PREFIX):
        return None
    try:
        counters = json.loads(line[len(PROGRESS_PREFIX) :])
    except ValueError:
        return None
    return counters if isinstance(counters, dict) else None


def _pump(stream: IO[str], tail: deque[str], on_counters: Callable[[dict[str, Any]], None] | None) -> None:
    """Read the child's output to the end: progress lines to on_counters, the rest into tail.

    It must keep reading whatever happens, or a full pipe would block the child; so a failing
    callback (a broken display) is logged once and then no longer called.
    """
    for raw_line in stream:
        line = raw_line.rstrip("\n")
        counters = parse_progress_line(line)
        if counters is None:
            tail.append(line)
        elif on_counters is not None:
            try:
                on_counters(counters)
            except Exception:
                log.exception("crawl progress callback failed; progress display stops")
                on_counters = None


def run_with_progress(
    cmd: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    on_counters: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[int, str]:
    """Run cmd to its end, feeding its progress lines to on_counters as they come; return its exit
    code and the last TAIL_LINES lines of its other output (stdout and stderr, interleaved).

    stdout is merged into stderr so one reader drains both and neither pipe can fill up. On
    timeout (or an interrupt) the child is killed first, as subprocess.run does: a crawl must not
    outlive its flow; TimeoutExpired then carries the output tail.
    """
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert proc.stdout is not None
    reader = threading.Thread(target=_pump, args=(proc.stdout, tail, on_counters), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except BaseException as exc:
        proc.kill()
        proc.wait()
        reader.join(5)
        if isinstance(exc, subprocess.TimeoutExpired):  # as subprocess.run, with what it printed
            raise subprocess.TimeoutExpired(exc.cmd, exc.timeout, output="\n".join(tail)) from None
        raise
    finally:
        # EOF comes when the child exits; a grandchild still holding the pipe must not hang us.
        reader.join(10)
        proc.stdout.close()
    return proc.returncode, "\n".join(tail)


def run_spider(
    site: str,
    *,
    hosts: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    scrapy_overrides: dict[str, Any] | None = None,
    timeout: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run one crawl of site in a subprocess and return its summary (see spiders/state.py).

    on_progress(site, counters) is called from a reader thread every couple of seconds while the
    crawl runs (CRAWL_PROGRESS_INTERVAL), with running totals.
    """
    if site not in SITES:
        raise ValueError(f"unknown site {site!r}; known: {', '.join(sorted(SITES))}")
    with tempfile.TemporaryDirectory(prefix="crawl-") as tmp:
        summary_file = Path(tmp) / "summary.json"
        cmd = [sys.executable, "-m", "scrapy", "crawl", site]
        args = {
            "since": since,
            "until": until,
            "hosts": ",".join(hosts) if hosts else None,
            "refresh": "1" if refresh else None,
        }
        for key, value in args.items():
            if value:
                cmd += ["-a", f"{key}={value}"]
        overrides = {
            "RAW_DIR": str(Path(raw).resolve()),
            "CRAWL_SUMMARY_FILE": str(summary_file),
            **({"MIRROR_URL": mirror} if mirror else {}),
            **(scrapy_overrides or {}),
        }
        for key, value in overrides.items():
            cmd += ["-s", f"{key}={value}"]
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "spiders.scrapy_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
        on_counters = (lambda counters: on_progress(site, counters)) if on_progress else None
        try:
            returncode, output = run_with_progress(
                cmd, cwd=REPO_ROOT, env=env, timeout=timeout, on_counters=on_counters
            )
        except subprocess.TimeoutExpired as exc:
            raise CrawlError(
                f"crawl of {site} did not finish within {timeout}s and was killed:\n"
                f"{(exc.output or '')[-ERROR_TAIL_CHARS:]}"
            ) from None
        if not summary_file.exists():
            raise CrawlError(
                f"crawl of {site} exited {returncode} without a summary:\n{output[-ERROR_TAIL_CHARS:]}"
            )
        summary = json.loads(summary_file.read_text())
    summary["exit_code"] = returncode
    if returncode != 0 or summary.get("reason") != "finished":
        raise CrawlError(
            f"crawl of {site} ended {summary.get('reason')!r} (exit {returncode}):\n"
            f"{output[-ERROR_TAIL_CHARS:]}"
        )
    return summary


class _ProgressFeed:
    """Hands the running totals of each site's progress lines to CrawlProgress.update.

    Sites crawl concurrently, each fed from the reader thread of its own subprocess; CrawlProgress
    holds its own lock.
    """

    def __init__(self, progress: CrawlProgress) -> None:
        self.progress = progress

    def __call__(self, site: str, counters: dict[str, Any]) -> None:
        self.progress.update(site, {key: int(counters[key]) for key in CRAWL_COUNTERS if key in counters})


# The progress shown by the flow that is running: set by the flow around its crawls and read by
# crawl_site. A ContextVar, because Prefect's thread pool runs each submitted task in a copy of the
# submitting context, so concurrent flows in one process (a served worker) never share a display.
_PROGRESS_FEED: ContextVar[_ProgressFeed | None] = ContextVar("crawl_progress_feed", default=None)


@contextmanager
def showing_crawl_progress(sites: Sequence[str]) -> Iterator[CrawlProgress]:
    """Per-site progress for the crawls started inside: rich bars on a terminal, plain lines
    on stderr otherwise (pipeline.cli.progress.CrawlProgress decides)."""
    with CrawlProgress(sites) as progress:
        token = _PROGRESS_FEED.set(_ProgressFeed(progress))
        try:
            yield progress
        finally:
            _PROGRESS_FEED.reset(token)


@task(name="crawl-site", task_run_name="crawl-site-{site}", cache_policy=NO_CACHE, retries=0)
def crawl_site(
    site: str,
    hosts: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    scrapy_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    logger = get_run_logger()
    summary = run_spider(
        site,
        hosts=hosts or (),
        since=since,
        until=until,
        mirror=mirror,
        raw=raw,
        refresh=refresh,
        scrapy_overrides=scrapy_overrides,
        on_progress=_PROGRESS_FEED.get(),
    )
    logger.info(
        "%s: stored %s (revisits %s), failed %s %s, window %s..%s",
        site,
        summary["stored"],
        summary.get("counts", {}).get("revisited", 0),
        summary["failed"],
        summary["failed_by_reason"],
        summary["since"],
        summary["until"],
    )
    return summary


def _crawl_sites(
    sites: Sequence[str],
    *,
    hosts: dict[str, list[str]] | None = None,
    since: str | None,
    until: str | None,
    mirror: str | None,
    raw: str,
    scrapy_overrides: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[str]]:
    """Crawl the sites concurrently (they are different hosts); collect summaries and errors."""
    results: dict[str, Any] = {}
    errors: list[str] = []
    with showing_crawl_progress(sites):  # ends with the crawls, before curation shows its own
        futures = {
            site: crawl_site.submit(
                site,
                hosts=(hosts or {}).get(site),
                since=since,
                until=until,
                mirror=mirror,
                raw=raw,
                scrapy_overrides=scrapy_overrides,
            )
            for site in sites
        }
        for site, future in futures.items():
            try:
                results[site] = future.result()
            except Exception as exc:  # one site's failure must not stop the others or curation
                errors.append(f"{site}: {exc}")
                results[site] = {"error": str(exc)}
    return results, errors


def _curate(raw: str, curated: str, crawls: dict[str, Any]) -> dict[str, Any]:
    """The curate flow as a subflow, with the executor the settings ask for; its run report shows
    each site's crawl outcome."""
    from pipeline.flows.curate import run_curate_flow  # imported late so that crawling works alone
    from pipeline.report.crawl_summary import site_crawl_outcome
    from pipeline.settings import load_settings

    outcomes = {site: site_crawl_outcome(summary) for site, summary in crawls.items()}
    return run_curate_flow(
        load_settings(overrides={"paths.raw": raw, "paths.curated": curated}), crawls=outcomes
    )


@flow(name="crawl", on_running=[note_flow_run])
def crawl(
    site: str,
    hosts: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    scrapy_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl one site into raw/: the window given, or from its high-water mark."""
    with showing_crawl_progress([site]):
        return crawl_site(
            site,
            hosts=hosts,
            since=since,
            until=until,
            mirror=mirror,
            raw=raw,
            refresh=refresh,
            scrapy_overrides=scrapy_overrides,
        )


@flow(name="backfill", on_running=[note_flow_run])
def backfill(
    since: str,
    until: str,
    sites: list[str] | None = None,
    raw: str = "raw",
    curated: str = "curated",
    mirror: str | None = None,
    scrapy_overrides: dict[str, Any] | None = None,
    hosts: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Crawl a past window of every site (or those named), then curate raw/."""
    crawls, errors = _crawl_sites(
        sites or sorted(SITES),
        hosts=hosts,
        since=since,
        until=until,
        mirror=mirror,
        raw=raw,
        scrapy_overrides=scrapy_overrides,
    )
    result = {"crawls": crawls, "curate": _curate(raw, curated, crawls), "errors": errors}
    if errors:
        raise CrawlError("; ".join(errors))
    return result


@flow(name="ingest", on_running=[note_flow_run])
def ingest(
    sites: list[str] | None = None,
    raw: str = "raw",
    curated: str = "curated",
    mirror: str | None = None,
    scrapy_overrides: dict[str, Any] | None = None,
    hosts: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The scheduled job: crawl every site from its high-water mark, then curate. Curation runs
    even when a crawl failed (what was gathered is still worth curating); the run then fails."""
    crawls, errors = _crawl_sites(
        sites or sorted(SITES),
        hosts=hosts,
        since=None,
        until=None,
        mirror=mirror,
        raw=raw,
        scrapy_overrides=scrapy_overrides,
    )
    result = {"crawls": crawls, "curate": _curate(raw, curated, crawls), "errors": errors}
    if errors:
        raise CrawlError("; ".join(errors))
    return result


def serve_deployments(
    *,
    sites: list[str] | None = None,
    hosts: dict[str, list[str]] | None = None,
    cron: str = "0 */6 * * *",
    crawl_cron: str = "30 */6 * * *",
    timezone: str = "UTC",
    interval: float | None = None,
    raw: str = "raw",
    curated: str = "curated",
    mirror: str | None = None,
    scrapy_overrides: dict[str, Any] | None = None,
) -> None:
    """Register the ingest flow and one crawl per site as deployments and run them on their
    schedule until interrupted (needs PREFECT_API_URL pointing at a Prefect server)."""
    from prefect import serve
    from prefect.schedules import Cron, Interval

    def schedule(expression: str) -> dict[str, Any]:
        if interval:
            return {"schedule": Interval(interval)}
        return {"schedule": Cron(expression, timezone=timezone)}

    common = {"raw": str(Path(raw).resolve()), "mirror": mirror, "scrapy_overrides": scrapy_overrides}
    ingest_params = {**common, "curated": str(Path(curated).resolve()), "sites": sites, "hosts": hosts}
    deployments = [
        ingest.to_deployment(
            name="scheduled-ingest",
            parameters=ingest_params,
            tags=["ingest"],
            **schedule(cron),
        )
    ]
    for site in sorted(SITES):
        deployments.append(
            crawl.to_deployment(
                name=f"crawl-{site}",
                parameters={**common, "site": site, "hosts": (hosts or {}).get(site)},
                tags=["crawl", site],
                **schedule(crawl_cron),
                paused=True,
            )
        )
    serve(*deployments)
