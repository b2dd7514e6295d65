"""Report retention: run reports (_reports/<run>.html) pruned to the newest store.keep_reports.

Scheduled runs would pile up report pages without end; every run's summary stays queryable in the
runs table, so the old pages can go.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.store.layout import REPORTS_DIR


def prune_reports(curated: Path, keep: int) -> int:
    """Delete all but the newest `keep` run reports (0: keep all); returns how many went.

    Reports are named by run id, which sorts by start time, so the newest are the last by name.
    The runs table keeps every run's summary.
    """
    if keep <= 0:
        return 0
    reports = curated / REPORTS_DIR
    if not reports.is_dir():
        return 0
    pages = sorted(p for p in reports.glob("*.html") if not p.name.startswith("."))
    gone = 0
    for page in pages[: max(0, len(pages) - keep)]:
        try:
            page.unlink()
            gone += 1
        except FileNotFoundError:  # pruned by a run that finished at the same moment
            pass
    return gone
