"""Ctrl-C on a command that runs or crawls: one line saying what was kept, exit 130, no orphans.

Left to Python, Ctrl-C became a KeyboardInterrupt inside Prefect's engine, which then spent
40-70 s trying to report a crashed run to a temporary API server that the same Ctrl-C had
already stopped, and printed ~120 lines. Every step of a run is safe to stop at any instant
(the store commits by journal and rename, a crawl's open WARC file is closed by the next crawl,
tests/store/test_kill.py kills runs with SIGKILL), so on SIGINT the command stops at once: it tells
the Prefect server, if one records the run, that the run was cancelled (at most a second),
stops its child processes (pool workers, the spider, a temporary Prefect server, Dask), prints
one line and leaves with 130, the shell's code for "ended by SIGINT".
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from pipeline.store.layout import JOURNAL_DIR

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command Ctrl-C ended
CHILDREN_GRACE_SECONDS = 0.8
API_REPORT_SECONDS = 1.0


# Held by the thread that is stopping the process.
_stopping = threading.Lock()


def stop_on_interrupt(describe: Callable[[], str]) -> None:
    """From now on, SIGINT ends this process as the module says; describe() gives its line.

    Nothing on the way out imports a module: the signal may come while the main thread holds
    the import lock, and the thread that stops the process would wait for it forever.

    Call from the main thread. Python runs a signal handler in the main thread only, and only
    when it executes bytecode: a main thread waiting on a lock (a batch's future) while another
    thread took the signal would run it a second later, or never. So the signal also wakes a
    watcher thread through signal.set_wakeup_fd, and whichever thread sees it first stops the
    process.
    """

    def stop() -> None:
        # Never released: a second Ctrl-C, or the other thread that saw this one, waits here
        # until the process ends below.
        _stopping.acquire()
        try:
            say = _quiet_output()
            try:
                line = describe()
            except Exception as exc:  # noqa: BLE001 - the line must come out whatever went wrong
                line = f"interrupted ({exc})"
            FLOW_RUNS.extend(flow_runs_of_children())
            # Children first: a flow run's process that is being stopped reports its run Crashed,
            # and the Cancelled state must come after that.
            stop_children()
            _cancel_flow_run()
            say(line)
        finally:
            os._exit(EXIT_INTERRUPTED)

    if threading.current_thread() is not threading.main_thread():
        return  # signals are the main thread's to handle (a command run from a test's thread)
    signal.signal(signal.SIGINT, lambda signum, frame: stop())
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(read_end, stop), name="sigint-watch", daemon=True).start()


def _watch(read_end: int, stop: Callable[[], None]) -> None:
    """Wait for the wakeup byte of a SIGINT (set_wakeup_fd writes each signal's number)."""
    while True:
        data = os.read(read_end, 512)
        if not data:
            return
        if signal.SIGINT in data:
            stop()


def _quiet_output() -> Callable[[str], None]:
    """Silence this process's stdout and stderr (the run's other threads may still print while
    its workers are stopped); returns how to write the one line to the real stderr.

    File descriptors only: sys.stderr's lock may be held by the thread this signal interrupted.
    """
    real_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)

    # On a terminal, the line replaces the progress bar the run was drawing (\r, erase line).
    clear = "\r\x1b[K" if os.isatty(real_stderr) else ""

    def say(line: str) -> None:
        os.write(real_stderr, (clear + line + "\n").encode())

    return say


def stop_children(grace: float = CHILDREN_GRACE_SECONDS) -> list[int]:
    """SIGTERM every descendant of this process, SIGKILL those still there after `grace` seconds.

    Returns their pids. Descendants, not the process group: a temporary Prefect server or a
    spider may have been started in a session of its own.
    """
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    for child in children:
        with contextlib.suppress(psutil.Error):
            # multiprocessing's resource tracker ignores SIGTERM; it only frees what the dead hold.
            if "resource_tracker" in " ".join(child.cmdline()):
                child.kill()
            else:
                child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=grace)
    return [child.pid for child in children]


