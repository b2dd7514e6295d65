"""The figures of issue 16, timed the way a user meets them: the whole `python -m pipeline run`
command, a fresh process each time, from outside.

- A Prefect server (`prefect server start` on 127.0.0.1, its own PREFECT_HOME, analytics off) is
  started once for the bench; every timed `run` has PREFECT_API_URL pointing at it, so each is a
  flow run recorded by that server. The server is a service, not the run: it is not a descendant
  of the timed command and its memory is not in the run's RSS.
- For each kind of page (plain paragraphs; and inline markup: 40% of the paragraphs carry a link
  or bold words, as real RFE/RL bodies do), N distinct pages in the real Pangea markup (bench.pages):
  1. `run` over an empty raw/ into an empty curated/: the command's fixed cost;
  2. `run` over the N pages into an empty curated/: its whole wall time; RSS of its process tree
     (the command and every descendant: the pool's workers, multiprocessing's resource tracker)
     sampled every 50 ms;
  3. `run --full` over the same raw/ into the same curated/ (re-curation, whole command);
  4. the bare loop: one single-process `trafilatura.extract(html, with_metadata=True)` over the
     same files in one go, in a fresh process (the loop timed, not the interpreter's start).
  run pages/s = N / (run - empty run); ratio = run pages/s / bare pages/s.
  With --repeat R, steps 1, 2 and 4 are made in R rounds: each round is an empty run, a run over
  the N pages and the bare loop over every R-th page (the R rounds' loops together time every page
  once). The run's figures are the medians of the R rounds; the bare loop's time is the sum of its
  R parts. Single runs on a shared VM vary by ~15% and its speed drifts over minutes: a drift now
  lands on the runs and on the bare loop alike, where one bare loop timed after all the runs
  could fall in a faster or slower phase than they did. The peak RSS is the highest of the R runs.
- One core busy: a CPU-burning process (a Python busy loop, pinned to one core with --busy-cpu)
  runs while 1, 2 and 4 are measured again on the plain pages; the ratio and both speeds are
  printed beside the quiet ones.
- RSS at a larger N (--rss-pages M): one more `run` over M plain pages, its tree's peak printed
  beside the peak at N, so flatness can be seen.
- Start-up: `run` over the five samples with no Prefect server configured (bench.startup).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.pages import INLINE_SHARE, Template, write_pages
from bench.startup import StartupFigures
from bench.throughput import ROOT, TreeRss, bare_loop

TARGETS = {"ratio": 10.0, "startup_seconds": 3.0, "peak_rss_mb": 400.0, "full_speed": 0.8}
KINDS = {"plain": 0.0, "inline": INLINE_SHARE}


@dataclass
class Command:
    """One timed `python -m pipeline run`: wall seconds of the whole command, and its tree's RSS."""

    wall: float = 0.0
    peak_rss_mb: float = 0.0
    breakdown: str = ""
    articles: int = -1
    body_seconds: float = 0.0  # what the run itself reports (`in N.Ns`), for reference
    load: float = 0.0  # 1-minute load average when it started
    walls: list[float] = field(default_factory=list)  # every repeat's wall, when repeated

    def spread(self) -> str:
        """The repeats behind a median, for the reader: "median of 3: 15.2-16.9 s", or ""."""
        if len(self.walls) < 2:
            return ""
        return f"median of {len(self.walls)}: {min(self.walls):.2f}-{max(self.walls):.2f} s"


