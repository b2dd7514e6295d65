"""What `crawl`, `backfill` and `ingest` print when they end: per site, what was stored, skipped
and failed (by reason), and the curate run's own summary, as `run` prints it.

The JSON the flows return holds the same numbers and more; `--json` prints it instead, for
scripts. The words here are for a person reading a terminal after a scheduled or manual run.
"""

from __future__ import annotations

from typing import Any

# Spider counts that say why a discovered URL was not fetched, and how to say it.
_SKIPPED = {
    "skipped_already_stored": "already in raw/",
    "skipped_outside_window": "outside the window",
    "skipped_not_article": "not article URLs",
    "skipped_offsite_link": "links to other hosts",
}


def render_crawl(summary: dict[str, Any]) -> str:
    """One site's crawl: a headline line, then the skipped and failed URLs by reason."""
    site = summary.get("site", "?")
    if "error" in summary:
        return f"{site}: crawl failed: {summary['error']}"
    counts = summary.get("counts") or {}
    skipped = {label: counts.get(key, 0) for key, label in _SKIPPED.items() if counts.get(key)}
    window = f"{_day(summary.get('since')) or 'the beginning'} .. {_day(summary.get('until')) or 'now'}"
    lines = [
        f"{site}: stored {summary.get('stored', 0)} pages, skipped {sum(skipped.values())},"
        f" failed {summary.get('failed', 0)} (window {window}; {', '.join(summary.get('hosts') or [])})"
    ]
    read = [
        f"{counts[key]} {label}"
        for key, label in (
            ("sitemaps_read", "sitemaps"),
            ("feeds_read", "feeds"),
            ("listing_pages_read", "listing pages"),
        )
        if counts.get(key)
    ]
    if read:
        lines.append("  read: " + ", ".join(read))
    if skipped:
        lines.append("  skipped: " + ", ".join(f"{n} {label}" for label, n in skipped.items()))
    failed = summary.get("failed_by_reason") or {}
    if failed:
        lines.append("  failed: " + ", ".join(f"{n} {reason}" for reason, n in sorted(failed.items())))
    discovery = summary.get("discovery_failed") or {}
    if discovery:
        lines.append(
            "  discovery failed: " + ", ".join(f"{n} {what}" for what, n in sorted(discovery.items()))
        )
    if summary.get("reason") not in (None, "finished"):
        lines.append(f"  stopped: {summary['reason']}")
    return "\n".join(lines)


def site_crawl_outcome(summary: dict[str, Any]) -> dict[str, Any]:
    """One site's crawl as the run report shows it: stored, skipped and failed, by reason.

    Kept small on purpose: it is a parameter of the curate flow (shown in the Prefect UI).
    """
    if "error" in summary:
        return {
            "stored": 0,
            "skipped": 0,
            "failed": 0,
            "failed_by_reason": {},
            "error": str(summary["error"]),
        }
    counts = summary.get("counts") or {}
    skipped = {label: int(counts[key]) for key, label in _SKIPPED.items() if counts.get(key)}
    stopped = summary.get("reason")
    return {
        "stored": int(summary.get("stored") or 0),
        "skipped": sum(skipped.values()),
        "skipped_by_reason": skipped,
        "failed": int(summary.get("failed") or 0),
        "failed_by_reason": {str(k): int(v) for k, v in (summary.get("failed_by_reason") or {}).items()},
        **({"stopped": f"stopped: {stopped}"} if stopped not in (None, "finished") else {}),
    }


def render_gather(result: dict[str, Any]) -> str:
    """backfill and ingest: every site's crawl, then the curate run's summary."""
    from pipeline.report.summary import RunSummary

    parts = [
        render_crawl({"site": site, **crawl}) for site, crawl in sorted((result.get("crawls") or {}).items())
    ]
    if result.get("curate"):
        parts.append(RunSummary.from_dict(result["curate"]).render_text())
    for error in result.get("errors") or []:
        parts.append(f"error: {error}")
    return "\n".join(parts)


def _day(value: Any) -> str | None:
    """The day of a window bound as the flows return it (an ISO string or None)."""
    return str(value)[:10] if value else None
