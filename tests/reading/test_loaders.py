"""Loaders: text dumps, HTML (plain and gzip), WARC records, encodings and unsafe inputs."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import hashlib
import io
import os
import random
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.curation.batch import BatchJob, file_sha256, process_batch
from pipeline.models import RawDocument, Reject
from pipeline.reading.decoding import _CONTROL, _has_control_bytes, decode, decode_with_utf8
from pipeline.reading.listing import InputFile, iter_inputs
from pipeline.reading.loaders import load
from pipeline.reading.location import RawRoot
from pipeline.settings import LimitsSettings, load_settings

RUSSIAN = "Президент Таджикистана встретился с министром обороны России в Душанбе."


def _load_all(raw: Path, limits: LimitsSettings | None = None) -> list[RawDocument | Reject]:
    out: list[RawDocument | Reject] = []
    root = RawRoot.resolve(raw)
    for entry in iter_inputs(root):
        if isinstance(entry, Reject):
            out.append(entry)
        else:
            out.extend(load(root, entry, limits or LimitsSettings()))
    return out


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], truncate_last: bool = False) -> None:
    """pages: (url, body, content type). Each record a gzip member, as the spiders write them."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, ctype in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
    if truncate_last:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 200])


def test_text_dump_and_crlf_normalised(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Title\r\nFirst line\r\n")
    [doc] = _load_all(tmp_path)
    assert isinstance(doc, RawDocument)
    assert (doc.raw_path, doc.kind, doc.text) == ("a.txt", "text", "Title\nFirst line\n")


def test_html_and_gzipped_html(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.html").write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    (tmp_path / "sub" / "q.htm.gz").write_bytes(gzip.compress("<p>Привет</p>".encode()))
    docs = _load_all(tmp_path)
    assert [(d.raw_path, d.kind) for d in docs] == [("sub/p.html", "html"), ("sub/q.htm.gz", "html")]
    assert docs[1].text == "<p>Привет</p>"


def test_warc_response_records_keep_url_and_fetch_time(tmp_path):
    write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://www.rferl.org/a/1.html", b"<html><p>one</p></html>", "text/html; charset=utf-8"),
            ("https://www.rferl.org/robots.txt", b"User-agent: *", "text/plain"),
            ("https://www.ozodi.org/a/2.html", "<p>ду</p>".encode(), "text/html"),
        ],
    )
    docs = _load_all(tmp_path)
    assert [d.url for d in docs] == ["https://www.rferl.org/a/1.html", "https://www.ozodi.org/a/2.html"]
    assert all(
        d.kind == "html" and d.fetched_at is not None and d.raw_record.startswith("<urn:uuid:") for d in docs
    )
    assert docs[1].text == "<p>ду</p>"


def test_truncated_warc_keeps_whole_records_and_rejects_the_rest(tmp_path):
    pages = [(f"https://www.rferl.org/a/{i}.html", b"<p>page %d</p>" % i, "text/html") for i in range(3)]
    write_warc(tmp_path / "cut.warc.gz", pages, truncate_last=True)
    out = _load_all(tmp_path)
    docs = [d for d in out if isinstance(d, RawDocument)]
    rejects = [d for d in out if isinstance(d, Reject)]
    assert [d.url for d in docs] == ["https://www.rferl.org/a/0.html", "https://www.rferl.org/a/1.html"]
    assert len(rejects) == 1 and rejects[0].reason == "truncated"


