"""The performance benchmark of issue 4: throughput against bare trafilatura, memory, reruns, dedupe.

All in one process tree: this process is the curate driver; the worker processes (the local pool,
or with --executor dask a local Dask cluster's workers, the scheduler then living in this process)
and Prefect's temporary API server are its children. Figures:

- bare: a single-process loop of trafilatura.extract(html, with_metadata=True) over the pages.
- curate: the Prefect `curate` flow over the same pages on the configured executor. Its time is
  the flow body (listing, extraction, dedupe, writing, commit, report); start-up (Prefect's API,
  the workers' start and imports, teardown) is the rest of the wall time, shown apart.
- rounds: the two alternate. Each round times the bare loop over its share of the pages (every
  page is in one share), then a curate run over all of them into an empty curated/. The bare
  figure is the sum of the shares; the curate figure is the median round, and every round is
  shown. On a VM whose speed drifts from minute to minute, one bare loop of half a minute and one
  curate run of five seconds a minute later compared two different machines; alternating puts
  both under the same drift, and the median is not moved by one slow (or fast) five seconds.
  The first round is the process's first run (imports, Prefect's first calls): not set apart.
- peak RSS: the largest sum of RSS over this process and all its descendants, sampled every
  50 ms during the first round's curate run, the one run of a fresh process, as every real run
  is (`serve` starts a process per flow run); also without Prefect's API server, a service a
  deployment runs once, not part of a run. The later rounds run in a driver that has already
  run curate (the allocator keeps some of what earlier runs freed): their peak is shown apart.
- no-op rerun: the flow again over the same pages, nothing new.
- start-up: `python -m pipeline run` over the five samples, the whole command in a fresh process,
  with no Prefect server configured; and once with --prefect (bench.startup).
- near-dup: near-duplicate detection over a synthetic set of articles, one in ten an edited copy
  of an earlier one: signatures in worker processes, LSH decisions here, as in a run; how many
  copies were found is shown.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from bench.pages import Template, load_templates, write_pages
from bench.startup import StartupFigures

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {"ratio": 6.0, "peak_rss_mb": 600.0, "noop_seconds": 5.0, "near_dup_seconds": 60.0}


@dataclass
class Figures:
    pages: int = 0
    megabytes: float = 0.0
    templates: list[str] = field(default_factory=list)
    executor: str = "processes"
    workers: int = 0
    rounds: int = 0
    bare_seconds: float = 0.0  # over every share: all the pages once
    bare_cpu_seconds: float = 0.0
    curate_cpu_seconds: float = 0.0  # of the median round
    load_average: float = 0.0
    round_seconds: list[float] = field(default_factory=list)  # each curate run, start-up excluded
    curate_startup_seconds: float = 0.0  # of the first round (Prefect's temporary API starts then)
    articles_written: int = 0
    peak_rss_mb: float = 0.0  # the first round's
    peak_rss_mb_later: float = 0.0  # the highest of the later rounds'
    peak_rss_mb_with_api: float = 0.0
    peak_breakdown: str = ""
    noop_seconds: float = 0.0
    noop_startup_seconds: float = 0.0
    near_dup_articles: int = 0
    near_dup_seconds: float = 0.0
    near_dup_planted: int = 0
    near_dup_found: int = 0
    near_dup_peak_rss_mb: float = 0.0
    startup: StartupFigures = field(default_factory=StartupFigures)

    @property
    def curate_seconds(self) -> float:
        """The median curate round (the upper middle one of an even count)."""
        ordered = sorted(self.round_seconds)
        return ordered[len(ordered) // 2] if ordered else 0.0

    @property
    def bare_pages_per_second(self) -> float:
        return self.pages / self.bare_seconds if self.bare_seconds else 0.0

    @property
    def curate_pages_per_second(self) -> float:
        return self.pages / self.curate_seconds if self.curate_seconds else 0.0

    @property
    def ratio(self) -> float:
        bare = self.bare_pages_per_second
        return self.curate_pages_per_second / bare if bare else 0.0

    def misses(self, near_dup_full: bool) -> list[str]:
        """The targets this run missed (near-dup only judged at 100,000 articles or more)."""
        out = self.startup.misses()
        if not self.pages:  # --pages 0: no throughput, memory or rerun figures to judge
            return out + self._near_dup_misses(near_dup_full)
        if self.ratio < TARGETS["ratio"]:
            out.append(f"ratio {self.ratio:.2f} < {TARGETS['ratio']}")
        if self.peak_rss_mb > TARGETS["peak_rss_mb"]:
            out.append(f"peak RSS {self.peak_rss_mb:.0f} MB > {TARGETS['peak_rss_mb']:.0f} MB")
        if self.noop_seconds > TARGETS["noop_seconds"]:
            out.append(f"no-op rerun {self.noop_seconds:.2f} s > {TARGETS['noop_seconds']} s")
        return out + self._near_dup_misses(near_dup_full)

    def _near_dup_misses(self, near_dup_full: bool) -> list[str]:
        if near_dup_full and self.near_dup_seconds > TARGETS["near_dup_seconds"]:
            return [f"near-dup {self.near_dup_seconds:.1f} s > {TARGETS['near_dup_seconds']} s"]
        return []

    def table(self) -> str:
        rows = [
            ("pages", f"{self.pages} ({self.megabytes:.1f} MB; templates: {', '.join(self.templates)})"),
            ("bare trafilatura seconds", f"{self.bare_seconds:.2f}"),
            ("bare pages/s", f"{self.bare_pages_per_second:.1f}"),
            ("curate executor, workers", f"{self.executor}, {self.workers}"),
            ("rounds (bare share, then curate over all)", f"{self.rounds}"),
            ("curate seconds by round", " / ".join(f"{x:.2f}" for x in self.round_seconds)),
            ("curate seconds (median round, start-up excluded)", f"{self.curate_seconds:.2f}"),
            ("curate start-up seconds (first round, excluded)", f"{self.curate_startup_seconds:.2f}"),
            ("curate pages/s", f"{self.curate_pages_per_second:.1f}"),
            ("articles written", f"{self.articles_written}"),
            ("ratio (curate / bare pages/s)", f"{self.ratio:.2f}"),
            ("bare CPU ms/page", f"{1000 * self.bare_cpu_seconds / max(1, self.pages):.2f}"),
            (
                "curate CPU ms/page (median round, whole tree, start-up included)",
                f"{1000 * self.curate_cpu_seconds / max(1, self.pages):.2f}",
            ),
            ("load average (1 min) before the first round", f"{self.load_average:.2f}"),
            ("peak RSS MB (driver + workers)", f"{self.peak_rss_mb:.0f}"),
            ("peak RSS MB by process", self.peak_breakdown),
            ("peak RSS MB, later rounds (driver has run before)", f"{self.peak_rss_mb_later:.0f}"),
            ("peak RSS MB (also Prefect's API server)", f"{self.peak_rss_mb_with_api:.0f}"),
            ("no-op rerun seconds (start-up excluded)", f"{self.noop_seconds:.2f}"),
            ("no-op rerun start-up seconds", f"{self.noop_startup_seconds:.2f}"),
            ("near-dup articles", f"{self.near_dup_articles}"),
            ("near-dup seconds", f"{self.near_dup_seconds:.2f}"),
            ("near-dup copies found / planted", f"{self.near_dup_found} / {self.near_dup_planted}"),
            ("near-dup peak RSS MB", f"{self.near_dup_peak_rss_mb:.0f}"),
            *self.startup.rows(),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


class TreeRss:
    """Peak of the summed RSS of this process and its descendants, sampled on a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0  # bytes, without processes that are Prefect's API server
        self.peak_all = 0  # bytes, everything
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._api: dict[int, bool] = {}
        self.at_peak: dict[str, int] = {}  # RSS by process at the peak
        self._cpu: dict[int, float] = {}  # last seen user+system seconds of each process
        self._cpu_start: dict[int, float] = {}
        self._own_cmdline = psutil.Process().cmdline()

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds the tree spent while sampled (processes seen at least once)."""
        return sum(self._cpu[pid] - self._cpu_start.get(pid, 0.0) for pid in self._cpu)

    def __enter__(self) -> TreeRss:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def _is_api(self, proc: psutil.Process) -> bool:
        """Whether proc is Prefect's API server; only a yes is remembered.

        A child sampled between its fork and its exec still shows this process's command line:
        a no remembered then would count the server (~220 MB) as part of the run for good.
        """
        if not self._api.get(proc.pid, False):
            with contextlib.suppress(psutil.Error):
                self._api[proc.pid] = "prefect.server" in " ".join(proc.cmdline())
        return self._api.get(proc.pid, False)

    def _before_exec(self, proc: psutil.Process) -> bool:
        """Whether proc is a child between its fork and its exec.

        Until its exec a child shares this process's memory and reports this process's RSS as its
        own (a driver of 300 MB sampled then looked like a run of 600 MB, with no workers in it):
        those pages are counted once, in this process. Every child the bench starts is spawned
        (pool, Dask, near-dup): a forked child that never execs would not be counted at all.
        """
        try:
            return proc.cmdline() == self._own_cmdline
        except psutil.Error:
            return False

    def sample(self) -> None:
        me = psutil.Process()
        total = api = 0
        try:
            procs = [me, *me.children(recursive=True)]
        except psutil.Error:
            return
        procs = [proc for proc in procs if proc is me or not self._before_exec(proc)]
        for proc in procs:
            try:
                rss = proc.memory_info().rss
                times = proc.cpu_times()
            except psutil.Error:
                continue
            cpu = times.user + times.system
            if proc.pid not in self._cpu and not self._thread.is_alive():
                # Running before the measurement began (this process, Prefect's API server):
                # count their CPU from now, not from their start.
                self._cpu_start[proc.pid] = cpu
            self._cpu[proc.pid] = cpu
            total += rss
            if self._is_api(proc):
                api += rss
        self.peak_all = max(self.peak_all, total)
        if total - api > self.peak:
            self.peak = total - api
            self.at_peak = {self._role(p, me): 0 for p in procs}
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    self.at_peak[self._role(proc, me)] += proc.memory_info().rss

    def _role(self, proc: psutil.Process, me: psutil.Process) -> str:
        """driver, api, or a child's kind and pid (worker 123, resource-tracker 124, ...)."""
        if proc.pid == me.pid:
            return "driver"
        if self._is_api(proc):
            return "api"
        try:
            command = " ".join(proc.cmdline())
        except psutil.Error:
            command = ""
        kind = next((k for marker, k in _CHILD_KINDS if marker in command), "child")
        return f"{kind} {proc.pid}"


