"""`stats` and `query`: what an analyst types after a run, over a small committed dataset."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import output
from pipeline.cli import query as query_command
from pipeline.cli import stats as stats_command
from pipeline.store.schemas import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA
from pipeline.store.writer import RunWriter

T0 = dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.UTC)
RUN = "20250301T123000-cccccc"
LONG_BODY = "Dushanbe and Moscow signed a labour migration agreement on Friday. " * 20


def article(aid: str, source: str, day: dt.date | None) -> dict:
    row = dict.fromkeys(ARTICLE_SCHEMA.names)
    row.update(
        article_id=aid, url=f"https://x.org/{aid}", title=f"Title {aid}", authors=["A. Author"], tags=[],
        body=LONG_BODY, word_count=200, published_date=day, date_precision="day" if day else None,
        language="en", is_teaser=False, content_hash=aid, raw_path=f"{aid}.html", raw_record="", raw_item=0,
        ingested_at=T0, pipeline_version="t", run_id=RUN, source=source,
    )  # fmt: skip
    return row


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    root = tmp_path / "curated"
    w = RunWriter(root, RUN)
    w.add_article(article("r1", "rferl", dt.date(2024, 5, 1)))
    w.add_article(article("r2", "rferl", dt.date(2023, 2, 1)))
    w.add_article(article("r3", "rferl", None))
    w.add_article(article("j1", "jamestown", dt.date(2024, 6, 9)))
    dup = dict.fromkeys(DUPLICATE_SCHEMA.names)
    dup.update(raw_path="d.html", raw_record="", raw_item=0, duplicate_of="r1", kind="exact", similarity=1.0,
               source="rferl", ingested_at=T0, run_id=RUN)  # fmt: skip
    w.add("duplicates", dup, DUPLICATE_SCHEMA)
    rej = dict.fromkeys(REJECT_SCHEMA.names)
    rej.update(
        raw_path="bad.bin", raw_record="", reason="binary", detail="NUL bytes", ingested_at=T0, run_id=RUN
    )
    w.add("rejects", rej, REJECT_SCHEMA)
    w.commit()
    return root


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline")
    subparsers = parser.add_subparsers(dest="command")
    for command in (stats_command, query_command):
        command.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


def test_query_prints_a_plain_aligned_table_when_not_a_tty(
    curated: Path, capsys: pytest.CaptureFixture
) -> None:
    code = run("query", "SELECT source, year, count(*) AS n FROM articles GROUP BY ALL ORDER BY ALL",
               "--curated", str(curated))  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "source     year  n",
        "---------  ----  -",
        "jamestown  2024  1",
        "rferl         0  1",  # undated articles live in year=0
        "rferl      2023  1",
        "rferl      2024  1",
        "",
    ]
    assert "\x1b[" not in out and "│" not in out


def test_query_uses_rich_on_a_tty(
    curated: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "is_tty", lambda: True)
    assert (
        run("query", "SELECT article_id FROM articles WHERE source = 'jamestown'", "--curated", str(curated))
        == 0
    )
    out = capsys.readouterr().out
    assert "article_id" in out and "j1" in out and "│" in out


def test_query_truncates_bodies_for_display(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("query", "SELECT body, authors FROM articles LIMIT 1", "--curated", str(curated)) == 0
    row = capsys.readouterr().out.splitlines()[2]
    assert row.startswith(LONG_BODY[: output.CELL_WIDTH - 1] + "…")
    assert row.endswith("A. Author")
    assert len(row) < 2 * output.CELL_WIDTH


def test_query_sees_duplicates_and_rejects(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert (
        run(
            "query",
            "SELECT d.kind, r.reason, r.detail FROM duplicates d, rejects r",
            "--curated",
            str(curated),
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[2].split() == ["exact", "binary", "NUL", "bytes"]


def test_query_limits_display_and_says_so(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert (
        run("query", "SELECT article_id FROM articles ORDER BY 1", "--limit", "2", "--curated", str(curated))
        == 0
    )
    out, err = capsys.readouterr()
    assert out.splitlines()[2:] == ["j1", "r1", ""]
    assert "first 2 rows shown" in err


def test_sql_error_is_one_clear_line_and_exit_2(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("query", "SELEC * FROM articles", "--curated", str(curated)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith('error: query failed: Parser Error: syntax error at or near "SELEC"')
    assert run("query", "SELECT * FROM article", "--curated", str(curated)) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "article does not exist" in err
        and "views: articles, duplicates, rejects" in err
    )


def test_out_csv_writes_every_row(curated: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "exports" / "articles.csv"
    sql = "SELECT article_id, source, year, published_date FROM articles ORDER BY article_id"
    assert run("query", sql, "--out", str(out), "--curated", str(curated)) == 0
    assert out.read_text().splitlines() == [
        "article_id,source,year,published_date",
        "j1,jamestown,2024,2024-06-09",
        "r1,rferl,2024,2024-05-01",
        "r2,rferl,2023,2023-02-01",
        "r3,rferl,0,",
    ]
    assert f"wrote 4 rows to {out}" in capsys.readouterr().err
    assert [p.name for p in out.parent.iterdir()] == ["articles.csv"]


def test_out_parquet_keeps_types_and_honours_limit(curated: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    sql = "SELECT article_id, published_date, authors, body FROM articles ORDER BY 1"
    assert run("query", sql, "--out", str(out), "--limit", "3", "--curated", str(curated)) == 0
    table = pq.read_table(out)
    assert table.column("article_id").to_pylist() == ["j1", "r1", "r2"]
    assert str(table.schema.field("published_date").type) == "date32[day]"
    assert table.column("authors").to_pylist()[0] == ["A. Author"]
    assert table.column("body").to_pylist()[0] == LONG_BODY  # never truncated in files


def test_out_with_unknown_suffix_is_refused(
    curated: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run("query", "SELECT 1", "--out", str(tmp_path / "x.xlsx"), "--curated", str(curated)) == 2
    assert "must end in .csv or .parquet" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_curated_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("query", "SELECT 1", "--curated", str(tmp_path / "nope")) == 1
    assert run("stats", "--curated", str(tmp_path / "nope")) == 1
    err = capsys.readouterr().err
    assert err.count("no curated dataset at") == 2 and "python -m pipeline run" in err


def test_empty_curated_directory_gives_empty_views(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "curated").mkdir()
    assert (
        run(
            "query",
            "SELECT count(*) AS n, count(year) AS y FROM articles",
            "--curated",
            str(tmp_path / "curated"),
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[2].split() == ["0", "0"]


def test_curated_defaults_to_the_settings(
    curated: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(curated.parent)
    monkeypatch.setenv("TAJRUS_PATHS__CURATED", str(curated))
    assert run("query", "SELECT count(*) AS n FROM articles") == 0
    assert capsys.readouterr().out.splitlines()[2].strip() == "4"


def test_stats_json_has_the_dataset_numbers(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("stats", "--json", "--curated", str(curated)) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles_by_source"] == {"jamestown": 1, "rferl": 3}
    assert stats["duplicates_by_kind"] == {"exact": 1}
    assert stats["rejects_by_reason"] == {"binary": 1}
    assert stats["dates"]["undated"] == 1


def test_stats_prints_plain_tables(curated: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("stats", "--curated", str(curated)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert (
        lines[0]
        == "4 articles, 1 duplicates, 1 rejects; dates 2023-02-01 to 2024-06-09, 75.0% dated (1 undated)"
    )
    assert "rferl             3      2  2023-02-01  2024-05-01        0" in lines
    assert "exact      1" in lines and "binary      1" in lines
    year_table = lines[lines.index("Articles per year per source (month known)") + 1 :]
    assert year_table[:4] == ["year  jamestown  rferl", "----  ---------  -----", "2023          0      1",
                              "2024          1      1"]  # fmt: skip
    assert "\x1b[" not in out


def test_out_to_an_unwritable_place_is_a_clear_error(
    curated: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert run("query", "SELECT 1", "--out", str(blocker / "x.csv"), "--curated", str(curated)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {blocker / 'x.csv'}:") and err.count("\n") == 1


def test_negative_limit_is_refused_by_the_parser(curated: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run("query", "SELECT 1", "--limit", "-1", "--curated", str(curated))
    assert exit_info.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err
