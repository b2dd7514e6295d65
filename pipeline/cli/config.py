"""`python -m pipeline config`: every setting, its value and where it came from; or, with --toml,
a commented pipeline.toml to start from.

It reads the settings and changes nothing. Each setting is explained once, beside its default in
pipeline/settings.py: `config --toml` prints those descriptions, and pipeline.toml.example is that output.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from pipeline.cli.output import print_table
from pipeline.cli.settings_in_force import settings_in_force
from pipeline.settings import ENV_PREFIX, Settings, descriptions


def _toml_value(value: Any) -> str:
    """A value as TOML writes it (big integers with _ separators, so they read at a glance)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _env_name(key: str) -> str:
    """The environment variable that sets key: crawl.download_delay -> TAJRUS_CRAWL__DOWNLOAD_DELAY."""
    return ENV_PREFIX + key.upper().replace(".", "__")


def render_toml(settings: Settings) -> str:
    """A pipeline.toml to start from: settings left at their default are commented out.

    Values set by the file, the environment or the command line are written active, so the output
    pins down exactly the configuration in force.
    """
    lines = [
        "# pipeline.toml: settings of the tajrus corpus pipeline.",
        "# Precedence: defaults < this file (or the file named by TAJRUS_CONFIG) < environment variables",
        "# TAJRUS_<SECTION>__<KEY> (e.g. TAJRUS_CRAWL__DOWNLOAD_DELAY=2) < command-line options.",
        "# `python -m pipeline config` shows the values in force and where each came from.",
        "# Uncomment a line to change that setting.",
    ]
    described = descriptions()
    section: str | None = ""
    # Top-level keys first: in TOML, a key after a [table] header belongs to that table.
    for key, value, origin in sorted(settings.items(), key=lambda item: "." in item[0]):
        head, _, name = key.rpartition(".")
        if head != section:
            lines += ["", f"[{head}]"]
            section = head
        else:
            lines.append("")
        env = _env_name(key) + (" (comma-separated)" if isinstance(value, list) else "")
        lines += [
            *textwrap.wrap(described[key], 98, initial_indent="# ", subsequent_indent="# "),
            f"# env: {env}",
        ]
        assignment = f"{name} = {_toml_value(value)}"
        lines.append(f"# {assignment}" if origin == "default" else f"{assignment}  # from {origin}")
    return "\n".join(lines) + "\n"


def cmd_config(args: argparse.Namespace) -> int:
    """Print the settings in force (or, with --toml, a pipeline.toml); 2 when they cannot be read."""
    settings = settings_in_force()
    if settings is None:
        return 2
    if args.toml:
        print(render_toml(settings), end="")
        return 0
    rows = [[key, _toml_value(value), origin] for key, value, origin in settings.items()]
    print_table(["setting", "value", "from"], rows, width=500)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add config to the main parser (pipeline/cli/main.py calls this)."""
    config = subparsers.add_parser("config", help="show every setting, its value and where it came from")
    config.add_argument("--toml", action="store_true", help="print a commented pipeline.toml to start from")
    config.set_defaults(func=cmd_config)
