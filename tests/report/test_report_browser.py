"""The run report as a reader sees it: rendered by a real browser (headless Debian Chromium).

Skipped only when no chromium binary exists; CI installs it with `apt-get install -y chromium`.
Set REPORT_SCREENSHOT_OUT=docs/report-screenshot.png to refresh the README's screenshot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from pipeline.report.chart import PALETTE
from pipeline.report.html import write_report
from pipeline.report.stats import dataset_stats
from pipeline.report.summary import RunSummary
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA
from pipeline.store.writer import RunWriter

pytestmark = pytest.mark.slow

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (Debian: apt-get install -y chromium)"
)

SOURCES = ("eurasianet", "jamestown", "rferl")
T0 = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)


def article(source: str, n: int, day: dt.date | None, precision: str | None, run_id: str) -> dict:
    row = dict.fromkeys(ARTICLE_SCHEMA.names)
    row.update(
        article_id=f"{source}-{n}",
        url=f"https://example.org/{source}/{n}",
        title=f"Dushanbe and Moscow, item {n}",
        authors=[],
        tags=[],
        published_date=day,
        date_precision=precision,
        date_source="meta" if day else None,
        body="Tajik migrants in Russia " * 20,
        word_count=100,
        language="en" if n % 5 else "ru",
        is_teaser=n % 17 == 0,
        content_hash=f"h{source}{n}",
        raw_path=f"{source}/{n}.html",
        raw_record="",
        raw_item=0,
        ingested_at=T0,
        pipeline_version="test",
        run_id=run_id,
        source=source,
    )
    return row


def realistic_curated(curated: Path, run_id: str = "20250115T120000-abc123") -> RunSummary:
    """Three sources over three years, with gaps, undated and year-only articles, dupes, rejects."""
    rng = random.Random(7)
    writer = RunWriter(curated, run_id)
    summary = RunSummary(run_id=run_id, raw="raw", curated="curated", started_at=T0, seconds=42.5)
    n = 0
    for year in (2022, 2023, 2024):
        for month in range(1, 13):
            for source, base in zip(SOURCES, (6, 3, 12), strict=True):
                if source == "jamestown" and year == 2023 and month in (7, 8):
                    continue  # a gap in coverage must show as one
                for _ in range(base + rng.randint(0, base)):
                    n += 1
                    day = dt.date(year, month, rng.randint(1, 28))
                    precision = "month" if n % 11 == 0 else "day"
                    writer.add_article(article(source, n, day, precision, run_id))
                    summary.articles[source] += 1
    for source in SOURCES:
        for _ in range(4):
            n += 1
            writer.add_article(article(source, n, None, None, run_id))
            summary.articles[source] += 1
        n += 1
        writer.add_article(article(source, n, dt.date(2021, 1, 1), "year", run_id))
        summary.articles[source] += 1
    for i, kind in enumerate(["url"] * 30 + ["exact"] * 12 + ["near"] * 7 + ["teaser"] * 5):
        row = dict.fromkeys(DUPLICATE_SCHEMA.names)
        row.update(
            raw_path=f"dup/{i}",
            raw_record="",
            raw_item=0,
            duplicate_of="rferl-1",
            kind=kind,
            similarity=1.0,
            source=SOURCES[i % 3],
            ingested_at=T0,
            run_id=run_id,
        )
        writer.add("duplicates", row, DUPLICATE_SCHEMA)
        summary.duplicates[kind] += 1
    for i, reason in enumerate(["not_article"] * 9 + ["empty"] * 3 + ["too_large"]):
        row = dict.fromkeys(REJECT_SCHEMA.names)
        row.update(
            raw_path=f"bad/{i}", raw_record="", reason=reason, detail="", ingested_at=T0, run_id=run_id
        )
        writer.add("rejects", row, REJECT_SCHEMA)
        summary.rejects[reason] += 1
    writer.commit()
    summary.inputs_seen = summary.inputs_read = summary.documents = n + 67
    return summary


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    profile = tmp / "chromium-profile"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode a non-interlaced 8-bit RGB(A) PNG (what Chromium writes) into rows of pixel bytes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


@needs_chromium
def test_chromium_renders_chart_bars_and_tables(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    summary = realistic_curated(curated)
    report = write_report(curated, summary.run_id, summary)

    dom = lxml_html.fromstring(chromium("--dump-dom", report.as_uri(), tmp=tmp_path).stdout)
    bars = dom.xpath('//svg[@id="per-month-chart"]//rect[@class="bar"]')
    assert len(bars) > 90  # 36 months x 3 sources, less the jamestown gap
    assert all(float(bar.get("height")) > 0 for bar in bars)
    months = {bar.get("data-month") for bar in bars if bar.get("data-source") == "jamestown"}
    assert "2023-06" in months and "2023-07" not in months
    assert sum(int(b.get("data-count")) for b in bars) == sum(summary.articles.values()) - 15
    sources = [r.xpath("td")[0].text for r in dom.xpath('//table[@id="sources"]/tbody/tr')]
    assert sources == list(SOURCES)
    kinds = {
        r.xpath("td")[0].text: r.xpath("td")[-1].text for r in dom.xpath('//table[@id="duplicates"]//tr[td]')
    }
    assert kinds == {"url": "30", "exact": "12", "near": "7", "teaser": "5"}
    reasons = [r.xpath("td")[0].text for r in dom.xpath('//table[@id="rejects"]//tr[td]')]
    assert reasons == ["not_article", "empty", "too_large"]
    run_articles = {
        r.xpath("td")[0].text: r.xpath("td")[-1].text
        for r in dom.xpath('//table[@id="run-articles"]//tr[td]')
    }
    assert run_articles == {s: f"{n:,}" for s, n in sorted(summary.articles.items())}

    shot = Path(os.environ.get("REPORT_SCREENSHOT_OUT") or tmp_path / "report.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    chromium(f"--screenshot={shot.resolve()}", "--window-size=1280,2000", report.as_uri(), tmp=tmp_path)
    # The browser really painted bars: every source's colour covers a visible area.
    width, bpp, rows = png_pixels(shot)
    painted = Counter()
    wanted = {bytes.fromhex(color[1:]): color for color in PALETTE[: len(SOURCES)]}
    for line in rows:
        for x in range(0, width * bpp, bpp * 2):
            rgb = line[x : x + 3]
            if rgb in wanted:
                painted[wanted[rgb]] += 1
    assert all(painted[color] > 500 for color in wanted.values()), painted


MEASURE = """<script>
const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width, r.height]; };
const chart = document.getElementById('per-month-chart');
const measured = {
  width: window.innerWidth,
  labels: [...chart.querySelectorAll('text.tick[text-anchor=middle]')].map((t) => [t.textContent, ...box(t)]),
  bars: [...chart.querySelectorAll('rect.bar')].map(box),
};
const out = document.createElement('pre'); out.id = 'measured'; out.textContent = JSON.stringify(measured);
document.body.appendChild(out);
</script>"""


def measure_chart(report: Path, tmp: Path, *window: str) -> dict:
    """Where Chromium laid out the chart's x labels and bars (a copy of the report, plus a script)."""
    probe = tmp / f"probe-{report.name}"
    probe.write_text(report.read_text().replace("</body>", MEASURE + "</body>"))
    dom = lxml_html.fromstring(chromium(*window, "--dump-dom", probe.as_uri(), tmp=tmp).stdout)
    return json.loads(dom.xpath("//pre[@id='measured']/text()")[0])


