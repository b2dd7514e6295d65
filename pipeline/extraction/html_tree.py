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
        text = _string_of(item)
        if text:
            out.append(text)
    return out


def _string_of(item: Any) -> str:
    if isinstance(item, html.HtmlElement):
        return normalize_line(item.text_content())
    return normalize_line(item) if isinstance(item, str) else ""


def first_text(root: html.HtmlElement, xpaths: Iterable[str]) -> str | None:
    """The first non-empty string any of the XPaths selects, tried in order.

    The first match alone is asked for first (_first_match); only when it is empty does the whole
    selection decide which match comes first with some text.
    """
    for xp in xpaths:
        first = _first_match(root, xp)
        if first is _NOTHING:
            continue
        text = _string_of(first) if first is not None else ""
        if text:
            return text
        for value in selected_strings(root, xp):
            return value
    return None


def first_element(root: html.HtmlElement, xpaths: Iterable[str]) -> html.HtmlElement | None:
    """The first element any of the XPaths selects, tried in order."""
    for xp in xpaths:
        first = _first_match(root, xp)
        if first is _NOTHING:
            continue
        if isinstance(first, html.HtmlElement):
            return first
        for item in select(root, xp):
            if isinstance(item, html.HtmlElement):
                return item
    return None


_NOTHING = object()  # _first_match: the XPath selects nothing at all


def _first_match(root: html.HtmlElement, xp: str) -> Any:
    """The XPath's first match in document order, _NOTHING when it has none, None when not known
    without the whole selection (the XPath cannot be asked for its first match alone).

    `/descendant::title[1]` stops at the first <title>; `/descendant::title` walks the whole tree
    (45 -> 1.5 us on a 60 KB page; the <h1> 45 -> 20, the container 77 -> 62). With `[1]` on the
    last step, each context gives its own first match: the first of those in document order is the
    first of the whole selection, and there is none exactly when the whole selection is empty.
    """
    compiled = _compiled_first(xp)
    if compiled is None:
        return None
    result = compiled(root)
    return result[0] if result else _NOTHING


# The last step of a location path, when it selects elements by name: `div`, `descendant::span[...]`.
_ELEMENT_STEP = re.compile(r"(?:descendant::|child::)?(?:\*|[A-Za-z_][\w.-]*)(?:\[.*\])?")


@functools.lru_cache(maxsize=1024)
def _compiled_first(xp: str) -> etree.XPath | None:
    """xp (as descendant_steps writes it) with `[1]` on its last step, or None where that would not
    give its first match: a union, a positional predicate, double quotes, a last step that selects
    attributes, text or a function's value."""
    rewritten = descendant_steps(xp)
    if '"' in rewritten or _POSITIONAL.search(rewritten):
        return None
    depth, quoted, last = 0, False, -1
    for index, char in enumerate(rewritten):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and char == "|":
            return None
        elif depth == 0 and char == "/":
            last = index
    if quoted or depth != 0 or last < 0 or not _ELEMENT_STEP.fullmatch(rewritten[last + 1 :]):
        return None
    return etree.XPath(rewritten + "[1]")
