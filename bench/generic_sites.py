"""Pages of other outlets: our extraction against bare trafilatura, on gold written by others.

The suites are the real news pages that other extraction projects ship in their source
distributions, each with the values their authors expect (not product code, and never committed
here: the script downloads the sdists from PyPI into a cache directory, or reads them from a
directory given on the command line):

- newspaper4k 0.9.6 (tests/data): pages of CNN, Time, Wired, Fox 13, cleveland.com, Yonhap,
  Nikkei, CNN Arabic, ... with a JSON of title, authors, publication date and text;
- trafilatura 1.0.0 (tests/metadata_tests.py over tests/cache): the title, author and date its
  author asserts (or wrote down and commented out) for real pages of news sites and blogs.

Per field: title (equal once case, spacing, quotes and entities are folded; or the suite's own
startswith/endswith/contains test), authors (the same set of names), date (the same calendar
day) and body (F1 of word tokens). Ours is what the curate flow makes of an HTML page
(pipeline.extraction.dispatch.extract_document); bare is `trafilatura.extract(html, url=url,
with_metadata=True, output_format="json")`. Pages are sorted by suite and name and split in two:
even places are the half the rules were written from, odd places the held-out half.

    .venv/bin/python bench/generic_sites.py [--cache DIR] [--offline] [--verbose] [--json]

--offline never downloads (a missing suite is reported and left out).
"""

from __future__ import annotations

import argparse
import ast
import html as html_module
import json
import os
import re
import subprocess
import sys
import tarfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIELDS = ("title", "authors", "date", "body")


def default_cache() -> Path:
    """Outside the repository: $TAJRUS_SUITES_CACHE, else the user's cache directory."""
    env = os.environ.get("TAJRUS_SUITES_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tajrus-corpus" / "suites"


# ---------------------------------------------------------------------------------------- gold


@dataclass
class Gold:
    """What the suite's authors expect of one field; op says how their test compares."""

    value: object
    op: str = "eq"  # eq, startswith, endswith, contains


@dataclass
class Case:
    suite: str
    name: str
    url: str | None
    html: str
    gold: dict[str, Gold] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    spec: str  # what `pip download` fetches
    folder: str  # the sdist's top directory
    loader: Callable[[Path], Iterator[Case]]


def _newspaper4k_cases(top: Path) -> Iterator[Case]:
    data = top / "tests" / "data"
    for meta_file in sorted((data / "metadata").glob("*.json")):
        page = data / "html" / f"{meta_file.stem}.html"
        if not page.exists():
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        gold: dict[str, Gold] = {}
        if meta.get("title"):
            gold["title"] = Gold(meta["title"])
        if isinstance(meta.get("authors"), list):
            gold["authors"] = Gold(list(meta["authors"]))
        if meta.get("publish_date"):
            gold["date"] = Gold(str(meta["publish_date"])[:10])
        text_file = data / "txt" / f"{meta_file.stem}.txt"
        body = meta.get("text") or (text_file.read_text(encoding="utf-8") if text_file.exists() else "")
        if body.strip():
            gold["body"] = Gold(body)
        url = meta.get("url") or meta.get("canonical_link") or None
        text = page.read_text(encoding="utf-8", errors="replace")
        yield Case("newspaper4k", meta_file.stem, url, text, gold)


def _trafilatura_cases(top: Path) -> Iterator[Case]:
    """The real pages of test_pages() in tests/metadata_tests.py, with what it asserts of them.

    Asserts its author commented out count too: they are the right values trafilatura missed.
    """
    source_file = top / "tests" / "metadata_tests.py"
    source = source_file.read_text(encoding="utf-8")
    tree = ast.parse(source)
    pages = _mock_pages(tree)
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "test_pages")
    lines = source.splitlines()[function.lineno - 1 : function.end_lineno]
    statements = [_uncomment(line) for line in lines[1:]]
    code = "def test_pages():\n" + "\n".join(statements)
    body = ast.parse(code).body[0].body  # type: ignore[attr-defined]
    cases: dict[str, Case] = {}
    variables: dict[str, str] = {}
    current: str | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target = stmt.targets[0].id
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                variables[target] = stmt.value.value
            elif target == "metadata":
                url = _loaded_url(stmt.value, variables)
                current = url if url in pages else None
                if current and current not in cases:
                    page = top / "tests" / "cache" / pages[current]
                    if page.exists():
                        text = page.read_bytes().decode("utf-8", errors="replace")
                        cases[current] = Case("trafilatura", pages[current], current, text)
                    else:
                        current = None
        elif isinstance(stmt, ast.Assert) and current is not None:
            found = _assertion(stmt.test, variables)
            if found is not None:
                key, gold = found
                cases[current].gold.setdefault(key, gold)
    yield from cases.values()


_COMMENTED_ASSERT = re.compile(r"^(\s*)#\s*(assert metadata\[.*)$")


