"""The report's chart: stacked bars of articles per month (or quarter, or year) per source, as SVG.

Drawn here rather than by a plotting library, so the HTML report stays one file with no script,
no network and no extra dependency, and opens the same on an air-gapped machine.
"""

from __future__ import annotations

import html
from typing import Any

from pipeline.report.months import month_range

# The chart draws a bar per month up to six years, per quarter up to fifteen, per year beyond.
MONTHLY_UP_TO, QUARTERLY_UP_TO = 72, 180

# Okabe-Ito: told apart by colour-blind readers too; sources beyond eight reuse the list.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _nice_max(value: int) -> tuple[int, int]:
    """An axis top and tick step a reader can work with (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1, 1
    raw = value / 5
    power = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = -(-value // step) * step
    return top, step


def chart_unit(first: str, last: str) -> str:
    """The bar width of the chart: months while each bar stays wide enough to see and to hover;
    quarters, then years, over longer spans. Twenty years of a thinly covered source drawn by month
    are 240 one-pixel bars of height one, which read as an empty chart."""
    months = len(month_range(first, last))
    return "month" if months <= MONTHLY_UP_TO else "quarter" if months <= QUARTERLY_UP_TO else "year"


def chart_unit_of(per_month: list[dict[str, Any]]) -> str:
    """The bar width render_chart_svg will use for these rows (the heading above the chart names it)."""
    if not per_month:
        return "month"
    return chart_unit(per_month[0]["month"], max(row["month"] for row in per_month))


def _period(month: str, unit: str) -> str:
    """The bar a month falls in: '2024-05', '2024-Q2' or '2024'."""
    if unit == "month":
        return month
    if unit == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"
    return month[:4]


def _periods(first: str, last: str, unit: str) -> list[str]:
    """Every period from first to last month, so that gaps in coverage show as gaps."""
    return list(dict.fromkeys(_period(m, unit) for m in month_range(first, last)))


def _x_labels(periods: list[str], unit: str = "month") -> dict[int, str]:
    """Which bars get a label: at most about twelve, so that labels never overlap."""
    if unit == "month" and len(periods) <= 36:
        every = -(-len(periods) // 12)
        return {i: m for i, m in enumerate(periods) if i % every == 0}
    # Longer spans: the year alone, at its first bar, every so many years.
    starts = {i: p[:4] for i, p in enumerate(periods) if p.endswith(("-01", "-Q1")) or len(p) == 4}
    every = -(-(len(set(starts.values())) or 1) // 12)
    return {i: year for i, year in starts.items() if int(year) % every == 0}


def _colors(sources: list[str]) -> dict[str, str]:
    """A colour per source, in the order of PALETTE."""
    return {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(sources)}


def render_chart_svg(per_month: list[dict[str, Any]], width: int = 960, height: int = 360) -> str:
    """Stacked bars of articles per month (quarter, year: see chart_unit), one colour per source."""
    if not per_month:
        return '<p class="empty">No articles with a known month yet: nothing to chart.</p>'
    sources = sorted({row["source"] for row in per_month})
    colors = _colors(sources)
    first, last = per_month[0]["month"], max(row["month"] for row in per_month)
    unit = chart_unit(first, last)
    periods = _periods(first, last, unit)
    counts: dict[str, dict[str, int]] = {p: {} for p in periods}
    for row in per_month:
        per = counts[_period(row["month"], unit)]
        per[row["source"]] = per.get(row["source"], 0) + row["articles"]
    top, step = _nice_max(max(sum(c.values()) for c in counts.values()))

    left, right, top_pad, bottom = 56, 16, 40, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(periods)
    bar_w = max(1.0, slot * 0.8)
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="per-month-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Articles per {unit} per source" data-unit="{unit}">'
    ]
    # Legend along the top.
    x = left
    for source in sources:
        out.append(
            f'<rect class="legend" x="{x}" y="12" width="12" height="12" fill="{colors[source]}"/>'
            f'<text x="{x + 16}" y="22" class="legend-label">{esc(source)}</text>'
        )
        x += 28 + 8 * len(source)
    # Y axis gridlines and labels.
    for value in range(0, top + 1, step):
        y = top_pad + plot_h - plot_h * value / top
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{value}</text>'
        )
    out.append(
        f'<text class="axis-title" transform="translate(14 {top_pad + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">articles</text>'
    )
    # Bars, stacked in source order; each carries its numbers for tooltips and tests.
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar_w) / 2
        base = top_pad + plot_h
        month_attr = f' data-month="{period}"' if unit == "month" else ""
        for source in sources:
            n = counts[period].get(source, 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            out.append(
                f'<rect class="bar" x="{x:.2f}" y="{base:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{colors[source]}" data-source="{esc(source)}" data-period="{period}"{month_attr} '
                f'data-count="{n}"><title>{esc(source)} {period}: {n}</title></rect>'
            )
    # X axis: at most about twelve labels; whole years when the range is long.
    axis_y = top_pad + plot_h
    for i, label in _x_labels(periods, unit).items():
        x = left + i * slot + slot / 2
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 5}" class="axis"/>'
            f'<text x="{x:.1f}" y="{axis_y + 20}" class="tick" text-anchor="middle">{label}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" class="axis"/>'
        f'<line x1="{left}" x2="{left}" y1="{top_pad}" y2="{top_pad + plot_h}" class="axis"/>'
        f'<text class="axis-title" x="{left + plot_w / 2:.0f}" y="{height - 10}" text-anchor="middle">'
        f"{unit} of publication (UTC)</text>"
    )
    out.append("</svg>")
    return "".join(out)
