"""A hostile raw/ directory, generated: each kind of bad (or merely unusual) input, and what it must give.

Shared by test_bad_inputs.py (in process) and the CLI test (a subprocess); every kind is a small
function that writes its file(s) and returns {raw_path: Expect}. Each input file must end up in
exactly the place its Expect names: an article row, a duplicate row (of a named input), a reject row
with a named reason, or nowhere at all for what is not an input yet (.open, hidden files).
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import SAMPLES
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from support.corpus_texts import RUSSIAN, TAJIK, as_html, as_text

SECRET = "SECRET-OUTSIDE-RAW-7f3a"  # in files outside raw/: must never reach curated/
DEEP_DIRS = 1100  # deeper than Python's recursion limit: os.walk on 3.11 would raise


@dataclass(frozen=True)
class Expect:
    """What one input must give. outcome: article | duplicate | reject | ignored | article+reject."""

    outcome: str
    reason: str | None = None  # reject reason (REJECT_REASONS)
    of: str | None = None  # duplicate: raw_path of the kept article it duplicates
    phrase: str | None = None  # article: text its body must contain (correct decoding)
    detail: str | None = None  # reject: text its detail must contain


Kind = Callable[[Path, Path], dict[str, Expect]]
KINDS: list[Kind] = []


def kind(fn: Kind) -> Kind:
    KINDS.append(fn)
    return fn


def sample(prefix: str) -> bytes:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_bytes()


def phrase(key: str) -> str:
    """Opening words of the last paragraph: the text cleaner keeps it (it drops the lede as a dek)."""
    return " ".join(RUSSIAN[key][1][-1].split()[:6])


def ru_text(key: str) -> str:
    return as_text(*RUSSIAN[key])


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def warc(pages: list[tuple[str, bytes]], requests_only: bool = False, gzip_records: bool = True) -> bytes:
    """A WARC as the spiders write it: one response (or request) record per page, each gzipped."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip_records)
    for url, body in pages:
        if requests_only:
            headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "www.rferl.org")], is_http_request=True)
            record = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=headers)
        else:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
        writer.write_record(record)
    return out.getvalue()


# --- articles that must come through, decoded right ---------------------------------------------


@kind
def plain_articles(raw: Path, outside: Path) -> dict[str, Expect]:
    write(raw / "a_rferl.txt", sample("000"))
    write(raw / "name with spaces и юникод.txt", sample("001"))
    write(raw / "quote\"s, 'apostrophes' and\na newline.txt", sample("003"))
    return {
        "a_rferl.txt": Expect("article"),
        "name with spaces и юникод.txt": Expect("article"),
        "quote\"s, 'apostrophes' and\na newline.txt": Expect("article"),
    }


@kind
def legacy_encodings(raw: Path, outside: Path) -> dict[str, Expect]:
    """Russian with no declaration: cp1251, KOI8-R, and UTF-16 with a BOM."""
    write(raw / "ru_cp1251.txt", ru_text("migration").encode("cp1251"))
    write(raw / "ru_koi8r.txt", ru_text("base").encode("koi8-r"))
    write(raw / "ru_utf16.txt", codecs.BOM_UTF16_LE + ru_text("energy").encode("utf-16-le"))
    return {
        "ru_cp1251.txt": Expect("article", phrase=phrase("migration")),
        "ru_koi8r.txt": Expect("article", phrase=phrase("base")),
        "ru_utf16.txt": Expect("article", phrase=phrase("energy")),
    }


@kind
def nul_bytes(raw: Path, outside: Path) -> dict[str, Expect]:
    """Stray NULs mid-text are dropped; NUL padding after a crash is cut; the text survives."""
    text = ru_text("border")
    cut = text.index(phrase("border"))
    write(raw / "ru_nul_mid.txt", text[:cut] + "\x00" + text[cut : cut + 99] + "\x00\x00" + text[cut + 99 :])
    write(raw / "crash_padded.txt", sample("002") + b"\x00" * 8192)
    return {
        "ru_nul_mid.txt": Expect("article", phrase=phrase("border")),
        "crash_padded.txt": Expect("article"),
    }


@kind
def tajik_utf8(raw: Path, outside: Path) -> dict[str, Expect]:
    write(raw / "tj.txt", as_text(*TAJIK))
    return {"tj.txt": Expect("article", phrase="Тоҷикистон дар Маскав бо ҳамтои русии")}


