"""Readers and encoding repair: every input becomes Documents or Rejects, never an exception."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashpoint.errors import (
    E_BAD_DATE,
    E_BAD_JSON,
    E_BAD_RECORD,
    E_BINARY,
    E_EMPTY,
    E_HTML_EXTRACT,
    E_TOO_LARGE,
    E_UNKNOWN_FORMAT,
    E_UNREADABLE,
)
from flashpoint.ingest import clean_text, decode_bytes, looks_binary, read_path, read_stream
from flashpoint.ingest.readers import parse_date, sniff_format
from flashpoint.model import Document, Reject

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

ARTICLE = (
    "Gunmen attack checkpoint near Kirkuk\n\n"
    "Attackers opened fire on a police checkpoint late on Tuesday, wounding two officers.\n\n"
    "Security forces sealed off the area and began searching nearby farms.\n"
)

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<title>Gunmen attack checkpoint near Kirkuk | The Northern Ledger</title>
<meta property="og:title" content="Gunmen attack checkpoint near Kirkuk">
<meta property="og:site_name" content="The Northern Ledger">
<meta property="article:published_time" content="2026-03-10T06:30:00Z">
<link rel="canonical" href="https://ledger.example/world/checkpoint-attack">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/search">Search</a></li></ul></nav></header>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<main><article>
<h1>Gunmen attack checkpoint near Kirkuk</h1>
<p>Attackers opened fire on a police checkpoint late on Tuesday, wounding two officers and a
passing driver, provincial police said in a statement on Wednesday morning.</p>
<figure><img src="checkpoint.jpg" alt=""><figcaption>Police officers stand guard at the
checkpoint on Wednesday. (Omar Said/AFP)</figcaption></figure>
<p>Security forces sealed off the area and began searching nearby farms for the attackers,
who fled in two pickup trucks toward the hills east of the city.</p>
<p>No group has claimed responsibility for the attack, the third on security forces in the
province this month, according to local officials.</p>
</article></main>
<section id="comments" class="comments"><h2>Comments (2)</h2>
<div class="comment"><p>XYLOPHONE-COMMENT this is outrageous and somebody must pay.</p></div>
<div class="comment"><p>XYLOPHONE-COMMENT the government never learns anything.</p></div>
</section>
<footer><p>Copyright 2026 The Northern Ledger. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/about">About us</a></footer>
</body></html>
"""


def _only(items: list[Document | Reject]) -> Document | Reject:
    assert len(items) == 1, items
    return items[0]


def _doc(items: list[Document | Reject]) -> Document:
    item = _only(items)
    assert isinstance(item, Document), item
    return item


def _rej(items: list[Document | Reject], code: str) -> Reject:
    item = _only(items)
    assert isinstance(item, Reject), item
    assert item.code == code, item
    return item


# ---------------------------------------------------------------------------------------------
# plain text


def test_text_with_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "---\ntitle: Gunmen attack checkpoint near Kirkuk\ndate: 2026-03-10\n"
        "source: The Northern Ledger\nurl: https://ledger.example/a\nid: ledger-17\n"
        "synthetic: true\n---\n" + ARTICLE,
        "utf-8",
    )
    doc = _doc(list(read_path(path)))
    assert doc.id == "ledger-17"
    assert doc.title == "Gunmen attack checkpoint near Kirkuk"
    assert doc.published == dt.date(2026, 3, 10)
    assert doc.source == "The Northern Ledger"
    assert doc.url == "https://ledger.example/a"
    assert doc.meta["synthetic"] is True
    assert doc.text.startswith("Gunmen attack checkpoint")
    assert "---" not in doc.text
    assert doc.fmt == "text"
    assert doc.origin == str(path)
    assert len(doc.raw_sha256) == 64


def test_text_date_from_file_name_and_stable_id(tmp_path: Path) -> None:
    path = tmp_path / "2026-02-28_checkpoint.txt"
    path.write_text(ARTICLE, "utf-8")
    first = _doc(list(read_path(path)))
    again = _doc(list(read_path(path)))
    assert first.published == dt.date(2026, 2, 28)
    assert first.id == again.id == first.raw_sha256[:16]
    assert first.title is None


