"""Test helpers: pages in each site's markup, and a local HTTP server for a `wget --mirror` tree
(http://127.0.0.1:PORT/HOST/PATH) with injectable faults. Nothing here talks beyond 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import html
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WORDS = [
    "Dushanbe",
    "Moscow",
    "migrants",
    "remittances",
    "Rogun",
    "pipeline",
    "border",
    "Rahmon",
    "Kremlin",
    "gas",
    "labour",
    "treaty",
    "garrison",
    "Pamir",
    "wheat",
    "railway",
    "Sughd",
    "Khujand",
    "customs",
    "union",
    "Gazprom",
    "visa",
    "quota",
]


def gz(data: bytes) -> bytes:
    buf = BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as fh:
        fh.write(data)
    return buf.getvalue()


def prose(seed: int, paragraphs: int = 4) -> list[str]:
    """Varied, deterministic paragraphs (distinct per seed, so dedupe keeps every page)."""
    out = []
    for p in range(paragraphs):
        words = [WORDS[(seed * 7 + p * 3 + i * (seed % 5 + 1)) % len(WORDS)] for i in range(40)]
        out.append(f"Report {seed}-{p}: " + " ".join(words).capitalize() + ".")
    return out


def pangea_article(title: str, when: dt.datetime, seed: int) -> str:
    """An RFE/RL (Pangea) article page: body.pg-article, h1.pg-title, div.published time, .wsw p."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in prose(seed))
    return f"""<!DOCTYPE html><html lang="tg"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:title" content="{html.escape(title)}"></head>
<body class="pg-article"><div class="col-title"><h1 class="title pg-title">
{html.escape(title)}
</h1></div><div class="published"><span class="date"><time pubdate="pubdate"
datetime="{when.isoformat()}">{when:%B %d, %Y}</time></span></div>
<div class="links"><ul class="links__list"><li class="links__item">By <a class="links__item-link"
href="/author/a/b">Anora Karimova</a></li></ul></div>
<div id="article-content" class="content-floated-wrap fb-quotable"><div class="wsw">{paras}</div></div>
</body></html>"""


def wordpress_article(title: str, when: dt.datetime, seed: int) -> str:
    """A Jamestown (WordPress) article: h1.entry-title, div.entry-content p, article:published_time."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in prose(seed))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="article:published_time" content="{when.isoformat()}"></head>
<body class="post-template-default single single-post"><article class="post">
<h1 class="entry-title">{html.escape(title)}</h1><a rel="author" href="/author/x/">Anora Karimova</a>
<div class="entry-content">{paras}</div></article></body></html>"""


def drupal_article(title: str, when: dt.datetime, seed: int) -> str:
    """A Eurasianet (Drupal) article: h1.page-title, div.field--name-body p, article:published_time."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in prose(seed))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="article:published_time" content="{when.isoformat()}"></head>
<body class="page-node-type-article"><article class="node node--type-article">
<h1 class="page-title">{html.escape(title)}</h1>
<div class="field field--name-body">{paras}</div></article></body></html>"""


def pangea_listing(items: list[tuple[str, dt.datetime | None]]) -> str:
    blocks = "".join(
        f'<div class="media-block with-date"><div class="content"><a href="{url}">'
        f'<h4 class="media-block__title"><span class="title">Item {i}</span></h4></a>'
        + (f'<span class="date">{when:%B %d, %Y}</span>' if when else "")
        + "</div></div>"
        for i, (url, when) in enumerate(items)
    )
    return f'<html><body class="pg-section"><div class="media-block-wrap">{blocks}</div></body></html>'


def article_listing(items: list[tuple[str, dt.datetime | None]], wrapper: str = "article") -> str:
    """WordPress (<article>) or Drupal (div.views-row) teasers with <time datetime>."""
    open_tag = "<article>" if wrapper == "article" else '<div class="views-row">'
    close_tag = "</article>" if wrapper == "article" else "</div>"
    blocks = "".join(
        f'{open_tag}<h2><a href="{url}">Teaser {i}</a></h2>'
        + (f'<time datetime="{when.isoformat()}">{when:%B %d, %Y}</time>' if when else "")
        + f"<p>Teaser text ... MORE</p>{close_tag}"
        for i, (url, when) in enumerate(items)
    )
    return f"<html><body>{blocks}</body></html>"


