"""`make demo`: the whole pipeline offline, in one command.

A small mirror of the three outlets, written by the project in each site's markup (Pangea for
RFE/RL, WordPress for Jamestown, Drupal for Eurasianet), is served on 127.0.0.1; the scheduled
job (`ingest`) crawls it through `--mirror` exactly as it crawls the real sites, curates what it
fetched, and a query reads the result. Everything goes under one output folder, so the user's own
raw/ and curated/ are never touched. The articles are dated in the last days, so that a first
crawl's window (crawl.first_crawl_days) covers them on any day the demo is run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.sites import SITES


@dataclass(frozen=True)
class DemoArticle:
    site: str
    url: str
    title: str
    author: str
    days_ago: int
    hour: int  # local hour of publication in the outlet's zone (UTC offset below)
    offset: str
    language: str
    paragraphs: tuple[str, ...]


ARTICLES = (
    DemoArticle(
        "rferl",
        "https://www.rferl.org/a/tajik-migrants-new-exam-rules/33000001.html",
        "Tajik Migrants Face New Russian Exam Rules",
        "Anora Karimova",
        2,
        9,
        "+02:00",
        "en",
        (
            "DUSHANBE -- Labor migrants from Tajikistan will have to pass Russia's language and history"
            " exam before they leave home under rules agreed by the two governments this week.",
            "Testing centers are to open in Dushanbe, Khujand and Bokhtar, run together with Russian"
            " universities, officials of Tajikistan's Migration Service said on Tuesday.",
            "Rights activists in Moscow say the change will add a second journey to the costs borne by"
            " migrants from remote districts, who already pay intermediaries for their documents.",
            "About one million Tajik citizens work in Russia in a typical year, and the money they send"
            " home is equal to roughly a third of Tajikistan's economy.",
        ),
    ),
    DemoArticle(
        "rferl",
        "https://www.ozodi.org/a/33000002.html",
        "Русия ва Тоҷикистон дар бораи квотаи сӯзишворӣ гуфтушунид мекунанд",
        "Мирзо Назаров",
        3,
        14,
        "+05:00",
        "tg",
        (
            "Душанбе аз Маскав хостааст, ки ҳаҷми воридоти бебоҷи сӯзишворӣ дар соли оянда зиёд карда"
            " шавад, хабар доданд масъулони Вазорати энергетикаи Тоҷикистон.",
            "Ба гуфтаи онҳо, ниёз ба сӯзишворӣ бо сабаби сохтмонҳои бузург ва зиёд шудани шумораи"
            " мошинҳо дар кишвар ҳар сол меафзояд ва квотаи кунунӣ кофӣ нест.",
            "Ронандагони мошинҳои боркаш дар Душанбе мегӯянд, ки нархи дизел дар як соли охир чанд"
            " маротиба боло рафтааст ва онҳо аз натиҷаи гуфтушунид умед доранд.",
        ),
    ),
    DemoArticle(
        "rferl",
        "https://rus.ozodi.org/a/33000003.html",
        "Таджикистан и Россия обсудили условия для трудовых мигрантов",
        "Нигина Саидова",
        4,
        11,
        "+05:00",
        "ru",
        (
            "Министры труда Таджикистана и России на встрече в Душанбе обсудили порядок оформления"
            " патентов и медицинских проверок для трудовых мигрантов.",
            "По словам таджикской стороны, мигранты все чаще жалуются на задержки с выдачей документов"
            " и на отказы во въезде, причины которых им не объясняют.",
            "Российская сторона пообещала рассмотреть предложения о сокращении сроков проверок, но"
            " конкретных решений по итогам встречи объявлено не было.",
        ),
    ),
    DemoArticle(
        "jamestown",
        "https://jamestown.org/program/dushanbe-weighs-moscows-offer-on-border-radar-posts/",
        "Dushanbe Weighs Moscow's Offer on Border Radar Posts",
        "Farhod Azimov",
        3,
        10,
        "-04:00",
        "en",
        (
            "Russia has offered to modernize the radar posts along Tajikistan's border with Afghanistan"
            " in exchange for a permanent role for Russian specialists at the stations (Interfax, May 4).",
            "Tajik officials have welcomed the equipment but hesitate over the presence of Russian crews,"
            " which would bring back a Russian role on the border that ended in 2005.",
            "The offer comes as the Collective Security Treaty Organization plans new exercises in the"
            " Khatlon region, where most of the radar posts stand (Asia-Plus, May 6).",
        ),
    ),
    DemoArticle(
        "jamestown",
        "https://jamestown.org/program/remittances-keep-tajikistan-tied-to-russia/",
        "Remittances Keep Tajikistan Tied to Russia",
        "Daler Saidov",
        6,
        9,
        "-04:00",
        "en",
        (
            "For all the talk in Dushanbe of new partners, the most durable link between Tajikistan and"
            " Russia remains the money sent home by hundreds of thousands of workers.",
            "Transfers from Russia grew again in the first quarter, according to the Central Bank of"
            " Russia, even as the ruble weakened against the dollar (TASS, April 28).",
            "Tajik economists warn that the dependence leaves the country exposed to every change in"
            " Russian migration rules and to every swing of the Russian economy.",
        ),
    ),
    DemoArticle(
        "eurasianet",
        "https://eurasianet.org/tajikistan-families-count-the-cost-of-the-weak-ruble",
        "Tajikistan: Families count the cost of the weak ruble",
        "Sadriddin Rahimov",
        1,
        16,
        "-04:00",
        "en",
        (
            "The money transfer office near Dushanbe's Korvon market is busy every morning, but the sums"
            " people collect are smaller than they were a year ago.",
            "With the ruble losing a quarter of its value since spring, a migrant who sends home the same"
            " wage in rubles now delivers noticeably fewer somoni to his family.",
            "Economists say tighter checks on migrants in Russia have also pushed some workers to move"
            " their savings through informal channels or to send money less often.",
        ),
    ),
    DemoArticle(
        "eurasianet",
        "https://eurasianet.org/tajikistan-russian-base-gets-new-helicopters",
        "Tajikistan: Russian base gets new helicopters",
        "Farida Yusupova",
        5,
        12,
        "-04:00",
        "en",
        (
            "Russia's 201st military base in Tajikistan has received a new batch of transport helicopters,"
            " the Russian Defense Ministry said on Monday.",
            "The aircraft will be stationed at the airfield outside Dushanbe and used in exercises near"
            " the Afghan border, the ministry said, without giving their number.",
            "Tajik officials have not commented on the delivery, which comes weeks before the two"
            " countries mark the anniversary of their defense cooperation agreement.",
        ),
    ),
)


def published(article: DemoArticle, today: dt.date) -> dt.datetime:
    """The article's publication instant, in the outlet's zone, days_ago days before today."""
    day = today - dt.timedelta(days=article.days_ago)
    return dt.datetime.fromisoformat(f"{day.isoformat()}T{article.hour:02d}:00:00{article.offset}")


def _paragraphs(article: DemoArticle) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)


def pangea_page(article: DemoArticle, when: dt.datetime) -> str:
    """RFE/RL's Pangea article markup: body.pg-article, h1.pg-title, time[pubdate], div.wsw."""
    return f"""<!DOCTYPE html><html lang="{article.language}"><head><meta charset="utf-8">
<title>{html.escape(article.title)}</title><meta property="og:title" content="{html.escape(article.title)}">
<link rel="stylesheet" href="/Content/responsive/RFE/{article.language}/RFE.css"></head>
<body class="pg-article"><header><a href="#content">Skip to main content</a><nav><a href="/">Home</a>
<a href="/z/539">Tajikistan</a></nav></header><div class="col-title"><h1 class="title pg-title">
{html.escape(article.title)}</h1></div><div class="published"><span class="date"><time pubdate="pubdate"
datetime="{when.isoformat()}">{when:%B %d, %Y}</time></span></div><div class="links"><ul class="links__list">
<li class="links__item">By <a class="links__item-link" href="/author/a/1">
{html.escape(article.author)}</a></li></ul></div>
<div id="article-content" class="content-floated-wrap fb-quotable"><div class="wsw">
{_paragraphs(article)}</div></div><div class="share--box">Share Print</div>
<footer>Copyright (c) 2025. RFE/RL, Inc. All rights reserved.</footer></body></html>"""