def test_bad_front_matter_date_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "2026-02-28.txt"
    path.write_text("---\ndate: the day after tomorrow\n---\n" + ARTICLE, "utf-8")
    doc = _doc(list(read_path(path)))
    assert doc.published is None  # a bad explicit date is not silently replaced
    assert doc.meta["warnings"][0].startswith(E_BAD_DATE.code)


def test_a_dashed_line_that_is_not_front_matter_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("---\nThis is not metadata at all.\n---\nBody text.", "utf-8")
    assert _doc(list(read_path(path))).text.startswith("---")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-05", dt.date(2026, 9, 5)),
        ("2026-09-05T08:00:00Z", dt.date(2026, 9, 5)),
        ("2026-09-05T08:00:00+02:00", dt.date(2026, 9, 5)),
        ("September 5, 2026", dt.date(2026, 9, 5)),
        ("Sept. 5, 2026", dt.date(2026, 9, 5)),
        ("5 September 2026", dt.date(2026, 9, 5)),
        ("Sat, 05 Sep 2026 08:00:00 GMT", dt.date(2026, 9, 5)),
        ("2026/09/05", dt.date(2026, 9, 5)),
        ("soon", None),
        ("", None),
        ("2026-13-45", None),
    ],
)
def test_parse_date(value: str, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_page_keeps_article_and_drops_page_furniture(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, "utf-8")
    doc = _doc(list(read_path(path)))
    assert doc.fmt == "html"
    assert doc.text.split("\n\n")[0] == "Gunmen attack checkpoint near Kirkuk"
    assert "Attackers opened fire on a police checkpoint" in doc.text
    assert "No group has claimed responsibility" in doc.text
    for junk in (
        "XYLOPHONE-COMMENT",
        "Comments (2)",
        "Privacy policy",
        "Share on Facebook",
        "All rights reserved",
        "About us",
    ):
        assert junk not in doc.text
    assert doc.title == "Gunmen attack checkpoint near Kirkuk"
    assert doc.published == dt.date(2026, 3, 10)
    assert doc.url == "https://ledger.example/world/checkpoint-attack"
    assert doc.source == "The Northern Ledger"
    # and the cleaned page has the headline as its first block
    text, blocks, _ = clean_text(doc.text, doc.title)
    assert blocks[0].span.text(text) == "Gunmen attack checkpoint near Kirkuk"


def test_html_without_article_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    rej = _rej(list(read_path(path)), E_HTML_EXTRACT.code)
    assert str(path) in rej.message


def test_html_over_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    path.write_text(PAGE, "utf-8")
    rej = _rej(list(read_path(path, max_bytes=500)), E_TOO_LARGE.code)
    assert str(path) in rej.message and "max_bytes" in rej.message


@pytest.mark.parametrize(("cap", "whole"), [(20_000_000, True), (500, False)])
def test_a_file_larger_than_its_stat_is_read_whole_or_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int, whole: bool
) -> None:
    # the reader reads the size stat gave; a file that grew since (or a size of 0, as /proc
    # files have) is read on to the cap
    path = tmp_path / "grew.html"
    path.write_text(PAGE, "utf-8")
    expected = list(read_path(path))
    real = Path.stat

    def stale(self: Path, **kwargs: bool) -> os.stat_result:
        found = real(self, **kwargs)
        return os.stat_result((*found[:6], 10, *found[7:10])) if self == path else found

    monkeypatch.setattr(Path, "stat", stale)
    items = list(read_path(path, max_bytes=cap))
    if whole:
        assert isinstance(expected[0], Document) and items == expected
    else:
        _rej(items, E_TOO_LARGE.code)


def test_fifty_megabyte_file_is_rejected_by_size_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    chunk = b"<p>" + b"x" * (1 << 20) + b"</p>\n"
    with path.open("wb") as fh:
        for _ in range(50):
            fh.write(chunk)
    began = time.perf_counter()
    _rej(list(read_path(path)), E_TOO_LARGE.code)
    assert time.perf_counter() - began < 1.0


# ---------------------------------------------------------------------------------------------
# JSON Lines


