"""`config`: every setting with its value and origin; `config --toml` and pipeline.toml.example."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import config
from pipeline.cli.config import render_toml
from pipeline.settings import ENV_PREFIX, Settings, descriptions, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "pipeline.toml.example"


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pipeline.toml of the developer's and no TAJRUS_* variables leak into these tests."""
    monkeypatch.chdir(tmp_path)
    for var in list(__import__("os").environ):
        if var.startswith(ENV_PREFIX):
            monkeypatch.delenv(var)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline")
    config.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def rows(out: str) -> dict[str, tuple[str, str]]:
    """setting -> (value, origin) from the plain table."""
    table = {}
    for line in out.splitlines()[2:]:
        if line.strip():
            name, value, origin = re.fullmatch(r"(\S+)\s+(.+?)\s{2,}(\S.*)", line).groups()
            table[name] = (value, origin)
    return table


def defaults_file(tmp_path: Path) -> Path:
    return tmp_path / "absent.toml"


def test_config_lists_every_setting_with_its_origin(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "pipeline.toml").write_text('[paths]\ncurated = "/data/curated"\n')
    monkeypatch.setenv("TAJRUS_CRAWL__DOWNLOAD_DELAY", "2.5")
    assert run("config") == 0
    table = rows(capsys.readouterr().out)
    assert set(table) == {key for key, _, _ in load_settings().items()}
    assert table["paths.curated"] == ('"/data/curated"', "pipeline.toml")
    assert table["crawl.download_delay"] == ("2.5", "env TAJRUS_CRAWL__DOWNLOAD_DELAY")
    assert table["paths.raw"] == ('"raw"', "default")
    assert table["sites"] == ('["rferl", "jamestown", "eurasianet"]', "default")
    # Long values are shown whole: this is where a user checks what is in force.
    user_agent = load_settings().crawl.user_agent
    assert table["crawl.user_agent"][0] == f'"{user_agent}"'


def test_config_reports_a_bad_setting_clearly(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TAJRUS_CRAWL__RETRY_TIMES", "three")
    assert run("config") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: settings:") and "three" in err and err.count("\n") == 1
    monkeypatch.delenv("TAJRUS_CRAWL__RETRY_TIMES")
    (tmp_path / "pipeline.toml").write_text("[paths\n")
    assert run("config") == 2
    assert "cannot read the config file" in capsys.readouterr().err


def test_every_setting_is_described_once_beside_its_default() -> None:
    keys = [key for key, _, _ in load_settings(config_path="/absent.toml", env={}).items()]
    described = descriptions()
    assert list(described) == keys, "give every setting of pipeline/settings.py a description (described)"
    assert all(line.strip() for line in described.values())


def test_hosts_settings_are_the_site_registry_keys() -> None:
    """Adding a site to pipeline/sites adds its [hosts] key, described with the site's own hosts."""
    from pipeline.sites import SITES

    assert [key for key, _, _ in Settings().items() if key.startswith("hosts.")] == [
        f"hosts.{key}" for key in SITES
    ]
    assert Settings().sites == list(SITES)
    for key, site in SITES.items():
        assert ", ".join(site.crawl.hosts) in descriptions()[f"hosts.{key}"]


def test_toml_of_defaults_is_all_commented_and_uncomments_to_the_defaults(tmp_path: Path) -> None:
    defaults = load_settings(config_path=defaults_file(tmp_path), env={})
    text = render_toml(defaults)
    assert tomllib.loads(text) == {
        "paths": {},
        "limits": {},
        "dedupe": {},
        "store": {},
        "executor": {},
        "crawl": {},
        "hosts": {},
        "schedule": {},
        "health": {},
    }
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", text)
    path = tmp_path / "full.toml"
    path.write_text(uncommented)
    loaded = load_settings(config_path=path, env={})
    assert [(k, v) for k, v, _ in loaded.items()] == [(k, v) for k, v, _ in defaults.items()]
    assert {origin for _, _, origin in loaded.items()} == {str(path)}  # every setting was in the file


def test_toml_pins_values_set_outside_the_defaults(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TAJRUS_SITES", "rferl,eurasianet")
    monkeypatch.setenv("TAJRUS_LIMITS__MAX_FILE_BYTES", "1000000")
    monkeypatch.setenv("TAJRUS_CRAWL__USER_AGENT", 'say "hi" \\ bye')
    assert run("config", "--toml") == 0
    text = capsys.readouterr().out
    assert 'sites = ["rferl", "eurasianet"]  # from env TAJRUS_SITES' in text
    assert "max_file_bytes = 1_000_000  # from env TAJRUS_LIMITS__MAX_FILE_BYTES" in text
    path = tmp_path / "pinned.toml"
    path.write_text(text)
    pinned = load_settings(config_path=path, env={})
    assert pinned.sites == ["rferl", "eurasianet"]
    assert pinned.limits.max_file_bytes == 1_000_000
    assert pinned.crawl.user_agent == 'say "hi" \\ bye'


def test_example_file_is_the_rendered_defaults(tmp_path: Path) -> None:
    """pipeline.toml.example is generated from pipeline/settings.py (defaults and descriptions):
    render_toml of the default Settings. Regenerate it with `config --toml`."""
    expected = render_toml(Settings())
    assert expected == render_toml(load_settings(config_path=defaults_file(tmp_path), env={}))
    assert EXAMPLE.read_text() == expected, (
        "pipeline.toml.example is stale: run `python -m pipeline config --toml > pipeline.toml.example` "
        "with no pipeline.toml and no TAJRUS_* variables"
    )


def test_example_documents_the_env_name_of_every_setting() -> None:
    text = EXAMPLE.read_text()
    for key, _, _ in load_settings(config_path="/absent.toml", env={}).items():
        assert f"# env: {ENV_PREFIX}{key.upper().replace('.', '__')}" in text


@pytest.mark.parametrize("prefect", [False, True], ids=["plain", "prefect-flow"])
def test_a_run_reads_pipeline_toml_once(
    seeds_raw: Path, monkeypatch, capsys, request: pytest.FixtureRequest, prefect: bool
) -> None:
    """Settings are read when the command starts and handed down resolved: one read of
    pipeline.toml per `run`, also when the run is a Prefect flow."""
    import contextlib

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.cli import interrupt, main

    (seeds_raw.parent / "pipeline.toml").write_text('[executor]\nkind = "local"\n')
    monkeypatch.setattr(interrupt, "stop_on_interrupt", lambda describe: None)  # no signal handlers here
    reads = []
    real_load = tomllib.load
    monkeypatch.setattr(tomllib, "load", lambda fh, **kw: reads.append(fh.name) or real_load(fh, **kw))
    api = request.getfixturevalue("prefect_api") if prefect else None
    with temporary_settings(updates={PREFECT_API_URL: api}) if api else contextlib.nullcontext():
        assert main.main(["run", *(["--prefect"] if prefect else [])]) == 0
    assert reads == ["pipeline.toml"]