@kind
def lying_charsets(raw: Path, outside: Path) -> dict[str, Expect]:
    """HTML whose meta charset lies: says UTF-8 (or KOI8-R) and is Windows-1251."""
    write(raw / "meta_lies.html", as_html(*RUSSIAN["remittances"], charset="utf-8").encode("cp1251"))
    write(raw / "cp1251_as_koi8.html", as_html(*RUSSIAN["schools"], charset="koi8-r").encode("cp1251"))
    return {
        "meta_lies.html": Expect("article", phrase=phrase("remittances")),
        "cp1251_as_koi8.html": Expect("article", phrase=phrase("schools")),
    }


@kind
def listing_in_a_directory_named_like_a_file(raw: Path, outside: Path) -> dict[str, Expect]:
    write(raw / "x.html" / "inner.txt", sample("004"))
    return {"x.html/inner.txt": Expect("article")}


# --- duplicates ---------------------------------------------------------------------------------


@kind
def line_end_copies(raw: Path, outside: Path) -> dict[str, Expect]:
    """The same article with CRLF, and with CRLF, CR and LF mixed: duplicates of the LF one."""
    write(raw / "copies" / "crlf.txt", sample("000").replace(b"\n", b"\r\n"))
    lines = sample("001").split(b"\n")
    mixed = b"".join(line + (b"\r\n", b"\r", b"\n")[i % 3] for i, line in enumerate(lines))
    write(raw / "copies" / "mixed-eol.txt", mixed)
    return {
        "copies/crlf.txt": Expect("duplicate", of="a_rferl.txt"),
        "copies/mixed-eol.txt": Expect("duplicate", of="name with spaces и юникод.txt"),
    }


@kind
def link_inside_raw(raw: Path, outside: Path) -> dict[str, Expect]:
    (raw / "copies").mkdir(exist_ok=True)
    os.symlink("../a_rferl.txt", raw / "copies" / "link-inside.txt")
    return {"copies/link-inside.txt": Expect("duplicate", of="a_rferl.txt")}


@kind
def text_and_gzipped_html_of_one_article(raw: Path, outside: Path) -> dict[str, Expect]:
    write(raw / "pair" / "a_trade.txt", ru_text("trade"))
    write(raw / "pair" / "b_trade.html.gz", gzip.compress(as_html(*RUSSIAN["trade"]).encode()))
    # A run reads markup before text dumps and keeps the richer record: the page is the article.
    return {
        "pair/a_trade.txt": Expect("duplicate", of="pair/b_trade.html.gz"),
        "pair/b_trade.html.gz": Expect("article", phrase=phrase("trade")),
    }


@kind
def deeply_nested_directories(raw: Path, outside: Path) -> dict[str, Expect]:
    """Made one level at a time: os.makedirs itself recurses."""
    fd = os.open(raw, os.O_RDONLY)
    try:
        for _ in range(DEEP_DIRS):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as fh:
            fh.write(sample("002"))
    finally:
        os.close(fd)
    return {"d/" * DEEP_DIRS + "deep.txt": Expect("duplicate", of="crash_padded.txt")}


# --- rejects ------------------------------------------------------------------------------------


@kind
def empty_and_tiny(raw: Path, outside: Path) -> dict[str, Expect]:
    write(raw / "empty.txt", b"")
    write(raw / "blank.txt", b"  \n\t\r\n  \n")
    write(raw / "one-byte.txt", b"x")
    return {
        "empty.txt": Expect("reject", "empty"),
        "blank.txt": Expect("reject", "empty"),
        "one-byte.txt": Expect("reject", "not_article"),
    }


@kind
def binary_named_html(raw: Path, outside: Path) -> dict[str, Expect]:
    rng = random.Random(5)
    write(raw / "random.html", bytes(rng.randrange(256) for _ in range(20000)))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(
        rng.randrange(256) for _ in range(5000)
    )
    write(raw / "image.html", png)
    return {"random.html": Expect("reject", "binary"), "image.html": Expect("reject", "binary")}