def test_jsonl_with_one_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    good = {
        "id": "r1",
        "text": ARTICLE,
        "title": "Checkpoint attack",
        "date": "2026-03-10",
        "source": "Wire",
        "url": "https://wire.example/1",
        "synthetic": True,
    }
    no_id = {"text": "Troops left the base on Friday.", "date": "March 12, 2026"}
    html = {"id": 7, "html": PAGE}
    lines = [
        json.dumps(good),
        "{this is not json",
        json.dumps({"title": "no body"}),
        json.dumps({"text": ["not", "a", "string"]}),
        "",
        json.dumps(no_id),
        json.dumps(html),
        json.dumps({"text": "Bad date here.", "date": "someday"}),
        "[1, 2]",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    out = list(read_path(path))
    kinds = [(type(x).__name__, x.origin) for x in out]
    assert kinds == [
        ("Document", f"{path}:1"),
        ("Reject", f"{path}:2"),
        ("Reject", f"{path}:3"),
        ("Reject", f"{path}:4"),
        ("Document", f"{path}:6"),
        ("Document", f"{path}:7"),
        ("Document", f"{path}:8"),
        ("Reject", f"{path}:9"),
    ]
    first, bad_json, no_body, wrong_type, second, third, fourth, not_object = out
    assert isinstance(first, Document) and first.id == "r1" and first.meta["synthetic"] is True
    assert first.published == dt.date(2026, 3, 10) and first.fmt == "jsonl"
    assert first.title == "Checkpoint attack" and first.source == "Wire"
    assert bad_json.code == E_BAD_JSON.code and f"{path}:2" in bad_json.message  # type: ignore[union-attr]
    assert no_body.code == wrong_type.code == not_object.code == E_BAD_RECORD.code  # type: ignore[union-attr]
    line6 = json.dumps(no_id).encode()
    import hashlib

    assert isinstance(second, Document)
    assert second.raw_sha256 == hashlib.sha256(line6).hexdigest()
    assert second.id == second.raw_sha256[:16]
    assert second.published == dt.date(2026, 3, 12)
    assert isinstance(third, Document) and third.id == "7"
    assert "XYLOPHONE-COMMENT" not in third.text and third.published == dt.date(2026, 3, 10)
    assert isinstance(fourth, Document) and fourth.published is None
    assert fourth.meta["warnings"][0].startswith(E_BAD_DATE.code)


# ---------------------------------------------------------------------------------------------
# folders and bad files


def test_directory_with_mixed_files(tmp_path: Path) -> None:
    (tmp_path / "b_story.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "a_page.htm").write_text(PAGE, "utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "feed.ndjson").write_text(json.dumps({"text": ARTICLE}) + "\n", "utf-8")
    (sub / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    (tmp_path / "README.md").write_text("# notes", "utf-8")
    (tmp_path / "README").write_text("notes", "utf-8")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "c_empty.txt").write_bytes(b"  \n\t\n")
    (tmp_path / "d_binary.txt").write_bytes(b"\x00\x01\x02\x03garbage\x00" * 20)
    (tmp_path / "e_broken.txt").symlink_to(tmp_path / "does-not-exist.txt")
    locked = tmp_path / "f_locked.txt"
    locked.write_text(ARTICLE, "utf-8")
    locked.chmod(0)
    try:
        out = list(read_path(tmp_path))
    finally:
        locked.chmod(0o644)
    by_name = {
        Path(x.origin.split(":")[0] if x.origin.endswith(":1") else x.origin).name: x for x in out
    }
    assert sorted(by_name) == sorted(
        [
            "a_page.htm",
            "b_story.txt",
            "c_empty.txt",
            "d_binary.txt",
            "e_broken.txt",
            "f_locked.txt",
            "feed.ndjson",
            "photo.jpg",
        ]
    )
    assert isinstance(by_name["a_page.htm"], Document)
    assert isinstance(by_name["b_story.txt"], Document)
    assert isinstance(by_name["feed.ndjson"], Document)
    assert by_name["c_empty.txt"].code == E_EMPTY.code  # type: ignore[union-attr]
    assert by_name["d_binary.txt"].code == E_BINARY.code  # type: ignore[union-attr]
    assert by_name["e_broken.txt"].code == E_UNREADABLE.code  # type: ignore[union-attr]
    assert by_name["photo.jpg"].code == E_UNKNOWN_FORMAT.code  # type: ignore[union-attr]
    if IS_ROOT:  # root reads anything: the locked file is read like any other
        assert isinstance(by_name["f_locked.txt"], Document)
    else:
        assert by_name["f_locked.txt"].code == E_UNREADABLE.code  # type: ignore[union-attr]
    # sorted, depth-first order
    assert [Path(x.origin.rsplit(":", 1)[0]).name for x in out][:3] == [
        "a_page.htm",
        "b_story.txt",
        "c_empty.txt",
    ]


@pytest.mark.skipif(IS_ROOT, reason="root can read files with mode 000")
def test_unreadable_file_named_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, "utf-8")
    path.chmod(0)
    try:
        rej = _rej(list(read_path(path)), E_UNREADABLE.code)
    finally:
        path.chmod(0o644)
    assert str(path) in rej.message


