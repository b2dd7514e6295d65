"""CLI subcommands for gathering: crawl, backfill, ingest, serve (`python -m pipeline crawl ...`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.sites import SITES


def _settings(pairs: list[str] | None, user_agent: str | None) -> dict[str, str] | None:
    out = dict(p.split("=", 1) for p in pairs or [])
    if user_agent:
        out["USER_AGENT"] = user_agent
    return out or None


def _print(result: Any) -> None:
    print(json.dumps(result, indent=2, sort_keys=True, default=str))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", default="raw", help="raw directory (WARC under raw/warc/<site>/)")
    p.add_argument("--mirror", help="fetch https://HOST/PATH from MIRROR/HOST/PATH (a wget --mirror tree)")
    p.add_argument("--user-agent", help="User-Agent to send (default: spiders/settings.py, with contact URL)")
    p.add_argument("-s", "--set", action="append", metavar="KEY=VALUE", help="Scrapy setting override")


def _crawl(args: argparse.Namespace) -> int:
    from pipeline.crawl_flows import CrawlError, crawl

    try:
        summary = crawl(
            site=args.site,
            hosts=args.host,
            since=args.since,
            until=args.until,
            mirror=args.mirror,
            raw=args.raw,
            refresh=args.refresh,
            settings=_settings(args.set, args.user_agent),
        )
    except CrawlError as exc:
        print(exc)
        return 1
    _print(summary)
    return 0


def _backfill(args: argparse.Namespace) -> int:
    from pipeline.crawl_flows import CrawlError, backfill

    try:
        _print(
            backfill(
                since=args.since,
                until=args.until,
                sites=args.site,
                raw=args.raw,
                curated=args.curated,
                mirror=args.mirror,
                settings=_settings(args.set, args.user_agent),
            )
        )
    except CrawlError as exc:
        print(exc)
        return 1
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.crawl_flows import CrawlError, ingest

    try:
        _print(
            ingest(
                sites=args.site,
                raw=args.raw,
                curated=args.curated,
                mirror=args.mirror,
                settings=_settings(args.set, args.user_agent),
            )
        )
    except CrawlError as exc:
        print(exc)
        return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    from pipeline.crawl_flows import serve_deployments

    serve_deployments(
        sites=args.site,
        cron=args.cron,
        interval=args.interval,
        raw=args.raw,
        curated=args.curated,
        mirror=args.mirror,
        settings=_settings(args.set, args.user_agent),
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add crawl, backfill, ingest and serve to the `python -m pipeline` parser."""
    sites = sorted(SITES)

    p = subparsers.add_parser("crawl", help="crawl one site into raw/ (a Prefect flow)")
    p.add_argument("site", choices=sites)
    p.add_argument("--host", action="append", help="host to crawl (repeatable; default: the site's hosts)")
    p.add_argument("--since", help="start of the window, YYYY-MM-DD or ISO (default: the high-water mark)")
    p.add_argument("--until", help="end of the window, inclusive (default: now)")
    p.add_argument("--refresh", action="store_true", help="fetch again pages already stored in raw/")
    _common(p)
    p.set_defaults(func=_crawl)

    p = subparsers.add_parser("backfill", help="crawl a past window, then curate")
    p.add_argument("--since", required=True)
    p.add_argument("--until", required=True)
    p.add_argument("--site", action="append", choices=sites, help="site to crawl (repeatable; default: all)")
    p.add_argument("--curated", default="curated")
    _common(p)
    p.set_defaults(func=_backfill)

    p = subparsers.add_parser("ingest", help="the scheduled job: crawl every site from its mark, then curate")
    p.add_argument("--site", action="append", choices=sites)
    p.add_argument("--curated", default="curated")
    _common(p)
    p.set_defaults(func=_ingest)

    p = subparsers.add_parser(
        "serve", help="serve ingest and per-site crawls as scheduled Prefect deployments"
    )
    p.add_argument("--cron", default="0 */6 * * *", help="schedule of ingest (default: every 6 hours)")
    p.add_argument("--interval", type=float, help="schedule every N seconds instead of --cron (for tests)")
    p.add_argument("--site", action="append", choices=sites, help="sites the ingest crawls (default: all)")
    p.add_argument("--curated", default="curated")
    _common(p)
    p.set_defaults(func=_serve)
