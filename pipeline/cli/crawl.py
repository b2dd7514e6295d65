"""CLI subcommands for gathering: crawl, backfill, ingest, serve (`python -m pipeline crawl ...`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.settings import Settings, load_settings
from pipeline.sites import SITES


def _resolved(args: argparse.Namespace) -> Settings:
    """pipeline.toml and TAJRUS_* give the defaults; options given on the command line win."""
    return load_settings(overrides={"paths.raw": args.raw, "paths.curated": getattr(args, "curated", None)})


def _hosts(settings: Settings, sites: list[str]) -> dict[str, list[str]]:
    return {site: getattr(settings.hosts, site) for site in sites if getattr(settings.hosts, site, None)}


def _bound(value: str) -> str:
    """A --since/--until value, checked before Prefect or Scrapy start (argparse reports a bad one)."""
    from spiders.discovery import parse_bound

    try:
        parse_bound(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _key_value(value: str) -> str:
    """A -s KEY=VALUE Scrapy override."""
    key, sep, _ = value.partition("=")
    if not sep or not key.strip() or not key.strip().replace("_", "").isalnum():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (a Scrapy setting), not {value!r}")
    return value


def _reversed_window(since: str | None, until: str | None) -> str | None:
    """Why --since/--until make an empty window, or None."""
    from spiders.discovery import parse_bound

    start, end = parse_bound(since), parse_bound(until, end_of_day=True)
    if start is not None and end is not None and start > end:
        return f"error: --since {since} is after --until {until}: the window is empty"
    return None


def _scrapy_overrides(pairs: list[str] | None, user_agent: str | None) -> dict[str, str] | None:
    """The -s KEY=VALUE values and --user-agent, as Scrapy settings for this run only."""
    out = dict(p.split("=", 1) for p in pairs or [])
    if user_agent:
        out["USER_AGENT"] = user_agent
    return out or None


def _print(result: Any, args: argparse.Namespace) -> None:
    """The human summary, or with --json what the flow returned, for scripts."""
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, sort_keys=True, default=str))
        return
    from pipeline.report.crawl_summary import render_crawl, render_gather

    print(render_gather(result) if "crawls" in result else render_crawl(result))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", help="raw directory, WARC under raw/warc/<site>/ (default: paths.raw)")
    p.add_argument("--mirror", help="fetch https://HOST/PATH from MIRROR/HOST/PATH (a wget --mirror tree)")
    p.add_argument("--user-agent", help="User-Agent to send (default: crawl.user_agent, with contact URL)")
    p.add_argument(
        "-s", "--set", action="append", metavar="KEY=VALUE", type=_key_value, help="Scrapy setting override"
    )
    if p.prog.split()[-1] != "serve":
        p.add_argument(
            "--json", action="store_true", help="print what the flow returned as JSON (for scripts)"
        )


def _run_flow(args: argparse.Namespace, flow_name: str, **parameters: Any) -> int:
    """Run one of the gathering flows (pipeline/flows/crawl.py) and print what it returned; a
    failed crawl is its message and exit 1."""
    from pipeline.cli.main import say_starting_prefect
    from pipeline.flows import crawl as crawl_flows
    from pipeline.flows.spider_process import CrawlError

    say_starting_prefect(flow_name)
    try:
        result = getattr(crawl_flows, flow_name)(**parameters)
    except CrawlError as exc:
        print(exc)
        return 1
    _print(result, args)
    return 0


def _crawl(args: argparse.Namespace) -> int:
    problem = _reversed_window(args.since, args.until)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    settings = _resolved(args)
    return _run_flow(
        args,
        "crawl",
        site=args.site,
        hosts=args.host or getattr(settings.hosts, args.site) or None,
        since=args.since,
        until=args.until,
        mirror=args.mirror,
        raw=settings.paths.raw,
        refresh=args.refresh,
        scrapy_overrides=_scrapy_overrides(args.set, args.user_agent),
    )


def _gather(args: argparse.Namespace, flow_name: str, **window: str) -> int:
    """backfill and ingest: crawl the sites (settings.sites unless --site), then curate."""
    settings = _resolved(args)
    sites = args.site or settings.sites
    return _run_flow(
        args,
        flow_name,
        **window,
        sites=sites,
        hosts=_hosts(settings, sites),
        raw=settings.paths.raw,
        curated=settings.paths.curated,
        mirror=args.mirror,
        scrapy_overrides=_scrapy_overrides(args.set, args.user_agent),
    )


def _backfill(args: argparse.Namespace) -> int:
    problem = _reversed_window(args.since, args.until)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    return _gather(args, "backfill", since=args.since, until=args.until)


def _ingest(args: argparse.Namespace) -> int:
    return _gather(args, "ingest")


def _serve(args: argparse.Namespace) -> int:
    from pipeline.flows.crawl_request import CrawlRequest
    from pipeline.flows.serve import serve_deployments

    settings = _resolved(args)
    sites = args.site or settings.sites
    request = CrawlRequest(
        raw=settings.paths.raw,
        mirror=args.mirror,
        scrapy_overrides=_scrapy_overrides(args.set, args.user_agent),
        hosts=_hosts(settings, sites),
    )
    serve_deployments(
        request,
        sites=sites,
        curated=settings.paths.curated,
        cron=args.cron or settings.schedule.ingest_cron,
        crawl_cron=settings.schedule.crawl_cron,
        timezone=settings.schedule.timezone,
        interval=args.interval,
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add crawl, backfill, ingest and serve to the `python -m pipeline` parser."""
    sites = sorted(SITES)

    p = subparsers.add_parser("crawl", help="crawl one site into raw/ (a Prefect flow)")
    p.add_argument("site", choices=sites)
    p.add_argument("--host", action="append", help="host to crawl (repeatable; default: the site's hosts)")
    p.add_argument(
        "--since", type=_bound, help="start of the window, YYYY-MM-DD or ISO (default: the high-water mark)"
    )
    p.add_argument("--until", type=_bound, help="end of the window, inclusive (default: now)")
    p.add_argument("--refresh", action="store_true", help="fetch again pages already stored in raw/")
    _common(p)
    p.set_defaults(func=_crawl)

    p = subparsers.add_parser("backfill", help="crawl a past window, then curate")
    p.add_argument("--since", required=True, type=_bound)
    p.add_argument("--until", required=True, type=_bound)
    p.add_argument("--site", action="append", choices=sites, help="site to crawl (repeatable; default: all)")
    p.add_argument("--curated", help="curated directory (default: paths.curated)")
    _common(p)
    p.set_defaults(func=_backfill)

    p = subparsers.add_parser("ingest", help="the scheduled job: crawl every site from its mark, then curate")
    p.add_argument("--site", action="append", choices=sites)
    p.add_argument("--curated", help="curated directory (default: paths.curated)")
    _common(p)
    p.set_defaults(func=_ingest)

    p = subparsers.add_parser(
        "serve", help="serve ingest and per-site crawls as scheduled Prefect deployments"
    )
    p.add_argument("--cron", help="schedule of ingest (default: schedule.ingest_cron, every 6 hours)")
    p.add_argument("--interval", type=float, help="schedule every N seconds instead of --cron (for tests)")
    p.add_argument("--site", action="append", choices=sites, help="sites the ingest crawls (default: all)")
    p.add_argument("--curated", help="curated directory (default: paths.curated)")
    _common(p)
    p.set_defaults(func=_serve)
