"""`flashpoint watch` end to end against real local HTTP servers (no mocks).

`Site` is a small web site on 127.0.0.1 serving the synthetic feeds and pages of
`tests/fixtures/feeds/`, with paths that fail, stall, flood or redirect where they must not; it
counts every request and every page it served in full, per path. A second server is the webhook
receiver of the watchlists' alerts.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from flashpoint.cli import main
from flashpoint.errors import (
    E_FEED_PARSE,
    E_FETCH_NETWORK,
    E_FETCH_TOO_LARGE,
    E_HTML_EXTRACT,
    E_HTTP_STATUS,
    E_TOO_MANY_REDIRECTS,
    E_URL_REFUSED,
)
from flashpoint.feeds.config import Limits, WatchConfig, load_defaults, parse_watch_config
from flashpoint.feeds.fetch import Fetcher
from flashpoint.feeds.urls import article_id
from flashpoint.feeds.watch import Watcher
from flashpoint.pipeline import Pipeline

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
TODAY = dt.datetime.now(dt.UTC).date()
ARTICLES = (
    "/articles/rockets-western-iraq.html",
    "/articles/manila-summons-ambassador.html",
    "/articles/water-cannon-supply-boat.html",
)
# Tiny limits keep the hostile cases fast: a "slow" page answers after 1 s, past the timeout.
FAST_LIMITS = {
    "min_interval": 0,
    "connect_timeout": 1,
    "read_timeout": 0.3,
    "total_timeout": 2,
    "max_bytes": 60_000,
    "retries": 1,
    "backoff": 0.05,
    "max_backoff": 0.1,
    "retry_after_cap": 2,
    "max_redirects": 3,
    "max_attempts": 1,
}


# --------------------------------------------------------------------------------------- servers


class Site:
    """The fixture site: what each path does, and counters of what happened."""

    def __init__(self) -> None:
        self.base = ""
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # GETs per path
        self.served: Counter[str] = Counter()  # 200 answers sent in full, per path
        self.not_modified: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.times: dict[str, list[float]] = {}
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler, int], None]] = {}

    def render(self, name: str) -> bytes:
        pubdate = email.utils.format_datetime(
            dt.datetime.combine(TODAY, dt.time(6), tzinfo=dt.UTC), usegmt=True
        )
        text = (FEEDS / name).read_text("utf-8")
        for key, value in {
            "{base}": self.base,
            "{host}": "127.0.0.1",
            "{pubdate}": pubdate,
            "{today}": TODAY.isoformat(),
        }.items():
            text = text.replace(key, value)
        return text.encode("utf-8")

    # route makers -----------------------------------------------------------------------
    def feed(self, name: str, ctype: str = "application/rss+xml") -> Callable[..., None]:
        def route(h: BaseHTTPRequestHandler, n: int) -> None:
            body = self.render(name)
            etag = '"' + hashlib.sha256(body).hexdigest()[:12] + '"'
            if h.headers.get("If-None-Match") == etag:
                with self.lock:
                    self.not_modified[h.path] += 1
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
            self.send(h, 200, body, ctype, {"ETag": etag})

        return route

    def page(self, name: str) -> Callable[..., None]:
        return lambda h, n: self.send(h, 200, self.render(name), "text/html; charset=utf-8")

    def status(self, code: int, headers: dict[str, str] | None = None) -> Callable[..., None]:
        return lambda h, n: self.send(h, code, b"<p>error</p>", "text/html", headers or {})

    def first(self, then: Callable[..., None], first: Callable[..., None]) -> Callable[..., None]:
        return lambda h, n: (first if n == 1 else then)(h, n)

    def slow(self, seconds: float, then: Callable[..., None]) -> Callable[..., None]:
        def route(h: BaseHTTPRequestHandler, n: int) -> None:
            time.sleep(seconds)
            then(h, n)

        return route

    def redirect(self, location: str, code: int = 302) -> Callable[..., None]:
        return lambda h, n: self.send(h, code, b"", "text/html", {"Location": location})

    def huge(self, h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(50_000_000))
        h.end_headers()
        try:
            h.wfile.write(b"<p>" + b"x" * 65_536)
        except OSError:
            pass

    def endless(self, h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            for _ in range(2_000):  # 32 MB at most, if nobody hangs up
                h.wfile.write(b"<p>" + b"spam " * 3_000 + b"</p>\n")
        except OSError:
            pass

    def send(
        self,
        h: BaseHTTPRequestHandler,
        code: int,
        body: bytes,
        ctype: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        try:
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:
            return
        if code == 200:
            with self.lock:
                self.served[h.path] += 1

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                with site.lock:
                    site.requests[self.path] += 1
                    n = site.requests[self.path]
                    site.agents.add(self.headers.get("User-Agent", ""))
                    site.times.setdefault(self.path, []).append(time.monotonic())
                route = site.routes.get(self.path)
                if route is None:
                    site.send(self, 404, b"<p>not found</p>", "text/html")
                else:
                    route(self, n)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class Receiver:
    """The webhook receiver: records the JSON body of every POST."""

    def __init__(self) -> None:
        self.posts: list[Any] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                receiver.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def site(local_http: Callable[[type[BaseHTTPRequestHandler]], str]) -> Site:
    s = Site()
    s.base = local_http(s.handler())
    s.routes.update(
        {
            "/world.rss": s.feed("world.rss"),
            "/asia.atom": s.feed("asia.atom", "application/atom+xml"),
            "/hostile.rss": s.feed("hostile.rss"),
            "/broken.xml": s.feed("broken.xml", "application/xml"),
            "/down.rss": s.status(500),
            "/articles/patrol-vessels.html": s.page("articles/patrol-vessels.html"),
            "/h/flaky.html": s.first(s.page("articles/patrol-vessels.html"), s.status(500)),
            "/h/busy.html": s.first(
                s.page("articles/water-cannon-supply-boat.html"),
                s.status(503, {"Retry-After": "1"}),
            ),
            "/h/slow.html": s.slow(1.0, s.page("articles/patrol-vessels.html")),
            "/h/huge.html": s.huge,
            "/h/endless.html": s.endless,
            "/h/to-file.html": s.redirect("file:///etc/passwd"),
            "/h/moved.html": s.redirect("/h/moved-here.html", 301),
            "/h/moved-here.html": s.page("articles/manila-summons-ambassador.html"),
            "/h/loop.html": s.redirect("/h/loop.html"),
            "/h/no-article.html": s.page("articles/no-article.html"),
        }
    )
    for path in ARTICLES:
        s.routes[path] = s.page(path.lstrip("/"))
    return s


@pytest.fixture
def receiver(local_http: Callable[[type[BaseHTTPRequestHandler]], str]) -> tuple[Receiver, str]:
    r = Receiver()
    return r, local_http(r.handler()) + "/hook"


def watch_config(
    site: Site, feeds: list[str], pages: tuple[str, ...] = (), **limits: Any
) -> WatchConfig:
    data = {
        "feeds": [site.base + f for f in feeds],
        "pages": [site.base + p for p in pages],
        "interval": 0,
        "limits": {**FAST_LIMITS, **limits},
    }
    return parse_watch_config(data, "test-feeds.yaml", None, load_defaults())


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------- fetcher


def limits(**changes: Any) -> Limits:
    data = {"pages": ["http://127.0.0.1/"], "limits": FAST_LIMITS}
    return replace(parse_watch_config(data, "t", None, load_defaults()).limits, **changes)


def test_fetcher_keeps_the_per_host_interval(site: Site) -> None:
    with Fetcher(limits(min_interval=0.25), "flashpoint/test") as fetcher:
        for path in ARTICLES:
            assert fetcher.fetch(site.base + path).ok
        # another host name for the same server is another host: no wait for it
        other = site.base.replace("127.0.0.1", "localhost") + "/articles/patrol-vessels.html"
        assert fetcher.fetch(other).ok
    starts = [site.times[p][0] for p in ARTICLES]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.24
    assert site.agents == {"flashpoint/test"}


def test_fetcher_sends_conditional_requests(site: Site) -> None:
    with Fetcher(limits(), "flashpoint/test") as fetcher:
        first = fetcher.fetch(site.base + "/world.rss")
        again = fetcher.fetch(site.base + "/world.rss", etag=first.etag)
    assert first.ok and first.etag and b"<rss" in first.body
    assert again.not_modified and again.body == b""
    assert site.not_modified["/world.rss"] == 1


@pytest.mark.parametrize(
    ("path", "code", "requests", "words"),
    [
        ("/h/huge.html", E_FETCH_TOO_LARGE, 1, "declares 50000000 bytes"),
        ("/h/endless.html", E_FETCH_TOO_LARGE, 1, "reading stopped past"),
        ("/h/slow.html", E_FETCH_NETWORK, 2, "timed out"),
        ("/h/to-file.html", E_URL_REFUSED, 1, "'file:///etc/passwd' refused"),
        ("/h/loop.html", E_TOO_MANY_REDIRECTS, 4, "more than 3 redirects"),
        ("/h/missing.html", E_HTTP_STATUS, 1, "HTTP 404"),
        ("/down.rss", E_HTTP_STATUS, 2, "HTTP 500"),
    ],
)
def test_fetcher_turns_bad_answers_into_named_errors(
    site: Site, path: str, code: Any, requests: int, words: str
) -> None:
    with Fetcher(limits(), "flashpoint/test") as fetcher:
        result = fetcher.fetch(site.base + path)
    assert not result.ok
    assert result.error == code
    assert words in result.detail
    assert site.requests[path] == requests
    assert len(result.body) == 0


def test_fetcher_retries_and_honours_retry_after(site: Site) -> None:
    with Fetcher(limits(), "flashpoint/test") as fetcher:
        flaky = fetcher.fetch(site.base + "/h/flaky.html")
        start = time.monotonic()
        busy = fetcher.fetch(site.base + "/h/busy.html")
        waited = time.monotonic() - start
    assert flaky.ok and flaky.attempts == 2
    assert busy.ok and busy.attempts == 2 and waited >= 0.95  # Retry-After: 1
    with Fetcher(limits(retry_after_cap=0.5), "flashpoint/test") as fetcher:
        site.requests.clear()
        deferred = fetcher.fetch(site.base + "/h/busy.html")
    # over the cap: no waiting, the caller gets the server's wish to defer the URL
    assert deferred.error == E_HTTP_STATUS and deferred.retry_after == 1.0
    assert deferred.attempts == 1


def test_fetcher_follows_redirects_within_http(site: Site) -> None:
    with Fetcher(limits(), "flashpoint/test") as fetcher:
        moved = fetcher.fetch(site.base + "/h/moved.html")
    assert moved.ok and moved.final_url == site.base + "/h/moved-here.html"
    assert moved.url == site.base + "/h/moved.html"


# ----------------------------------------------------------------------------------- end to end


WATCHLISTS = """\
version: 1
sinks:
  - {{type: webhook, url: "{hook}", timeout: 2, retries: 1}}
