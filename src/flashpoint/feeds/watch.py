"""The watch loop: poll feeds, fetch new articles, code and store them, evaluate the watchlists.

A cycle opens the store, repairs what a crash left (`CrawlState.reconcile`, then the dedup
catch-up the ingest engine does too), polls the feeds that are due, enqueues the configured
pages, fetches and stores due articles one by one, brings stories and canonical events up to
date and runs the watchlists. The store is closed between cycles, so `flashpoint events` or
`summary` can read it while the watcher sleeps. Every failure is a recorded reject and the cycle
goes on; a stop request (Ctrl-C) is honoured between two fetches.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..dedup import get_deduplicator
from ..engine import code_documents, data_version
from ..errors import E_HTTP_STATUS, FlashpointError
from ..model import Document, Reject
from ..pipeline import Config, Pipeline
from ..store import Store
from .alerting import Alerting
from .config import Feed, WatchConfig
from .fetch import Fetched, Fetcher
from .parse import ParsedFeed, page_document, parse_feed, reject
from .state import CrawlState, QueueItem

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.8, */*;q=0.5"
# Slack when deciding whether a feed is due, so a feed polled at the start of the last cycle is
# due again at the start of this one although a few milliseconds less than `interval` passed.
DUE_SLACK_S = 1.0
# A reader (`flashpoint events`) may hold the store when a cycle starts: wait this long for it.
STORE_WAIT_S = 30.0

Hook = Callable[[str, str], None]  # (step, url): "fetched", "written" and "done" of an article


@dataclass
class CycleReport:
    cycle: int
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    discovered: int = 0  # new URLs queued
    fetched: int = 0  # article requests that brought a body
    stored: int = 0
    events: int = 0
    deferred: int = 0  # URLs left for a later cycle after a timeout, a 5xx or a 429
    rejects: list[Reject] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    queue: dict[str, int] = field(default_factory=dict)  # URLs by status after the cycle
    stopped: bool = False


@dataclass
class RunTotals:
    """What a run of many cycles did; only the last cycle's report is kept."""

    cycles: int = 0
    stored: int = 0
    events: int = 0
    rejected: int = 0
    alerts: int = 0
    last: CycleReport | None = None

    def add(self, report: CycleReport) -> None:
        self.cycles += 1
        self.stored += report.stored
        self.events += report.events
        self.rejected += len(report.rejects)
        self.alerts += len(report.alerts)
        self.last = report


