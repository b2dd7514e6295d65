"""The paragraphs of a body container that holds nothing but plain text paragraphs.

trafilatura is there to strip chrome from a body container: share lines, link lists, embeds,
teaser boxes, markup it does not know. A container whose only content is a run of <p> elements of
plain text (no attributes, no child elements, no text between them) gives trafilatura nothing to
strip: what it returns is each paragraph's text with its whitespace folded. Computing that
directly costs about a tenth of trafilatura's call (1.1 ms on the real Pangea page, whose body is
26 such paragraphs), so on pages like it the known-site extraction is about a quarter cheaper.

The conditions are narrow on purpose, and every case in which trafilatura's result could differ
falls back to it: a paragraph it would drop (a share or "Print" line, a repeat of an earlier
one), text it would rewrite (entities left as text, characters that are not printable), short
bodies (under 500 characters trafilatura tries a recovery pass), and wrappers whose tag, class
or id trafilatura may act on (a "share" or "comments" div): the paragraphs may sit in one chain of
class/id-only wrappers, and each shape of chain is first run through trafilatura as a probe.
tests/extraction/test_plain_body.py checks, on generated containers and on the fixtures, that wherever this
returns paragraphs they are exactly the paragraphs trafilatura gives.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape

from lxml import html

from pipeline.text.normalise import normalize_line

try:  # trafilatura's own filter for share and print lines, so both paths drop the same lines
    from trafilatura.utils import RE_FILTER as _DROPPED_LINE
except ImportError:  # pragma: no cover - another trafilatura: never take the shortcut
    _DROPPED_LINE = re.compile(r"(?s).")

# trafilatura tries a recovery pass on extractions shorter than its MIN_EXTRACTED_SIZE (250).
MIN_CHARS = 500
MIN_PARAGRAPHS = 3


Paragraphs = Callable[[html.HtmlElement], list[str]]


def plain_paragraphs(container: html.HtmlElement, trafilatura_paragraphs: Paragraphs) -> list[str] | None:
    """The normalised paragraphs of a container of plain paragraphs, or None: use trafilatura.

    trafilatura_paragraphs is the caller's trafilatura path: a structure of wrappers (tags, classes,
    ids) is read directly only once trafilatura has been seen to read a probe of it as plain.
    """
    texts: list[str] = []
    chain: list[html.HtmlElement] = [container]
    if not _collect(container, texts, chain):
        return None
    lines: list[str] = []
    seen: set[str] = set()
    total = 0
    for text in texts:
        line = " ".join(text.split())
        if line in seen or "&" in line or not line.isprintable() or _DROPPED_LINE.match(line):
            return None
        seen.add(line)
        total += len(line)
        lines.append(normalize_line(line))
    if len(lines) < MIN_PARAGRAPHS or total < MIN_CHARS:
        return None
    shape = tuple((str(e.tag), e.get("class"), e.get("id")) for e in chain)
    if not _read_as_plain(shape, trafilatura_paragraphs):
        return None
    return lines


# Elements that may wrap the paragraphs (with a class or id at most), and empty elements that
# may sit among them (a clearing div, an emptied list): neither gives trafilatura any text.
_WRAPPERS = frozenset({"div", "section", "article"})
_WRAPPER_ATTRIBUTES = frozenset({"class", "id"})
_EMPTY = frozenset({"div", "span", "ul", "ol"})
_MAX_DEPTH = 3


def _collect(element: html.HtmlElement, texts: list[str], chain: list[html.HtmlElement]) -> bool:
    """Append the paragraph texts under element; False at the first thing that is not plain.

    The paragraphs sit at one level: the container's children, or those of a single chain of
    wrappers inside it (chain collects the wrappers, whose classes trafilatura may act on).
    """
    if not _blank(element.text):
        return False
    wrapper = None
    for child in element:
        if not _blank(child.tail):
            return False  # loose text between paragraphs
        tag = child.tag
        if tag == "p":
            if len(child) or child.attrib or wrapper is not None:
                return False  # links, line breaks, formatting, a class trafilatura may act on
            if not _blank(child.text):
                texts.append(child.text)
        elif tag in _WRAPPERS and (len(child) or not _blank(child.text)):
            if wrapper is not None or texts or len(chain) > _MAX_DEPTH:
                return False
            if not _WRAPPER_ATTRIBUTES.issuperset(child.attrib):
                return False
            wrapper = child
        elif not (tag in _EMPTY and not len(child) and _blank(child.text)):
            return False  # any other element, or a comment
    if wrapper is None:
        return True
    chain.append(wrapper)
    return _collect(wrapper, texts, chain)


def _blank(text: str | None) -> bool:
    return not text or text.isspace()


# Line breaks and runs of spaces inside, as in real markup: the probe also tells how they come out.
_PROBE = tuple(
    f"Paragraph {n} of a probe article:  plain sentences of ordinary words,\n long enough to count "
    f"as body text for any extractor that\tmeasures paragraphs, number {n}. "
    for n in range(6)
)


@functools.lru_cache(maxsize=256)
def _read_as_plain(
    shape: tuple[tuple[str, str | None, str | None], ...], trafilatura_paragraphs: Paragraphs
) -> bool:
    """Whether trafilatura reads plain paragraphs inside this chain of wrappers as just those.

    A class or id on the way (share, teaser, comments...) can make it drop or rearrange them; a
    probe of the same shape tells, once per shape and process (a site has a handful of shapes).
    """
    inner = "".join(f"<p>{text}</p>" for text in _PROBE)
    for tag, cls, ident in reversed(shape):
        pairs = (("class", cls), ("id", ident))
        attributes = "".join(f' {k}="{escape(v)}"' for k, v in pairs if v is not None)
        inner = f"<{tag}{attributes}>{inner}</{tag}>"
    probe = html.fragment_fromstring(inner)
    return trafilatura_paragraphs(probe) == [normalize_line(" ".join(t.split())) for t in _PROBE]
