"""A whole curate run without Prefect: the contract of curated/ and its behaviour across runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from conftest import FIXTURES, seeds_expected
from support.seedcheck import failures

from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings
from pipeline.store.lock import CuratedLocked, run_lock
from pipeline.store.readers import count_rows, read_table
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA
from pipeline.store.writer import RunWriter


def _run(raw: Path, curated: Path, **kw):
    return run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}), **kw)


def _articles(curated: Path) -> list[dict]:
    return ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table().to_pylist()


def _table(curated: Path, name: str) -> list[dict]:
    t = read_table(curated, name)
    return t.to_pylist() if t is not None else []


def test_seeds_pass_every_expected_check(seeds_raw, tmp_path):
    summary = _run(seeds_raw, tmp_path / "curated")
    assert failures(tmp_path / "curated" / "articles", seeds_expected()) == []
    assert summary.articles == {"rferl": 2, "jamestown": 1, "eurasianet": 1, "other": 5}


def test_schema_is_typed_and_partitioned(seeds_raw, tmp_path):
    _run(seeds_raw, tmp_path / "c")
    dataset = ds.dataset(tmp_path / "c" / "articles", format="parquet", partitioning="hive")
    schema = dataset.schema
    assert schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("published_date").type == pa.date32()
    assert schema.field("authors").type == pa.list_(pa.string())
    assert schema.field("year").type == pa.int32()
    dirs = sorted(
        p.relative_to(tmp_path / "c" / "articles").as_posix()
        for p in (tmp_path / "c" / "articles").glob("*/*")
    )
    assert dirs == [
        "source=eurasianet/year=2013",
        "source=jamestown/year=2007",
        "source=other/year=0",
        "source=rferl/year=2004",
        "source=rferl/year=2005",
    ]
    row = next(r for r in _articles(tmp_path / "c") if r["source"] == "eurasianet")
    assert row["raw_path"] == "003_9b2d16668fc627d7.txt"
    assert row["word_count"] > 300 and len(row["content_hash"]) == 64 and row["pipeline_version"]


def test_second_run_adds_no_rows(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    _run(seeds_raw, curated)
    before = _articles(curated)
    summary = _run(seeds_raw, curated)
    assert summary.inputs_unchanged == 5 and summary.articles_total == 0
    assert _articles(curated) == before
    # A rebuild (--full) gives the same articles again, not duplicates of themselves.
    forced = _run(seeds_raw, curated, full=True)
    assert forced.articles_total == 9 and sum(forced.duplicates.values()) == 0
    assert sorted(a["article_id"] for a in _articles(curated)) == sorted(a["article_id"] for a in before)


def test_copies_under_other_names_are_duplicates_not_articles(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    _run(seeds_raw, curated)
    for path in sorted(seeds_raw.glob("*.txt")):
        shutil.copy(path, seeds_raw / f"copy of {path.name}")
    summary = _run(seeds_raw, curated)
    assert summary.articles_total == 0
    dups = _table(curated, "duplicates")
    by_file = {}
    for row in dups:
        by_file[row["raw_path"]] = by_file.get(row["raw_path"], 0) + 1
    assert by_file == {
        "copy of 000_d0119414c661cb0f.txt": 1,
        "copy of 001_01da866245095a11.txt": 1,
        "copy of 002_fe9e211b014a2b57.txt": 1,
        "copy of 003_9b2d16668fc627d7.txt": 1,
        "copy of 004_9713595a2ea58596.txt": 5,  # one row per teaser of the listing
    }
    ids = {r["article_id"] for r in _articles(curated)}
    assert all(r["duplicate_of"] in ids and r["kind"] == "exact" for r in dups)


def test_touched_but_unchanged_file_is_not_reprocessed(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    _run(seeds_raw, curated)
    path = next(seeds_raw.glob("000_*.txt"))
    os.utime(path, ns=(1, 1))
    assert _run(seeds_raw, curated).inputs_unchanged == 5


def test_article_ids_are_stable_across_fresh_curations(seeds_raw, tmp_path):
    _run(seeds_raw, tmp_path / "a")
    _run(seeds_raw, tmp_path / "b")
    ids = lambda c: sorted(r["article_id"] for r in _articles(c))  # noqa: E731
    assert ids(tmp_path / "a") == ids(tmp_path / "b")


def test_rejects_are_rows_and_the_run_goes_on(seeds_raw, tmp_path):
    (seeds_raw / "empty.txt").write_bytes(b"")
    (seeds_raw / "noise.html").write_bytes(os.urandom(4000).replace(b"\x00", b"\x01") + b"\x00" * 10)
    (seeds_raw / "menu.txt").write_text("Home\nNews\nAbout\nContact\n")
    summary = _run(seeds_raw, tmp_path / "c")
    assert summary.articles_total == 9
    reasons = {r["raw_path"]: r["reason"] for r in _table(tmp_path / "c", "rejects")}
    assert reasons == {"empty.txt": "empty", "noise.html": "binary", "menu.txt": "not_article"}


def test_teaser_kept_earlier_is_replaced_by_its_full_article(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    full = next((FIXTURES.parent.parent / "raw" / "samples").glob("002_*.txt")).read_text()
    body = full.split("\n\n")[1:4]
    listing = "Category Archives: Tajik-Russian relations\n\nMoscow Squeezes Dushanbe\n\n" + "\n\n".join(
        body[:2]
    )
    listing += "\nContinue reading\n\nFiled under Security, Tajikistan\n"
    (raw / "listing.txt").write_text(listing)
    curated = tmp_path / "c"
    first = _run(raw, curated)
    assert first.articles == {"other": 1}
    (raw / "full.txt").write_text(full)
    second = _run(raw, curated)
    rows = _articles(curated)
    assert [r["source"] for r in rows] == ["jamestown"]
    assert second.superseded == 1
    [dup] = _table(curated, "duplicates")
    assert (dup["raw_path"], dup["kind"], dup["duplicate_of"]) == (
        "listing.txt",
        "teaser",
        rows[0]["article_id"],
    )


def test_a_failed_run_leaves_the_dataset_as_it_was(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    _run(seeds_raw, curated)
    before = _articles(curated)
    shutil.copy(next(seeds_raw.glob("003_*.txt")), seeds_raw / "new.txt")
    (seeds_raw / "new.txt").write_text((seeds_raw / "new.txt").read_text().replace("familiar", "new"))

    calls = {"n": 0}

    def explode(summary):
        calls["n"] += 1
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        _run(seeds_raw, curated, on_progress=explode)
    assert calls["n"] == 1
    assert _articles(curated) == before
    assert not any((curated / "_staging").iterdir())


def test_interrupted_commit_is_finished_by_the_next_run(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    writer = RunWriter(curated, "20260101T000000-abcdef")
    row = {k: None for k in ARTICLE_SCHEMA.names}
    row.update(
        article_id="a1", source="rferl", published_date=dt.date(2020, 1, 2), body="x", authors=[], tags=[]
    )
    writer.add_article(row)
    writer.close_files()
    rel = "articles/source=rferl/year=2020/part-20260101T000000-abcdef.parquet"
    journal = curated / "_journal"
    journal.mkdir(parents=True)
    (journal / "20260101T000000-abcdef.json").write_text(
        json.dumps({"moves": [[f"_staging/20260101T000000-abcdef/{rel}", rel]]})
    )
    summary = _run(seeds_raw, curated)
    assert summary.recovered_runs == ["20260101T000000-abcdef"]
    assert (curated / rel).exists() and not any(journal.iterdir())
    assert "a1" in {r["article_id"] for r in _articles(curated)}


def test_second_run_on_a_locked_directory_refuses_clearly(seeds_raw, tmp_path):
    curated = tmp_path / "c"
    with run_lock(curated), pytest.raises(CuratedLocked, match="another curate run"):
        _run(seeds_raw, curated)
    assert _run(seeds_raw, curated).articles_total == 9  # the lock is gone with its holder


# Drupal 6 EurasiaNet pages carry none of the markers the site is told by without its URL (the
# outlet wrote its name "EurasiaNet"; no "Eurasianet ©" footer): saved without their address they
# are 'other' today. A gap, not a wish: when the site's markers cover that era, this set empties.
UNDETECTED_WITHOUT_URL = {
    "eurasianet-en-2011-10-31-drupal6-node.html",
    "eurasianet-ru-2012-03-14-drupal6-node.html",
}


def test_saved_html_pages_get_their_site_from_the_page(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    expected: Counter[str] = Counter()
    addressed = set()  # pages that state their own address (canonical link or og:url)
    for site in ("rferl", "jamestown", "eurasianet"):
        for page in sorted((FIXTURES / site).glob("*.html")):
            shutil.copy(page, raw / page.name)
            source = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["source"]
            expected["other" if page.name in UNDETECTED_WITHOUT_URL else source] += 1
            text = page.read_text(encoding="utf-8")
            if 'rel="canonical"' in text or 'property="og:url"' in text:
                addressed.add(page.name)
    summary = _run(raw, tmp_path / "c")
    assert summary.articles == expected
    rows = _articles(tmp_path / "c")
    assert {Path(r["raw_path"]).name for r in rows if r["url"]} == addressed
    assert all(r["url"].startswith("https://") for r in rows if r["url"])


def test_same_article_as_html_and_as_text_dump_is_one_article(tmp_path):
    from pipeline.extraction.html_article import extract_html
    from pipeline.models import RawDocument
    from pipeline.sites import SITES

    page = FIXTURES / "rferl" / "rferl-en-2024-05-16-migrants-airport-checks.html"
    [html_article] = extract_html(RawDocument("p.html", "html", page.read_text()), SITES["rferl"])
    dump = "\n\n".join(
        [
            "Accessibility links",
            "Breaking News",
            html_article.title,
            html_article.body,
            'RFE/RL has been declared an "undesirable organization" by the Russian government.',
        ]
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(page, raw / "page.html")
    (raw / "page dump.txt").write_text(dump)
    summary = _run(raw, tmp_path / "c")
    assert summary.articles_total == 1
    [dup] = _table(tmp_path / "c", "duplicates")
    assert dup["raw_path"] == "page dump.txt" and dup["kind"] in ("exact", "near")


def test_page_with_url_replaces_a_dump_of_it_kept_by_an_earlier_run(tmp_path):
    from pipeline.extraction.html_article import extract_html
    from pipeline.models import RawDocument
    from pipeline.sites import SITES

    page = FIXTURES / "rferl" / "rferl-en-2024-05-16-migrants-airport-checks.html"
    [html_article] = extract_html(RawDocument("p.html", "html", page.read_text()), SITES["rferl"])
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dump.txt").write_text(f"Accessibility links\n\n{html_article.title}\n\n{html_article.body}\n")
    curated = tmp_path / "c"
    _run(raw, curated)
    [first] = _articles(curated)
    assert first["url"] is None
    shutil.copy(page, raw / "page.html")
    second = _run(raw, curated)
    [kept] = _articles(curated)
    assert kept["url"].startswith("https://www.rferl.org/a/") and kept["authors"] == html_article.authors
    assert second.superseded == 1
    [dup] = _table(curated, "duplicates")
    assert (dup["raw_path"], dup["duplicate_of"]) == ("dump.txt", kept["article_id"])


def test_batches_keep_order_and_cut_the_last_round_finer():
    """Every item once, in order; full batches first, the last round in pieces of half a batch."""
    from pipeline.curation.batching import batches

    items = [f"f{i}" for i in range(2000)]
    out = list(batches(iter(items), 200, workers=2))
    assert [x for batch in out for x in batch] == items
    sizes = [len(b) for b in out]
    assert sizes[:7] == [200] * 7 and all(s <= 100 for s in sizes[7:]) and sum(sizes[7:]) == 600
    assert [len(b) for b in batches(iter(items), 200, workers=1)] == [200] * 10
    assert [len(b) for b in batches(iter(items[:130]), 200, workers=2)] == [65, 65]
    assert list(batches(iter([]), 200, workers=2)) == []


def test_every_table_of_the_contract_exists_after_a_run_that_wrote_none_of_its_rows(seeds_raw, tmp_path):
    """The samples give no duplicate and no reject: the README's DuckDB queries over duplicates/
    and rejects/ still find their tables, empty, with their schemas."""
    import duckdb

    curated = tmp_path / "c"
    _run(seeds_raw, curated)
    con = duckdb.connect()
    for table, schema in (("duplicates", DUPLICATE_SCHEMA), ("rejects", REJECT_SCHEMA)):
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{curated}/{table}/*.parquet')").fetchone()[0]
        assert rows == 0
        assert read_table(curated, table).schema.names == schema.names
    # A later run that writes rows to them adds its own file beside the empty one.
    assert len(list((curated / "rejects").glob("*.parquet"))) == 1


def test_a_full_rebuild_gives_the_tables_of_a_first_run(tmp_path):
    """`run --full` over an unchanged raw/: the same tables as a first run over it, not every
    input recorded as a duplicate of itself."""
    from support.runkit import first_inputs, more_inputs, snapshot

    raw = tmp_path / "raw"
    first_inputs(raw)
    more_inputs(raw)
    once, rebuilt = tmp_path / "once", tmp_path / "rebuilt"
    _run(raw, once)
    _run(raw, rebuilt)
    summary = _run(raw, rebuilt, full=True)
    assert snapshot(rebuilt) == snapshot(once)
    assert summary.articles_total == count_rows(once, "articles")
    assert not (rebuilt / "_trash").exists()


def test_a_rebuild_killed_mid_commit_is_finished_by_the_next_run(tmp_path):
    """The rebuild's journal swaps whole tables; a kill between two renames is completed by the
    next run, and the dataset is the rebuilt one."""
    import subprocess
    import sys

    from support.runkit import first_inputs, snapshot

    raw, curated, reference = tmp_path / "raw", tmp_path / "c", tmp_path / "ref"
    first_inputs(raw)
    _run(raw, curated)
    _run(raw, reference)
    script = (
        "import sys; from pipeline.curation.driver import run_curation;"
        " from pipeline.settings import load_settings;"
        "run_curation(sys.argv[1], sys.argv[2], load_settings(config_path='/nonexistent', env={}), full=True)"
    )
    env = {**os.environ, "PIPELINE_TEST_KILL_AT": "after-first-rename"}
    killed = subprocess.run([sys.executable, "-c", script, str(raw), str(curated)], env=env, check=False)
    assert killed.returncode == -9
    assert list((curated / "_journal").glob("*.json"))
    _run(raw, curated)  # recovers the journal first, then finds nothing new
    assert snapshot(curated) == snapshot(reference)
    assert not (curated / "_trash").exists()


def test_a_run_whose_every_page_is_rejected_still_leaves_an_articles_table(tmp_path):
    """The README's queries over articles/ work on a dataset that has none yet."""
    import duckdb

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_text("")
    (raw / "short.txt").write_text("Page not found\n")
    curated = tmp_path / "c"
    _run(raw, curated)
    con = duckdb.connect()
    glob = f"{curated}/articles/**/*.parquet"
    assert con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=1)").fetchone()[0] == 0
    assert read_table(curated, "rejects").num_rows == 2
