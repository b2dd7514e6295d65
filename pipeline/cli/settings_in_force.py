"""What the analyst commands read: the settings in force and the curated directory.

A typo in pipeline.toml or a missing dataset is told in one line, not with a traceback: these
commands are typed by people checking a dataset, not by code.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path

from pipeline.cli.output import one_line, print_error
from pipeline.settings import CONFIG_FILE, ENV_PREFIX, Settings, load_settings


def settings_in_force() -> Settings | None:
    """The settings in force, or None with the reason printed (a typo in pipeline.toml, a bad value)."""
    try:
        return load_settings()
    except tomllib.TOMLDecodeError as exc:
        config = os.environ.get(f"{ENV_PREFIX}CONFIG") or CONFIG_FILE
        print_error(f"settings: cannot read the config file {config}: {one_line(exc)}")
    except (ValueError, OSError) as exc:
        print_error(f"settings: {one_line(exc)}")
    return None


def curated_dir(args: argparse.Namespace) -> Path | None:
    """The curated directory to read, or None (with the reason printed) when there is none."""
    if args.curated:
        path = Path(args.curated)
    else:
        settings = settings_in_force()
        if settings is None:
            return None
        path = Path(settings.paths.curated)
    if not path.is_dir():
        print_error(
            f"no curated dataset at {path}: run `python -m pipeline run` first, or pass --curated DIR"
        )
        return None
    return path
