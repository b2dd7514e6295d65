"""Eurasianet article pages before and after a redesign, for the extraction-health tests.

The old template is the Drupal markup pipeline/sites/eurasianet.py reads (body container
div.field--name-body, byline div.field--name-field-byline, article:published_time). The new one
keeps the page-type marker and the headline but moves the body into div.story-body and the date
into a <time> of another block (and into JSON-LD, which is what a real CMS keeps): the site's
container and date rules stop matching, the byline is found only by the generic fallback.
"""

from __future__ import annotations

import datetime as dt
import html
import json

from support._mirror import prose


def eurasianet_old(title: str, when: dt.datetime, seed: int, url: str | None = None) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in prose(seed))
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
{canonical}<meta property="article:published_time" content="{when.isoformat()}"></head>
<body class="page-node-type-article"><article class="node node--type-article node--view-mode-full">
<h1 class="page-title">{html.escape(title)}</h1>
<div class="field field--name-field-byline"><a href="/author/jane-doe">Jane Doe</a></div>
<div class="field field--name-body">{paras}</div></article></body></html>"""


def eurasianet_new(title: str, when: dt.datetime, seed: int, url: str | None = None) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in prose(seed))
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    ld = json.dumps(
        {"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": when.isoformat()}
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
{canonical}<script type="application/ld+json">{ld}</script></head>
<body class="page-node-type-article"><article class="node node--type-article">
<h1 class="page-title">{html.escape(title)}</h1>
<div class="story-meta"><a rel="author" href="/author/jane-doe">Jane Doe</a>
<span class="story-date"><time datetime="{when.isoformat()}">{when:%B %d, %Y}</time></span></div>
<div class="story-body">{paras}</div></article></body></html>"""