def test_single_file_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert str(empty) in _rej(list(read_path(empty)), E_EMPTY.code).message
    binary = tmp_path / "blob.html"
    binary.write_bytes(bytes(range(256)) * 10)
    _rej(list(read_path(binary)), E_BINARY.code)
    other = tmp_path / "notes.docx"
    other.write_bytes(b"PK\x03\x04")
    _rej(list(read_path(other)), E_UNKNOWN_FORMAT.code)
    _rej(list(read_path(tmp_path / "missing.txt")), E_UNREADABLE.code)
    broken = tmp_path / "broken.jsonl"
    broken.symlink_to(tmp_path / "nowhere.jsonl")
    _rej(list(read_path(broken)), E_UNREADABLE.code)


# ---------------------------------------------------------------------------------------------
# encoding


def test_mojibake_is_repaired(tmp_path: Path) -> None:
    garbled = "The minister’s ‘final’ offer – rejected".encode().decode("cp1252").encode()
    assert b"\xc3\xa2\xe2\x82\xac" in garbled  # "â€" as UTF-8
    path = tmp_path / "m.txt"
    path.write_bytes(garbled)
    assert _doc(list(read_path(path))).text == "The minister’s ‘final’ offer – rejected"


def test_invalid_utf8_falls_back_to_a_legacy_encoding() -> None:
    text = "Protesters in Zürich and Besançon marched on Saturday – police said."
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode_bytes(raw) == text


def test_decode_bytes_basics() -> None:
    assert decode_bytes(b"\xef\xbb\xbfHello\r\nworld\rnow\x00") == "Hello\nworld\nnow"
    assert decode_bytes("Ceasefire holds".encode("utf-16")) == "Ceasefire holds"
    assert not looks_binary("Ceasefire holds".encode("utf-16"))
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert not looks_binary(b"plain text\n")


# ---------------------------------------------------------------------------------------------
# streams


def test_stream_sniffing() -> None:
    assert sniff_format(b'  \n{"text": "x"}') == "jsonl"
    assert sniff_format(b"<!DOCTYPE html><html>") == "html"
    assert sniff_format(b"Some <p>paragraph</p>") == "html"
    assert sniff_format(b"Plain words.") == "text"
    doc = _doc(list(read_stream(io.BytesIO(ARTICLE.encode()))))
    assert doc.origin == "<stdin>" and doc.fmt == "text"
    doc = _doc(list(read_stream(io.BytesIO(PAGE.encode()), name="page")))
    assert doc.fmt == "html" and "XYLOPHONE" not in doc.text
    out = list(read_stream(io.BytesIO(b'{"text": "One."}\n{"text": "Two."}\n')))
    assert [x.origin for x in out] == ["<stdin>:1", "<stdin>:2"]


def test_stream_limits_and_formats() -> None:
    _rej(list(read_stream(io.BytesIO(b"x" * 101), max_bytes=100)), E_TOO_LARGE.code)
    _rej(list(read_stream(io.BytesIO(b""))), E_EMPTY.code)
    _rej(list(read_stream(io.BytesIO(b"abc"), fmt="pdf")), E_UNKNOWN_FORMAT.code)
    doc = _doc(list(read_stream(io.BytesIO(b"{not json but text}"), fmt="text")))
    assert doc.text == "{not json but text}"


