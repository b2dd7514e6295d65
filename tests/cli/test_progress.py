"""Progress: plain lines off a terminal (what Prefect workers and cron mail show), rich on one."""

from __future__ import annotations

import io
import re
import time

import pytest

from pipeline.cli.progress import CrawlProgress, Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (45.4, "45s"), (59.6, "1m00s"), (220, "3m40s"), (7500, "2h05m")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_plain_line_has_done_total_rate_and_time_left() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("curate", total=20000, stream=out, clock=clock, interval=3600) as p:
        clock.now += 100
        p.advance(8000)  # crosses 10%: prints although the interval has not passed
    first = out.getvalue().splitlines()[0]
    assert first == "curate: 8000/20000 pages, 80.0 pages/s, ~2m30s left"


def test_plain_mode_is_quiet_between_tenths_and_intervals() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("curate", total=1000, stream=out, clock=clock, interval=30) as p:
        for _ in range(9):
            clock.now += 1
            p.advance(10)  # 90 pages in 9 s: below 10% and before 30 s
        assert out.getvalue() == ""
        clock.now += 1
        p.advance(10)  # 100 = 10%
        assert out.getvalue().count("\n") == 1
        p.advance(50)  # 150: next tenth is 200, interval not over
        assert out.getvalue().count("\n") == 1
        clock.now += 30
        p.advance(1)  # interval over
        assert out.getvalue().count("\n") == 2


def test_plain_mode_without_total_prints_every_interval_with_counters() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("backfill", unit="files", stream=out, clock=clock, interval=10) as p:
        clock.now += 5
        p.advance(50, rejects=2)
        clock.now += 5
        p.advance(50, rejects=1, duplicates=4)
    lines = out.getvalue().splitlines()
    assert lines[0] == "backfill: 100 files, 10.0 files/s, rejects 3, duplicates 4"
    assert lines[-1] == "backfill: done, 100 files in 10s (10.0 files/s), rejects 3, duplicates 4"


def test_final_line_says_stopped_when_the_work_raised() -> None:
    clock, out = Clock(), io.StringIO()
    with pytest.raises(RuntimeError), Progress("curate", total=10, stream=out, clock=clock) as p:
        clock.now += 2
        p.advance(4)
        raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1] == "curate: stopped after 4 pages in 2s (2.0 pages/s)"


def test_not_a_tty_gets_plain_lines_on_stderr_and_no_rich_output(capsys: pytest.CaptureFixture) -> None:
    with Progress("curate", total=100, interval=0) as p:
        for _ in range(10):
            p.advance(10)
    err = capsys.readouterr().err
    assert "\x1b[" not in err and "━" not in err  # no ANSI codes, no bar glyphs
    lines = err.splitlines()
    assert len(lines) == 11
    assert all(
        re.fullmatch(r"curate: \d+/100 pages, [\d.]+ pages/s(, ~\d+s left)?", line) for line in lines[:-1]
    )
    assert lines[-1].startswith("curate: done, 100 pages in ")


def test_a_tty_gets_a_rich_bar_instead_of_log_lines() -> None:
    out = Tty()
    with Progress("curate", total=100, stream=out, interval=0) as p:
        p.advance(40)
        p.advance(60)
    text = out.getvalue()
    assert "\x1b[" in text and "100/100" in text
    assert "pages/s," not in text  # not the plain line format


def test_sink_receives_the_lines_instead_of_the_stream() -> None:
    lines: list[str] = []
    clock = Clock()
    with Progress("curate", total=10, sink=lines.append, stream=Tty(), clock=clock, interval=1) as p:
        clock.now += 1
        p.advance(10)
    assert lines == ["curate: 10/10 pages, 10.0 pages/s", "curate: done, 10 pages in 1s (10.0 pages/s)"]


def test_set_total_later_enables_tenths_and_eta() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("curate", stream=out, clock=clock, interval=3600) as p:
        p.set_total(100)
        clock.now += 10
        p.advance(10)
    assert out.getvalue().splitlines()[0] == "curate: 10/100 pages, 1.0 pages/s, ~1m30s left"


def test_mode_off_prints_nothing() -> None:
    out = io.StringIO()
    with Progress("curate", total=10, stream=out, mode="off", interval=0) as p:
        p.advance(10)
    assert out.getvalue() == ""


def test_advance_is_cheap_in_plain_mode() -> None:
    out = io.StringIO()
    start = time.perf_counter()
    with Progress("curate", total=10**9, stream=out, interval=3600) as p:
        for _ in range(100_000):
            p.advance(1, rejects=0)
    # Formatting on every call would take several times longer than this generous bound.
    assert time.perf_counter() - start < 1.0
    assert out.getvalue().count("\n") == 1  # only the final line