class Watcher:
    def __init__(
        self,
        config: WatchConfig,
        db: Path,
        *,
        pipeline: Pipeline | None = None,
        pipeline_config: Config | None = None,
        watchlists: Path | None = None,
        stop: threading.Event | None = None,
        hook: Hook | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.stop = stop or threading.Event()
        self.hook = hook
        self.pipeline = pipeline or Pipeline(pipeline_config or Config())
        self.version = data_version(self.pipeline.config)
        self.alerting = Alerting(watchlists if watchlists is not None else config.watchlists)
        self.cycle = 0
        self._state: CrawlState | None = None
        self.fetcher = Fetcher(
            config.limits, config.user_agent, sleep=self._sleep, on_attempt=self._log
        )

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sleep(self, seconds: float) -> bool:
        return not self.stop.wait(seconds)

    def _log(self, attempt: Any) -> None:
        if self._state is not None:
            self._state.log(attempt)

    # ------------------------------------------------------------------ loop
    def run(
        self,
        cycles: int | None = None,
        interval: float | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
    ) -> RunTotals:
        """Run cycles until `cycles` are done (None: until stopped), `interval` s apart."""
        if interval is not None:  # also the poll interval of feeds without their own
            self.config = replace(self.config, interval=interval)
        totals = RunTotals()
        while not self.stop.is_set():
            report = self.run_cycle()
            totals.add(report)
            if on_cycle is not None:
                on_cycle(report)
            if cycles is not None and totals.cycles >= cycles:
                break
            self.stop.wait(self.config.interval)
        return totals

    def run_cycle(self) -> CycleReport:
        self.cycle += 1
        report = CycleReport(self.cycle)
        dedup = get_deduplicator(self.pipeline.config)
        with self._open_store() as store:
            state = self._state = CrawlState(store)
            try:
                if self.cycle == 1 and self.config.refused:
                    store.record_rejects(self.config.refused)
                    report.rejects += self.config.refused
                state.reconcile()
                dedup.update(store)  # catch up with a run killed before its dedup
                self._poll_feeds(state, report)
                report.discovered += state.enqueue_pages(self.config.pages)
                self._fetch_articles(store, state, report)
                if report.stored:
                    dedup.update(store)
                report.alerts, failure = self.alerting.run(store)
                if failure is not None:
                    store.record_rejects([failure])
                    report.rejects.append(failure)
                report.queue = state.counts()
            finally:
                self._state = None
        report.stopped = self.stop.is_set()
        return report

    def _open_store(self) -> Store:
        deadline = time.monotonic() + STORE_WAIT_S
        while True:
            try:
                return Store(self.db)
            except FlashpointError:
                if time.monotonic() >= deadline or self.stop.wait(0.25):
                    raise

    # ------------------------------------------------------------------ feeds
    def _poll_feeds(self, state: CrawlState, report: CycleReport) -> None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for feed in self.config.feeds:
            if self.stop.is_set():
                return
            known = state.feed(feed.url)
            every = max(0.0, self.config.every(feed) - DUE_SLACK_S)
            if known and known.last_poll and _elapsed(now, known.last_poll) < every:
                continue
            fetched = self.fetcher.fetch(
                feed.url,
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
                accept=FEED_ACCEPT,
            )
            if fetched.stopped:
                return
            report.feeds_polled += 1
            self._feed_result(state, feed, fetched, report)

    def _feed_result(
        self, state: CrawlState, feed: Feed, fetched: Fetched, report: CycleReport
    ) -> None:
        if fetched.not_modified:
            report.feeds_not_modified += 1
            state.feed_polled(feed.url, feed.name, fetched, [], "")
            return
        if not fetched.ok:
            why = _fetch_reject(feed.url, fetched)
            state.feed_failed(feed.url, feed.name, fetched, why)
            report.rejects.append(why)
            return
        parsed = parse_feed(fetched.body, feed.url, self.config.limits.max_entries_per_feed)
        if isinstance(parsed, Reject):
            state.feed_failed(feed.url, feed.name, fetched, parsed)
            report.rejects.append(parsed)
            return
        self._entries(state, feed, fetched, parsed, report)

    def _entries(
        self,
        state: CrawlState,
        feed: Feed,
        fetched: Fetched,
        parsed: ParsedFeed,
        report: CycleReport,
    ) -> None:
        if parsed.refused:
            state.store.record_rejects(parsed.refused)
            report.rejects += parsed.refused
        report.discovered += state.feed_polled(
            feed.url, feed.name, fetched, parsed.entries, parsed.warning or ""
        )

    # ------------------------------------------------------------------ articles
    def _fetch_articles(self, store: Store, state: CrawlState, report: CycleReport) -> None:
        for item in state.due(self.config.limits.max_articles_per_cycle):
            if self.stop.is_set():
                return
            if item.body is None:
                fetched = self.fetcher.fetch(item.url, accept=PAGE_ACCEPT)
                if fetched.stopped:
                    return
                if not fetched.ok:
                    self._fetch_failed(state, item, fetched, report)
                    continue
                state.save_body(item.url, fetched)
                report.fetched += 1
                self._step("fetched", item.url)
                item = _with_body(item, fetched)
            self._store_article(store, state, item, report)

    def _fetch_failed(
        self, state: CrawlState, item: QueueItem, fetched: Fetched, report: CycleReport
    ) -> None:
        limits = self.config.limits
        if fetched.retryable and item.attempts + 1 < limits.max_attempts:
            wait = fetched.retry_after or 0.0
            state.defer(item.url, fetched, _now() + dt.timedelta(seconds=wait))
            report.deferred += 1
            return
        why = _fetch_reject(item.url, fetched)
        state.fail(item.url, why, fetched)
        report.rejects.append(why)

    def _store_article(
        self, store: Store, state: CrawlState, item: QueueItem, report: CycleReport
    ) -> None:
        doc = page_document(
            item.page, item.body or b"", item.content_type or "", self.config.limits.max_bytes
        )
        coded = next(code_documents([doc], self.pipeline))
        if isinstance(coded, Reject):
            state.fail(item.url, coded)
            report.rejects.append(coded)
            return
        assert isinstance(coded, Document)
        report.events += store.write([coded], self.version)
        self._step("written", item.url)
        state.done(item.url, coded.id)
        report.stored += 1
        self._step("done", item.url)

    def _step(self, step: str, url: str) -> None:
        if self.hook is not None:
            self.hook(step, url)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _elapsed(now: dt.datetime, then: dt.datetime) -> float:
    return (now - then).total_seconds()


def _with_body(item: QueueItem, fetched: Fetched) -> QueueItem:
    page = replace(item.page, final_url=fetched.final_url)
    return replace(item, body=fetched.body, content_type=fetched.content_type, page=page)


def _fetch_reject(url: str, fetched: Fetched) -> Reject:
    code = fetched.error
    if code is None:  # an answer that is no page, e.g. a 304 to an unconditional GET
        code = E_HTTP_STATUS
    tries = f" after {fetched.attempts} tries" if fetched.attempts > 1 else ""
    detail = fetched.detail or f"HTTP {fetched.status}"
    return reject(url, code, f"{code.title}: {detail}{tries}")