def _uncomment(line: str) -> str:
    match = _COMMENTED_ASSERT.match(line)
    if not match:
        return "" if line.strip().startswith("#") else line
    statement = match.group(1) + match.group(2)
    try:
        ast.parse(statement.strip())
    except SyntaxError:
        return ""
    return statement


def _mock_pages(tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MOCK_PAGES":
            return {k: v for k, v in ast.literal_eval(node.value).items()}
    return {}


def _loaded_url(call: ast.expr, variables: dict[str, str]) -> str | None:
    """The URL of extract_metadata(load_mock_page(URL))."""
    if not (isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Call)):
        return None
    inner = call.args[0]
    if not inner.args:
        return None
    arg = inner.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name):
        return variables.get(arg.id)
    return None


_KEYS = {"title": "title", "author": "authors", "date": "date"}


def _assertion(test: ast.expr, variables: dict[str, str]) -> tuple[str, Gold] | None:
    """metadata['title'] == X, metadata['title'].endswith(X), 'X' in metadata['author']."""

    def key_of(node: ast.expr) -> str | None:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return _KEYS.get(node.slice.value)
        return None

    def value_of(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return variables.get(node.id)
        return None

    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = test.left, test.comparators[0]
        if isinstance(test.ops[0], ast.Eq) and key_of(left) and value_of(right) is not None:
            key, value = key_of(left), value_of(right)
            return key, Gold(_authors_list(value) if key == "authors" else value)  # type: ignore[return-value]
        if isinstance(test.ops[0], ast.In) and key_of(right) and value_of(left) is not None:
            return key_of(right), Gold(value_of(left), "contains")  # type: ignore[return-value]
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Attribute)
        and test.func.attr in ("startswith", "endswith")
        and key_of(test.func.value)
        and test.args
        and value_of(test.args[0]) is not None
    ):
        return key_of(test.func.value), Gold(value_of(test.args[0]), test.func.attr)  # type: ignore[return-value]
    return None


def _authors_list(value: str) -> list[str]:
    """trafilatura writes several authors as one string joined by '; '."""
    return [a.strip() for a in value.split(";") if a.strip()]


SUITES = (
    Suite("newspaper4k", "newspaper4k==0.9.6", "newspaper4k-0.9.6", _newspaper4k_cases),
    Suite("trafilatura", "trafilatura==1.0.0", "trafilatura-1.0.0", _trafilatura_cases),
)


# --------------------------------------------------------------------------------- the suites