class _Broken(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise OSError(5, "Input/output error")


def test_stream_read_error() -> None:
    _rej(list(read_stream(_Broken())), E_UNREADABLE.code)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# properties

_PREFIXES = st.sampled_from(
    [
        b"",
        b"{",
        b"<html><body><p>",
        b"---\ndate: x\n---\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b'{"text": "',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_decode_bytes_never_raises(raw: bytes) -> None:
    text = decode_bytes(raw)
    assert isinstance(text, str)
    assert "\r" not in text and "\x00" not in text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PREFIXES, st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_read_stream_never_raises(prefix: bytes, body: bytes) -> None:
    out = list(read_stream(io.BytesIO(prefix + body), max_bytes=1000))
    assert out and all(isinstance(x, Document | Reject) for x in out)
    for x in out:
        if isinstance(x, Reject):
            assert x.code.startswith("FP-E") and x.origin in x.message


# --------------------------------------------------------------------------------------------------
# fast paths of the read stage, checked against their plain definitions

_FIX_PIECES = st.sampled_from(
    [
        "Rebels seized the town",
        " ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "<p>",
        "</p>",
        "a < b",
        "&amp;",
        "&quot;",
        "&eacute;",
        "&#x2019;",
        "AT&T",
        "&",
        "\x00",
        "\x07",
        "\x0c",
        "\x1b[31m",
        "\x7f",
        "\x85",
        "\x96",
        "\u2028",
        "\u2029",
        "caf\u00e9",
        "\u2019",
        "\u00e2\u20ac\u2122",  # "’" read as Windows-1252
        "\u00c3\u00a9",  # "é" read as Latin-1
        "\u00c3 ",
        "\ufb01",
        "\uff21\uff22",
        "e\u0301",
        "\ud83d",
        "\u0417\u0430\u044f\u0432\u043b\u0435\u043d\u0438\u0435",
    ]
)
_FIX_TEXT = st.lists(_FIX_PIECES | st.text(max_size=40), max_size=60).map("".join) | st.text(
    max_size=300
)


def _repair_reference(text: str) -> str:
    """`repair_text` as first written: ftfy over the whole text, then newlines and NUL."""
    import ftfy

    from flashpoint.ingest import encoding

    fixed = ftfy.fix_text(text.replace("\x00", ""), encoding._FTFY)
    return encoding._NEWLINES.sub("\n", fixed).replace("\x00", "")


@settings(max_examples=1500, deadline=None)
@given(_FIX_TEXT)
def test_fix_text_equals_ftfy(text: str) -> None:
    import ftfy

    from flashpoint.ingest import encoding

    assert encoding._fix_text(text) == ftfy.fix_text(text, encoding._FTFY)
    assert encoding.repair_text(text) == _repair_reference(text)


def test_fix_text_equals_ftfy_on_long_and_html_lines() -> None:
    import ftfy

    from flashpoint.ingest import encoding

    page = PAGE.replace("</title>", " &amp; caf\u00c3\u00a9</title>")
    long_line = "word &amp; " * 2000
    texts = [
        PAGE,
        page,
        "AT&amp;T\n" + page + "\nAT&amp;T &eacute;\r\n",
        "&amp; first\n&lt;b&gt; second\nthird <i>\n&amp; after\n",
        long_line,
        long_line + "\n<p>" + long_line + "\u00e2\u20ac\u2122\n" + long_line,
        # longer than ftfy's segment cap: ftfy cuts the line itself
        "x" * (encoding._FTFY.max_decode_length + 5) + "&amp;\n&amp;",
    ]
    for text in texts:
        assert encoding._fix_text(text) == ftfy.fix_text(text, encoding._FTFY)
        assert encoding.repair_text(text) == _repair_reference(text)


def _looks_binary_reference(raw: bytes) -> bool:
    """`looks_binary` as first written: a Python count of the control bytes."""
    from flashpoint.ingest import encoding

    head = raw[: encoding._SNIFF]
    if not head or encoding._wide_codec(head) is not None:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in encoding._CONTROL)
    return controls / len(head) > encoding._BINARY_SHARE


_BYTE_PIECES = st.sampled_from(
    [b"text ", b"\x01", b"\x07\x08", b"\t\n\r\x0c\x1b", b"\x7f", b"\x00", b"\xff\xfe", b"\xe2\x80"]
)


@settings(max_examples=800, deadline=None)
@given(
    st.lists(_BYTE_PIECES | st.binary(max_size=30), max_size=80).map(b"".join),
    st.integers(min_value=0, max_value=9000),
)
def test_looks_binary_equals_the_plain_count(raw: bytes, pad: int) -> None:
    for data in (raw, raw * 3, b"a" * pad + raw, raw + b"a" * pad):
        assert looks_binary(data) == _looks_binary_reference(data)


def test_html_prune_list_is_cached_and_reread_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashpoint.ingest import readers

    assert "//nav" in readers._html_prune()
    data = tmp_path / "boilerplate.yaml"
    data.write_text("html_prune:\n  - '//nav'\n", encoding="utf-8")
    monkeypatch.setattr(readers, "_PRUNE_FILE", data)
    assert readers._html_prune() == ["//nav"]
    data.write_text("html_prune:\n  - '//aside'\n", encoding="utf-8")
    os.utime(data, (time.time() + 5, time.time() + 5))
    assert readers._html_prune() == ["//aside"]
    data.unlink()
    assert readers._html_prune() == []


# A page's metadata where no <meta> tag gives it: JSON-LD, the <title> and canonical link, a
# byline in the body; and handles ("@name") that are no byline or site name.
_META_BODY = (
    "<body><main><article><h1>Troops cross the border</h1><p class='byline'>By Ana Ruiz</p>"
    + "".join(
        f"<p>Paragraph {i}: soldiers crossed the river at dawn and took positions near the "
        "town, officials said on Tuesday.</p>"
        for i in range(4)
    )
    + "</article></main></body>"
)
_JSON_LD = (
    '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Troops cross the '
    'border", "author": {"@type": "Person", "name": "Jane Q Writer"}, "datePublished": '
    '"2025-03-04T10:00:00Z", "publisher": {"@type": "Organization", "name": "Harbor Post"}}'
)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            f'<script type="application/ld+json">{_JSON_LD}</script>',
            {"date": "2025-03-04", "sitename": "Harbor Post", "author": "Jane Q Writer"},
        ),
        (
            "<title>Troops cross the border | Harbor Post</title>"
            '<link rel="canonical" href="https://harbor.example/a/2">',
            {
                "url": "https://harbor.example/a/2",
                "sitename": "harbor.example",
                "author": "Ana Ruiz",
            },
        ),
        (
            '<title>Troops cross the border</title><meta name="author" content="@anaruiz">'
            '<meta property="og:site_name" content="@harborpost">'
            '<meta property="article:published_time" content="2025-03-05">',
            {"date": "2025-03-05", "sitename": "Harborpost", "author": "Ana Ruiz"},
        ),
    ],
    ids=["json-ld", "title-and-canonical", "handles"],
)
def test_html_metadata_from_the_page(head: str, expected: dict[str, str]) -> None:
    from flashpoint.ingest.readers import extract_html

    found = extract_html(f"<html><head>{head}</head>{_META_BODY}</html>")
    assert found is not None
    text, meta = found
    assert meta == {"title": "Troops cross the border", **expected}
    assert text.startswith("Troops cross the border\n\nParagraph 0:")  # the byline is no text


def test_html_prune_is_applied_and_compiled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashpoint.ingest import readers

    page = (
        "<html><body><main><article><h1>Rebels take the port</h1>"
        + "<p>Rebels took the port of the city on Monday after a week of fighting there.</p>" * 3
        + "<div class='promo-box'><p>PROMO-MARKER subscribe to our paper for the full story "
        "and many other stories.</p></div></article></main></body></html>"
    )
    data = tmp_path / "boilerplate.yaml"
    data.write_text("html_prune:\n  - '//nav'\n", encoding="utf-8")
    monkeypatch.setattr(readers, "_PRUNE_FILE", data)
    found = readers.extract_html(page)
    assert found is not None and "PROMO-MARKER" in found[0]
    data.write_text("html_prune:\n  - '//*[@class=\"promo-box\"]'\n", encoding="utf-8")
    os.utime(data, (time.time() + 5, time.time() + 5))
    readers._compiled.cache_clear()
    for _ in range(3):
        found = readers.extract_html(page)
        assert found is not None and "PROMO-MARKER" not in found[0]
    assert readers._compiled.cache_info().misses == 1  # compiled once, not per page
