"""The parsed page and the XPath reading every HTML extractor shares.

One parser, configured once (no network, no DTDs, size limits on), and site XPaths compiled
once per process and rewritten into a faster equivalent form: parsing and selecting are what an
HTML page costs besides trafilatura, so they live in one place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree, html

from pipeline.models import RawDocument, Reject
from pipeline.text.normalise import normalize_line


@functools.cache
def page_parser() -> html.HTMLParser:
    """One parser per process: no network, no huge trees (size limits stay on), no comments.

    The HTML parser never loads a DTD, so entities declared in one are not expanded. No table of
    id attributes either (collect_ids): only XPath's id() and getElementById read it, and nothing
    here or in trafilatura does; building it was a sixth of the parse (1.55 -> 1.29 ms on a 60 KB
    Pangea page).
    """
    return html.HTMLParser(
        encoding="utf-8",
        huge_tree=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_page(doc: RawDocument) -> html.HtmlElement | Reject:
    """The page's root element; bytes in utf-8 so that an XML declaration in the text is harmless
    (the bytes it was read from when they are those: RawDocument.utf8)."""
    if not doc.text or not doc.text.strip():
        return Reject(doc.raw_path, "empty", "no text in the page", doc.raw_record)
    try:
        data = doc.utf8 if doc.utf8 is not None else doc.text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from a bad decode
        return Reject(doc.raw_path, "undecodable", f"text does not encode as UTF-8: {exc}", doc.raw_record)
    try:
        root = html.document_fromstring(data, parser=page_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        return Reject(doc.raw_path, "not_article", f"lxml cannot parse the page: {exc}", doc.raw_record)
    if root is None or not len(root):
        return Reject(doc.raw_path, "not_article", "lxml found no elements in the page", doc.raw_record)
    return root


@functools.lru_cache(maxsize=1024)
def _compiled(xp: str) -> etree.XPath:
    """Compiled once per process: compiling costs more than evaluating on a page."""
    try:
        return etree.XPath(descendant_steps(xp))
    except etree.XPathSyntaxError as exc:  # a broken selector in a site module is a bug: say which
        raise ValueError(f"bad XPath in site rules: {xp!r}: {exc}") from exc


# "//" before a name test, outside string literals; not "//@x" or "//(...)".
_DOUBLE_SLASH = re.compile(r"//(?=[A-Za-z_*])")


_POSITIONAL = re.compile(r"\[\s*\d|position\(\)|last\(\)")


# The class-token test, which normalises every candidate's class attribute: a plain substring
# test first rejects nearly all of them for a fraction of the cost (`and` stops at the first false).
_CLASS_TOKEN = re.compile(r"contains\(concat\(' ', normalize-space\(@class\), ' '\), ' ([\w-]+) '\)")


# lxml's HTML parser puts the one <head> and the one <body> right under <html>, whatever the
# markup (it creates them when missing and folds a second <body> into the first): no walk needed.
_HEAD_OR_BODY = re.compile(r"(^|\|)(\s*)/descendant::(head|body)\b")


def descendant_steps(xp: str) -> str:
    """`//div[p]` as `/descendant::div[p]`: the same nodes, found in half the time or less.

    `//` is descendant-or-self::node()/ followed by a child step, which libxml2 walks node by node
    (text nodes included) and filters child by child; `descendant::` walks elements once. The two
    select the same nodes unless a predicate is positional ([1], position(), last()): then the
    XPath is left as written. Measured on the real 60 KB Pangea page: 126 -> 76 us for
    `//div[@id='article-content']`; with the class-token prefilter below, the rferl rules went
    from ~1.0 to ~0.5 ms a page.
    """
    xp = _CLASS_TOKEN.sub(r"contains(@class, '\1') and \g<0>", xp)
    if _POSITIONAL.search(xp):
        return xp
    parts = xp.split("'")  # even parts are outside string literals (the rules quote with ')
    if len(parts) % 2 == 0 or '"' in xp:
        return xp  # unbalanced or double-quoted literals: not worth parsing, keep it as written
    return "'".join(
        _HEAD_OR_BODY.sub(r"\1\2/html/\3", _DOUBLE_SLASH.sub("/descendant::", part)) if i % 2 == 0 else part
        for i, part in enumerate(parts)
    )


def select(node: html.HtmlElement, xp: str) -> list[Any]:
    """What a site XPath selects in node, always as a list (compiled once, rewritten by descendant_steps)."""
    result = _compiled(xp)(node)
    return result if isinstance(result, list) else [result]


def selected_strings(root: html.HtmlElement, xp: str) -> list[str]:
    """The non-empty strings an XPath selects: an element's text_content, an attribute's value."""
    out = []
    for item in select(root, xp):
        if isinstance(item, html.HtmlElement):
            text = normalize_line(item.text_content())
        elif isinstance(item, str):
            text = normalize_line(item)
        else:
            continue
        if text:
            out.append(text)
    return out


def first_text(root: html.HtmlElement, xpaths: Iterable[str]) -> str | None:
    """The first non-empty string any of the XPaths selects, tried in order."""
    for xp in xpaths:
        for value in selected_strings(root, xp):
            return value
    return None


def first_element(root: html.HtmlElement, xpaths: Iterable[str]) -> html.HtmlElement | None:
    """The first element any of the XPaths selects, tried in order."""
    for xp in xpaths:
        for item in select(root, xp):
            if isinstance(item, html.HtmlElement):
                return item
    return None
