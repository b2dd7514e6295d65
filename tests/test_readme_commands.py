"""The README's commands, run in the order it gives them, on a fresh clone, as a user would.

The repository at HEAD (what is committed) is cloned into a temporary directory; every fenced
block of README.md is read in document order, and

- `sh`/`bash`/`shell` blocks (and `$ ` lines of `console` blocks) are shell commands: each is run
  with bash in the clone, with the clone's venv active (the README's examples assume it), and
  must exit 0;
- `python` blocks are run whole with the venv's python; a `sql` block that begins `-- duckdb`
  is run statement by statement with DuckDB;
- `text` blocks are output or layouts, not run.

Every command is either run or listed in NOT_RUN with the reason; a block without a tag, or a
command in neither, fails the test, so the README cannot gain a command nobody checked. Each
command sees the effects of the ones before it (`make run` curates before `stats` and `query`
read, `make demo` writes demo-output/ ...).

`make install` (pip into a new .venv) would take minutes and reach package registries: the
clone's `.venv` is a symlink to the venv running this test, which holds the Makefile's install
stamp (`.venv/.installed`), and the clone's pyproject.toml and requirements.lock get an old
modification time, so make sees the install as done, as it is after a user's first `make`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

SHELL_TAGS = {"sh", "bash", "shell", "console"}
NOT_RUN_TAGS = {"text"}  # outputs, directory layouts
CODE_TAGS = {"python", "sql"}

INTERNET = (
    "crawls the live sites: the tests reach nothing outside 127.0.0.1"
    " (make demo and the --mirror crawl run the same code on a local mirror)"
)
FOREVER = "runs until Ctrl-C (tests/flows/test_schedule.py serves deployments against a test server)"

# Commands of the README that this test does not run, and why. Keys are the commands as the README
# writes them, without their trailing comment.
NOT_RUN: dict[str, str] = {
    "make test": "runs the whole test suite, this test included: it would recurse (and takes minutes)",
    "python -m pipeline crawl rferl --since 2025-05-01 --until 2025-05-25": INTERNET,
    "python -m pipeline crawl rferl": INTERNET,
    "python -m pipeline crawl rferl --host www.azattyq.org --host rus.azattyq.org": INTERNET,
    "scrapy crawl jamestown -a since=2025-05-01": INTERNET,
    "python -m pipeline backfill --since 2024-01-01 --until 2024-12-31": INTERNET,
    "python -m pipeline backfill --since 2024-01-01 --until 2024-03-31 --site jamestown": INTERNET,
    "prefect server start --host 127.0.0.1 --port 4200": FOREVER,
    "export PREFECT_API_URL=http://127.0.0.1:4200/api": (
        "points the `serve` commands of terminal 2 at the server of terminal 1, which is not run"
    ),
    "python -m pipeline serve": FOREVER,
    'python -m pipeline serve --cron "30 5 * * *"': FOREVER,
}

# Exit statuses other than 0 that the README gives for a command (none at present).
EXPECTED_EXIT: dict[str, int] = {}

# The README's `--mirror http://127.0.0.1:8000` crawl reads "a saved copy (see below)": served
# here as the README's Mirror paragraph says, `python -m http.server 8000` in a directory of
# wget-style HOST/PATH trees (make demo's mirror, written out).
MIRROR_PORT = 8000

TIMEOUT = 240  # seconds, per command (make demo takes ~40 s idle, 100 s on a loaded 2-core machine)


@dataclass(frozen=True)
class Step:
    kind: str  # "shell", "python" or "duckdb"
    text: str  # the command (without its trailing comment) or the block's code
    line: int  # where it is in README.md


def fenced_blocks(markdown: str) -> Iterator[tuple[str, str, int]]:
    """(info string, body, line of the opening fence) of every fenced block, in document order."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = re.match(r"^(`{3,}|~{3,})\s*(\S*)", lines[i])
        if not match:
            i += 1
            continue
        fence, info, start = match.group(1), match.group(2).lower(), i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        yield info, "\n".join(body), start
        i += 1


def strip_comment(line: str) -> str:
    """The command without a trailing `# comment` (a # inside quotes or a word is kept)."""
    quote = ""
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k].rstrip()
    return line.rstrip()