def thin_twenty_years(curated: Path, run_id: str = "20250115T120000-thin20") -> RunSummary:
    """2005-2024, three sources, an article in about one month of six: a thinly spread archive."""
    rng = random.Random(20)
    writer = RunWriter(curated, run_id)
    summary = RunSummary(run_id=run_id, raw="raw", curated="curated", started_at=T0, seconds=3.0)
    n = 0
    for year in range(2005, 2025):
        for month in range(1, 13):
            for source in SOURCES:
                if rng.random() > 1 / 6 or (source == "jamestown" and 2010 <= year <= 2012):
                    continue
                n += 1
                row = article(source, n, dt.date(year, month, rng.randint(1, 28)), "day", run_id)
                row.update(tags=["Tajikistan", rng.choice(["Russia", "migrants", "Rogun"])],
                           authors=[rng.choice(["A. Writer", "B. Reporter"])],
                           word_count=rng.randint(200, 1500))  # fmt: skip
                writer.add_article(row)
                summary.articles[source] += 1
    writer.commit()
    summary.inputs_seen = summary.inputs_read = summary.documents = n
    return summary


@needs_chromium
def test_a_thin_archive_of_twenty_years_stays_readable_in_chromium(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    summary = thin_twenty_years(curated)
    report = write_report(curated, summary.run_id, summary)
    years_with_articles = {(row["month"][:4], row["source"]) for row in dataset_stats(curated)["per_month"]}

    for window in ((), ("--window-size=1280,2000",)):  # the browser's default width, and a wide one
        chart = measure_chart(report, tmp_path, *window)
        labels = sorted(chart["labels"], key=lambda label: label[1])
        assert 5 <= len(labels) <= 12, labels
        assert all(len(text) == 4 for text, *_ in labels)  # whole years
        for (_, _, right, _, _), (text, left, *_) in zip(labels, labels[1:], strict=False):
            assert left > right + 4, (chart["width"], text, labels)  # no label touches the next
        # One bar per year and source (not 240 hairlines): each wide and tall enough to see and hover.
        assert len(chart["bars"]) == len(years_with_articles) > 40
        assert min(width for _, _, width, _ in chart["bars"]) >= 10, chart["width"]
        assert min(height for *_, height in chart["bars"]) >= 2

    dom = lxml_html.fromstring(chromium("--dump-dom", report.as_uri(), tmp=tmp_path).stdout)
    assert dom.xpath("//h3[text()='Articles per year per source']")
    profiles = {r.xpath("td")[0].text: r.xpath("td/text()") for r in dom.xpath(
        "//table[@id='source-profiles']/tbody/tr")}  # fmt: skip
    assert set(profiles) == set(SOURCES)
    # Of its many quiet months, jamestown's silent years 2010-2012 are listed, as one range.
    ranges = [r.split("..") for r in profiles["jamestown"][4].split(": ")[1].split(", ") if ".." in r]
    assert any(first <= "2010-01" and last >= "2012-12" for first, last in ranges), profiles["jamestown"]
    assert profiles["rferl"][2].startswith("Tajikistan ")
    new = dom.xpath("//table[@id='new-articles']/tbody/tr")
    assert len(new) == 50 and new[0].xpath("td[1]/a/@href")[0].startswith("https://example.org/")
    assert new[0].xpath("td[3]/text()")[0] >= new[-1].xpath("td[3]/text()")[0]  # newest first