def test_crawl_progress_plain_line_per_site() -> None:
    """A spider that reports only requests (not a SiteSpider): no total, so no time left."""
    clock, out = Clock(), io.StringIO()
    with CrawlProgress(["rferl", "jamestown"], stream=out, clock=clock, interval=10) as crawl:
        crawl.queued("rferl", 150)
        crawl.queued("jamestown", 20)
        crawl.fetched("jamestown", 18)
        crawl.failed("jamestown")
        assert out.getvalue() == ""  # before the interval
        clock.now += 100
        crawl.fetched("rferl", 120)
        crawl.failed("rferl", 2)  # within the next interval: no second line
        crawl.fetched("eurasianet")  # a site not announced up front is added
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "crawl: rferl fetched 120, queued 150, failed 0, 1.2 pages/s, time left unknown; "
        "jamestown fetched 18, queued 20, failed 1, 0.2 pages/s, time left unknown"
    )
    assert lines[1] == (
        "crawl: done in 1m40s, rferl fetched 120, queued 150, failed 2, 1.2 pages/s; jamestown fetched 18,"
        " queued 20, failed 1, 0.2 pages/s; eurasianet fetched 1, queued 0, failed 0, 0.0 pages/s"
    )
    assert len(lines) == 2


def _totals(**counts: int) -> dict[str, int]:
    base = {"queued": 0, "fetched": 0, "failed": 0, "stored": 0, "skipped": 0, "requested": 0, "refused": 0}
    return {**base, "discovering": 0, **counts}


def test_crawl_progress_shows_rate_and_time_left_once_the_total_is_known() -> None:
    clock, out = Clock(), io.StringIO()
    with CrawlProgress(["rferl"], stream=out, clock=clock, interval=10) as crawl:
        clock.now += 10
        # Sitemaps still being read: 40 articles found so far, more may come.
        crawl.update("rferl", _totals(requested=40, stored=11, failed=1, skipped=3, discovering=2))
        assert crawl.time_left("rferl") is None
        clock.now += 10
        # Discovery done: 40 is the total; 20 done in 20 s, 20 left at 1 page/s.
        crawl.update("rferl", _totals(requested=40, stored=19, failed=1, skipped=5))
        assert crawl.time_left("rferl") == 20.0
        clock.now += 5  # within the interval: no line until the last
        crawl.update("rferl", _totals(requested=40, stored=38, failed=1, refused=1, skipped=5))
    first, second, final = out.getvalue().splitlines()
    assert first == (
        "crawl: rferl 12/40+ pages so far, 1.2 pages/s, time left unknown: still reading sitemaps,"
        " feeds and listings (stored 11, skipped 3, failed 1)"
    )
    assert second == "crawl: rferl 20/40 pages, 1.0 pages/s, ~20s left (stored 19, skipped 5, failed 1)"
    assert final == (
        "crawl: done in 25s, rferl 40/40 pages, 1.6 pages/s (stored 38, skipped 5, failed 1, refused 1)"
    )


def test_crawl_progress_without_a_discovery_gauge_does_not_guess() -> None:
    clock, out = Clock(), io.StringIO()
    with CrawlProgress(["rferl"], stream=out, clock=clock, interval=10) as crawl:
        clock.now += 10
        crawl.update("rferl", {"requested": 10, "stored": 5, "failed": 0, "skipped": 0, "refused": 0})
    assert out.getvalue().splitlines()[0] == (
        "crawl: rferl 5/10 pages, 0.5 pages/s, time left unknown (stored 5, skipped 0, failed 0)"
    )


def test_crawl_progress_bar_on_a_tty_carries_rate_and_time_left(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    clock, out = Clock(), Tty()
    with CrawlProgress(["rferl"], stream=out, clock=clock) as crawl:
        clock.now += 10
        crawl.update("rferl", _totals(requested=30, stored=10))
        bar = crawl._bar
        bar.refresh()
        live = out.getvalue()
    assert "\x1b[" in live and "10/30 pages, 1.0 pages/s, ~20s left (stored 10, skipped 0, failed 0)" in live
    assert bar.tasks[0].total == 30 and bar.tasks[0].completed == 10


def test_crawl_progress_rejects_unknown_counters() -> None:
    with (
        CrawlProgress(stream=io.StringIO()) as crawl,
        pytest.raises(ValueError, match="unknown crawl counter 'scraped'"),
    ):
        crawl.record("rferl", "scraped")


def test_crawl_progress_on_a_tty_draws_bars_per_site() -> None:
    out = Tty()
    with CrawlProgress(["rferl"], stream=out) as crawl:
        crawl.queued("rferl", 10)
        crawl.fetched("rferl", 7)
        crawl.fetched("jamestown", 1)
    text = out.getvalue()
    assert "\x1b[" in text and "fetched 7, queued 10, failed 0" in text and "jamestown" in text


def test_update_to_takes_running_totals() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress("curate", total=100, stream=out, clock=clock, interval=3600) as p:
        clock.now += 10
        p.update_to(50, rejects=3)
        p.update_to(60, rejects=4)
    assert p.done == 60 and p.counters == {"rejects": 4}
    assert out.getvalue().splitlines()[0] == "curate: 50/100 pages, 5.0 pages/s, ~10s left, rejects 3"


def test_curate_progress_total_is_counted_beside_the_run(tmp_path) -> None:
    """The flow starts at once and its progress gets raw/'s file count from a thread."""
    from pipeline.curation.runner import counted_into
    from pipeline.reading.location import RawRoot

    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    for name in ("a/1.html", "a/2.html", "3.txt"):
        (raw / name).write_text("<p>x</p>", encoding="utf-8")
    with Progress("curate", total=None, stream=io.StringIO(), interval=3600) as p:
        with counted_into(p, RawRoot.resolve(raw)):
            pass
        assert p.total == 3