rules:
  - name: reb-assault-on-usa-in-iraq
    detector: match
    event_types: [ASSAULT]
    actor_sector: REB
    recipient: USA
    location: IRQ
"""


def test_watch_stores_codes_and_alerts_through_a_webhook(
    site: Site, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    hook_receiver, hook_url = receiver
    (tmp_path / "watchlists.yaml").write_text(WATCHLISTS.format(hook=hook_url))
    (tmp_path / "feeds.yaml").write_text(
        json.dumps(
            {
                "db": "watch.duckdb",
                "watchlists": "watchlists.yaml",
                "feeds": [site.base + "/world.rss", site.base + "/asia.atom"],
                "limits": {"min_interval": 0},
            }
        )
    )
    result = CliRunner().invoke(
        main, ["watch", str(tmp_path / "feeds.yaml"), "--cycles", "2", "--interval", "0"]
    )
    assert result.exit_code == 0, result.output
    db = tmp_path / "watch.duckdb"
    stored = dict(rows(db, "SELECT url, n_events FROM articles"))
    assert set(stored) == {site.base + p for p in ARTICLES}
    assert all(n > 0 for n in stored.values())
    # each article fetched once, although one is in both feeds and there were two cycles
    assert [site.served[p] for p in ARTICLES] == [1, 1, 1]
    assert site.requests["/world.rss"] == 2 and site.not_modified["/world.rss"] == 1
    assert site.requests["/asia.atom"] == 2 and site.not_modified["/asia.atom"] == 1
    assert all(agent.startswith("flashpoint/") for agent in site.agents)
    # the feed's date and title became the article's
    published = rows(db, "SELECT DISTINCT published FROM articles")
    assert published == [(TODAY,)]
    # the watchlist fired once, and its alert reached the webhook receiver as JSON
    assert len(hook_receiver.posts) == 1
    alert = hook_receiver.posts[0]
    assert alert["rule"] == "reb-assault-on-usa-in-iraq"
    assert alert["event_ids"]
    event_ids = {r[0] for r in rows(db, "SELECT event_id FROM canonical_events")}
    assert set(alert["event_ids"]) <= event_ids
    assert "cycle 2: 2 feeds polled (2 not modified), 0 new URLs, 0 articles stored" in (
        result.output
    )
    assert "alert REB>USA: 1 ASSAULT event" in result.output
    assert rows(db, "SELECT status, count(*) FROM fetch_queue GROUP BY ALL") == [("done", 3)]


def test_a_hostile_site_loses_nothing_and_fetches_nothing_twice(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    db = tmp_path / "w.duckdb"
    config = watch_config(
        site, ["/hostile.rss", "/broken.xml", "/down.rss", "/world.rss"], ("/h/missing.html",)
    )
    with Watcher(config, db, pipeline=pipeline) as watcher:
        first = watcher.run_cycle()
        before = Counter(site.requests)
        second = watcher.run_cycle()
    # every http(s) URL of the feeds is done or failed, none left pending
    queue = dict(rows(db, "SELECT url, status FROM fetch_queue"))
    entries = [u for u in queue if "/h/" in u or "/articles/" in u]
    # 11 links of the hostile feed (the listed page is one of them, queued once), 2 of world.rss
    assert len(entries) == 13 and all(queue[u] in ("done", "failed") for u in entries)
    # ...and each failed one, each refused link and each broken feed has its named reject
    rejects = dict(rows(db, "SELECT origin, code FROM rejects"))
    expected = {
        "/h/slow.html": E_FETCH_NETWORK,
        "/h/huge.html": E_FETCH_TOO_LARGE,
        "/h/endless.html": E_FETCH_TOO_LARGE,
        "/h/to-file.html": E_URL_REFUSED,
        "/h/loop.html": E_TOO_MANY_REDIRECTS,
        "/h/missing.html": E_HTTP_STATUS,
        "/h/no-article.html": E_HTML_EXTRACT,
        "/broken.xml": E_FEED_PARSE,
        "/down.rss": E_HTTP_STATUS,
    }
    for path, code in expected.items():
        assert rejects.pop(site.base + path) == code.code, path
    assert {u for u in queue if queue[u] == "failed"} == {
        site.base + p for p in expected if p.startswith("/h/")
    }
    refused = {o: c for o, c in rejects.items() if c == E_URL_REFUSED.code}
    assert len(refused) == 5  # file:, ftp:, data:, a relative link, an entry without a link
    assert any(o.startswith("file:") for o in refused)
    # the pages that answered after a 500, a 503 + Retry-After or a redirect are stored
    stored = {r[0] for r in rows(db, "SELECT url FROM articles")}
    for path in ("/h/flaky.html", "/h/busy.html", "/h/moved.html", "/articles/patrol-vessels.html"):
        assert site.base + path in stored, path
    assert len(stored) == 4 + 2  # and the two articles of world.rss
    # no page was served in full twice (feeds are polled every cycle), and the second cycle
    # fetched no article again
    # (the slow page is left out: its late answer may reach the socket after we hung up)
    pages = {p: n for p, n in site.served.items() if p.startswith(("/h/", "/articles/"))}
    pages.pop("/h/slow.html", None)
    assert len(pages) == 7 and max(pages.values()) == 1
    ok_twice = rows(
        db,
        "SELECT url FROM fetch_log WHERE outcome = 'ok' GROUP BY url "
        "HAVING count(*) > 1 AND url NOT LIKE '%.rss' AND url NOT LIKE '%.xml'",
    )
    assert ok_twice == []
    assert site.requests["/h/flaky.html"] == 2 and site.requests["/h/busy.html"] == 2
    again = {p: n - before[p] for p, n in site.requests.items() if n != before[p]}
    assert set(again) == {"/hostile.rss", "/broken.xml", "/down.rss", "/world.rss"}
    assert second.stored == 0 and second.discovered == 0 and second.feeds_not_modified == 2
    # no local file was ever read
    assert not rows(db, "SELECT 1 FROM articles WHERE text LIKE '%root:%'")
    assert first.rejects and {r.code for r in first.rejects} >= {E_URL_REFUSED.code}
    # every request is in the fetch log
    logged = rows(db, "SELECT count(*) FROM fetch_log")[0][0]
    assert logged == sum(site.requests.values())


class Crash(Exception):
    pass


@pytest.mark.parametrize("step", ["fetched", "written", "done"])
def test_a_crash_at_any_step_resumes_without_refetching(
    site: Site, tmp_path: Path, pipeline: Pipeline, step: str
) -> None:
    db = tmp_path / "w.duckdb"
    config = watch_config(site, ["/world.rss", "/asia.atom"])
    crashed: list[str] = []

    def crash_once(at: str, url: str) -> None:
        if at == step and not crashed:
            crashed.append(url)
            raise Crash(url)

    with Watcher(config, db, pipeline=pipeline, hook=crash_once) as watcher:
        with pytest.raises(Crash):
            watcher.run_cycle()
    assert len(crashed) == 1
    # all three URLs were queued before the first fetch; nothing is lost
    assert len(rows(db, "SELECT url FROM fetch_queue")) == 3
    with Watcher(config, db, pipeline=pipeline) as watcher:
        report = watcher.run_cycle()
    assert report.queue == {"done": 3}
    stored = {r[0] for r in rows(db, "SELECT article_id FROM articles")}
    assert stored == {article_id(site.base + p) for p in ARTICLES}
    assert [site.requests[p] for p in ARTICLES] == [1, 1, 1]
    # dedup caught up: every stored event has its canonical event
    missing = rows(
        db,
        "SELECT count(*) FROM events WHERE event_id NOT IN (SELECT event_id FROM event_mentions)",
    )
    assert missing == [(0,)]


def test_a_stop_request_ends_the_cycle_between_fetches(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    db = tmp_path / "w.duckdb"
    stop = threading.Event()
    config = watch_config(site, ["/world.rss", "/asia.atom"])

    def stop_after_first(at: str, url: str) -> None:
        if at == "done":
            stop.set()

    with Watcher(config, db, pipeline=pipeline, stop=stop, hook=stop_after_first) as watcher:
        totals = watcher.run(cycles=5, interval=0)
    assert totals.cycles == 1 and totals.stored == 1
    assert totals.last is not None and totals.last.stopped
    assert totals.last.queue == {"done": 1, "pending": 2}
    with Watcher(config, db, pipeline=pipeline) as watcher:
        assert watcher.run_cycle().queue == {"done": 3}
    assert [site.requests[p] for p in ARTICLES] == [1, 1, 1]


def test_a_long_retry_after_defers_the_url_to_a_later_cycle(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    db = tmp_path / "w.duckdb"
    config = watch_config(site, [], ("/h/busy.html",), retry_after_cap=0, max_attempts=3)
    url = site.base + "/h/busy.html"
    with Watcher(config, db, pipeline=pipeline) as watcher:
        first = watcher.run_cycle()
        assert first.deferred == 1 and first.queue == {"pending": 1}
        assert watcher.run_cycle().queue == {"pending": 1}  # not due yet: no request
        assert site.requests["/h/busy.html"] == 1
        time.sleep(1.05)
        last = watcher.run_cycle()
    assert last.stored == 1 and last.queue == {"done": 1}
    assert rows(db, "SELECT attempts, outcome FROM fetch_queue") == [(2, "stored")]
    assert rows(db, "SELECT url FROM articles") == [(url,)]


def test_refused_urls_of_the_feeds_file_are_recorded(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    data = {"feeds": [site.base + "/world.rss", "file:///etc/passwd"], "pages": ["data:,x"]}
    config = parse_watch_config(data, "f.yaml", None, load_defaults())
    config = replace(config, limits=limits())
    with Watcher(config, tmp_path / "w.duckdb", pipeline=pipeline) as watcher:
        report = watcher.run_cycle()
    assert {r.origin for r in report.rejects} == {"file:///etc/passwd", "data:,x"}
    assert report.stored == 2
    assert {r[0] for r in rows(tmp_path / "w.duckdb", "SELECT code FROM rejects")} == {
        E_URL_REFUSED.code
    }


def test_ctrl_c_exits_cleanly(site: Site, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        json.dumps({"feeds": [site.base + "/world.rss"], "limits": {"min_interval": 0}})
    )
    db = tmp_path / "w.duckdb"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flashpoint.cli",
            "watch",
            str(feeds),
            "--db",
            str(db),
            "--interval",
            "30",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stderr is not None
    threading.Timer(60, proc.kill).start()  # never hang the suite, whatever goes wrong
    lines = []
    for line in proc.stderr:  # wait for the first cycle to end
        lines.append(line)
        if line.startswith("cycle 1"):
            break
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=20)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "stopped" in rest and "Traceback" not in rest
    assert rows(db, "SELECT count(*) FROM articles") == [(2,)]


def test_a_failing_watchlist_run_is_a_reject_and_the_articles_stay(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    db = tmp_path / "w.duckdb"
    with Watcher(watch_config(site, ["/world.rss"]), db, pipeline=pipeline) as watcher:
        watcher.alerting.path = tmp_path / "watchlists.yaml"
        watcher.alerting.watchlists = object()  # not watchlists: the monitor fails on it
        report = watcher.run_cycle()
    assert report.stored == 2
    assert [r.code for r in report.rejects] == ["FP-E077"]
    assert rows(db, "SELECT code FROM rejects") == [("FP-E077",)]


@pytest.mark.parametrize(
    ("feeds_yaml", "args", "exit_code", "words"),
    [
        ("feeds: 3\n", ["--once"], 1, "FP-E070"),
        ("feeds: [file:///etc/passwd]\n", ["--once"], 1, "nothing to watch"),
        ("feeds: [http://127.0.0.1:9/f]\n", ["--once", "--cycles", "2"], 2, "not both"),
        ("feeds: [http://127.0.0.1:9/f]\nwatchlists: nowhere.yaml\n", ["--once"], 1, "FP-E060"),
    ],
)
def test_watch_command_errors(
    tmp_path: Path, feeds_yaml: str, args: list[str], exit_code: int, words: str
) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(feeds_yaml)
    result = CliRunner().invoke(
        main, ["watch", str(path), "--db", str(tmp_path / "w.duckdb"), *args]
    )
    assert result.exit_code == exit_code
    assert words in result.output


def test_a_cycle_waits_for_a_reader_to_let_go_of_the_store(
    site: Site, tmp_path: Path, pipeline: Pipeline
) -> None:
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    reader = duckdb.connect(str(db), read_only=True)  # as `flashpoint summary` would
    threading.Timer(0.5, reader.close).start()
    with Watcher(watch_config(site, ["/world.rss"]), db, pipeline=pipeline) as watcher:
        report = watcher.run_cycle()
    assert report.stored == 2
