"""The paragraphs of a body container that holds nothing but paragraphs of running text.

trafilatura is there to strip chrome from a body container: share lines, link lists, embeds,
teaser boxes, markup it does not know. A container whose only content is a run of <p> elements of
running text (no attributes, no text between them) gives trafilatura nothing to strip: what it
returns is each paragraph's text with its whitespace folded. Computing that directly costs about a
tenth of trafilatura's call (1.1 ms on the real Pangea page, whose body is 26 such paragraphs; 3 ms
when a third of them carry a link or bold words), so on pages like it the known-site extraction is
a quarter to a half cheaper.

Running text may carry the inline markup article bodies have: a link to another article, words in
<strong>, <b>, <em> or <i>, each holding only text. trafilatura drops formatting without a trace
(formatting=False) and turns links into plain text after its link-density tests, which delete a
paragraph or block made mostly of link text. The shortcut is taken only where those tests cannot
fire: every paragraph with links has at most half of its characters in links (the tests delete at
80% or 90%) and, under 60 characters, not mostly links of under 10 characters; the container,
which must be 500 characters or more, then passes them too.

The conditions are narrow on purpose, and every case in which trafilatura's result could differ
falls back to it: a paragraph it would drop (a share or "Print" line, a repeat of an earlier
one or of a part of one), text it would rewrite (entities left as text, characters that are not
printable), short bodies (under 500 characters trafilatura tries a recovery pass), and wrappers
whose tag, class or id trafilatura may act on (a "share" or "comments" div): the paragraphs may
sit in one chain of class/id-only wrappers, and each shape of chain is first run through
trafilatura as a probe. A container its body rules do not recognise goes through trafilatura's
recovery pass, which also skips a paragraph standing inside an earlier one: such repeats fall
back too.
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
    folded = [" ".join(text.split()) for text in texts]
    if any("&" in line or not line.isprintable() or _DROPPED_LINE.match(line) for line in folded):
        return None
    if _any_repeats(folded):
        return None
    if len(folded) < MIN_PARAGRAPHS or sum(map(len, folded)) < MIN_CHARS:
        return None
    lines = [normalize_line(line) for line in folded]
    shape = tuple((str(e.tag), e.get("class"), e.get("id")) for e in chain)
    if not _read_as_plain(shape, trafilatura_paragraphs):
        return None
    return lines


# trafilatura's MIN_DUPLICATE_LENGTH: on a container its body rules do not recognise, it recovers
# the paragraphs one by one and skips any longer than this that stands inside an earlier one.
_MIN_REPEAT_CHARS = 50


def _any_repeats(lines: list[str]) -> bool:
    """Whether a line is an earlier one again, or (when long enough for trafilatura to look) part
    of an earlier one: a pull quote that trafilatura may drop.

    One search of all the lines instead of one per pair: a line holds no newline, so in the lines
    joined by newlines it can only occur inside one line, and it occurs inside an earlier one
    exactly when its first occurrence starts before its own place.
    """
    joined = "\n".join(lines)
    seen: set[str] = set()
    start = 0
    for line in lines:
        if line in seen or (len(line) > _MIN_REPEAT_CHARS and joined.find(line) < start):
            return True
        seen.add(line)
        start += len(line) + 1
    return False


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
            if child.attrib or wrapper is not None:
                return False  # a class or style trafilatura may act on
            text = _running_text(child) if len(child) else (child.text or "")
            if text is None:
                return False  # line breaks, spans, images, nested markup, a link-heavy paragraph
            if not _blank(text):
                texts.append(text)
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


# Inline markup trafilatura reads as the words it holds: links (turned to text after the
# link-density tests) and formatting (stripped with formatting=False).
_LINK = "a"
_FORMATTING = frozenset({"strong", "b", "em", "i"})
_LINK_ATTRIBUTES = frozenset({"href", "title", "target", "rel"})
# trafilatura's link-density test deletes a paragraph whose link text is over 80% of it (90% for a
# long one), or, when it has fewer than 60 characters, one whose links are mostly (over 80%)
# shorter than 10 characters: the shortcut keeps well clear of the first, and off the second.
MAX_LINK_SHARE = 0.5
SHORT_PARAGRAPH = 60
SHORT_LINK = 10


def _running_text(paragraph: html.HtmlElement) -> str | None:
    """The text of a paragraph with inline links or formatting, or None when it holds anything
    else, or when trafilatura's link-density tests could delete it.

    Each inline element holds non-blank text and no elements: an empty one is pruned by
    trafilatura (with its tail kept, so the text is the same, but the case is not worth it) and a
    nested one may carry markup it acts on.
    """
    link_chars = links = short_links = 0
    for child in paragraph:
        tag = child.tag
        if len(child) or _blank(child.text):
            return None
        if tag == _LINK:
            if not _LINK_ATTRIBUTES.issuperset(child.attrib):
                return None  # a class or id: trafilatura's discard rules may match it
            length = len(" ".join(child.text.split()))
            link_chars += length
            links += 1
            short_links += length < SHORT_LINK
        elif tag not in _FORMATTING or child.attrib:
            return None
    text = paragraph.text_content()
    if links:
        chars = len(" ".join(text.split()))
        if link_chars > chars * MAX_LINK_SHARE:
            return None
        if chars < SHORT_PARAGRAPH and links > 1 and short_links * 5 > links * 4:
            return None
    return text


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