def wordpress_page(article: DemoArticle, when: dt.datetime) -> str:
    """Jamestown's WordPress article markup: h1.entry-title, div.entry-content, published_time."""
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">
<title>{html.escape(article.title)} - Jamestown</title>
<meta property="article:published_time" content="{when.isoformat()}"></head>
<body class="post-template-default single single-post"><nav class="main-menu"><a href="/">Home</a>
<a href="/program-name/edm/">Eurasia Daily Monitor</a></nav><article class="post">
<h1 class="entry-title">{html.escape(article.title)}</h1>
<p class="byline">By <a rel="author" href="/analyst/x/">{html.escape(article.author)}</a></p>
<div class="entry-content">{_paragraphs(article)}<div class="sharedaddy">Share this:</div></div></article>
<footer>The Jamestown Foundation</footer></body></html>"""


def drupal_page(article: DemoArticle, when: dt.datetime) -> str:
    """Eurasianet's Drupal 8 article markup: node--view-mode-full, field--name-body, byline field."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(article.title)} | Eurasianet</title>
<meta property="article:published_time" content="{when.isoformat()}"></head>
<body class="page-node-type-article"><a href="#main-content">Skip to main content</a>
<nav>Regions Topics Media About</nav><article class="node node--type-article node--view-mode-full">
<h1 class="page-title">{html.escape(article.title)}</h1>
<div class="field field--name-field-byline"><a href="/author/x">{html.escape(article.author)}</a></div>
<div class="field field--name-body">{_paragraphs(article)}</div></article>
<div class="newsletter">Sign up for Eurasianet's free weekly newsletter.</div>
<footer>Eurasianet &copy; 2025</footer></body></html>"""


_PAGES = {"rferl": pangea_page, "jamestown": wordpress_page, "eurasianet": drupal_page}


def mirror_tree(today: dt.date) -> dict[str, tuple[str, bytes]]:
    """Every path the crawlers ask for, as /HOST/PATH -> (content type, bytes).

    Article pages, a sitemap per crawled host that has sitemaps, each site's feeds and listing
    pages (empty listings: the sitemaps and feeds list the articles), and robots.txt allowing all.
    """
    tree: dict[str, tuple[str, bytes]] = {}
    by_host: dict[str, list[tuple[str, dt.datetime]]] = {}
    for article in ARTICLES:
        when = published(article, today)
        parts = urlsplit(article.url)
        tree[f"/{parts.hostname}{parts.path}"] = (
            "text/html; charset=utf-8",
            _PAGES[article.site](article, when).encode(),
        )
        by_host.setdefault(parts.hostname or "", []).append((article.url, when))
    for key, site in SITES.items():
        urls = [(a.url, published(a, today)) for a in ARTICLES if a.site == key]
        for host in site.crawl.hosts:
            tree[f"/{host}/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
            for path in site.crawl.sitemap_paths:
                tree[f"/{host}{path}"] = ("application/xml", _urlset(by_host.get(host, [])).encode())
        for feed in site.crawl.feeds:
            parts = urlsplit(feed)
            tree[f"/{parts.hostname}{parts.path}"] = ("application/rss+xml", _rss(urls).encode())
        for listing in site.crawl.start_urls:
            parts = urlsplit(listing)
            tree[f"/{parts.hostname}{parts.path}"] = ("text/html", b"<html><body><main></main></body></html>")
    return tree


def _urlset(items: list[tuple[str, dt.datetime]]) -> str:
    urls = "".join(
        f"<url><loc>{html.escape(u)}</loc><lastmod>{w.isoformat()}</lastmod></url>" for u, w in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def _rss(items: list[tuple[str, dt.datetime]]) -> str:
    entries = "".join(
        f"<item><title>item</title><link>{html.escape(u)}</link>"
        f"<pubDate>{w.astimezone(dt.UTC):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for u, w in items
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>demo</title>'
    return f"{head}{entries}</channel></rss>"


@contextmanager
def serving(tree: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve the tree on 127.0.0.1 (a free port) for the duration; yields the mirror's base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            path = urlsplit(self.path).path
            content_type, body = tree.get(path, ("text/html", b""))
            self.send_response(200 if path in tree else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # the crawl reports what it fetched
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# The crawl of a handful of local pages needs no politeness delays.
_FAST_CRAWL = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=0", "DOWNLOAD_TIMEOUT=10")
_QUERY = "SELECT source, published_date, language, authors, title FROM articles ORDER BY published_date DESC"


def run_demo(out: Path) -> int:
    """Serve the mirror, run `ingest` into out/raw and out/curated, then query the result."""
    out.mkdir(parents=True, exist_ok=True)
    raw, curated = out / "raw", out / "curated"
    pipeline = [sys.executable, "-m", "pipeline"]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    with serving(mirror_tree(dt.date.today())) as url:
        print(f"demo: serving {len(ARTICLES)} articles of 3 sites on {url}", flush=True)
        settings = [arg for kv in _FAST_CRAWL for arg in ("-s", kv)]
        cmd = [*pipeline, "ingest", "--mirror", url, "--raw", str(raw), "--curated", str(curated), *settings]
        print("demo: python " + " ".join(cmd[1:]), flush=True)
        code = subprocess.run(cmd, env=env).returncode
    if code != 0:
        print(f"demo: ingest failed with exit code {code}", file=sys.stderr)
        return code
    print(f"demo: python -m pipeline query --curated {curated} {_QUERY!r}", flush=True)
    return subprocess.run([*pipeline, "query", "--curated", str(curated), _QUERY], env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.cli.demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("demo-output"), help="output folder (default: demo-output)"
    )
    return run_demo(parser.parse_args(argv).out)


if __name__ == "__main__":
    raise SystemExit(main())