_CHILD_KINDS = (
    ("resource_tracker", "resource-tracker"),
    ("multiprocessing", "worker"),
    ("distributed", "dask-worker"),
)


def bare_loop(files: list[Path], listing: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the plain single-process trafilatura loop over the files.

    Run in a child process, so that trafilatura's imports and caches do not sit in the driver
    whose memory the curate run is measured by.
    """
    listing.write_text("\n".join(str(f) for f in files), encoding="utf-8")
    code = "import sys; from bench.throughput import _bare_main; _bare_main(sys.argv[1])"
    out = subprocess.run(
        [sys.executable, "-c", code, str(listing)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    wall, cpu = (float(x) for x in out.split())
    return wall, cpu


def _bare_main(listing: str) -> None:
    import trafilatura

    files = Path(listing).read_text(encoding="utf-8").splitlines()
    trafilatura.extract("<html><body><p>warm up</p></body></html>", with_metadata=True)
    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        trafilatura.extract(Path(path).read_bytes().decode("utf-8"), with_metadata=True)
    print(time.perf_counter() - started, time.process_time() - cpu)


def curate_once(raw: Path, curated: Path, workers: int, batch_size: int, kind: str) -> tuple[dict, float]:
    """(summary, wall seconds) of one run of the Prefect curate flow."""
    from pipeline.flows.curate import run_curate_flow
    from pipeline.settings import load_settings

    settings = load_settings(
        config_path="/nonexistent",
        env={},
        overrides={
            "paths.raw": str(raw),
            "paths.curated": str(curated),
            "executor.kind": kind,
            "executor.workers": workers,
            "executor.batch_size": batch_size or None,
        },
    )
    started = time.perf_counter()
    summary = run_curate_flow(settings)
    return summary, time.perf_counter() - started


_CHUNK = 1000  # articles per chunk of the near-dup benchmark (a multiple of ten)


def near_dup(
    articles: int, templates: list[Template], workers: int = 0, seed: int = 0
) -> tuple[float, int, int]:
    """(seconds, copies planted, copies found) for near-duplicate detection over synthetic articles.

    As in a curate run, signatures are computed in parallel worker processes and the LSH
    decisions are made in this process, in order. The seconds are the wall time of all of it,
    worker start-up and the making of the texts included. One article in ten is a copy of the
    article three before it with one word in fifty replaced.
    """
    import multiprocessing
    import os

    from pipeline.dedupe.decisions import Deduper
    from pipeline.models import Article
    from pipeline.settings import DedupeSettings

    vocabulary = sorted({w.lower() for t in templates for w in t.vocabulary})
    deduper = Deduper(DedupeSettings())
    chunks = [
        (vocabulary, seed, c, min(_CHUNK, articles - c * _CHUNK)) for c in range(-(-articles // _CHUNK))
    ]
    ids: list[str] = []
    planted = found = 0
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers or os.cpu_count() or 1) as pool:
        for chunk in pool.imap(_synthetic_signatures, chunks):
            for sig, chash, copy_of in chunk:
                i = len(ids)
                article = Article(
                    source="rferl", body="", raw_path=f"{i}.html", url=f"https://www.rferl.org/a/{i}.html"
                )
                decision = deduper.decide(article, sig, chash)
                ids.append(decision.article_id)
                if copy_of is None:
                    continue
                planted += 1
                dup = decision.duplicate
                found += dup is not None and (dup.kind, dup.duplicate_of) == ("near", ids[copy_of])
    return time.perf_counter() - started, planted, found


def _synthetic_signatures(job: tuple[list[str], int, int, int]) -> list[tuple[object, str, int | None]]:
    """(signatures, content hash, index of the copied article or None) for one chunk of articles."""
    from pipeline.dedupe.minhash import fingerprints
    from pipeline.settings import DedupeSettings

    vocabulary, seed, chunk, count = job
    rng = np.random.default_rng([seed, chunk])
    cfg = DedupeSettings()
    made: list[np.ndarray] = []
    out = []
    for k in range(count):
        i = chunk * _CHUNK + k
        copy_of = i - 3 if i % 10 == 9 else None
        if copy_of is not None:
            words = made[k - 3].copy()
            edits = rng.random(len(words)) < 0.02
            words[edits] = rng.integers(0, len(vocabulary), int(edits.sum()))
        else:
            words = rng.integers(0, len(vocabulary), int(rng.integers(300, 900)))
        made.append(words)
        # A list of str, not numpy's array of them: joining numpy strings costs as much as hashing.
        sig, chash = fingerprints(" ".join([vocabulary[w] for w in words.tolist()]), cfg)
        out.append((sig, chash, copy_of))
    return out


@contextlib.contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="tajrus-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run(
    pages: int = 2000,
    near_dup_articles: int = 100_000,
    workers: int = 0,
    batch_size: int = 0,
    sites: tuple[str, ...] = ("rferl",),
    templates: str = "",
    markup: str = "real",
    executor: str = "processes",
    keep: Path | None = None,
    say: object = print,
    rounds: int = 3,
    startup_runs: int = 5,
) -> Figures:
    """Every figure of the benchmark; say(line) reports progress.

    markup: which fixture pages are templates (see bench.pages); executor: processes (the
    local pool) or dask (a local Dask cluster through prefect-dask).
    """
    import os

    chosen = [t for t in load_templates(sites, markup=markup) if t.name.startswith(templates)]
    if not chosen:
        raise ValueError(f"no {markup} fixture page of {sites} starts with {templates!r}")
    if rounds < 1:
        raise ValueError(f"rounds must be 1 or more, not {rounds}")
    figures = Figures(pages=pages, templates=[t.name for t in chosen], executor=executor, rounds=rounds)
    figures.workers = workers or os.cpu_count() or 1
    if startup_runs:
        from bench import startup as bench_startup

        figures.startup = bench_startup.measure(startup_runs, say=say)
    if pages:
        with workdir(keep) as root:
            _throughput_figures(figures, root, chosen, workers, batch_size, executor, say)
    return _near_dup_figures(figures, near_dup_articles, sites, workers, say)


def _throughput_figures(
    figures: Figures,
    root: Path,
    chosen: list[Template],
    workers: int,
    batch_size: int,
    executor: str,
    say: object,
) -> None:
    """Write the pages under root; then, round by round, a bare share and a curate run; then the
    no-op rerun."""
    import os

    raw, curated = root / "raw", root / "curated"
    shutil.rmtree(raw, ignore_errors=True)
    say(f"writing {figures.pages} pages under {raw}")
    figures.megabytes = write_pages(raw, figures.pages, chosen) / 1e6
    files = sorted(raw.rglob("*.html"))
    figures.load_average = os.getloadavg()[0]
    runs: list[tuple[float, TreeRss]] = []
    for n in range(figures.rounds):
        share = files[n :: figures.rounds]
        say(f"round {n + 1}/{figures.rounds}: bare trafilatura loop over {len(share)} pages")
        wall, cpu = bare_loop(share, root / "bare-files.txt")
        figures.bare_seconds += wall
        figures.bare_cpu_seconds += cpu
        say(f"round {n + 1}/{figures.rounds}: curate over {len(files)} pages")
        shutil.rmtree(curated, ignore_errors=True)
        with TreeRss() as rss:
            summary, wall = curate_once(raw, curated, workers, batch_size, executor)
        figures.round_seconds.append(summary["seconds"])
        if n == 0:
            figures.curate_startup_seconds = wall - summary["seconds"]
        figures.articles_written = sum(summary["articles"].values())
        runs.append((summary["seconds"], rss))
    median = next(rss for seconds, rss in runs if seconds == figures.curate_seconds)
    figures.curate_cpu_seconds = median.cpu_seconds
    first = runs[0][1]
    figures.peak_rss_mb = first.peak / 2**20
    figures.peak_breakdown = ", ".join(
        f"{role.split()[0]} {mb / 2**20:.0f}" for role, mb in sorted(first.at_peak.items()) if role != "api"
    )
    figures.peak_rss_mb_with_api = first.peak_all / 2**20
    figures.peak_rss_mb_later = max((rss.peak for _, rss in runs[1:]), default=0) / 2**20
    say("no-op rerun")
    summary, wall = curate_once(raw, curated, workers, batch_size, "auto")
    figures.noop_seconds = summary["seconds"]
    figures.noop_startup_seconds = wall - summary["seconds"]
    if summary["inputs_read"]:
        raise RuntimeError(f"the no-op rerun read {summary['inputs_read']} inputs")


def _near_dup_figures(
    figures: Figures, articles: int, sites: tuple[str, ...], workers: int, say: object
) -> Figures:
    if articles:
        say(f"near-dup over {articles} synthetic articles")
        with TreeRss() as rss:
            figures.near_dup_seconds, figures.near_dup_planted, figures.near_dup_found = near_dup(
                articles, load_templates(sites), workers
            )
        figures.near_dup_articles = articles
        figures.near_dup_peak_rss_mb = rss.peak / 2**20
    return figures