def median_command(runs: list[Command]) -> Command:
    """The run of median wall time (the lower median of an even count), carrying every repeat's wall
    and the highest peak RSS of them all: the memory figure is never the kindest run's."""
    ordered = sorted(runs, key=lambda c: c.wall)
    middle = ordered[(len(ordered) - 1) // 2]
    highest = max(runs, key=lambda c: c.peak_rss_mb)
    middle.walls = [c.wall for c in runs]
    middle.peak_rss_mb, middle.breakdown = highest.peak_rss_mb, highest.breakdown
    return middle


@dataclass
class KindFigures:
    kind: str
    pages: int
    megabytes: float = 0.0
    busy: str = ""  # what kept a core busy, or ""
    empty: Command = field(default_factory=Command)
    run: Command = field(default_factory=Command)
    full: Command = field(default_factory=Command)
    noop: Command | None = None
    bare_seconds: float = 0.0  # the loop
    bare_cpu_seconds: float = 0.0
    bare_process_seconds: float = 0.0  # the whole bare processes, imports included
    bare_parts: int = 1  # the bare loop was run in this many processes (one a round)

    @property
    def run_pages_per_second(self) -> float:
        work = self.run.wall - self.empty.wall
        return self.pages / work if work > 0 else 0.0

    @property
    def full_pages_per_second(self) -> float:
        work = self.full.wall - self.empty.wall
        return self.pages / work if work > 0 else 0.0

    @property
    def bare_pages_per_second(self) -> float:
        return self.pages / self.bare_seconds if self.bare_seconds else 0.0

    @property
    def ratio(self) -> float:
        bare = self.bare_pages_per_second
        return self.run_pages_per_second / bare if bare else 0.0

    def _speed(self, run: Command) -> str:
        work = run.wall - self.empty.wall
        if work <= 0:
            return f"n/a: the run took {-work:.2f} s less than the empty run (too few pages for this load)"
        return f"{self.pages / work:.1f}"

    def rows(self) -> list[tuple[str, str]]:
        tag = f"{self.kind}{', one core busy' if self.busy else ''}"
        rows = [
            (f"[{tag}] pages", f"{self.pages} distinct, {self.megabytes:.0f} MB"),
            (
                f"[{tag}] run over an empty raw/ (fixed cost), whole command s",
                f"{self.empty.wall:.2f}" + (f" ({self.empty.spread()})" if self.empty.spread() else ""),
            ),
            (
                f"[{tag}] run over the pages, whole command s",
                f"{self.run.wall:.2f} ({self.run.spread() + '; ' if self.run.spread() else ''}"
                f"the run reports {self.run.body_seconds:.1f}; "
                f"{self.run.articles} articles; load {self.run.load:.1f})",
            ),
            (f"[{tag}] run pages/s (pages / (run - empty run))", self._speed(self.run)),
            (
                f"[{tag}] bare trafilatura loop s (pages/s; CPU ms/page)",
                f"{self.bare_seconds:.2f} ({self.bare_pages_per_second:.1f}; "
                f"{1000 * self.bare_cpu_seconds / max(self.pages, 1):.1f}; "
                + (
                    f"whole process {self.bare_process_seconds:.2f})"
                    if self.bare_parts == 1
                    else f"{self.bare_parts} processes, one a round, {self.bare_process_seconds:.2f} in all)"
                ),
            ),
            (f"[{tag}] ratio (run pages/s / bare pages/s)", f"{self.ratio:.2f}"),
        ]
        if not self.busy:
            rows += [
                (
                    f"[{tag}] peak RSS MB of the run's process tree",
                    f"{self.run.peak_rss_mb:.0f} ({self.run.breakdown})",
                ),
                (
                    f"[{tag}] run --full over the same raw/, whole command s",
                    f"{self.full.wall:.2f} ({self.full.articles} articles)",
                ),
                (
                    f"[{tag}] run --full pages/s (x the first run's)",
                    self._speed(self.full)
                    + f" ({self.full_pages_per_second / max(self.run_pages_per_second, 1e-9):.2f}x)",
                ),
            ]
        if self.noop is not None:
            rows.append((f"[{tag}] no-op rerun (nothing new), whole command s", f"{self.noop.wall:.2f}"))
        return rows


@dataclass
class Figures:
    machine: str = ""
    commit: str = ""
    date: str = ""
    load_start: float = 0.0
    load_end: float = 0.0
    command: str = ""  # the run command's options
    startup: StartupFigures = field(default_factory=StartupFigures)
    kinds: list[KindFigures] = field(default_factory=list)
    busy: KindFigures | None = None
    large: KindFigures | None = None  # --rss-pages: the run over more pages (RSS flatness)

    def lines(self) -> list[str]:
        head = [
            f"machine: {self.machine}",
            f"load (1 min): {self.load_start:.2f} at the start, {self.load_end:.2f} at the end",
            f"commit: {self.commit}; date: {self.date}",
            f"timed command: {self.command} (a fresh process each, against a `prefect server start` "
            "of the bench's own)",
        ]
        rows: list[tuple[str, str]] = list(self.startup.rows())
        for kind in self.kinds:
            rows += kind.rows()
        if self.busy is not None:
            rows += self.busy.rows()
            quiet = next((k for k in self.kinds if k.kind == self.busy.kind), None)
            if quiet is not None:
                label = "[one core busy] ratio, run pages/s, bare pages/s (x the quiet ones)"
                if quiet.ratio and self.busy.ratio:
                    value = (
                        f"{self.busy.ratio / quiet.ratio:.2f}x, "
                        f"{self.busy.run_pages_per_second / max(quiet.run_pages_per_second, 1e-9):.2f}x, "
                        f"{self.busy.bare_pages_per_second / max(quiet.bare_pages_per_second, 1e-9):.2f}x"
                    )
                else:  # a run no slower than the empty one: too few pages to tell at this load
                    value = "n/a: a ratio could not be measured at this size (see the runs above)"
                rows.append((label, value))
        rows += self.rss_rows()
        width = max(len(name) for name, _ in rows)
        return head + [f"{name:<{width}}  {value}" for name, value in rows]

    def rss_rows(self) -> list[tuple[str, str]]:
        sizes = [(k.pages, k.run.peak_rss_mb, k.kind) for k in self.kinds]
        if self.large is not None:
            sizes.append((self.large.pages, self.large.run.peak_rss_mb, self.large.kind))
            rows = [
                (
                    f"[{self.large.kind}, {self.large.pages} pages] run, whole command s",
                    f"{self.large.run.wall:.2f} ({self.large.run_pages_per_second:.1f} pages/s; "
                    f"{self.large.run.articles} articles)",
                ),
                (
                    f"[{self.large.kind}, {self.large.pages} pages] peak RSS MB of the run's process tree",
                    f"{self.large.run.peak_rss_mb:.0f} ({self.large.run.breakdown})",
                ),
            ]
        else:
            rows = []
        by_size = ", ".join(f"{mb:.0f} at {n} ({kind})" for n, mb, kind in sizes)
        return [*rows, ("peak RSS MB of the run's tree by pages", by_size)]

    def misses(self) -> list[str]:
        out = self.startup.misses()
        for kind in self.kinds:
            if kind.ratio < TARGETS["ratio"]:
                out.append(f"ratio {kind.ratio:.2f} < {TARGETS['ratio']:.0f} ({kind.kind})")
            if kind.full_pages_per_second < TARGETS["full_speed"] * kind.run_pages_per_second:
                out.append(f"run --full at {kind.full_pages_per_second:.0f} pages/s ({kind.kind})")
        for kind in [*self.kinds, *([self.large] if self.large else [])]:
            if kind.run.peak_rss_mb > TARGETS["peak_rss_mb"]:
                out.append(
                    f"peak RSS {kind.run.peak_rss_mb:.0f} MB > {TARGETS['peak_rss_mb']:.0f} MB "
                    f"({kind.pages} {kind.kind} pages)"
                )
        return out


def timed_run(
    raw: Path, curated: Path, env: dict[str, str], options: list[str], rss: bool = False
) -> Command:
    """The whole `python -m pipeline run` command over raw into curated, timed from outside."""
    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--curated", str(curated), *options]
    out = Command(load=os.getloadavg()[0])
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeRss(pid=proc.pid, cmdline=cmd) if rss else contextlib.nullcontext()
    with sampler:
        stdout, stderr = proc.communicate(timeout=3600)
    out.wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {stderr[-3000:]}")
    if isinstance(sampler, TreeRss):
        out.peak_rss_mb = sampler.peak / 2**20
        out.breakdown = ", ".join(
            f"{role.split()[0].replace('driver', 'run')} {b / 2**20:.0f}"
            for role, b in sorted(sampler.at_peak.items())
        )
    if m := re.search(r"^\s*articles written: (\d+)", stdout, re.M):
        out.articles = int(m[1])
    if m := re.search(r"^curate run \S+: .* in ([\d.]+)s$", stdout, re.M):
        out.body_seconds = float(m[1])
    return out


@contextlib.contextmanager
def busy_core(cpu: int | None) -> Iterator[str]:
    """A CPU-burning process for the duration (pinned to cpu when given); its description."""
    burner = subprocess.Popen(
        [sys.executable, "-c", "while True: pass"],
        preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
    )
    try:
        pinned = f"pinned to CPU {cpu}" if cpu is not None else "not pinned"
        yield f"a Python busy loop (pid {burner.pid}, {pinned})"
    finally:
        burner.kill()
        burner.wait()


def measure_kind(
    kind: str,
    root: Path,
    pages: int,
    templates: list[Template],
    env: dict[str, str],
    options: list[str],
    say: Callable[[str], None],
    raw: Path | None = None,
    noop: bool = False,
    busy: str = "",
    repeat: int = 1,
) -> KindFigures:
    """Steps 1-4 of the module's description over pages of this kind (written unless raw is given),
    1, 2 and 4 in `repeat` rounds (the module's description)."""
    figures = KindFigures(kind=kind, pages=pages, busy=busy, bare_parts=repeat)
    tag = f"{kind}{' (one core busy)' if busy else ''}"
    if raw is None:
        raw = root / f"raw-{kind}"
        shutil.rmtree(raw, ignore_errors=True)
        say(f"{tag}: writing {pages} pages under {raw}")
        figures.megabytes = write_pages(raw, pages, templates, inline=KINDS[kind]) / 1e6
    else:
        figures.megabytes = sum(f.stat().st_size for f in raw.rglob("*.html")) / 1e6
    empty = root / "raw-empty"
    empty.mkdir(exist_ok=True)
    suffix = "-busy" if busy else ""
    empties, runs = [], []
    curated = root / f"curated-{kind}{suffix}"
    files = sorted(raw.rglob("*.html"))
    for round_ in range(repeat):
        of = f" ({round_ + 1} of {repeat})" if repeat > 1 else ""
        say(f"{tag}: run over an empty raw/{of}")
        empties.append(timed_run(empty, _fresh(root / f"curated-empty-{kind}{suffix}"), env, options))
        say(f"{tag}: run over {pages} pages{of}")
        runs.append(timed_run(raw, _fresh(curated), env, options, rss=not busy))
        if runs[-1].articles != pages:
            raise RuntimeError(f"the run wrote {runs[-1].articles} articles of {pages} pages")
        part = files[round_::repeat]
        say(f"{tag}: bare trafilatura loop over {len(part)} of the pages{of}")
        started = time.monotonic()
        seconds, cpu_seconds = bare_loop(part, root / "bare-files.txt")
        figures.bare_process_seconds += time.monotonic() - started
        figures.bare_seconds += seconds
        figures.bare_cpu_seconds += cpu_seconds
    figures.empty, figures.run = median_command(empties), median_command(runs)
    if not busy:
        say(f"{tag}: run --full over the same raw/")
        figures.full = timed_run(raw, curated, env, [*options, "--full"])
        if noop:
            say(f"{tag}: no-op rerun")
            figures.noop = timed_run(raw, curated, env, options)
    return figures


def _say_rows(rows: list[tuple[str, str]], say: Callable[[str], None]) -> None:
    """Figures as soon as they are measured: a long run stopped later keeps them in its log."""
    for name, value in rows:
        say(f"{name}: {value}")


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def commit_label() -> str:
    """The short commit of the code measured, marked when the tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes" if dirty else "")


def measure(
    pages: int,
    templates: list[Template],
    root: Path,
    options: list[str],
    say: Callable[[str], None],
    kinds: tuple[str, ...] = ("plain", "inline"),
    startup_runs: int = 5,
    startup_temporary_server: bool = False,
    busy: bool = True,
    busy_cpu: int | None = None,
    rss_pages: int = 0,
    noop: bool = False,
    repeat: int = 1,
    api: str | None = None,
) -> Figures:
    """Every figure of the module's description, measured under root.

    api: a running Prefect server to time the runs against instead of starting one (a user's own
    server, or a test's), which saves the server's start-up but is the same measurement.
    """
    from datetime import UTC, datetime

    from bench import startup as bench_startup
    from bench.server import prefect_server, quiet_env

    figures = Figures(
        commit=commit_label(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_start=os.getloadavg()[0],
        command="python -m pipeline run --raw RAW --curated CURATED" + "".join(f" {o}" for o in options),
    )
    if startup_runs:
        figures.startup = bench_startup.measure(
            startup_runs, with_temporary_server=startup_temporary_server, say=say
        )
    if pages:
        if api:
            say(f"timing against the Prefect server at {api}")
            server = contextlib.nullcontext(api)
        else:
            say("starting the bench's Prefect server (prefect server start on 127.0.0.1)")
            server = prefect_server(root / "prefect-home")
        with server as api:
            env = {**quiet_env(root / "prefect-home"), "PREFECT_API_URL": api}
            say("warming up: one run over an empty raw/ (the server's first flow run)")
            (root / "raw-empty").mkdir(exist_ok=True)
            timed_run(root / "raw-empty", _fresh(root / "curated-warm-up"), env, options)
            for kind in kinds:
                figures.kinds.append(
                    measure_kind(kind, root, pages, templates, env, options, say, noop=noop, repeat=repeat)
                )
                _say_rows(figures.kinds[-1].rows(), say)
            if busy:
                with busy_core(busy_cpu) as burner:
                    say(f"one core busy: {burner}")
                    figures.busy = measure_kind(
                        kinds[0],
                        root,
                        pages,
                        templates,
                        env,
                        options,
                        say,
                        raw=root / f"raw-{kinds[0]}",
                        busy=burner,
                        repeat=repeat,
                    )
                _say_rows(figures.busy.rows(), say)
            if rss_pages:
                large = KindFigures(kind="plain", pages=rss_pages)
                raw = _fresh(root / "raw-large")
                say(f"RSS at a larger size: writing {rss_pages} plain pages")
                large.megabytes = write_pages(raw, rss_pages, templates) / 1e6
                large.empty = figures.kinds[0].empty if figures.kinds else Command()
                say(f"RSS at a larger size: run over {rss_pages} pages")
                large.run = timed_run(raw, _fresh(root / "curated-large"), env, options, rss=True)
                figures.large = large
    figures.load_end = os.getloadavg()[0]
    return figures
