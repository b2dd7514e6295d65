"""The benchmark's memory sampler tells Prefect's API server from the run's own processes."""

from __future__ import annotations

from pipeline.bench import TreeRss


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
