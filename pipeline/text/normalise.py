"""Text normalisation shared by every extractor, so that the same article gives the same bytes.

NFC, every odd space (no-break, thin, zero-width, ideographic) to ' ', runs of spaces folded,
paragraphs joined by one blank line. Curly quotes and dashes are left as the outlet wrote them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_ODD_SPACE_CHARS = r"\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v"
_ZERO_WIDTH_CHARS = r"\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ODD_SPACES = re.compile(f"[{_ODD_SPACE_CHARS}]")
# The zero-width non-joiner is spelling in Persian (and Dari, Pashto) words: "می‌دهد" is one word
# written in two joined parts, and without the ZWNJ the letters join into a misspelling. It is kept
# between two Arabic-script letters and dropped everywhere else.
_ARABIC_LETTER = r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"
_DROPPED_ZWNJ = rf"(?<!{_ARABIC_LETTER})\u200c|\u200c(?!{_ARABIC_LETTER})"
_ZERO_WIDTH = re.compile(r"[\u200b\u200d\u2060\ufeff\u00ad]|" + _DROPPED_ZWNJ)
# Either kind: one scan tells whether the two substitutions have any work to do.
_ODD_OR_ZERO_WIDTH = re.compile(f"[{_ODD_SPACE_CHARS}{_ZERO_WIDTH_CHARS}]")
_MULTI_SPACE = re.compile(r" {2,}")


def normalize_line(text: str) -> str:
    """One line or paragraph: NFC, odd spaces to ' ', zero-width characters and soft hyphens out
    (but the non-joiner inside a Persian word, which is part of its spelling).

    Called some seventy times per page: most lines have no odd space and no double space, so one
    search (and a substring test for the double space) stands in for three substitutions.
    """
    if text.isascii() and _ascii_printable(text):
        # Nothing for NFC to compose and no odd or zero-width space: those are either beyond
        # ASCII or controls (tab, form and line feeds). Two C scans instead of the regex search.
        return (_MULTI_SPACE.sub(" ", text) if "  " in text else text).strip()
    text = unicodedata.normalize("NFC", text)
    if _ODD_OR_ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
        text = _ODD_SPACES.sub(" ", text)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    return text.strip()


# The ASCII characters str.isprintable() refuses: the C0 controls and DEL.
_ASCII_CONTROLS = bytes([*range(32), 127])


def _ascii_printable(text: str) -> bool:
    """text.isprintable() for ASCII text, in half the time: isprintable looks each character up
    in the Unicode tables; deleting the 33 control bytes is one table pass (0.8 against 1.9 us
    on a 600-character paragraph)."""
    data = text.encode("ascii")
    return len(data.translate(None, _ASCII_CONTROLS)) == len(data)


def join_paragraphs(paragraphs: list[str]) -> str:
    """The body format of the dataset: normalised paragraphs separated by one blank line."""
    return "\n\n".join(p for p in (normalize_line(p) for p in paragraphs) if p)


def split_paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


_WORD = re.compile(r"\w+", re.UNICODE)


_last_count: tuple[str, int] = ("", 0)


def word_count(text: str) -> int:
    """Words in text. The body is counted by the extractor and again for the row: the last count is
    remembered for the same string object (a tuple swap, safe across threads)."""
    global _last_count
    last = _last_count
    if last[0] is text:
        return last[1]
    count = _count_words(text)
    _last_count = (text, count)
    return count


# Bytes of word characters to "a", the rest to " ". Every non-ASCII byte is a word byte: by then
# _count_words has replaced the non-ASCII characters that are not word characters by spaces.
_ASCII_WORD = frozenset(b"0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ASCII_BYTES = bytes(range(128))
_AS_WORDS = bytes(ord("a") if b in _ASCII_WORD or b >= 128 else ord(" ") for b in range(256))


def _count_words(text: str) -> int:
    r"""len(_WORD.findall(text)), counted on bytes for text that is mostly ASCII: a regex match
    per word cost a quarter of a millisecond on a long English article, the bytes a fifth of that.

    In UTF-8 the bytes of a non-ASCII character never stand for an ASCII one, so each distinct
    non-ASCII character that \w does not match (curly quotes, dashes, guillemets) is replaced by a
    space; every byte left is then a word byte or a separator, and a word starts at each word
    byte that follows a separator. \w is str.isalnum() or "_" character by character.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return len(_WORD.findall(text))
    if not data.isascii():
        others = data.translate(None, _ASCII_BYTES)
        if len(others) * 4 > len(data):  # Cyrillic text: collecting its letters costs more
            return len(_WORD.findall(text))
        for char in set(others.decode("utf-8")):
            if not char.isalnum():
                data = data.replace(char.encode("utf-8"), b" ")
    marks = data.translate(_AS_WORDS)
    return marks.count(b" a") + marks.startswith(b"a")


_last_fold: tuple[str, list[str]] = ("", [])


def fingerprint_words(text: str) -> list[str]:
    """The words of fingerprint_text(text), without joining them only to split them again.

    MinHash needs the words and the content hash the joined text; a word of \\w characters holds
    no whitespace, so fingerprint_text(text).split() is exactly this list. A body made by
    body_and_words() is not folded again: its words are remembered for that string object.
    """
    last = _last_fold
    if last[0] is text:
        return list(last[1])
    return _fold(text)


# Every ASCII character that is not a word character to a space (str.translate's table).
_ASCII_NON_WORD = {c: " " for c in range(128) if c not in _ASCII_WORD}