# Ids of the flow runs this process runs (note_flow_run): the thread that stops the process on
# Ctrl-C is not the flow's, so it cannot read Prefect's run context.
FLOW_RUNS: list[Any] = []


def note_flow_run(flow: Any, flow_run: Any, state: Any) -> None:
    """A Prefect on_running hook: remember the run, to mark it Cancelled if Ctrl-C stops it."""
    FLOW_RUNS.append(flow_run.id)


def flow_runs_of_children() -> list[str]:
    """Ids of the flow runs that child processes execute (`serve` runs each in a process of its
    own, whose environment names the run in PREFECT__FLOW_RUN_ID)."""
    ids = []
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                flow_run_id = child.environ().get("PREFECT__FLOW_RUN_ID")
                if flow_run_id and flow_run_id not in ids:
                    ids.append(flow_run_id)
    return ids


def serve_outcome() -> str:
    """What stopping `serve` leaves: the runs it was executing are cancelled, their processes ended."""
    running = len(flow_runs_of_children())
    if not running:
        return "interrupted: serve stopped; no flow run was in progress"
    runs = "1 flow run" if running == 1 else f"{running} flow runs"
    return (
        f"interrupted: serve stopped; {runs} in progress marked Cancelled, processes ended (a crawl "
        "keeps the pages it fetched, a curate run commits all or nothing)"
    )


def _cancel_flow_run(timeout: float = API_REPORT_SECONDS) -> None:
    """Mark the running flow runs Cancelled on their server, so the UI does not show them
    Running forever.

    Best effort within `timeout`, in a thread of its own (its imports cannot hold up the exit):
    the API may be a temporary server the same Ctrl-C stopped.
    """
    if not FLOW_RUNS:
        return

    def report() -> None:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
        from prefect.states import Cancelled

        with contextlib.suppress(Exception), get_client(sync_client=True) as client:
            # A run noted twice (hook and environment) once; then the subflows of those runs
            # (the curate run of an ingest) that a stopped process left unfinished.
            runs = list(dict.fromkeys(str(run_id) for run_id in FLOW_RUNS))
            parents = FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=runs))
            subflows = client.read_flow_runs(flow_run_filter=parents)
            runs += [str(r.id) for r in subflows if r.state is None or not r.state.is_final()]
            for flow_run_id in runs:
                client.set_flow_run_state(flow_run_id, Cancelled(message="interrupted (Ctrl-C)"), force=True)

    reporter = threading.Thread(target=report, name="report-cancelled", daemon=True)
    reporter.start()
    reporter.join(timeout)


def curate_outcome(curated: Any) -> str:
    """What a run interrupted now leaves in curated/, in one line."""
    return f"interrupted{_curated_state(curated)}"


def _curated_state(curated: Any) -> str:
    # getattr: the signal may come while pipeline.curation.runner is still being imported.
    committed = getattr(sys.modules.get("pipeline.curation.runner"), "COMMITTED", None)
    if committed:
        summary = committed[-1]
        return (
            f" after the commit: the run's {summary.articles_total} articles are kept "
            "(its report may be missing)"
        )
    if any((Path(curated) / JOURNAL_DIR).glob("*.json")):
        return " during the commit: the run is kept, the next run finishes its commit"
    return ": nothing committed; the next run starts over"


CRAWL_KEPT = (
    "the pages fetched so far are kept in raw/ (the next crawl closes its open WARC file and goes "
    "on from there)"
)


def crawl_outcome() -> str:
    """What an interrupted crawl leaves."""
    return f"interrupted: {CRAWL_KEPT}; nothing was curated"


def gather_outcome(curated: Any) -> str:
    """What an interrupted backfill or ingest (crawls, then a curate run) leaves."""
    state = _curated_state(curated)
    curate = "no curate run committed" if state.startswith(": nothing") else f"curate run interrupted{state}"
    return f"interrupted: {CRAWL_KEPT}; {curate}"
