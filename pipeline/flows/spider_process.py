"""One crawl of one site in a `python -m scrapy crawl SITE` subprocess, read as it runs.

A subprocess, because Twisted's reactor cannot be restarted in one process and a scheduled worker
runs many crawls. The subprocess writes its run summary to a file we name, so the flow reports
exactly that run's counts; while it runs, it prints `TAJRUS-PROGRESS {json}` lines
(spiders/progress.py) that the flows show as per-site progress.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from pipeline.flows.crawl_request import CrawlRequest
from pipeline.sites import SITES

REPO_ROOT = Path(__file__).resolve().parents[2]  # where scrapy.cfg and the spiders package are
PROGRESS_PREFIX = "TAJRUS-PROGRESS "  # as spiders/progress.py writes it (not imported: no Scrapy here)
TAIL_LINES = 200  # output lines of the child kept for the error message
ERROR_TAIL_CHARS = 4000

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""on_progress(site, counters): counters are running totals (queued, fetched, failed, stored, final)."""

log = logging.getLogger(__name__)


class CrawlError(RuntimeError):
    """The spider process did not finish (crashed, was killed, or could not start)."""


def parse_progress_line(line: str) -> dict[str, Any] | None:
    """The counters of a `TAJRUS-PROGRESS {json}` line, or None for any other line (a log line,
    or a progress line cut short: it is then kept as output rather than lost silently)."""
    if not line.startswith(PROGRESS_PREFIX):
        return None
    try:
        counters = json.loads(line[len(PROGRESS_PREFIX) :])
    except ValueError:
        return None
    return counters if isinstance(counters, dict) else None


def _pump(stream: IO[str], tail: deque[str], on_counters: Callable[[dict[str, Any]], None] | None) -> None:
    """Read the child's output to the end: progress lines to on_counters, the rest into tail.

    It must keep reading whatever happens, or a full pipe would block the child; so a failing
    callback (a broken display) is logged once and then no longer called.
    """
    for raw_line in stream:
        line = raw_line.rstrip("\n")
        counters = parse_progress_line(line)
        if counters is None:
            tail.append(line)
        elif on_counters is not None:
            try:
                on_counters(counters)
            except Exception:
                log.exception("crawl progress callback failed; progress display stops")
                on_counters = None


def run_with_progress(
    cmd: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    on_counters: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[int, str]:
    """Run cmd to its end, feeding its progress lines to on_counters as they come; return its exit
    code and the last TAIL_LINES lines of its other output (stdout and stderr, interleaved).

    stdout is merged into stderr so one reader drains both and neither pipe can fill up. On
    timeout (or an interrupt) the child is killed first, as subprocess.run does: a crawl must not
    outlive its flow; TimeoutExpired then carries the output tail.
    """
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert proc.stdout is not None
    reader = threading.Thread(target=_pump, args=(proc.stdout, tail, on_counters), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except BaseException as exc:
        proc.kill()
        proc.wait()
        reader.join(5)
        if isinstance(exc, subprocess.TimeoutExpired):  # as subprocess.run, with what it printed
            raise subprocess.TimeoutExpired(exc.cmd, exc.timeout, output="\n".join(tail)) from None
        raise
    finally:
        # EOF comes when the child exits; a grandchild still holding the pipe must not hang us.
        reader.join(10)
        proc.stdout.close()
    return proc.returncode, "\n".join(tail)


def spider_command(site: str, request: CrawlRequest, summary_file: Path) -> list[str]:
    """The scrapy command line that crawls site as request asks, writing its summary to summary_file."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", site]
    hosts = request.hosts_of(site)
    args = {
        "since": request.since,
        "until": request.until,
        "hosts": ",".join(hosts) if hosts else None,
        "refresh": "1" if request.refresh else None,
    }
    for key, value in args.items():
        if value:
            cmd += ["-a", f"{key}={value}"]
    overrides = {
        "RAW_DIR": str(Path(request.raw).resolve()),
        "CRAWL_SUMMARY_FILE": str(summary_file),
        **({"MIRROR_URL": request.mirror} if request.mirror else {}),
        **(request.scrapy_overrides or {}),
    }
    for key, value in overrides.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run_spider(
    site: str,
    request: CrawlRequest,
    *,
    timeout: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run one crawl of site in a subprocess and return its summary (see spiders/state.py).

    on_progress(site, counters) is called from a reader thread every couple of seconds while the
    crawl runs (CRAWL_PROGRESS_INTERVAL), with running totals.
    """
    if site not in SITES:
        raise ValueError(f"unknown site {site!r}; known: {', '.join(sorted(SITES))}")
    with tempfile.TemporaryDirectory(prefix="crawl-") as tmp:
        summary_file = Path(tmp) / "summary.json"
        cmd = spider_command(site, request, summary_file)
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "spiders.scrapy_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
        on_counters = (lambda counters: on_progress(site, counters)) if on_progress else None
        try:
            returncode, output = run_with_progress(
                cmd, cwd=REPO_ROOT, env=env, timeout=timeout, on_counters=on_counters
            )
        except subprocess.TimeoutExpired as exc:
            raise CrawlError(
                f"crawl of {site} did not finish within {timeout}s and was killed:\n"
                f"{(exc.output or '')[-ERROR_TAIL_CHARS:]}"
            ) from None
        if not summary_file.exists():
            raise CrawlError(
                f"crawl of {site} exited {returncode} without a summary:\n{output[-ERROR_TAIL_CHARS:]}"
            )
        summary = json.loads(summary_file.read_text())
    summary["exit_code"] = returncode
    if returncode != 0 or summary.get("reason") != "finished":
        raise CrawlError(
            f"crawl of {site} ended {summary.get('reason')!r} (exit {returncode}):\n"
            f"{output[-ERROR_TAIL_CHARS:]}"
        )
    return summary