def shell_commands(info: str, body: str, start: int) -> Iterator[Step]:
    pending = ""
    for offset, raw in enumerate(body.splitlines(), start=1):
        line = raw
        if info == "console" and not pending:
            if not line.startswith("$ "):
                continue  # output
            line = line[2:]
        line = pending + line.strip()
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        command = strip_comment(line)
        if command:
            yield Step("shell", command, start + offset)


def readme_steps(markdown: str) -> list[Step]:
    steps: list[Step] = []
    for info, body, start in fenced_blocks(markdown):
        if info in SHELL_TAGS:
            steps.extend(shell_commands(info, body, start))
        elif info == "python":
            steps.append(Step("python", body, start))
        elif info == "sql":
            if body.lstrip().startswith("-- duckdb"):
                steps.append(Step("duckdb", body, start))
            else:
                raise AssertionError(f"README.md:{start}: a sql block must say which engine (-- duckdb)")
        elif info not in NOT_RUN_TAGS:
            raise AssertionError(
                f"README.md:{start}: fenced block tagged {info!r}: tag commands sh, code python or"
                f" sql, output text (known tags: {sorted(SHELL_TAGS | CODE_TAGS | NOT_RUN_TAGS)})"
            )
    return steps


# --- the checks that need no clone -----------------------------------------------------------------


def test_every_readme_command_is_run_or_classified() -> None:
    steps = readme_steps(README.read_text(encoding="utf-8"))
    commands = [s.text for s in steps if s.kind == "shell"]
    assert "make run" in commands and "make demo" in commands
    stale = sorted(set(NOT_RUN) - set(commands))
    assert not stale, f"NOT_RUN lists commands the README no longer has: {stale}"


def test_a_new_untagged_block_or_command_is_noticed() -> None:
    with pytest.raises(AssertionError, match="tagged ''"):
        readme_steps("text\n\n```\nmake run\n```\n")
    steps = readme_steps("```sh\nmake run   # curate\npython -m pipeline query \"SELECT '#x'\"  # q\n```\n")
    assert [s.text for s in steps] == ["make run", "python -m pipeline query \"SELECT '#x'\""]
    console = readme_steps("```console\n$ make demo \\\n  --quiet\noutput line\n```\n")
    assert [s.text for s in console] == ["make demo --quiet"]


# --- running them -----------------------------------------------------------------------------------


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _write_tree(tree: dict[str, tuple[str, bytes]], root: Path) -> None:
    """make demo's mirror as the files `wget --mirror` leaves: a path ending in /, or one that is
    also a directory (eurasianet.org/region/tajikistan and .../tajikistan/feed), is index.html."""
    for path, (_, body) in sorted(tree.items(), key=lambda item: -item[0].count("/")):
        target = root / path.lstrip("/")
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def _demo_tree(clone: Path) -> dict[str, tuple[str, bytes]]:
    """make demo's mirror, as the clone's code builds it (imported there: the venv's own
    `pipeline` may be another checkout's)."""
    import pickle

    code = (
        "import datetime, pickle, sys\n"
        "from pipeline.cli.demo import mirror_tree\n"
        "sys.stdout.buffer.write(pickle.dumps(mirror_tree(datetime.date.today())))\n"
    )
    argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, cwd=clone, capture_output=True, check=True, timeout=60)
    return pickle.loads(done.stdout)


@contextlib.contextmanager
def saved_copy(clone: Path, root: Path) -> Iterator[int]:
    """`python -m http.server PORT` in a directory of saved sites: port 8000 when it is free."""
    _write_tree(_demo_tree(clone), root)
    port = MIRROR_PORT if _free(MIRROR_PORT) else _any_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while _free(port):
            assert time.monotonic() < deadline and server.poll() is None, "http.server did not start"
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _any_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=60)
    venv = Path(sys.prefix)
    assert (venv / ".installed").exists() or sys.prefix != sys.base_prefix, "tests run outside a venv"
    (clone / ".venv").symlink_to(venv, target_is_directory=True)
    old = time.time() - 365 * 86400  # the install stamp is newer than the dependency lists
    for name in ("pyproject.toml", "requirements.lock"):
        os.utime(clone / name, (old, old))
    return clone


