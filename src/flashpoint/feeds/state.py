"""Crawl state, kept in the event store next to the articles it produced.

`feed_state` remembers each feed's validators (ETag, Last-Modified) and last poll. `fetch_queue`
holds every URL ever found, keyed by the URL, so none is fetched twice: `pending` (to fetch),
`fetched` (the body is saved, the article not yet written), `done` (stored) or `failed` (a
reject says why). `fetch_log` has one row per HTTP request.

Crash safety comes from the order of the writes. A feed's entries are enqueued in the same
transaction that saves its new validators, so a 304 can never hide entries that were not
queued. A fetched body is saved before it is coded, so a crash while coding costs no refetch.
An article's id is derived from its URL (`urls.article_id`): the stored article itself shows
that its URL is done, so a crash between writing the article and marking the URL done is
repaired by `reconcile` at the next start without fetching anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..model import Reject
from ..store import Store
from .fetch import Attempt, Fetched
from .parse import Entry, Page
from .urls import article_id

DDL = [
    """CREATE TABLE IF NOT EXISTS feed_state (
      feed_url VARCHAR PRIMARY KEY, name VARCHAR, etag VARCHAR, last_modified VARCHAR,
      last_poll TIMESTAMP, last_status INTEGER, last_error VARCHAR, polls INTEGER,
      entries INTEGER)""",
    """CREATE TABLE IF NOT EXISTS fetch_queue (
      url VARCHAR PRIMARY KEY, seq BIGINT, kind VARCHAR, feed_url VARCHAR, entry_title VARCHAR,
      entry_published DATE, entry_id VARCHAR, status VARCHAR, attempts INTEGER,
      next_try TIMESTAMP, outcome VARCHAR, http_status INTEGER, final_url VARCHAR,
      content_type VARCHAR, body BLOB, article_id VARCHAR, discovered_at TIMESTAMP,
      fetched_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS fetch_log (
      requested_at TIMESTAMP, url VARCHAR, attempt INTEGER, http_status INTEGER, outcome VARCHAR,
      bytes BIGINT, elapsed_ms INTEGER)""",
    "CREATE INDEX IF NOT EXISTS fetch_queue_status ON fetch_queue (status)",
]

PENDING, FETCHED, DONE, FAILED = "pending", "fetched", "done", "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class FeedState:
    etag: str | None
    last_modified: str | None
    last_poll: dt.datetime | None


@dataclass(frozen=True)
class QueueItem:
    url: str
    kind: str  # article (found in a feed) | page (listed in the feeds file)
    status: str
    attempts: int
    page: Page
    body: bytes | None = None
    content_type: str | None = None


class CrawlState:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.con = store.con
        for statement in DDL:
            self.con.execute(statement)

    # ------------------------------------------------------------------ feeds
    def feed(self, url: str) -> FeedState | None:
        row = self.con.execute(
            "SELECT etag, last_modified, last_poll FROM feed_state WHERE feed_url = ?", [url]
        ).fetchone()
        return FeedState(*row) if row else None

    def feed_polled(
        self, url: str, name: str | None, fetched: Fetched, entries: Iterable[Entry], note: str
    ) -> int:
        """Enqueue a feed's entries and save its validators, in one transaction; new URLs."""
        with self.store.transaction():
            added = self._enqueue(entries, "article", url)
            if fetched.not_modified:
                self._touch_feed(url, name, fetched.status, note)
            else:  # a 200 without validators clears the old ones: they no longer apply
                self.con.execute(
                    """INSERT INTO feed_state VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                       ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name,
                       etag = excluded.etag, last_modified = excluded.last_modified,
                       last_poll = excluded.last_poll, last_status = excluded.last_status,
                       last_error = excluded.last_error, polls = feed_state.polls + 1,
                       entries = feed_state.entries + excluded.entries""",
                    [
                        url,
                        name,
                        fetched.etag,
                        fetched.last_modified,
                        _now(),
                        fetched.status,
                        note or None,
                        added,
                    ],
                )
        return added

    def feed_failed(self, url: str, name: str | None, fetched: Fetched, why: Reject) -> None:
        with self.store.transaction():
            self.store.record_rejects([why])
            self._touch_feed(url, name, fetched.status, why.message)

    def _touch_feed(self, url: str, name: str | None, status: int, note: str) -> None:
        self.con.execute(
            """INSERT INTO feed_state VALUES (?, ?, NULL, NULL, ?, ?, ?, 1, 0)
               ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name,
               last_poll = excluded.last_poll, last_status = excluded.last_status,
               last_error = excluded.last_error, polls = feed_state.polls + 1""",
            [url, name, _now(), status, note or None],
        )

    # ------------------------------------------------------------------ queue
    def enqueue_pages(self, urls: Iterable[str]) -> int:
        with self.store.transaction():
            return self._enqueue((Entry(u) for u in urls), "page", None)

    def _enqueue(self, entries: Iterable[Entry], kind: str, feed_url: str | None) -> int:
        fresh = {e.url: e for e in entries}
        if not fresh:
            return 0
        known = self.con.execute(
            "SELECT url FROM fetch_queue WHERE url IN (SELECT unnest(?))", [list(fresh)]
        ).fetchall()
        for (url,) in known:
            fresh.pop(url)
        seq = int(self.store.scalar("SELECT coalesce(max(seq), 0) FROM fetch_queue"))
        now = _now()
        rows = [
            [e.url, seq + i, kind, feed_url, e.title, e.published, e.entry_id, PENDING, 0, now]
            for i, e in enumerate(fresh.values(), start=1)
        ]
        if rows:
            self.con.executemany(
                """INSERT INTO fetch_queue (url, seq, kind, feed_url, entry_title,
                   entry_published, entry_id, status, attempts, discovered_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
        return len(rows)

    def reconcile(self) -> int:
        """Mark done every queued URL whose article is already stored (a crash came between)."""
        open_urls = [
            r[0]
            for r in self.con.execute(
                "SELECT url FROM fetch_queue WHERE status IN (?, ?)", [PENDING, FETCHED]
            ).fetchall()
        ]
        ids = {article_id(u): u for u in open_urls}
        stored = self.store.known_articles(list(ids))
        for aid in stored:
            self.done(ids[aid], aid)
        return len(stored)

    def due(self, limit: int) -> list[QueueItem]:
        """Fetched bodies first (no request needed), then pending URLs in discovery order."""
        cur = self.con.execute(
            """SELECT url, kind, status, attempts, feed_url, entry_title, entry_published,
                      final_url, body, content_type
               FROM fetch_queue
               WHERE status = ? OR (status = ? AND (next_try IS NULL OR next_try <= ?))
               ORDER BY status = ? DESC, seq LIMIT ?""",
            [FETCHED, PENDING, _now(), FETCHED, limit],
        )
        return [_item(row) for row in cur.fetchall()]

    def save_body(self, url: str, fetched: Fetched) -> None:
        self.con.execute(
            """UPDATE fetch_queue SET status = ?, attempts = attempts + 1, http_status = ?,
               final_url = ?, content_type = ?, body = ?, fetched_at = ? WHERE url = ?""",
            [
                FETCHED,
                fetched.status,
                fetched.final_url,
                fetched.content_type,
                fetched.body,
                _now(),
                url,
            ],
        )

    def done(self, url: str, aid: str, outcome: str = "stored") -> None:
        self.con.execute(
            """UPDATE fetch_queue SET status = ?, outcome = ?, article_id = ?, body = NULL
               WHERE url = ?""",
            [DONE, outcome, aid, url],
        )

    def fail(self, url: str, why: Reject, fetched: Fetched | None = None) -> None:
        """Give a URL up: its reject and its queue row change together."""
        with self.store.transaction():
            self.store.record_rejects([why])
            self.con.execute(
                """UPDATE fetch_queue SET status = ?, outcome = ?, body = NULL,
                   attempts = attempts + ?, http_status = coalesce(?, http_status),
                   final_url = coalesce(?, final_url) WHERE url = ?""",
                [
                    FAILED,
                    why.code,
                    1 if fetched else 0,
                    fetched.status if fetched else None,
                    fetched.final_url if fetched else None,
                    url,
                ],
            )

    def defer(self, url: str, fetched: Fetched, next_try: dt.datetime) -> None:
        """Try again in a later cycle: a timeout, a 5xx, a 429 or a long Retry-After."""
        self.con.execute(
            """UPDATE fetch_queue SET attempts = attempts + 1, next_try = ?, outcome = ?,
               http_status = ? WHERE url = ?""",
            [next_try, fetched.error.code if fetched.error else None, fetched.status, url],
        )

    def log(self, attempt: Attempt) -> None:
        self.con.execute(
            "INSERT INTO fetch_log VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                _now(),
                attempt.url,
                attempt.attempt,
                attempt.status,
                attempt.outcome,
                attempt.nbytes,
                attempt.elapsed_ms,
            ],
        )

    def counts(self) -> dict[str, int]:
        rows = self.con.execute(
            "SELECT status, count(*) FROM fetch_queue GROUP BY status"
        ).fetchall()
        return {status: int(n) for status, n in rows}


def _item(row: tuple[Any, ...]) -> QueueItem:
    url, kind, status, attempts, feed_url, title, published, final_url, body, ctype = row
    page = Page(url, feed_url, title, published, final_url)
    return QueueItem(url, kind, status, int(attempts), page, body, ctype)
