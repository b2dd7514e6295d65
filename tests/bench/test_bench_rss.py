"""The benchmark's memory sampler tells Prefect's API server from the run's own processes."""

from __future__ import annotations

import os
import signal
import time

import psutil

from bench.throughput import TreeRss


class _Child:
    """A child process whose command line changes at its exec, as a real one's does."""

    def __init__(self, pid: int, cmdline: list[str]) -> None:
        self.pid = pid
        self._cmdline = cmdline

    def cmdline(self) -> list[str]:
        return self._cmdline


def test_a_child_sampled_before_its_exec_is_recognised_as_the_api_after_it():
    rss = TreeRss()
    child = _Child(4242, ["python", "-m", "pipeline", "bench"])  # forked, not yet exec'd
    assert not rss._is_api(child)
    child._cmdline = ["python", "-m", "uvicorn", "--app-dir", "x", "prefect.server.api.server:create_app"]
    assert rss._is_api(child)
    child._cmdline = []  # a yes is remembered (a zombie's command line is empty)
    assert rss._is_api(child)


def test_a_child_between_fork_and_exec_is_not_counted_twice():
    # Until its exec a child reports the parent's RSS as its own; the CI once sampled the pool's
    # workers in that window and printed a peak of the driver twice, with no worker in it.
    ballast = bytearray(400 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # touched, so resident
    before = TreeRss()
    before.sample()  # this process and whatever children earlier tests left running
    pid = os.fork()
    if pid == 0:  # the child never execs: it stays in the window
        time.sleep(5)
        os._exit(0)
    try:
        rss = TreeRss()
        rss.sample()
        assert psutil.Process(pid).memory_info().rss > 400 * 2**20  # what would be counted twice
        assert rss.peak < before.peak + 200 * 2**20
        assert not any(role.endswith(f" {pid}") for role in rss.at_peak)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    del ballast


def test_the_tree_of_another_command_is_measured_without_this_process():
    # The bench times `python -m pipeline run` as a child: its RSS is that command and every
    # descendant (the pool's workers), not the bench's own memory.
    import subprocess
    import sys

    hold = "b = bytearray(150 * 2**20); b[::4096] = b'\\1' * len(b[::4096]); import time; time.sleep(6)"
    parent = f"import subprocess, sys; c = subprocess.Popen([sys.executable, '-c', {hold!r}]); {hold}"
    cmd = [sys.executable, "-c", parent]
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])
    proc = subprocess.Popen(cmd)
    try:
        with TreeRss(pid=proc.pid, cmdline=cmd) as rss:
            time.sleep(4)
        assert 300 * 2**20 < rss.peak < 450 * 2**20  # both 150 MB holders, not this process's 300
        assert "driver" in rss.at_peak and any(role.startswith("child ") for role in rss.at_peak)
    finally:
        proc.kill()
        proc.wait()
    del ballast