def suite_dir(cache: Path, suite: Suite, offline: bool) -> Path | None:
    """The unpacked sdist, downloaded and unpacked into the cache on first use (unless offline)."""
    top = cache / suite.folder
    if top.is_dir():
        return top
    if offline:
        return None
    downloads = cache / "_downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", suite.spec, "--no-binary", ":all:", "--no-deps"]
    result = subprocess.run([*command, "-d", str(downloads)], capture_output=True, text=True, timeout=600)
    archive = next(iter(sorted(downloads.glob(f"{suite.folder.replace('-', '?', 1)}*.tar.gz"))), None)
    if result.returncode != 0 or archive is None:
        print(f"warning: {suite.spec} not downloaded: {result.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return top if top.is_dir() else None


def load_cases(cache: Path, offline: bool = True) -> tuple[list[Case], list[str]]:
    """Every case of every suite found (or fetched); and the names of the suites missing."""
    cases: list[Case] = []
    missing: list[str] = []
    for suite in SUITES:
        top = suite_dir(cache, suite, offline)
        if top is None:
            missing.append(suite.spec)
            continue
        cases.extend(suite.loader(top))
    cases.sort(key=lambda c: (c.suite, c.name))
    return cases, missing


# ------------------------------------------------------------------------------- extraction


@dataclass
class Extracted:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    body: str = ""


def ours(case: Case) -> Extracted:
    """What the curate flow makes of the page (the unknown-site path, unless a site's rules match)."""
    from pipeline.extraction.dispatch import extract_document
    from pipeline.models import Article, RawDocument

    out = extract_document(RawDocument(f"{case.suite}/{case.name}.html", "html", case.html, url=case.url))
    if not isinstance(out, list) or not out or not isinstance(out[0], Article):
        return Extracted()
    article = out[0]
    day = article.published_date.isoformat() if article.published_date else None
    return Extracted(article.title, list(article.authors), day, article.body)


def bare(case: Case) -> Extracted:
    import trafilatura

    raw = trafilatura.extract(case.html, url=case.url, with_metadata=True, output_format="json")
    if not raw:
        return Extracted()
    data = json.loads(raw)
    authors = _authors_list(data.get("author") or "")
    date = (data.get("date") or "")[:10] or None
    return Extracted(data.get("title"), authors, date, data.get("text") or "")


# -------------------------------------------------------------------------------- comparison


def fold(text: str) -> str:
    """Case, spacing, quotes, dashes and HTML entities do not make two titles or names differ."""
    text = unicodedata.normalize("NFKC", html_module.unescape(text)).casefold()
    text = re.sub(r"[‘’‚‛′`´]", "'", text)
    text = re.sub(r"[“”„‟″«»]", '"', text)
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    return " ".join(text.split())


def title_matches(gold: Gold, title: str | None) -> bool:
    if not title:
        return False
    want, got = fold(str(gold.value)), fold(title)
    return {
        "eq": got == want,
        "startswith": got.startswith(want),
        "endswith": got.endswith(want),
        "contains": want in got,
    }[gold.op]


def authors_match(gold: Gold, authors: list[str]) -> bool:
    got = {fold(a) for a in authors}
    if gold.op == "contains":
        return fold(str(gold.value)) in got
    return got == {fold(a) for a in gold.value}  # type: ignore[union-attr]


def token_f1(gold: str, text: str) -> float:
    """F1 of word tokens (as a bag), the measure of article-extraction benchmarks."""
    want = Counter(re.findall(r"\w+", gold.casefold()))
    got = Counter(re.findall(r"\w+", text.casefold()))
    if not want and not got:
        return 1.0
    common = sum((want & got).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def score(case: Case, got: Extracted) -> dict[str, float]:
    """Per field with gold: 1.0/0.0 for title, authors, date; token F1 for the body."""
    out: dict[str, float] = {}
    for key, gold in case.gold.items():
        if key == "title":
            out[key] = float(title_matches(gold, got.title))
        elif key == "authors":
            out[key] = float(authors_match(gold, got.authors))
        elif key == "date":
            out[key] = float(got.date == gold.value)
        elif key == "body":
            out[key] = token_f1(str(gold.value), got.body)
    return out


@dataclass
class Row:
    case: Case
    half: str
    ours: Extracted
    bare: Extracted
    ours_score: dict[str, float]
    bare_score: dict[str, float]


def measure(cases: list[Case]) -> list[Row]:
    rows = []
    for index, case in enumerate(cases):
        mine, theirs = ours(case), bare(case)
        half = "train" if index % 2 == 0 else "holdout"
        rows.append(Row(case, half, mine, theirs, score(case, mine), score(case, theirs)))
    return rows


def summary(rows: list[Row]) -> dict[str, dict[str, dict[str, float]]]:
    """{half: {field: {"n", "ours", "bare"}}}: mean score over the pages with gold for the field."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for half in ("train", "holdout", "all"):
        chosen = [r for r in rows if half in ("all", r.half)]
        out[half] = {}
        for key in FIELDS:
            scored = [r for r in chosen if key in r.ours_score]
            if not scored:
                continue
            n = len(scored)
            out[half][key] = {
                "n": n,
                "ours": sum(r.ours_score[key] for r in scored) / n,
                "bare": sum(r.bare_score[key] for r in scored) / n,
            }
    return out


def print_table(result: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"{'half':8} {'field':8} {'pages':>5} {'ours':>7} {'bare':>7}")
    for half, fields in result.items():
        for key, figures in fields.items():
            print(f"{half:8} {key:8} {figures['n']:5d} {figures['ours']:7.3f} {figures['bare']:7.3f}")


def print_differences(rows: list[Row]) -> None:
    """Every page and field where ours and bare trafilatura do not score the same."""
    for row in rows:
        for key in row.ours_score:
            a, b = row.ours_score[key], row.bare_score[key]
            if abs(a - b) < 1e-9 and a == 1.0:
                continue
            if key == "body" and abs(a - b) < 0.02:
                continue
            gold = row.case.gold[key]
            got = {
                "title": (row.ours.title, row.bare.title),
                "authors": (row.ours.authors, row.bare.authors),
                "date": (row.ours.date, row.bare.date),
                "body": (f"F1 {a:.3f}", f"F1 {b:.3f}"),
            }[key]
            shown = f"{gold.op} {gold.value!r}" if key != "body" else "(text)"
            print(f"[{row.half}] {row.case.suite}/{row.case.name} {key}: gold {shown}")
            print(f"    ours {got[0]!r}\n    bare {got[1]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=default_cache(), help="where the suites are unpacked")
    parser.add_argument("--offline", action="store_true", help="never download a missing suite")
    parser.add_argument("--verbose", action="store_true", help="list every page where a field differs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    cases, missing = load_cases(args.cache, offline=args.offline)
    for spec in missing:
        print(f"missing suite: {spec} (not in {args.cache})", file=sys.stderr)
    if not cases:
        print("no suite found: nothing measured", file=sys.stderr)
        return 2
    rows = measure(cases)
    result = summary(rows)
    if args.verbose:
        print_differences(rows)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        suites = Counter(c.suite for c in cases)
        print("pages: " + ", ".join(f"{name} {n}" for name, n in sorted(suites.items())))
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