def rss(items: list[tuple[str, dt.datetime]]) -> str:
    body = "".join(
        f"<item><title>t</title><link>{u}</link><pubDate>{w:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for u, w in items
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>f</title>'
    return f"{head}{body}</channel></rss>"


def urlset(items: list[tuple[str, dt.datetime]]) -> str:
    body = "".join(f"<url><loc>{u}</loc><lastmod>{w:%Y-%m-%dT%H:%M:%S.%f}Z</lastmod></url>" for u, w in items)
    return f'<?xml version="1.0" encoding="utf-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'


def sitemapindex(locs: list[str]) -> str:
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return f'<?xml version="1.0" encoding="utf-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'


# --- the server -------------------------------------------------------------------------------

Fault = Callable[["MirrorHandler", int], bool]  # (handler, nth request of this path) -> handled?


@dataclass
class Mirror:
    """A tree of files root/HOST/PATH[?QUERY] served on 127.0.0.1, with per-path faults."""

    root: Path
    faults: dict[str, Fault] = field(default_factory=dict)
    log: list[tuple[float, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def put(self, url: str, content: str | bytes) -> None:
        parts = urlsplit(url)
        rel = parts.path.lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        if parts.query:
            rel += "?" + parts.query
        path = self.root / parts.hostname / rel
        if path.is_dir():  # /region/x is both a page and the parent of /region/x/feed
            path = path / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    def requests_for(self, url: str) -> list[float]:
        parts = urlsplit(url)
        key = f"/{parts.hostname}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return [t for t, p in self.log if p == key]

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Mirror:
        mirror = self

        class Handler(MirrorHandler):
            pass

        Handler.mirror = mirror
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


class MirrorHandler(BaseHTTPRequestHandler):
    mirror: Mirror

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client may hang up
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.mirror.log.append((time.monotonic(), self.path))
        nth = sum(1 for _, p in self.mirror.log if p == self.path)
        fault = self.mirror.faults.get(self.path)
        if fault is not None and fault(self, nth):
            return
        rel = self.path.lstrip("/")
        target = self.mirror.root / rel
        if rel.endswith("/") or target.is_dir():
            target = target / "index.html"
        if ".." in Path(rel).parts or not target.is_file():
            self.send(404, b"not found")
            return
        data = target.read_bytes()
        name = target.name.split("?")[0]
        if name.endswith(".gz"):
            ctype = "application/x-gzip"
        elif name.endswith(".txt"):
            ctype = "text/plain"
        elif data.lstrip().startswith(b"<?xml"):
            ctype = "application/rss+xml" if b"<rss" in data[:300] else "application/xml"
        else:
            ctype = "text/html; charset=utf-8"
        self.send(200, data, ctype)


# --- faults -----------------------------------------------------------------------------------


def fail_first(status: int, headers: dict[str, str] | None = None) -> Fault:
    """Answer status (with headers) to the first request, then serve the file."""

    def fault(handler: MirrorHandler, nth: int) -> bool:
        if nth == 1:
            handler.send(status, b"busy", headers=headers)
            return True
        return False

    return fault


def slow(seconds: float) -> Fault:
    def fault(handler: MirrorHandler, nth: int) -> bool:
        time.sleep(seconds)
        return False

    return fault


def redirect(location: str) -> Fault:
    def fault(handler: MirrorHandler, nth: int) -> bool:
        handler.send(302, b"", headers={"Location": location})
        return True

    return fault


def huge(size: int) -> Fault:
    def fault(handler: MirrorHandler, nth: int) -> bool:
        handler.send(200, b"<html><body>" + b"x" * size + b"</body></html>")
        return True

    return fault


# --- running a crawl --------------------------------------------------------------------------

FAST = {
    # Keep the test crawls quick but still polite-shaped: one request per host, throttled.
    "AUTOTHROTTLE_START_DELAY": "0.01",
    "AUTOTHROTTLE_MAX_DELAY": "0.5",
    "DOWNLOAD_DELAY": "0.01",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "RETRY_BACKOFF_BASE": "0.05",
    "RETRY_AFTER_MAX": "1.5",
    "LOG_LEVEL": "INFO",
}


def run_crawl(
    site: str,
    raw: Path,
    mirror: str,
    *,
    since: str | None = None,
    until: str | None = None,
    hosts: str | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m scrapy crawl SITE` from the repository root, as the crawl flow runs it."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", site]
    for key, value in (("since", since), ("until", until), ("hosts", hosts)):
        if value:
            cmd += ["-a", f"{key}={value}"]
    for key, value in {**FAST, "RAW_DIR": str(raw), "MIRROR_URL": mirror, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
