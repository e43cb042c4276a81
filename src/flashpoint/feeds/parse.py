"""Feeds to entries, fetched pages to `Document`s.

feedparser reads RSS and Atom from the bytes the fetcher got, through a stream: given a string
it would fetch a URL or open a local file of that name itself, which a feed must never make it do.
An article page goes through the same reader as `flashpoint ingest` (`read_stream`), then takes
its URL as origin and id, and the feed entry's title and date where the page has none.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass, replace
from typing import Any

import feedparser

from ..errors import E_FEED_PARSE, E_URL_REFUSED, ErrorCode
from ..ingest.readers import read_stream, sniff_format
from ..model import Document, Reject
from .urls import UrlRefused, article_id, check_url


@dataclass(frozen=True)
class Entry:
    """A link found in a feed, with what the feed says about it."""

    url: str
    title: str | None = None
    published: dt.date | None = None
    entry_id: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    refused: tuple[Reject, ...]  # entries whose link is missing or not absolute http(s)
    warning: str | None = None  # feedparser read it despite errors


@dataclass(frozen=True)
class Page:
    """What the queue knows about an article URL when its body is turned into a document."""

    url: str
    feed_url: str | None = None
    entry_title: str | None = None
    entry_published: dt.date | None = None
    final_url: str | None = None


def reject(origin: str, code: ErrorCode, detail: str, raw_sha256: str = "") -> Reject:
    return Reject(origin, code.code, f"{code.code} {origin}: {detail}", raw_sha256)


def parse_feed(body: bytes, feed_url: str, max_entries: int) -> ParsedFeed | Reject:
    """The entries of an RSS or Atom document, or an FP-E075 reject when it is none."""
    parsed = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=False)
    problem = parsed.get("bozo_exception")
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        why = f"{type(problem).__name__}: {problem}" if problem else "no RSS or Atom root element"
        return reject(feed_url, E_FEED_PARSE, f"{E_FEED_PARSE.title} ({why})")
    entries: dict[str, Entry] = {}
    refused: list[Reject] = []
    for index, raw in enumerate(parsed.entries[:max_entries]):
        item = _entry(raw, feed_url, index)
        if isinstance(item, Reject):
            refused.append(item)
        else:
            entries.setdefault(item.url, item)
    warning = f"read despite {type(problem).__name__}: {problem}" if problem else None
    return ParsedFeed(tuple(entries.values()), tuple(refused), warning)


def _entry(raw: Any, feed_url: str, index: int) -> Entry | Reject:
    link = _link(raw)
    if link is None:
        return reject(
            f"{feed_url}#entry-{index + 1}",
            E_URL_REFUSED,
            "the feed entry has no link to fetch",
        )
    try:
        url = check_url(link)
    except UrlRefused as exc:
        return reject(link, E_URL_REFUSED, f"in feed {feed_url}: {exc}")
    title = raw.get("title")
    title = " ".join(title.split()) if isinstance(title, str) else ""
    return Entry(
        url=url,
        title=title or None,
        published=_date(raw.get("published_parsed") or raw.get("updated_parsed")),
        entry_id=raw.get("id") if isinstance(raw.get("id"), str) else None,
    )


def _link(raw: Any) -> str | None:
    link = raw.get("link")
    if isinstance(link, str) and link.strip():
        return link
    for item in raw.get("links") or []:
        href = item.get("href")
        if isinstance(href, str) and href.strip() and item.get("rel", "alternate") == "alternate":
            return href
    return None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    except ValueError:
        return None


def _format(content_type: str, body: bytes) -> str:
    """html or text; a page is never read as JSON Lines, whatever it starts with."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if "html" in mime:
        return "html"
    if mime == "text/plain":
        return "text"
    return "html" if sniff_format(body) == "html" else "text"


def page_document(page: Page, body: bytes, content_type: str, max_bytes: int) -> Document | Reject:
    """The article of a fetched page, keyed by its URL, or the reader's reject."""
    fmt = _format(content_type, body)
    items = list(read_stream(io.BytesIO(body), name=page.url, fmt=fmt, max_bytes=max_bytes))
    first = items[0]
    if isinstance(first, Reject):
        return first
    meta = dict(first.meta)
    meta["fetched"] = {
        "feed": page.feed_url,
        "entry_title": page.entry_title,
        "entry_published": page.entry_published.isoformat() if page.entry_published else None,
        "final_url": page.final_url or page.url,
    }
    return replace(
        first,
        id=article_id(page.url),
        url=page.url,
        # The feed's date is the publisher's own metadata; the page's is extracted from markup.
        published=page.entry_published or first.published,
        title=first.title or page.entry_title,
        meta=meta,
    )
