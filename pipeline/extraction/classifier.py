"""A general paragraph classifier (jusText's idea): the safety net after every site's rules.

Article prose is long lines dense in stop words that end like sentences; chrome is short lines,
runs of menu entries, legal and newsletter boilerplate. Short lines between prose lines are kept
(subheads, one-line quotes); short lines at the edges of the text are chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STOP = {
    "en": frozenset(
        [
            "a",
            "about",
            "after",
            "against",
            "all",
            "also",
            "an",
            "and",
            "any",
            "are",
            "as",
            "at",
            "be",
            "because",
            "been",
            "before",
            "being",
            "between",
            "both",
            "but",
            "by",
            "can",
            "could",
            "did",
            "do",
            "does",
            "during",
            "each",
            "for",
            "from",
            "had",
            "has",
            "have",
            "he",
            "her",
            "his",
            "how",
            "i",
            "if",
            "in",
            "into",
            "is",
            "it",
            "its",
            "more",
            "most",
            "no",
            "not",
            "of",
            "on",
            "one",
            "only",
            "or",
            "other",
            "our",
            "out",
            "over",
            "said",
            "says",
            "she",
            "should",
            "so",
            "some",
            "such",
            "than",
            "that",
            "the",
            "their",
            "them",
            "then",
            "there",
            "these",
            "they",
            "this",
            "those",
            "through",
            "to",
            "under",
            "until",
            "up",
            "was",
            "we",
            "were",
            "what",
            "when",
            "where",
            "which",
            "while",
            "who",
            "will",
            "with",
            "would",
            "you",
        ]
    ),
    "ru": frozenset(
        [
            "а",
            "без",
            "более",
            "бы",
            "был",
            "была",
            "были",
            "было",
            "быть",
            "в",
            "вам",
            "вас",
            "весь",
            "во",
            "вот",
            "все",
            "всего",
            "всех",
            "вы",
            "где",
            "да",
            "даже",
            "для",
            "до",
            "его",
            "ее",
            "если",
            "есть",
            "еще",
            "же",
            "за",
            "и",
            "из",
            "или",
            "им",
            "их",
            "к",
            "как",
            "когда",
            "кто",
            "ли",
            "либо",
            "мне",
            "может",
            "мы",
            "на",
            "над",
            "надо",
            "наш",
            "не",
            "него",
            "нее",
            "нет",
            "ни",
            "них",
            "но",
            "ну",
            "о",
            "об",
            "однако",
            "он",
            "она",
            "они",
            "оно",
            "от",
            "очень",
            "по",
            "под",
            "при",
            "с",
            "со",
            "так",
            "также",
            "такой",
            "там",
            "те",
            "тем",
            "то",
            "того",
            "тоже",
            "той",
            "только",
            "том",
            "ты",
            "у",
            "уже",
            "хотя",
            "чего",
            "чей",
            "чем",
            "что",
            "чтобы",
            "эта",
            "эти",
            "это",
            "этот",
            "я",
        ]
    ),
    "tg": frozenset(
        [
            "ва",
            "дар",
            "ба",
            "аз",
            "ки",
            "бо",
            "барои",
            "то",
            "ин",
            "он",
            "як",
            "ҳам",
            "низ",
            "аст",
            "буд",
            "шуд",
            "мешавад",
            "гуфт",
            "гуфтааст",
            "онҳо",
            "мо",
            "шумо",
            "вай",
            "худ",
            "ҳар",
            "чун",
            "агар",
            "баъд",
            "пеш",
            "дигар",
            "бар",
            "байни",
            "зери",
            "ҳамчун",
            "вале",
            "аммо",
            "бояд",
            "метавонад",
            "карда",
            "кардааст",
            "мекунад",
            # Pronouns, auxiliaries and verbs of saying: Tajik is written with fewer function
            # words than Russian or English, and news prose lives on "мегӯяд"/"гуфтанд".
            "ӯ",
            "бе",
            "мегӯяд",
            "мегӯянд",
            "гуфтанд",
            "гуфта",
            "шуда",
            "шудааст",
            "шуданд",
            "буданд",
            "ҳаст",
            "ҳастанд",
            "нест",
            "дорад",
            "доранд",
            "мебошад",
            "мебошанд",
            "хоҳад",
            "мекунанд",
            "кард",
            "карданд",
            "кардаанд",
            "ҳамин",
            "ҳамон",
            "чунин",
            "инро",
            "онро",
            "онҳоро",
            "ман",
            "маро",
            "моро",
            "ӯро",
            "боз",
            "ҳанӯз",
            "ҳеҷ",
            "пас",
            "на",
            "не",
            "ё",
            "чӣ",
            "кӣ",
            "чаро",
            "зеро",
            "назди",
            "тибқи",
            "ҳамаи",
            "ҳама",
            "баъзе",
            "хеле",
            "танҳо",
            "ҳатто",
            "ҳоло",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"""[.!?…:"”»)\]]\s*$""")
