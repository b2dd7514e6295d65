"""What a spider hands to the pipelines: one fetched page, as it came off the wire."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class FetchedPage:
    """An article page to store. url is the site's real URL (after redirects); aliases are the
    URLs that led to it (the URL asked for, redirect hops), so that none is fetched again."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: dt.datetime
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    ip: str | None = None
    aliases: list[str] = field(default_factory=list)
