"""The checks of an expected.json (the samples': ../shared/seeds/expected.json) on a curated dataset.

The project keeps its own implementation of these checks so that the suite stands alone on a
fresh clone; the shared evaluation script, when present beside the repository, is run as well.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pyarrow.dataset as ds

SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")


def _fold(s):
    return SPACES.sub(" ", s) if isinstance(s, str) else s


def _as_date(v):
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    return v


def failures(articles_dir: Path, expected_path: Path) -> list[str]:
    """Every check of expected.json that the dataset fails (empty when it passes them all)."""
    expected = json.loads(expected_path.read_text())
    # A run whose every page was rejected writes no articles partition.
    rows = []
    if Path(articles_dir).is_dir():
        rows = ds.dataset(articles_dir, format="parquet", partitioning="hive").to_table().to_pylist()
    failed = []
    if len(rows) != expected["total_records"]:
        failed.append(f"record count {len(rows)} != {expected['total_records']}")
    ids = [r["article_id"] for r in rows]
    if not all(ids) or len(set(ids)) != len(ids):
        failed.append("article_id missing or not unique")
    for s in expected["chrome_never_in_any_body"]:
        leaks = [r["title"] for r in rows if s in _fold(r["body"] or "")]
        if leaks:
            failed.append(f"chrome {s!r} in {leaks}")
    for exp in expected["records"]:
        name = exp.get("title") or exp["match_body"]
        hits = [r for r in rows if exp["match_body"] in _fold(r["body"] or "")]
        if len(hits) != 1:
            failed.append(f"{name!r}: {len(hits)} records hold its body phrase")
            continue
        r = hits[0]
        body, title = _fold(r["body"]).strip(), _fold(r["title"])
        for key in ("source", "title", "date_precision", "is_teaser"):
            if key in exp:
                got = title if key == "title" else r.get(key)
                if got != exp[key]:
                    failed.append(f"{name!r}: {key} = {got!r}, want {exp[key]!r}")
        if "authors" in exp and [_fold(a) for a in r["authors"] or []] != exp["authors"]:
            failed.append(f"{name!r}: authors {r['authors']!r}")
        if "tags" in exp and sorted(_fold(t) for t in r["tags"] or []) != sorted(exp["tags"]):
            failed.append(f"{name!r}: tags {r['tags']!r}")
        for s in exp.get("title_must_not_contain", []):
            if s in (title or ""):
                failed.append(f"{name!r}: title holds {s!r}")
        date = _as_date(r["published_date"])
        if "published_date" in exp:
            want = exp["published_date"]
            if date is not None if want is None else str(date) != want:
                failed.append(f"{name!r}: published_date {date}, want {want}")
        if "published_date_bounds" in exp:
            lo, hi = (dt.date.fromisoformat(x) for x in exp["published_date_bounds"])
            if date is None and not exp.get("allow_null_date", False):
                failed.append(f"{name!r}: published_date is null")
            elif date is not None and not lo <= date <= hi:
                failed.append(f"{name!r}: published_date {date} outside {lo}..{hi}")
        for s in exp.get("body_must_contain", []):
            if s not in body:
                failed.append(f"{name!r}: body lacks {s!r}")
        if "body_starts_with_any" in exp and not any(body.startswith(s) for s in exp["body_starts_with_any"]):
            failed.append(f"{name!r}: body starts {body[:60]!r}")
        if "body_ends_with_any" in exp and not any(body.endswith(s) for s in exp["body_ends_with_any"]):
            failed.append(f"{name!r}: body ends {body[-60:]!r}")
        for s, n in exp.get("body_occurrences", {}).items():
            if body.count(s) != n:
                failed.append(f"{name!r}: {s[:40]!r} occurs {body.count(s)} times, want {n}")
    return failed


def curate_dumps(folder: Path, tmp_path: Path) -> Path:
    """Curate the .txt dumps of folder as a user would (run_curation, default settings): the
    articles dataset to check."""
    import shutil

    from pipeline.curation.driver import run_curation
    from pipeline.settings import load_settings
    from pipeline.store.layout import ARTICLES

    raw = tmp_path / "raw"
    raw.mkdir()
    for page in folder.glob("*.txt"):
        shutil.copy2(page, raw / page.name)
    run_curation(raw, tmp_path / "curated", load_settings(config_path="/nonexistent", env={}))
    return tmp_path / "curated" / ARTICLES