def test_open_and_hidden_files_are_not_inputs_yet(tmp_path):
    (tmp_path / "x.warc.gz.open").write_bytes(b"partial")
    (tmp_path / ".hidden.txt").write_text("x")
    assert _load_all(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t \n", "empty"),
        ("random.html", bytes(range(256)) * 20, "binary"),
        ("cut.html.gz", gzip.compress(b"<p>" + b"x" * 5000)[:40], "truncated"),
        ("notes.pdf", b"%PDF-1.4", "unsupported"),
    ],
)
def test_bad_inputs_become_specific_rejects(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    [reject] = _load_all(tmp_path)
    assert isinstance(reject, Reject) and reject.reason == reason and reject.raw_path == name


def test_size_limit_is_a_setting(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    [reject] = _load_all(tmp_path, LimitsSettings(max_file_bytes=100))
    assert reject.reason == "too_large"


def test_symlink_outside_raw_is_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    raw = tmp_path / "raw"
    raw.mkdir()
    os.symlink(outside, raw / "link.txt")
    os.symlink(tmp_path, raw / "linkdir")
    out = _load_all(raw)
    assert {(r.raw_path, r.reason) for r in out} == {("link.txt", "outside_raw"), ("linkdir", "outside_raw")}


@pytest.mark.parametrize(
    ("data", "declared", "encoding"),
    [
        (codec_bytes, None, enc)
        for enc, codec_bytes in [
            ("cp1251", RUSSIAN.encode("cp1251")),
            ("koi8-r", RUSSIAN.encode("koi8-r")),
            ("utf-16-le", b"\xff\xfe" + RUSSIAN.encode("utf-16-le")),
            ("utf-8", b"\xef\xbb\xbf" + RUSSIAN.encode("utf-8")),
        ]
    ],
)
def test_legacy_and_bom_encodings_decode_to_correct_text(data, declared, encoding):
    text, used = decode(data, declared=declared, html=False)
    assert text == RUSSIAN
    assert used == encoding


def test_lying_meta_charset_is_overruled():
    html = '<meta charset="utf-8"><p>' + RUSSIAN + "</p>"
    text, used = decode(html.encode("cp1251"), declared=None, html=True)
    assert RUSSIAN in text and used == "cp1251"


def test_input_listing_is_sorted_and_relative(tmp_path):
    for name in ("b.txt", "a/c.txt", "a/b.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [e.rel_path for e in iter_inputs(RawRoot.resolve(tmp_path)) if isinstance(e, InputFile)] == [
        "b.txt",
        "a/b.txt",
        "a/c.txt",
    ]


def test_control_bytes_of_utf8_are_its_control_characters():
    """The byte check that spares decode a search of the text agrees with the search itself."""
    rng = random.Random(7)
    alphabet = [*"aZ \n\r\t\x00\x01\x08\x0b\x0e\x1f\x7f\x85", "é", "д", "€", "\U0001f600", "\u2028"]
    for _ in range(2000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        assert _has_control_bytes(text.encode("utf-8")) == bool(_CONTROL.search(text)), repr(text)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", b"<html><body><p>" + b"word " * 40 + b"</p></body></html>"),
        ("page.html.gz", gzip.compress(b"<p>" + b"word " * 40)),
        ("big.txt", b"word " * 1000),  # over the size limit: not read by the loader
        ("notes.pdf", b"%PDF-1.4"),  # unsupported: not read by the loader
        ("empty.txt", b""),
    ],
)
def test_batch_digest_is_the_file_digest_whether_or_not_the_loader_read_it(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    raw = RawRoot.resolve(tmp_path)
    [item] = list(iter_inputs(raw))
    settings = load_settings(config_path="/nonexistent", env={})
    limits = dataclasses.replace(settings.limits, max_file_bytes=4096)
    [result] = process_batch(BatchJob(raw, [item], limits, settings.dedupe))
    assert result.sha256 == file_sha256(raw, raw.local / name) == hashlib.sha256(data).hexdigest()


def test_the_bytes_kept_for_the_parser_are_exactly_the_decoded_text_in_utf8():
    """decode_with_utf8 hands the read bytes on only when they are text.encode("utf-8") of the text
    it made of them: never for a BOM, CR, NUL padding, control bytes or a legacy code page."""
    rng = random.Random(11)
    alphabet = [*"aZ <>\n\r\t\x00\x01\x7f", "é", "д", "ӣ", "€", "\U0001f600"]
    kept = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        for data in (
            text.encode("utf-8"),
            codecs.BOM_UTF8 + text.encode("utf-8"),
            text.encode("utf-8") + b"\x00\x00",
            text.encode("cp1251", "replace"),
        ):
            result = decode_with_utf8(data, declared=None, html=True)
            plain = decode(data, declared=None, html=True)
            assert plain == (result if isinstance(result, str) else result[:2])
            if isinstance(result, str):
                continue
            utf8 = result[2]
            if utf8 is not None:
                kept += 1
                assert utf8 == result[0].encode("utf-8"), data
    assert kept > 200  # the common case, plain UTF-8, is kept


def test_html_pages_carry_their_utf8_bytes_and_text_dumps_do_not(tmp_path):
    page = f"<html><body><p>{RUSSIAN}</p></body></html>"
    (tmp_path / "page.html").write_bytes(page.encode("utf-8"))
    (tmp_path / "crlf.html").write_bytes(page.replace("<p>", "\r\n<p>").encode("utf-8"))
    (tmp_path / "dump.txt").write_bytes(RUSSIAN.encode("utf-8"))
    docs = {d.raw_path: d for d in _load_all(tmp_path)}
    assert docs["page.html"].utf8 == page.encode("utf-8")
    assert docs["crlf.html"].utf8 is None and "\r" not in docs["crlf.html"].text
    assert docs["dump.txt"].utf8 is None  # a dump waits for its batch's end: it holds no bytes


def test_the_parser_reads_the_kept_bytes_instead_of_encoding_the_text():
    from pipeline.extraction.html_tree import parse_page

    doc = RawDocument("p.html", "html", "<p>from the text</p>", utf8=b"<p>from the bytes</p>")
    assert parse_page(doc).text_content() == "from the bytes"
    assert parse_page(dataclasses.replace(doc, utf8=None)).text_content() == "from the text"
