"""`make install` compiles the package's bytecode, as pip does for an installed package (an
editable install is not compiled): where PYTHONDONTWRITEBYTECODE is set, every command would
otherwise compile pipeline/ again at its start, and every worker process too."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_leaves_every_module_compiled(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy2(REPO / name, copy / name)
    for package in ("pipeline", "spiders", "bench"):
        shutil.copytree(REPO / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    venv = Path(sys.prefix)
    if not (venv / ".installed").exists():
        pytest.skip("the tests do not run in the Makefile's venv (no install stamp)")
    (copy / ".venv").symlink_to(venv, target_is_directory=True)
    old = time.time() - 365 * 86400  # the stamp is newer: make sees the install as done
    for name in ("pyproject.toml", "requirements.lock"):
        os.utime(copy / name, (old, old))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(["make", "-s", "install"], cwd=copy, env=env, check=True, timeout=120)
    sources = sorted((copy / "pipeline").rglob("*.py"))
    missing = [
        str(p.relative_to(copy))
        for p in sources
        if not Path(importlib.util.cache_from_source(str(p))).exists()
    ]
    assert sources and not missing, missing