def _env(clone: Path, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TAJRUS_"))}
    env.pop("PYTHONPATH", None)
    venv_bin = clone / ".venv" / "bin"
    env.update(
        PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",  # `source .venv/bin/activate`
        VIRTUAL_ENV=str(clone / ".venv"),
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        HOME=str(tmp_path / "home"),
        # Prefect's temporary server must answer within 20 s by default; on a machine shared with
        # other test runs it sometimes needs longer (as in bench/startup.py).
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )
    (tmp_path / "home").mkdir()
    return env


def _duckdb_script(sql: str) -> str:
    return (
        "import duckdb, sys\n"
        "con = duckdb.connect()\n"
        "for statement in sys.stdin.read().split(';'):\n"
        "    if statement.strip():\n"
        "        print(con.sql(statement))\n"
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_readme_commands_run_in_order_on_a_fresh_clone(tmp_path: Path) -> None:
    """README.md, top to bottom, on a fresh clone: make run, stats, query, the DuckDB, polars and
    pandas examples, make demo, a --mirror crawl of a saved copy, config (~80 s idle)."""
    clone = _clone(tmp_path)
    steps = readme_steps((clone / "README.md").read_text(encoding="utf-8"))  # the committed README
    env = _env(clone, tmp_path)
    python = str(clone / ".venv" / "bin" / "python")
    ran: list[str] = []
    log: list[str] = []
    with saved_copy(clone, tmp_path / "saved-sites") as port:
        for step in steps:
            if step.kind == "shell" and step.text in NOT_RUN:
                continue
            if step.kind == "shell":
                command = step.text.replace(f"127.0.0.1:{MIRROR_PORT}", f"127.0.0.1:{port}")
                argv, stdin = ["bash", "-c", command], None
            elif step.kind == "python":
                argv, stdin = [python, "-"], step.text
            else:
                argv, stdin = [python, "-c", _duckdb_script(step.text)], step.text
            started = time.monotonic()
            feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
            try:
                done = subprocess.run(
                    argv, cwd=clone, env=env, capture_output=True, text=True, timeout=TIMEOUT, **feed
                )
            except subprocess.TimeoutExpired as exc:
                pytest.fail(
                    f"README.md:{step.line}: {step.text!r} still running after {TIMEOUT}s:\n{exc.output}"
                )
            seconds = time.monotonic() - started
            what = step.text if step.kind == "shell" else f"{step.kind} block"
            log.append(f"README.md:{step.line} {seconds:5.1f}s exit {done.returncode}  {what}")
            expected = EXPECTED_EXIT.get(step.text, 0)
            assert done.returncode == expected, (
                f"README.md:{step.line}: {what!r} exited {done.returncode}, the README says {expected}\n"
                f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}\n" + "\n".join(log)
            )
            ran.append(what)
    print("\n".join(log))  # shown with -s or on failure: what ran, in order, and how long each took

    commands = {s.text for s in steps if s.kind == "shell"}
    assert commands - set(NOT_RUN) <= set(ran)
    # Each command saw the earlier ones' effects, and left its own: what the README says they make.
    assert list((clone / "curated" / "_reports").glob("*.html")), "make run wrote no report"
    assert (clone / "rogun.parquet").exists() and (clone / "undated.csv").exists()
    assert list((clone / "demo-output" / "curated" / "articles").glob("source=*"))
    stored = list((clone / "raw" / "warc" / "eurasianet").rglob("*.warc.gz"))
    assert stored, "the --mirror crawl stored nothing"
    assert "[crawl]" in (clone / "pipeline.toml").read_text()
    shutil.rmtree(tmp_path / "prefect-home", ignore_errors=True)
