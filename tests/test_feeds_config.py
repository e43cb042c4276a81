"""The feeds file, URL checks and Retry-After: case tables and properties (no network)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.errors import E_DATA_SCHEMA, E_FEEDS_CONFIG, E_URL_REFUSED, FlashpointError
from flashpoint.feeds.config import load_defaults, load_watch_config, parse_watch_config
from flashpoint.feeds.fetch import parse_retry_after
from flashpoint.feeds.urls import UrlRefused, article_id, check_url, host_of, resolve_redirect

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = load_defaults()


# ---------------------------------------------------------------------------------------- URLs

URL_CASES = [
    # (given, normalised or None when refused)
    ("http://Example.ORG", "http://example.org/"),
    ("https://example.org:443/a?b=1#frag", "https://example.org/a?b=1"),
    ("http://example.org:8080/a", "http://example.org:8080/a"),
    ("  http://example.org/a  ", "http://example.org/a"),
    ("http://[::1]:8000/x", "http://[::1]:8000/x"),
    ("http://bücher.example/", "http://xn--bcher-kva.example/"),
    ("HTTP://example.org./", "http://example.org/"),
    ("file:///etc/passwd", None),
    ("FILE:///etc/passwd", None),
    ("ftp://example.org/pub/a.txt", None),
    ("data:text/html,<p>x</p>", None),
    ("javascript:alert(1)", None),
    ("gopher://example.org/", None),
    ("/news/a.html", None),
    ("news/a.html", None),
    ("//example.org/a", None),
    ("http:///a", None),
    ("http://exa mple.org/", None),
    ("http://example.org:99999/", None),
    ("http://[zz]/", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "expected"), URL_CASES)
def test_check_url(url: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(UrlRefused):
            check_url(url)
    else:
        assert check_url(url) == expected


@pytest.mark.parametrize(
    ("current", "location", "expected"),
    [
        ("http://a.org/x/y", "/z", "http://a.org/z"),
        ("http://a.org/x/y", "z", "http://a.org/x/z"),
        ("http://a.org/x", "https://b.org/", "https://b.org/"),
        ("http://a.org/x", "file:///etc/passwd", None),
        ("http://a.org/x", "ftp://a.org/x", None),
    ],
)
def test_redirect_targets(current: str, location: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(UrlRefused):
            resolve_redirect(current, location)
    else:
        assert resolve_redirect(current, location) == expected


def test_host_and_article_id() -> None:
    assert host_of("http://u:p@a.org:81/x") == "a.org:81"
    assert article_id("http://a.org/x") == article_id("http://a.org/x")
    assert article_id("http://a.org/x") != article_id("http://a.org/y")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_checked_url_or_refused(text: str) -> None:
    try:
        url = check_url(text)
    except UrlRefused:
        return
    assert url.split("://", 1)[0] in ("http", "https")
    assert "#" not in url
    assert check_url(url) == url  # normalising twice changes nothing


HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
PATHS = st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,4}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    HOSTS,
    st.one_of(st.none(), st.integers(1, 65535)),
    PATHS,
)
def test_every_http_url_is_accepted(scheme: str, host: str, port: int | None, path: str) -> None:
    netloc = host if port is None else f"{host}:{port}"
    url = check_url(f"{scheme}://{netloc}{path}")
    assert url.startswith(scheme.lower() + "://" + host)
    assert check_url(url) == url


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9+.-]{0,8}", fullmatch=True).filter(
        lambda s: s not in ("http", "https")
    ),
    HOSTS,
    PATHS,
)
def test_every_other_scheme_is_refused(scheme: str, host: str, path: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(f"{scheme}://{host}{path}")


# ---------------------------------------------------------------------------------------- file


def parse(data: Any) -> Any:
    return parse_watch_config(data, "feeds.yaml", Path("/cfg"), DEFAULTS)


def test_a_full_feeds_file() -> None:
    cfg = parse(
        {
            "version": 1,
            "db": "watch.duckdb",
            "watchlists": "/abs/watchlists.yaml",
            "interval": 60,
            "user_agent": "flashpoint/{version} (ops@example.org)",
            "feeds": [
                "https://a.example/rss.xml",
                {"url": "https://b.example/atom", "name": "B", "interval": 600},
                "https://a.example/rss.xml",
            ],
            "pages": ["https://c.example/story.html"],
            "limits": {"min_interval": 0.5, "max_bytes": 1000, "retries": 0},
        }
    )
    assert [f.url for f in cfg.feeds] == ["https://a.example/rss.xml", "https://b.example/atom"]
    assert [cfg.every(f) for f in cfg.feeds] == [60.0, 600.0]
    assert cfg.feeds[1].name == "B"
    assert cfg.pages == ("https://c.example/story.html",)
    assert cfg.db == Path("/cfg/watch.duckdb")
    assert cfg.watchlists == Path("/abs/watchlists.yaml")
    assert cfg.limits.min_interval == 0.5 and cfg.limits.max_bytes == 1000
    assert cfg.limits.retries == 0
    assert cfg.limits.read_timeout == DEFAULTS.limits["read_timeout"]
    assert cfg.user_agent.startswith("flashpoint/") and "{version}" not in cfg.user_agent
    assert cfg.refused == ()


def test_refused_urls_become_rejects_and_the_rest_is_watched() -> None:
    cfg = parse(
        {
            "feeds": ["file:///etc/passwd", "https://a.example/rss.xml"],
            "pages": ["ftp://b.example/x", "data:text/plain,hi", "/relative.html"],
        }
    )
    assert [f.url for f in cfg.feeds] == ["https://a.example/rss.xml"]
    assert cfg.pages == ()
    assert [r.origin for r in cfg.refused] == [
        "file:///etc/passwd",
        "ftp://b.example/x",
        "data:text/plain,hi",
        "/relative.html",
    ]
    assert {r.code for r in cfg.refused} == {E_URL_REFUSED.code}
    assert "feeds[0].url" in cfg.refused[0].message


BAD_FILES = [
    # (feeds file, words the FP-E070 message must hold)
    ([], "mapping"),
    ({"feeds": "https://a.example/rss"}, "feeds must be a list"),
    ({"feeds": [{"url": "https://a.example/", "every": 5}]}, "unknown key(s) 'every'"),
    ({"feeds": [{"name": "no url"}]}, "feeds[0].url must be a URL"),
    ({"feeds": [42]}, "feeds[0].url must be a URL"),
    ({"feeds": ["https://a.example/"], "limits": {"read_timeout": 0}}, "read_timeout must be > 0"),
    ({"feeds": ["https://a.example/"], "limits": {"retries": 1.5}}, "whole number"),
    ({"feeds": ["https://a.example/"], "limits": {"retries": True}}, "whole number"),
    ({"feeds": ["https://a.example/"], "limits": {"backoff": -1}}, "backoff must be >= 0"),
    ({"feeds": ["https://a.example/"], "limits": {"speed": 1}}, "unknown key 'speed'"),
    ({"feeds": ["https://a.example/"], "limits": [1]}, "limits must be a mapping"),
    ({"feeds": ["https://a.example/"], "interval": "5m"}, "interval must be a number"),
    ({"feeds": ["https://a.example/"], "feeds2": []}, "unknown key 'feeds2'"),
    ({"feeds": ["https://a.example/"], "version": 2}, "version must be 1"),
    ({"feeds": ["https://a.example/"], "db": 3}, "db must be a file path"),
    ({"feeds": ["https://a.example/"], "user_agent": ""}, "user_agent"),
    ({"pages": "https://a.example/x"}, "pages must be a list"),
    ({}, "nothing to watch"),
    ({"feeds": ["file:///etc/passwd"]}, "nothing to watch"),
]


@pytest.mark.parametrize(("data", "words"), BAD_FILES)
def test_bad_feeds_files_name_the_problem(data: Any, words: str) -> None:
    with pytest.raises(FlashpointError) as info:
        parse(data)
    assert info.value.code == E_FEEDS_CONFIG
    assert words in str(info.value)
    assert str(info.value).startswith("FP-E070 feeds.yaml: ")


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(FlashpointError) as info:
        parse({"feeds": [1], "limits": {"retries": -1}, "colour": "red"})
    message = str(info.value)
    assert "colour" in message and "retries" in message and "feeds[0]" in message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FILES = st.fixed_dictionaries(
    {},
    optional={
        "feeds": st.lists(
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(["https://a.example/rss", "file:///x", "/rel"]),
                st.dictionaries(st.sampled_from(["url", "name", "interval", "other"]), JSON_VALUES),
            ),
            max_size=4,
        ),
        "pages": JSON_VALUES,
        "limits": st.dictionaries(st.sampled_from(sorted(DEFAULTS.limits) + ["x"]), JSON_VALUES),
        "interval": JSON_VALUES,
        "db": JSON_VALUES,
    },
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(FILES, JSON_VALUES))
def test_any_feeds_file_is_parsed_or_named_as_bad(data: Any) -> None:
    try:
        cfg = parse(data)
    except FlashpointError as exc:
        assert exc.code == E_FEEDS_CONFIG
        return
    assert cfg.feeds or cfg.pages
    for url in [f.url for f in cfg.feeds] + list(cfg.pages):
        assert check_url(url) == url
    assert all(r.code == E_URL_REFUSED.code for r in cfg.refused)


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - https://a.example/rss\nwatchlists: lists/w.yaml\n")
    cfg = load_watch_config(path)
    assert cfg.watchlists == tmp_path / "lists" / "w.yaml"
    assert cfg.db is None
    path.write_text("feeds: [https://a.example/rss\n")
    with pytest.raises(FlashpointError, match="FP-E070 .*not valid YAML"):
        load_watch_config(path)


def test_the_example_feeds_file_is_valid() -> None:
    cfg = load_watch_config(ROOT / "examples" / "feeds.yaml")
    assert cfg.feeds and cfg.refused == ()


# ------------------------------------------------------------------------------ defaults (data)


def test_shipped_defaults_pass_their_schema() -> None:
    assert DEFAULTS.limits["max_bytes"] > 0
    assert DEFAULTS.user_agent.startswith("flashpoint/")


@pytest.mark.parametrize(
    ("yaml_text", "words"),
    [
        ("version: 2\n", "version must be 1"),
        ("version: 1\ninterval: 5\nuser_agent: x\nlimits: {}\n", "exactly the keys"),
        ("version: 1\ninterval: soon\nuser_agent: x\nlimits: {}\n", "interval"),
    ],
)
def test_broken_defaults_are_a_schema_error(tmp_path: Path, yaml_text: str, words: str) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "defaults.yaml").write_text(yaml_text)
    with pytest.raises(FlashpointError) as info:
        load_defaults(tmp_path)
    assert info.value.code == E_DATA_SCHEMA and words in str(info.value)


def test_a_bad_limit_in_the_defaults_is_named(tmp_path: Path) -> None:
    text = (ROOT / "src/flashpoint/data/feeds/defaults.yaml").read_text()
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "defaults.yaml").write_text(
        text.replace("max_redirects: 5", "max_redirects: -5")
    )
    with pytest.raises(FlashpointError, match="limits.max_redirects"):
        load_defaults(tmp_path)


# --------------------------------------------------------------------------------- Retry-After

NOW = dt.datetime(2026, 3, 10, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Tue, 10 Mar 2026 12:01:00 GMT", 60.0),
        ("Tue, 10 Mar 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_retry_after_never_raises(value: str) -> None:
    seconds = parse_retry_after(value, NOW)
    assert seconds is None or seconds >= 0


# ------------------------------------------------------------------------------ pages to docs

HTML_PAGE = (ROOT / "tests/fixtures/feeds/articles/patrol-vessels.html").read_bytes()
TEXT_PAGE = b"Japan pledged five patrol vessels to the Philippine coast guard on Monday.\n"


@pytest.mark.parametrize(
    ("content_type", "body", "fmt", "code"),
    [
        ("text/html; charset=utf-8", HTML_PAGE, "html", None),
        ("application/xhtml+xml", HTML_PAGE, "html", None),
        ("application/octet-stream", HTML_PAGE, "html", None),  # sniffed
        ("text/plain", TEXT_PAGE, "text", None),
        ("", b'{"id": "x", "text": "not read as JSON Lines"}', "text", None),
        ("text/html", b"<html><body><nav>Home</nav></body></html>", None, "FP-E008"),
        ("application/pdf", b"%PDF-1.4\x00\x01\x02\x03" * 50, None, "FP-E002"),
        ("text/html", b"", None, "FP-E001"),
    ],
)
def test_a_fetched_page_becomes_a_document_keyed_by_its_url(
    content_type: str, body: bytes, fmt: str | None, code: str | None
) -> None:
    from flashpoint.feeds.parse import Page, page_document

    url = "https://example.org/a.html"
    page = Page(url, "https://example.org/rss", "Entry title", dt.date(2026, 9, 8))
    doc = page_document(page, body, content_type, 100_000)
    if code is not None:
        assert doc.code == code and doc.origin == url
        return
    assert doc.fmt == fmt
    assert doc.id == article_id(url) and doc.origin == url and doc.url == url
    assert doc.published == dt.date(2026, 9, 8)  # the feed entry's date
    assert doc.title  # the page's own title, else the entry's
    assert doc.meta["fetched"]["feed"] == "https://example.org/rss"
    if fmt == "text":
        assert doc.title == "Entry title"


def test_a_feed_without_entries_or_root_is_named(tmp_path: Path) -> None:
    from flashpoint.feeds.parse import parse_feed

    html = parse_feed(b"<html><body><p>a page</p></body></html>", "http://a.org/f", 10)
    assert html.code == "FP-E075"
    empty = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        "http://a.org/f",
        10,
    )
    assert not hasattr(empty, "code") and empty.entries == ()


def test_an_external_entity_in_a_feed_is_not_read() -> None:
    from flashpoint.feeds.parse import parse_feed

    feed = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>A &x; B</title>'
        b"<link>http://a.org/x</link></item></channel></rss>"
    )
    parsed = parse_feed(feed, "http://a.org/f", 10)
    assert [e.url for e in parsed.entries] == ["http://a.org/x"]
    assert "root" not in (parsed.entries[0].title or "")


def test_max_entries_per_feed() -> None:
    from flashpoint.feeds.parse import parse_feed

    items = b"".join(b"<item><link>http://a.org/%d</link></item>" % i for i in range(20))
    parsed = parse_feed(b'<rss version="2.0"><channel>' + items + b"</channel></rss>", "f", 5)
    assert [e.url for e in parsed.entries] == [f"http://a.org/{i}" for i in range(5)]