_BOILERPLATE = re.compile(
    r"©|\ball rights reserved\b|\bprivacy policy\b|\bcookie|\bterms of (use|service)\b|\bsubscribe\b|"
    r"\bsign up\b|\bnewsletter\b|\bfollow us\b|\bshare (this|on)\b|\bclick here\b|\bread more\b|"
    r"\bskip to\b|\badvertisement\b|\bdonate\b|\bsupport us\b|подписаться|подписывайтесь|подпишитесь|"
    r"поддержите нас|\bрассылк|"
    r"все права защищены|\bundesirable organi[sz]ation\b|\bforeign agent\b|\bplease note that you\b|"
    r"\bliking, commenting\b|\bhas been declared an?\b|"
    r"\bcopyright\s*(?:\(c\)|©)|\bunauthori[sz]ed (?:reproduction|redistribution|use)\b|"
    r"\bplease contact us\b|\bsubscribing\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    words: int
    stop_density: float
    sentence_like: bool
    boilerplate: bool
    chars: int = 0

    @property
    def good(self) -> bool:
        """Prose: dense in function words, or a long sentence. Long is measured in characters too:
        Kyrgyz, Turkmen or Uzbek say in 20 words what English says in 30, and have few function
        words to count."""
        return not self.boilerplate and (
            (self.words >= 15 and self.stop_density >= 0.2)
            or (self.sentence_like and (self.words >= 25 or (self.words >= 12 and self.chars >= _LONG_CHARS)))
        )

    @property
    def short(self) -> bool:
        return self.words < 12


def _stop_density(words: list[str]) -> float:
    if not words:
        return 0.0
    lowered = [w.lower() for w in words]
    return max(sum(w in stops for w in lowered) for stops in _STOP.values()) / len(words)


def classify(text: str) -> Line:
    words = _WORD.findall(text)
    return Line(
        text=text,
        words=len(words),
        stop_density=_stop_density(words),
        sentence_like=bool(_SENTENCE_END.search(text)),
        boilerplate=_is_boilerplate(text, len(words)),
        chars=len(text),
    )


_LONG_CHARS = 150
_SENTENCES = re.compile(r"(?<=[.!?…])\s+(?=\S)")
# The legal lines that close a publisher's footer.
_LEGAL = re.compile(
    r"\bcopyright\s*(?:\(c\)|©)|©\s*\d{4}|\ball rights reserved\b"
    r"|\bunauthori[sz]ed (?:reproduction|redistribution)\b|все права защищены",
    re.I,
)


def _is_boilerplate(text: str, words: int) -> bool:
    """Boilerplate vocabulary in a line that is not mostly something else.

    A paragraph of news that ends with one pitch sentence ("To read the original story, click
    here.") is still the news: it is boilerplate only when what is left without its boilerplate
    sentences is short.
    """
    if not _BOILERPLATE.search(text):
        return False
    sentences = _SENTENCES.split(text)
    if _LEGAL.search(text) and 3 * sum(1 for s in sentences if _BOILERPLATE.search(s)) >= len(sentences):
        return True  # a publisher's footer paragraph, however long: who we are, contact, copyright
    if words >= 80:
        return False
    rest = [s for s in _SENTENCES.split(text) if not _BOILERPLATE.search(s)]
    return len(_WORD.findall(" ".join(rest))) < 25


def menu_runs(lines: list[Line]) -> set[int]:
    """Indices of runs of three or more short lines that do not end like sentences (menus, link
    lists, related headlines)."""
    out: set[int] = set()
    run: list[int] = []
    for k, c in enumerate(lines + [Line("", 99, 1.0, True, False)]):
        if c.short and not c.sentence_like:
            run.append(k)
            continue
        if len(run) >= 3:
            out.update(run)
        run = []
    return out


_METADATA = re.compile(r"^(?:[\w ]{2,30}:\s*\S.*){2,}$|^[\w ]{2,30}:\s*$")


def is_metadata_line(text: str) -> bool:
    """ "Publication: X Volume: 4 Issue: 119", "Tags:": fields, not a headline."""
    return bool(_METADATA.search(text))
