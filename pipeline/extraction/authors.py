"""Author names from bylines, meta tags and JSON-LD: people only, one name per element.

Every source of names is noisy in the same ways on every site: a desk or an agency stands where a
person's name would ("RFE/RL's Tajik Service", "Reuters", "Staff writer"), names come joined
("A and B", "А и Б", "А ва Б"), tagged with an initials code ("Jane Doe (jd)"), a handle, an e-mail
address, a role after a comma ("Jane Doe, Reuters") or a one-line biography ("Jane Doe is a
reporter..."), written in capitals ("By JANE DOE") or surname first ("Doe, Jane"); and a byline
label ("Submitted on ...", "Updated") stands where a name would. Pure functions; site modules add
their own desk patterns on top of what is recognised here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_BY = re.compile(
    r"^\s*(?:by|from|(?:written|posted|story|reporting|words) by|authors?|von|par|por|autor(?:in|en)?"
    r"(?:/-?in(?:nen)?)?|автор(?:ы)?|муаллиф(?:он)?|текст)\s*:?\s+",
    re.I,
)
# "A and B", "A, B & C", Russian "А и Б", Tajik "А ва Б", "|", ";", " / ".
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\s/\s|\band\b|\bи\b|\bва\b|\bwith\b)\s*", re.I)
_CODE = re.compile(r"\s*[(\[][^)\]]{0,12}[)\]]\s*")  # "(jd)", "[AFP]", "(Dushanbe)"
_EMAIL = re.compile(r"\S+@\S+|https?://\S+|(?<![\w@])@\w{1,30}")  # and a "@handle"
# "Jane Doe is a reporter based in Almaty": the biography after the name.
_BIOGRAPHY = re.compile(r"\s+(?:is|was|has been)\s+(?:a|an|the|our)\s.*$")
_TRAILING_ROLE = re.compile(
    r"\s+[-–—|,]\s*(?:staff|senior|chief|special|foreign|political|contributing|guest)?\s*"
    r"(?:writer|reporter|correspondent|editor|contributor|columnist|analyst)s?\b.*$",
    re.I,
)
# Words that make a name an organisation, a desk, a role or a service, in the three languages
# of the corpus and the agencies that most often stand in bylines.
_ORG_WORDS_TEXT = """
    service services staff desk desks news newsroom agency agencies press wire wires bureau team
    editorial editors editor board radio television tv times post journal daily weekly online
    foundation institute center centre media network group correspondent correspondents writer
    writers reporter reporters contributor contributors report reports inc ltd llc co corp
    redaction rédaction staffers unit monitor channel magazine herald tribune gazette
    reuters afp ap dpa tass interfax ria xinhua bloomberg associated efe ansa kyodo yonhap sputnik
    rferl rfe rl voa bbc cnn eurasianet jamestown polygraph
    редакция служба агентство корреспондент корреспонденты новости радио пресс-служба бюро
    озодӣ озоди хадамоти хабарнигор хабарнигорон
"""
_ORG_WORDS = frozenset(_ORG_WORDS_TEXT.split())
# Words of a byline's label or of the page around it, which stand where a name would when a
# byline is read too widely ("Submitted on Mon", "Updated", "Print").
_LABEL_WORDS_TEXT = """
    submitted posted updated published modified print share email comments comment follow
    photo photos video read more author authors autor referees
"""
_LABEL_WORDS = frozenset(_LABEL_WORDS_TEXT.split())
# Lower-case words that belong to a name ("Ursula von der Leyen", "Abu Bakr al-Baghdadi");
# any other lower-case word makes the string something else ("on December", "at PM").
_PARTICLES_TEXT = """
    de da di du del della der den van von ter ten zu le la bin bint ben ibn al el y e dos das do
"""
_PARTICLES = frozenset(_PARTICLES_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")
# A letter from a name-writing script, capitalised: names start with one.
_CAPITAL = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁҲҚҶҒӢӮЎ]")


def is_person_name(name: str, desks: Iterable[re.Pattern[str]] = (), not_names: Iterable[str] = ()) -> bool:
    """True when name reads as a person's: not a desk, agency, outlet, role or stray label.

    not_names are the outlet's own names as the page gives them (og:site_name, publisher,
    copyright holder), compared without their web address, year or copyright sign.
    """
    if not name or len(name) > 80 or any(ch.isdigit() for ch in name):
        return False
    if "/" in name or re.search(r"['’]s\b", name) or "@" in name:
        return False  # "RFE/RL", "RFE/RL's Tajik Service", an e-mail address
    if any(d.search(name) for d in desks):
        return False
    key = outlet_key(name)
    if any(key and key in (outlet_key(other), outlet_key(other).removeprefix("the")) for other in not_names):
        return False  # the outlet's or publisher's own name
    words = _WORD.findall(name)
    if not words or len(words) > 6:
        return False
    if any(w.casefold() in _ORG_WORDS or w.casefold() in _LABEL_WORDS for w in words):
        return False
    if len(words) == 1 and (words[0].isupper() or not _CAPITAL.match(words[0])):
        return False  # "AFP", "admin"
    if not all(_CAPITAL.match(w) or w.split("-")[0].casefold() in _PARTICLES for w in words):
        return False  # "on December", "staff writer"
    return any(_CAPITAL.match(w) for w in words)


# What an outlet's name carries on a page besides the name: its address, the copyright sign.
_OUTLET_NOISE = re.compile(
    r"\([^)]*\)|©|\(c\)|\bcopyright\b|\ball rights reserved\b|\b(?:www\.)?[\w-]+\.[a-z]{2,}\b", re.I
)


@functools.lru_cache(maxsize=4096)
def outlet_key(text: str) -> str:
    """An organisation's name reduced for comparison: "© 2020 Deutsche Welle (www.dw.com)" and
    "Deutsche Welle" give the same key. Cached: a site's outlet names recur on every page."""
    text = _EMAIL.sub(" ", text)
    text = _OUTLET_NOISE.sub(" ", text)
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def split_names(value: str) -> list[str]:
    """One raw byline or author string -> candidate names (not yet filtered)."""
    value = " ".join(_EMAIL.sub(" ", value).split())
    value = _BY.sub("", value)
    value = _TRAILING_ROLE.sub("", value)
    value = _BIOGRAPHY.sub("", value)
    value = _CODE.sub(" ", value).strip()
    parts = [p.strip(" .:-–—") for p in _SPLIT.split(value)]
    parts = [p for p in parts if p]
    # "Doe, Jane": two one-word parts of one comma are one name written surname first.
    if len(parts) == 2 and "," in value and all(len(p.split()) == 1 for p in parts) and value.count(",") == 1:
        return [f"{parts[1]} {parts[0]}"]
    return [_BY.sub("", p) for p in parts]


def clean_authors(
    raw: Iterable[str], desks: Iterable[re.Pattern[str]] = (), not_names: Iterable[str] = ()
) -> list[str]:
    """Person names from raw byline strings, each once, in order."""
    desks, not_names = tuple(desks), tuple(not_names)
    out: list[str] = []
    seen: set[str] = set()
    outlets = {outlet_key(other) for other in not_names} - {""}
    for value in raw:
        if outlet_key(value) in outlets:
            continue  # "SPIEGEL ONLINE, Hamburg, Germany", the copyright line: not a list of people
        for name in split_names(value):
            name = " ".join(name.split()).strip(" ,;")
            if not is_person_name(name, desks, not_names):
                continue
            if name.isupper() and len(name.split()) > 1:
                name = name.title()  # "By JANE DOE": the name, not the typography
            if name.casefold() not in seen:
                seen.add(name.casefold())
                out.append(name)
    return out
