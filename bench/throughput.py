"""Pieces of the benchmark (not product code): the process-tree memory sampler, the bare
trafilatura loop, and the near-duplicate figure.

- TreeRss: the largest sum of RSS over a process and all its descendants, sampled every 50 ms
  with psutil. A child is counted once it has exec'd: between fork and exec it reports its
  parent's memory as its own.
- bare_loop: a single-process loop of trafilatura.extract(html, with_metadata=True) over the
  pages, in a fresh process; the loop is timed, not the interpreter's start and imports.
- near_dup: near-duplicate detection over a synthetic set of articles, one in ten an edited copy
  of an earlier one: signatures in worker processes, LSH decisions here, as in a run; how many
  copies were found is shown (`python -m bench --near-dup-articles N`).
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
from pathlib import Path

import numpy as np
import psutil

from bench.pages import Template

ROOT = Path(__file__).resolve().parents[1]


class TreeRss:
    """Peak of the summed RSS of a process (this one, or pid with its command line cmdline) and
    its descendants, sampled on a thread."""

    def __init__(
        self, interval: float = 0.05, pid: int | None = None, cmdline: list[str] | None = None
    ) -> None:
        self.interval = interval
        self._root = psutil.Process(pid) if pid else psutil.Process()
        self.peak = 0  # bytes, without processes that are Prefect's API server
        self.peak_all = 0  # bytes, everything
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._api: dict[int, bool] = {}
        self.at_peak: dict[str, int] = {}  # RSS by process at the peak
        self._cpu: dict[int, float] = {}  # last seen user+system seconds of each process
        self._cpu_start: dict[int, float] = {}
        self._own_cmdline = cmdline if cmdline is not None else self._root.cmdline()

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
        me = self._root
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
