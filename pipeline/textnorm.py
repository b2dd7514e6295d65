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
    if text.isascii() and text.isprintable():
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

    A paragraph of min_words or more that recurs identically is kept at its last place (the pull
    quote comes first, the sentence in its real paragraph after). A short paragraph whose words
    stand inside a longer paragraph is the pull quote of that paragraph and is dropped. Lines
    shorter than min_words that recur (list items, table cells, standings, recipe steps) are
    content and all stay.
    """
    return [paragraphs[i] for i in _kept([_fold(p) for p in paragraphs], min_words)]


def body_and_words(paragraphs: list[str], min_words: int = 6) -> str:
    """join_paragraphs(drop_repeated_paragraphs(paragraphs)), each paragraph folded once.

    The pull-quote test folds every paragraph; the signatures need the folded body, which is the
    kept paragraphs' words in order (a "\\n\\n" neither composes under NFKC nor is part of a word).
    They are remembered for the returned string, so fingerprint_words(body) does not fold it again.
    """
    global _last_fold
    folds = [_fold(p) for p in paragraphs]
    kept = _kept(folds, min_words)
    normal = [normalize_line(paragraphs[i]) for i in kept]  # each normalised once, not twice
    body = "\n\n".join(p for p in normal if p)  # join_paragraphs
    if all(n == paragraphs[i] and n for n, i in zip(normal, kept, strict=True)):
        _last_fold = (body, [w for i in kept for w in folds[i]])
    return body


def _kept(folds: list[list[str]], min_words: int) -> list[int]:
    """Indices of the paragraphs drop_repeated_paragraphs keeps, from their folded words."""
    prints = [" ".join(words) for words in folds]
    last_index = {fp: i for i, fp in enumerate(prints)}
    copies = Counter(prints)
    # One search of all paragraphs instead of one per pair: fp stands inside a longer paragraph
    # when it occurs more often than its identical copies (paragraphs never contain a newline).
    everything = "\n".join(prints)
    kept = []
    for i, fp in enumerate(prints):
        n_words = len(folds[i])
        if not fp or (last_index[fp] != i and n_words >= min_words):
            continue  # a sentence printed twice; a short line printed twice is a list's or table's
        if min_words <= n_words < 60 and everything.count(fp) > copies[fp]:
            continue
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
