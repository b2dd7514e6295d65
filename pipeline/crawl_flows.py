"""Prefect flows that gather (crawl), and gather then curate (backfill, ingest), and serve them.

Each crawl runs `python -m scrapy crawl SITE` in a subprocess: Twisted's reactor cannot be
restarted in one process, and a scheduled worker runs many crawls. The subprocess writes its run
summary to a file we name, so the flow reports exactly that run's counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.sites import SITES

REPO_ROOT = Path(__file__).resolve().parents[1]  # where scrapy.cfg and the spiders package are


class CrawlError(RuntimeError):
    """The spider process did not finish (crashed, was killed, or could not start)."""


def run_spider(
    site: str,
    *,
    hosts: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    settings: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run one crawl of site in a subprocess and return its summary (see spiders/state.py)."""
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
            **(settings or {}),
        }
        for key, value in overrides.items():
            cmd += ["-s", f"{key}={value}"]
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "spiders.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        if not summary_file.exists():
            raise CrawlError(
                f"crawl of {site} exited {proc.returncode} without a summary:\n{proc.stderr[-4000:]}"
            )
        summary = json.loads(summary_file.read_text())
    summary["exit_code"] = proc.returncode
    if proc.returncode != 0 or summary.get("reason") != "finished":
        raise CrawlError(
            f"crawl of {site} ended {summary.get('reason')!r} (exit {proc.returncode}):\n"
            f"{proc.stderr[-4000:]}"
        )
    return summary


@task(name="crawl-site", cache_policy=NO_CACHE, retries=0)
def crawl_site(
    site: str,
    hosts: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    settings: dict[str, Any] | None = None,
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
        settings=settings,
    )
    logger.info(
        "%s: stored %s, failed %s %s, window %s..%s",
        site,
        summary["stored"],
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
    settings: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[str]]:
    """Crawl the sites concurrently (they are different hosts); collect summaries and errors."""
    futures = {
        site: crawl_site.submit(
            site,
            hosts=(hosts or {}).get(site),
            since=since,
            until=until,
            mirror=mirror,
            raw=raw,
            settings=settings,
        )
        for site in sites
    }
    results: dict[str, Any] = {}
    errors: list[str] = []
    for site, future in futures.items():
        try:
            results[site] = future.result()
        except Exception as exc:  # one site's failure must not stop the others or curation
            errors.append(f"{site}: {exc}")
            results[site] = {"error": str(exc)}
    return results, errors


def _curate(raw: str, curated: str) -> dict[str, Any]:
    from pipeline.flows import curate  # the lead's curate flow; imported late so crawl works alone

    return curate(raw=raw, curated=curated)


@flow(name="crawl")
def crawl(
    site: str,
    hosts: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    mirror: str | None = None,
    raw: str = "raw",
    refresh: bool = False,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl one site into raw/: the window given, or from its high-water mark."""
    return crawl_site(
        site,
        hosts=hosts,
        since=since,
        until=until,
        mirror=mirror,
        raw=raw,
        refresh=refresh,
        settings=settings,
    )


@flow(name="backfill")
def backfill(
    since: str,
    until: str,
    sites: list[str] | None = None,
    raw: str = "raw",
    curated: str = "curated",
    mirror: str | None = None,
    settings: dict[str, Any] | None = None,
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
        settings=settings,
    )
    result = {"crawls": crawls, "curate": _curate(raw, curated), "errors": errors}
    if errors:
        raise CrawlError("; ".join(errors))
    return result


@flow(name="ingest")
def ingest(
    sites: list[str] | None = None,
    raw: str = "raw",
    curated: str = "curated",
    mirror: str | None = None,
    settings: dict[str, Any] | None = None,
    hosts: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The scheduled job: crawl every site from its high-water mark, then curate. Curation runs
    even when a crawl failed (what was gathered is still worth curating); the run then fails."""
    crawls, errors = _crawl_sites(
        sites or sorted(SITES), hosts=hosts, since=None, until=None, mirror=mirror, raw=raw, settings=settings
    )
    result = {"crawls": crawls, "curate": _curate(raw, curated), "errors": errors}
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
    settings: dict[str, Any] | None = None,
) -> None:
    """Register the ingest flow and one crawl per site as deployments and run them on their
    schedule until interrupted (needs PREFECT_API_URL pointing at a Prefect server)."""
    from prefect import serve
    from prefect.schedules import Cron, Interval

    def schedule(expression: str) -> dict[str, Any]:
        if interval:
            return {"schedule": Interval(interval)}
        return {"schedule": Cron(expression, timezone=timezone)}

    common = {"raw": str(Path(raw).resolve()), "mirror": mirror, "settings": settings}
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
