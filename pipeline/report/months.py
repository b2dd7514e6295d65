"""Calendar months as the report counts them ('2024-05'): every month of a span, and the gaps in one.

Kept apart from the DuckDB queries (report/stats.py) so that the text tables and the chart can
use them without loading DuckDB: `python -m pipeline --help` imports the table code too.
"""

from __future__ import annotations


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last, so that gaps in coverage show as gaps, not as nothing."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def coverage_gaps(months: set[str]) -> list[str]:
    """Months with no article between a source's first and last, as ranges ('2023-07..2023-09').

    A gap is a question to ask before reading a trend: the site was silent, or the crawl missed it.
    """
    if not months:
        return []
    gaps: list[str] = []
    run: list[str] = []
    for month in month_range(min(months), max(months)):
        if month not in months:
            run.append(month)
            continue
        if run:
            gaps.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
            run = []
    return gaps


def months_in(gap: str) -> int:
    """How many months a gap ('2023-07' or '2023-07..2023-09') stands for."""
    first, _, last = gap.partition("..")
    return len(month_range(first, last or first))