def _fold(text: str) -> list[str]:
    """The folding itself: NFKC, casefold, \\w+ runs.

    On ASCII text NFKC changes nothing, casefold is lower, and the \\w+ runs are what split()
    leaves once the other characters are spaces: two C loops instead of a regex match per word
    (0.19 -> 0.11 ms for an English article, a tenth of what its lxml parse costs).
    """
    if text.isascii():
        return text.lower().translate(_ASCII_NON_WORD).split()
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def fingerprint_text(text: str) -> str:
    """Text folded for comparison: case, punctuation and spacing do not make two articles differ."""
    return " ".join(fingerprint_words(text))


def drop_repeated_paragraphs(paragraphs: list[str], min_words: int = 6) -> list[str]:
    """Keep each paragraph once: pull quotes repeat a sentence of the text as a block of its own.

    Only a paragraph that reads as a sentence can be a pull quote (min_words or more, mostly words
    rather than figures, not a list item or a table row: _sentence_like). Such a paragraph that
    recurs identically, alone, is kept at its last place (the pull quote comes first, the sentence
    in its real paragraph after); one whose words stand inside a longer paragraph is that
    paragraph's pull quote and is dropped. Everything else that recurs is content and all stays:
    list items, table rows, standings, recipe steps, and lines printed together twice (the same
    steps under two headings); a caption printed twice in a row is not such a block.
    """
    return [paragraphs[i] for i in _kept(paragraphs, [_fold(p) for p in paragraphs], min_words)]


def body_and_words(paragraphs: list[str], min_words: int = 6) -> str:
    """join_paragraphs(drop_repeated_paragraphs(paragraphs)), each paragraph folded once.

    The pull-quote test folds every paragraph; the signatures need the folded body, which is the
    kept paragraphs' words in order (a "\\n\\n" neither composes under NFKC nor is part of a word).
    They are remembered for the returned string, so fingerprint_words(body) does not fold it again.
    """
    global _last_fold
    folds = [_fold(p) for p in paragraphs]
    kept = _kept(paragraphs, folds, min_words)
    normal = [normalize_line(paragraphs[i]) for i in kept]  # each normalised once, not twice
    body = "\n\n".join(p for p in normal if p)  # join_paragraphs
    if all(n == paragraphs[i] and n for n, i in zip(normal, kept, strict=True)):
        _last_fold = (body, [w for i in kept for w in folds[i]])
    return body


# A list item or table row as trafilatura and text dumps write them: "- ", "• ", "1. ", "| ".
_LIST_MARK = re.compile(r"^\s*(?:[-–—•*·▪|]|\(?\d{1,3}[.)])\s")


def _sentence_like(paragraph: str, words: list[str], min_words: int) -> bool:
    """Long enough, not a list item or table row, and mostly words rather than figures."""
    if len(words) < min_words or _LIST_MARK.match(paragraph):
        return False
    figures = sum(1 for w in words if w.isdigit())
    return figures * 4 < len(words)


def _kept(paragraphs: list[str], folds: list[list[str]], min_words: int) -> list[int]:
    """Indices of the paragraphs drop_repeated_paragraphs keeps, from their folded words."""
    prints = [" ".join(words) for words in folds]
    last_index = {fp: i for i, fp in enumerate(prints)}
    copies = Counter(prints)
    # One search of all paragraphs instead of one per pair: fp stands inside a longer paragraph
    # when it occurs more often than its identical copies (paragraphs never contain a newline).
    everything = "\n".join(prints)
    kept = []
    for i, fp in enumerate(prints):
        if not fp:
            continue
        n_words = len(folds[i])
        if n_words < min_words:
            kept.append(i)  # a short line printed twice is a list's or a table's
            continue
        if last_index[fp] != i:
            # Printed again later: a pull quote, unless it is a list item or a table row, or its
            # neighbour is another repeated line (a block printed twice: one list, two headings).
            if _sentence_like(paragraphs[i], folds[i], min_words) and not _in_block(prints, i):
                continue
        elif (
            n_words < 60
            and everything.count(fp) > copies[fp]
            and _sentence_like(paragraphs[i], folds[i], min_words)
        ):
            continue  # the words of a longer paragraph, printed as a block of their own
        kept.append(i)
    return kept


# A cross-link set in brackets inside a paragraph, pointing the reader elsewhere on the site:
# "[For additional information see the Eurasia Insight archive]", "[See also: ...]",
# "[Читайте также: ...]". It is the page's navigation, not the author's sentence.
_CROSS_LINK = re.compile(
    r"\s*\[(?:For (?:additional |more |further )?(?:information|background|details)\b"
    r"|(?:See|Read) (?:also|related|more)\b|Related:"
    r"|Подробнее|См\. также|Читайте также|Смотрите также|Инчунин бихонед)[^\]\n]{0,200}\]",
    re.I,
)


def without_cross_links(paragraphs: list[str]) -> list[str]:
    """The paragraphs with bracketed cross-links cut out; a paragraph that was only one goes."""
    out = []
    for paragraph in paragraphs:
        if "[" in paragraph:
            paragraph = _CROSS_LINK.sub("", paragraph).strip()
        if paragraph:
            out.append(paragraph)
    return out


def _in_block(prints: list[str], i: int) -> bool:
    """True when paragraph i and a neighbour are printed together twice: the same two lines in
    the same order elsewhere (a list or recipe printed under two headings), not one line twice."""
    pairs = Counter(zip(prints, prints[1:], strict=False))
    return any(
        0 <= j < len(prints) - 1 and prints[j] != prints[j + 1] and pairs[(prints[j], prints[j + 1])] > 1
        for j in (i - 1, i)
    )
