"""Realistic benchmark inputs: the fixtures' own page markup with fresh text, one page per file.

Each template is a fixture page of a known site (tests/fixtures/<site>/*.html and its expected
JSON). The benchmark takes only pages of real markup by default (JSON "markup": "real", saved byte
for byte): the synthetic fixtures carry a fraction of a real page's chrome (13-16 KB against 60 KB),
which makes the bare trafilatura call look cheaper than it is on the sites' pages.

A template's body paragraphs and headline become placeholders and its article id a token, once;
a page is then the template with random text drawn from the template's own vocabulary (so the
language and word lengths stay real) and a new id, by string substitution, which is cheap enough
to write 20,000 pages in seconds. Pages are distinct and no two are near duplicates.

With inline > 0 (the bench's "inline" kind: 0.4), that share of the body paragraphs gets two to
four of its words in a link to another article of the site or in <strong>, mid-sentence, as real
RFE/RL bodies have them.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from lxml import html

from pipeline.sites import SITES, site_for_url

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True)
class Template:
    """A fixture page turned into a format string (paragraph and id placeholders)."""

    name: str
    site: str
    text: str  # with @@TITLE@@, @@P<k>@@ and @@ID@@
    paragraph_words: tuple[int, ...]
    vocabulary: tuple[str, ...]
    id_token: str

    def render(self, rng: random.Random, number: int, inline: float = 0.0) -> str:
        """The page of this number; inline: the share of body paragraphs that carry a link or
        bold words inside their text (0: plain paragraphs)."""

        def words(n: int) -> str:
            chosen = rng.choices(self.vocabulary, k=max(3, n))
            return " ".join(chosen).capitalize() + "."

        out = self.text.replace("@@TITLE@@", words(9)[:-1]).replace("@@ID@@", self._id(number))
        for k, n in enumerate(self.paragraph_words):
            text = words(int(n * rng.uniform(0.8, 1.2)))
            if inline and rng.random() < inline:
                text = self._with_inline_markup(rng, text, number)
            out = out.replace(f"@@P{k}@@", text, 1)
        return out

    def _with_inline_markup(self, rng: random.Random, text: str, number: int) -> str:
        """text with two to four of its words in a link to another article (the site's own host)
        or in <strong>, as RFE/RL bodies have them: mid-paragraph, the sentence going on after."""
        words = text.split(" ")
        span = min(len(words) - 1, rng.randint(2, 4))
        start = rng.randint(0, len(words) - span)
        inner = " ".join(words[start : start + span])
        if rng.random() < 0.6:
            host = SITES[self.site].hosts[0]
            other = 30_000_000 + rng.randrange(10_000_000)
            inner = f'<a href="https://{host}/a/{other}.html">{inner}</a>'
        else:
            inner = f"<strong>{inner}</strong>"
        return " ".join([*words[:start], inner, *words[start + span :]])

    def _id(self, number: int) -> str:
        return str(40_000_000 + number) if self.id_token.isdigit() else f"{self.id_token}-{number}"


def load_templates(
    sites: tuple[str, ...] = ("rferl",), fixtures: Path = FIXTURES, markup: str = "all"
) -> list[Template]:
    """One template per article fixture of the given sites, in a stable order.

    markup: "real" (pages saved from the sites), "synthetic" (written for the tests) or "all".
    """
    if markup not in ("real", "synthetic", "all"):
        raise ValueError(f"markup is real, synthetic or all, not {markup!r}")
    templates = []
    for site in sites:
        for page in sorted((fixtures / site).glob("*.html")):
            expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
            if markup in ("all", expected.get("markup")):
                templates.append(_template(page.stem, page.read_text(encoding="utf-8"), expected))
    # Real pages are third-party files: they stay in the shared folder beside the clone, and
    # tests/fixtures/shared-pages/ holds only what the project expects of them.
    for meta in sorted((fixtures / "shared-pages").glob("*.json")):
        expected = json.loads(meta.read_text(encoding="utf-8"))
        page = fixtures.parent.parent.parent / "shared" / "fixtures" / expected["shared"]
        wanted = markup in ("all", expected.get("markup"))
        if wanted and (expected.get("site") or expected["source"]) in sites and page.exists():
            data = page.read_bytes()
            text = (gzip.decompress(data) if page.suffix == ".gz" else data).decode("utf-8")
            templates.append(_template(meta.stem, text, expected))
    if not templates:
        raise FileNotFoundError(
            f"no {markup} fixture pages for {sites} under {fixtures} (real pages are read from the "
            "shared folder beside the clone, ../shared/fixtures)"
        )
    return templates


def _template(name: str, text: str, expected: dict) -> Template:
    site = SITES[expected.get("site") or expected["source"]]
    url = expected["url"]
    if site_for_url(url) is None:
        # A page of a sibling outlet on the same CMS (VOA on Pangea): served as the site's own.
        host = urlsplit(url).hostname or ""
        text = text.replace(host, site.hosts[0])
        url = url.replace(host, site.hosts[0])
    root = html.fromstring(text)
    container = next((hit[0] for xp in site.html.container if (hit := root.xpath(xp))), None)
    if container is None:
        raise ValueError(f"{name}: no {site.key} article container")
    # Elements, not id()s: lxml keeps one proxy per node only while a reference to it lives.
    pruned = {el for xp in site.html.prune for el in container.xpath(xp)}
    counts, vocabulary = [], []
    for para in container.iter("p"):
        if para in pruned or any(anc in pruned for anc in para.iterancestors()):
            continue
        words = _WORD.findall(para.text_content())
        if len(words) < 4:
            continue
        vocabulary += words
        for child in list(para):
            para.remove(child)
        para.text = f"@@P{len(counts)}@@"
        counts.append(len(words))
    heading = next((hit[0] for xp in site.html.title if (hit := root.xpath(xp))), None)
    if heading is not None and not isinstance(heading, str):
        for child in list(heading):
            heading.remove(child)
        heading.text = "@@TITLE@@"
    doctype = root.getroottree().docinfo.doctype
    body = html.tostring(root, encoding="unicode")
    out = f"{doctype}\n{body}" if doctype else body
    token = _id_token(url)
    out = out.replace(token, "@@ID@@").replace(quote(token), "@@ID@@")
    return Template(name, site.key, out, tuple(counts), tuple(vocabulary), token)


def _id_token(url: str) -> str:
    """What makes the URL this article's: Pangea's numeric id, else a numeric id in the query
    (TYPO3's /single/?tx_ttnews[tt_news]=<id>, whose path is the same for every article), else the
    last path segment."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    digits = re.search(r"/(\d{5,})\.html$", path) or re.search(r"=(\d{4,})(?:&|$)", parts.query)
    return digits.group(1) if digits else path.rsplit("/", 1)[-1].removesuffix(".html")


INLINE_SHARE = 0.4  # of body paragraphs with a link or bold words, as in real RFE/RL bodies


def write_pages(raw: Path, count: int, templates: list[Template], seed: int = 0, inline: float = 0.0) -> int:
    """count pages under raw/<site>/, round robin over templates; returns the bytes written.

    inline: the share of body paragraphs given a link or bold words (0: plain paragraphs).
    """
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        template = templates[i % len(templates)]
        folder = raw / template.site / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = template.render(rng, i, inline).encode("utf-8")
        (folder / f"{template.name[:24]}-{i:06d}.html").write_bytes(data)
        total += len(data)
    return total
