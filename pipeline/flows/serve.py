"""The scheduled deployments: ingest on its cron, and one (paused) crawl per site, served until
interrupted. Needs PREFECT_API_URL pointing at a Prefect server (`prefect server start`).

The deployments' parameters are the flows' flat parameters, filled in from one CrawlRequest, with
paths made absolute: the served flows may run from another working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.flows.crawl import crawl, ingest
from pipeline.flows.crawl_request import CrawlRequest
from pipeline.sites import SITES


def serve_deployments(
    request: CrawlRequest,
    *,
    sites: list[str] | None = None,
    curated: str = "curated",
    cron: str = "0 */6 * * *",
    crawl_cron: str = "30 */6 * * *",
    timezone: str = "UTC",
    interval: float | None = None,
) -> None:
    """Register the ingest flow and one crawl per site as deployments and run them on their
    schedule until interrupted. request gives raw, mirror, the Scrapy overrides and the hosts per site;
    interval (seconds) replaces both crons, for tests."""
    from prefect import serve
    from prefect.schedules import Cron, Interval

    def schedule(expression: str) -> dict[str, Any]:
        if interval:
            return {"schedule": Interval(interval)}
        return {"schedule": Cron(expression, timezone=timezone)}

    overrides = dict(request.scrapy_overrides) if request.scrapy_overrides is not None else None
    common = {
        "raw": str(Path(request.raw).resolve()),
        "mirror": request.mirror,
        "scrapy_overrides": overrides,
    }
    ingest_params = {
        **common,
        "curated": str(Path(curated).resolve()),
        "sites": sites,
        "hosts": dict(request.hosts),
    }
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
                parameters={**common, "site": site, "hosts": request.hosts.get(site)},
                tags=["crawl", site],
                **schedule(crawl_cron),
                paused=True,
            )
        )
    serve(*deployments)
