"""Whether the user has a Prefect API configured, found without importing Prefect.

`run` decides from this whether it is a Prefect flow run (recorded by that server) or a plain run
of the same code in this process: importing Prefect alone costs ~1.5 s, and with no server
configured Prefect would start a temporary one (8-15 s) that nobody looks at. So the places
Prefect 3 reads PREFECT_API_URL from are read here directly: the environment, the active profile
of profiles.toml, and prefect.toml, pyproject.toml ([tool.prefect]) and .env in the current
directory.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any


def configured_api_url() -> str | None:
    """The Prefect API URL the user configured, or None when Prefect would start a temporary server."""
    return (
        os.environ.get("PREFECT_API_URL")
        or _from_dotenv(Path(".env"))
        or _nested(_read_toml(Path("prefect.toml")), "api", "url")
        or _nested(_read_toml(Path("pyproject.toml")), "tool", "prefect", "api", "url")
        or _from_profile()
        or None
    )


def _from_profile() -> str | None:
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    profiles = _read_toml(path)
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return _nested(profiles, "profiles", active, "PREFECT_API_URL")


def _from_dotenv(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and key.strip() == "PREFECT_API_URL":
            return value.strip().strip("'\"") or None
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's table; {} when it is missing or unreadable (Prefect would ignore it too)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _nested(table: dict[str, Any], *keys: str) -> str | None:
    value: Any = table
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, str) and value else None
