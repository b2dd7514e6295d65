"""Prefect flows that gather (crawl), and gather then curate (backfill, ingest).

Each site's crawl is a task that runs the spider in a subprocess (flows/spider_process.py); the
sites of a backfill or ingest crawl concurrently (they are different hosts), with per-site progress
on the terminal, and curation runs after them as a subflow. The flows' parameters stay flat (they
are the deployment parameters, flows/serve.py); below them a crawl is one CrawlRequest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.cli.interrupt import note_flow_run
from pipeline.cli.progress import CRAWL_COUNTERS, CrawlProgress
from pipeline.flows.crawl_request import CrawlRequest
from pipeline.flows.spider_process import CrawlError, run_spider
from pipeline.sites import SITES


class _ProgressFeed:
    """Hands the running totals of each site's progress lines to CrawlProgress.update.

    Sites crawl concurrently, each fed from the reader thread of its own subprocess; CrawlProgress
    holds its own lock.
    """

    def __init__(self, progress: CrawlProgress) -> None:
        self.progress = progress

    def __call__(self, site: str, counters: dict[str, Any]) -> None:
        self.progress.update(site, {key: int(counters[key]) for key in CRAWL_COUNTERS if key in counters})


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
def crawl_site(site: str, request: CrawlRequest) -> dict[str, Any]:
    """One site's crawl as a Prefect task: its summary, and a line of it in the run's log."""
    logger = get_run_logger()
    summary = run_spider(site, request, on_progress=_PROGRESS_FEED.get())
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


def _crawl_sites(sites: Sequence[str], request: CrawlRequest) -> tuple[dict[str, Any], list[str]]:
    """Crawl the sites concurrently (they are different hosts); collect summaries and errors."""
    results: dict[str, Any] = {}
    errors: list[str] = []
    with showing_crawl_progress(sites):  # ends with the crawls, before curation shows its own
        futures = {site: crawl_site.submit(site, request) for site in sites}
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


def _gather(sites: list[str] | None, request: CrawlRequest, curated: str) -> dict[str, Any]:
    """Crawl every site (or those named), then curate raw/. Curation runs even when a crawl failed
    (what was gathered is still worth curating); the flow then fails, naming the failed sites."""
    crawls, errors = _crawl_sites(sites or sorted(SITES), request)
    result = {"crawls": crawls, "curate": _curate(request.raw, curated, crawls), "errors": errors}
    if errors:
        raise CrawlError("; ".join(errors))
    return result


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
    site_hosts = {site: hosts} if hosts else {}
    request = CrawlRequest(
        raw=raw,
        since=since,
        until=until,
        mirror=mirror,
        refresh=refresh,
        scrapy_overrides=scrapy_overrides,
        hosts=site_hosts,
    )
    with showing_crawl_progress([site]):
        return crawl_site(site, request)


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
    request = CrawlRequest(
        raw=raw, since=since, until=until, mirror=mirror, scrapy_overrides=scrapy_overrides, hosts=hosts or {}
    )
    return _gather(sites, request, curated)


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
    return _gather(
        sites,
        CrawlRequest(raw=raw, mirror=mirror, scrapy_overrides=scrapy_overrides, hosts=hosts or {}),
        curated,
    )