@kind
def damaged_gzip(raw: Path, outside: Path) -> dict[str, Expect]:
    whole = gzip.compress(as_html(*RUSSIAN["energy"]).encode())
    write(raw / "cut.html.gz", whole[: len(whole) // 2])
    write(raw / "not-gzip.html.gz", b"<html><p>plain text under a .gz name</p></html>")
    # 11 MB of spaces in 11 KB: past limits.max_decompressed_bytes (10 MB).
    write(raw / "bomb.txt.gz", gzip.compress(b" " * 11_000_000, compresslevel=9))
    return {
        "cut.html.gz": Expect("reject", "truncated"),
        "not-gzip.html.gz": Expect("reject", "truncated"),
        "bomb.txt.gz": Expect("reject", "too_large", detail="decompresses to more than"),
    }


@kind
def huge_page(raw: Path, outside: Path) -> dict[str, Expect]:
    para = ("<p>" + "Душанбе и Москва обсуждали вопросы миграции. " * 20 + "</p>\n").encode()
    write(raw / "huge.html", b"<html><body>" + para * (30_000_000 // len(para)) + b"</body></html>")
    return {"huge.html": Expect("reject", "too_large")}


@kind
def deep_markup(raw: Path, outside: Path) -> dict[str, Expect]:
    body = "<div>" * 20000 + "<p>" + RUSSIAN["base"][1][1] + "</p>" + "</div>" * 20000
    write(raw / "deep-nesting.html", f"<html><body>{body}</body></html>")
    return {"deep-nesting.html": Expect("reject", "not_article", detail="nested deeper than")}


@kind
def app_shell(raw: Path, outside: Path) -> dict[str, Expect]:
    page = (
        '<!DOCTYPE html><html><head><title>RFE/RL</title><script src="/static/app.3f9a.js"></script>'
        "</head><body><noscript>You need to enable JavaScript to run this app.</noscript>"
        '<div id="root"></div><script>window.__INITIAL_STATE__={"route":"/a/123.html"};</script>'
        "</body></html>"
    )
    write(raw / "app-shell.html", page)
    return {"app-shell.html": Expect("reject", "not_article")}


@kind
def entity_attacks(raw: Path, outside: Path) -> dict[str, Expect]:
    """Billion laughs must not expand (nor hang); an external entity must never be read."""
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [\n' + "\n".join(lol) + "\n]>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>'
    )
    write(raw / "billion-laughs.xhtml", laughs)
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        f'<!ENTITY sec SYSTEM "file://{outside}/secret.txt">]>\n'
        "<html><body><article><h1>Report</h1><p>&xxe; &sec;</p></article></body></html>"
    )
    write(raw / "xxe.html", xxe)
    return {
        "billion-laughs.xhtml": Expect("reject", "not_article"),
        "xxe.html": Expect("reject", "not_article"),
    }


@kind
def crawl_leftovers(raw: Path, outside: Path) -> dict[str, Expect]:
    """A crawl killed mid-write: last record cut; an empty file; requests only; an .open file."""
    pages = [
        ("https://news.example.org/visa.html", as_html(*RUSSIAN["warc_one"]).encode()),
        ("https://news.example.org/cotton.html", as_html(*RUSSIAN["warc_two"]).encode()),
        ("https://news.example.org/energy.html", as_html(*RUSSIAN["energy"]).encode()),
    ]
    data = warc(pages)
    write(raw / "crawl" / "killed.warc.gz", data[:-150])
    write(raw / "crawl" / "empty.warc.gz", b"")
    write(raw / "crawl" / "requests-only.warc.gz", warc(pages[:2], requests_only=True))
    write(raw / "crawl" / "abandoned.warc.gz.open", warc([pages[2]]))
    write(raw / "crawl" / ".hidden.txt", ru_text("energy"))
    return {
        "crawl/killed.warc.gz": Expect("article+reject", "truncated", phrase=phrase("warc_one")),
        "crawl/empty.warc.gz": Expect("reject", "empty"),
        "crawl/requests-only.warc.gz": Expect("reject", "not_article"),
        "crawl/abandoned.warc.gz.open": Expect("ignored"),
        "crawl/.hidden.txt": Expect("ignored"),
    }


@kind
def links_out_of_raw(raw: Path, outside: Path) -> dict[str, Expect]:
    """Links out of raw/ (to a real article, to a directory, to /etc/passwd), broken, looping."""
    write(outside / "secret.txt", sample("003").replace(b"Tajik", SECRET.encode()))
    write(outside / "dir" / "secret-article.txt", sample("000").replace(b"Tajik", SECRET.encode()))
    links = raw / "links"
    links.mkdir()
    os.symlink(outside / "secret.txt", links / "outside.txt")
    os.symlink(outside / "dir", links / "outside-dir")
    os.symlink("/etc/passwd", links / "etc-passwd.txt")
    os.symlink(links / "missing.txt", links / "broken.txt")
    os.symlink("loop-b.txt", links / "loop-a.txt")
    os.symlink("loop-a.txt", links / "loop-b.txt")
    return {
        "links/outside.txt": Expect("reject", "outside_raw"),
        "links/outside-dir": Expect("reject", "outside_raw"),
        "links/etc-passwd.txt": Expect("reject", "outside_raw"),
        "links/broken.txt": Expect("reject", "unreadable"),
        "links/loop-a.txt": Expect("reject", "unreadable"),
        "links/loop-b.txt": Expect("reject", "unreadable"),
    }


@kind
def special_files(raw: Path, outside: Path) -> dict[str, Expect]:
    """A FIFO (reading it would block the run forever), a name that is not UTF-8, a PDF."""
    special = raw / "special"
    special.mkdir()
    os.mkfifo(special / "fifo.txt")
    with open(os.path.join(os.fsencode(special), b"\xff\xfe-latin1-name.txt"), "wb") as fh:
        fh.write(sample("003"))
    write(special / "notes.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return {
        "special/fifo.txt": Expect("reject", "unsupported", detail="not a regular file"),
        "special/\\xff\\xfe-latin1-name.txt": Expect("reject", "unsupported", detail="not valid UTF-8"),
        "special/notes.pdf": Expect("reject", "unsupported"),
    }


@kind
def unreadable_file(raw: Path, outside: Path) -> dict[str, Expect]:
    """chmod 000 means nothing to root (the tests run as root in CI): only made for other users."""
    if os.geteuid() == 0:
        return {}
    write(raw / "special" / "no-permission.txt", sample("003"))
    os.chmod(raw / "special" / "no-permission.txt", 0)
    return {"special/no-permission.txt": Expect("reject", "unreadable")}


VANISHING = "vanishing/gone.txt"


def vanishing_file(raw: Path) -> dict[str, Expect]:
    """Listed, then deleted before it is read (the test's submit deletes it): not a kind of the
    CLI run, which cannot be made to delete it at the right moment."""
    write(raw / VANISHING, ru_text("warc_two"))
    return {VANISHING: Expect("reject", "unreadable")}


def build(root: Path, vanishing: bool = True) -> tuple[Path, dict[str, Expect]]:
    """raw/ and outside/ under root; returns raw and every input's expectation."""
    raw, outside = root / "raw", root / "outside"
    raw.mkdir(parents=True)
    outside.mkdir(parents=True)
    expected: dict[str, Expect] = {}
    for make in KINDS:
        expected.update(make(raw, outside))
    if vanishing:
        expected.update(vanishing_file(raw))
    return raw, expected


def remove_deep_tree(raw: Path) -> None:
    """shutil.rmtree recurses too: take the deep tree down one level at a time."""
    top = raw / "d"
    if not top.exists():
        return
    depth = 0
    path = top
    while (path / "d").is_dir():
        path, depth = path / "d", depth + 1
    for child in path.iterdir():
        child.unlink()
    for _ in range(depth + 1):
        path.rmdir()
        path = path.parent


def story_page(i: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {k} of story {i}: Tajik migrants in Russia face new checks at airports.</p>"
        for k in range(6)
    )
    return f"<html><body><h1>Story {i}</h1>{paragraphs}</body></html>".encode()


def lying_warc(delta: int, gzipped: bool) -> bytes:
    """Three response records; the middle one's Content-Length is off by delta bytes."""
    records = []
    for i in range(3):
        one = warc([(f"https://news.example.org/{i}.html", story_page(i))], gzip_records=False)
        if i == 1:
            head, _, rest = one.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            lines = [
                b"Content-Length: %d" % (int(ln.split(b":")[1]) + delta)
                if ln.startswith(b"Content-Length")
                else ln
                for ln in lines
            ]
            one = b"\r\n".join(lines) + b"\r\n\r\n" + rest
        records.append(gzip.compress(one) if gzipped else one)
    return b"".join(records)
