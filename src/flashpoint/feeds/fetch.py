"""A polite HTTP fetcher: rate limit per host, timeouts, a streamed size cap, retries.

One `Fetcher` serves a whole watch run. Every request waits until its host's minimum interval
has passed; a timeout, a connection failure, a 5xx or a 429 is retried with exponential backoff
(a `Retry-After` is honoured when it is within `retry_after_cap`; a longer one ends the fetch and
is handed back so the caller can defer the URL). Redirects are followed by hand so that every
target passes `check_url`: a redirect to `file:` or any other scheme is refused, never followed.
The body is read in chunks and reading stops past `max_bytes`, so a huge or endless response
costs at most that much memory. The fetcher never raises on a bad response: it returns a
`Fetched` with the error code and a sentence saying what happened.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ..errors import (
    E_FETCH_NETWORK,
    E_FETCH_TOO_LARGE,
    E_HTTP_STATUS,
    E_TOO_MANY_REDIRECTS,
    E_URL_REFUSED,
    ErrorCode,
)
from .config import Limits
from .urls import UrlRefused, host_of, resolve_redirect

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 425, 429})  # and every 5xx
CHUNK = 65_536

Sleep = Callable[[float], bool]  # sleeps; False when interrupted (Ctrl-C), so the fetch ends


@dataclass(frozen=True)
class Fetched:
    """What one fetch (with its retries and redirects) came to."""

    url: str  # the URL asked for
    final_url: str  # where the body came from, after redirects
    status: int = 0  # the last HTTP status; 0 when no response came
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    error: ErrorCode | None = None
    detail: str = ""
    retryable: bool = False  # a later try may succeed (timeout, connection, 5xx, 429)
    retry_after: float | None = None  # seconds the server asked us to wait
    attempts: int = 0
    stopped: bool = False  # interrupted while waiting: nothing is known about the URL

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stopped and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304


@dataclass(frozen=True)
class Attempt:
    """One HTTP request, for the fetch log: a retry or a redirect hop is an attempt of its own."""

    url: str
    attempt: int
    status: int
    outcome: str  # ok | not-modified | redirect | an error code
    nbytes: int
    elapsed_ms: int


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return True


class HostThrottle:
    """A pause of `min_interval` seconds between the end of one request to a host and the start
    of the next, so a slow server is never sent requests back to back."""

    def __init__(
        self, min_interval: float, sleep: Sleep, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_interval = min_interval
        self.sleep = sleep
        self.clock = clock
        self._next: dict[str, float] = {}

    def wait(self, host: str) -> bool:
        delay = self._next.get(host, 0.0) - self.clock()
        return delay <= 0 or self.sleep(delay)

    def done(self, host: str) -> None:
        self._next[host] = self.clock() + self.min_interval


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class Fetcher:
    def __init__(
        self,
        limits: Limits,
        user_agent: str,
        *,
        sleep: Sleep = _sleep,
        clock: Callable[[], float] = time.monotonic,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.limits = limits
        self.sleep = sleep
        self.clock = clock
        self.on_attempt = on_attempt
        self.throttle = HostThrottle(limits.min_interval, sleep, clock)
        timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.connect_timeout,
        )
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent}
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """GET a checked URL, with conditional headers when given; retries what may pass."""
        headers = {"Accept": accept} if accept else {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = Fetched(url, url, stopped=True)
        attempt = 0
        while attempt <= self.limits.retries:
            attempt += 1
            result = self._follow(url, headers, attempt)
            if result.stopped or not result.retryable or attempt > self.limits.retries:
                break
            wait = self._backoff(attempt)
            if result.retry_after is not None:
                if result.retry_after > self.limits.retry_after_cap:
                    break  # the caller defers the URL instead of blocking the cycle
                wait = max(wait, result.retry_after)
            if not self.sleep(wait):
                return replace(result, stopped=True, attempts=attempt)
        return replace(result, attempts=attempt)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.limits.backoff * 2 ** (attempt - 1), self.limits.max_backoff))

    def _follow(self, url: str, headers: dict[str, str], attempt: int) -> Fetched:
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            host = host_of(current)
            if not self.throttle.wait(host):
                return Fetched(url, current, stopped=True)
            try:
                result, location = self._request(current, headers, attempt)
            finally:
                self.throttle.done(host)
            if location is None:
                return replace(result, url=url, final_url=current)
            try:
                current = resolve_redirect(current, location)
            except UrlRefused as exc:
                return Fetched(
                    url,
                    current,
                    result.status,
                    error=E_URL_REFUSED,
                    detail=f"redirect to {location!r} refused: {exc}",
                )
        return Fetched(
            url,
            current,
            error=E_TOO_MANY_REDIRECTS,
            detail=f"more than {self.limits.max_redirects} redirects, last to {current}",
        )

    def _request(
        self, url: str, headers: dict[str, str], attempt: int
    ) -> tuple[Fetched, str | None]:
        start = self.clock()
        location = None
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                result, location = self._response(url, resp, start)
        except httpx.TimeoutException as exc:
            result = self._network(url, f"timed out ({type(exc).__name__})")
        except httpx.UnsupportedProtocol as exc:
            result = Fetched(url, url, error=E_URL_REFUSED, detail=str(exc))
        except (httpx.TransportError, httpx.DecodingError) as exc:
            result = self._network(url, f"connection failed ({type(exc).__name__}: {exc})")
        except httpx.HTTPError as exc:
            result = Fetched(url, url, error=E_FETCH_NETWORK, detail=f"{type(exc).__name__}: {exc}")
        self._log(url, attempt, result, location, start)
        return result, location

    def _network(self, url: str, detail: str) -> Fetched:
        return Fetched(url, url, error=E_FETCH_NETWORK, detail=detail, retryable=True)

    def _response(self, url: str, resp: httpx.Response, start: float) -> tuple[Fetched, str | None]:
        status = resp.status_code
        meta: dict[str, Any] = {
            "status": status,
            "content_type": resp.headers.get("content-type", ""),
            "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified"),
        }
        if status in REDIRECTS and resp.headers.get("location"):
            return Fetched(url, url, **meta), resp.headers["location"]
        if status == 304:
            return Fetched(url, url, **meta), None
        if not 200 <= status < 300:
            retry = status in RETRY_STATUSES or status >= 500
            detail = f"HTTP {status} {resp.reason_phrase}".strip()
            after = parse_retry_after(resp.headers.get("retry-after")) if retry else None
            return (
                Fetched(
                    url,
                    url,
                    **meta,
                    error=E_HTTP_STATUS,
                    detail=detail,
                    retryable=retry,
                    retry_after=after,
                ),
                None,
            )
        return self._read(url, resp, start, meta), None

    def _read(self, url: str, resp: httpx.Response, start: float, meta: dict[str, Any]) -> Fetched:
        cap = self.limits.max_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > cap:
            return Fetched(
                url,
                url,
                **meta,
                error=E_FETCH_TOO_LARGE,
                detail=f"declares {declared} bytes, over the {cap}-byte cap; not read",
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes(CHUNK):
            size += len(chunk)
            if size > cap:
                detail = f"reading stopped past the {cap}-byte cap"
                return Fetched(url, url, **meta, error=E_FETCH_TOO_LARGE, detail=detail)
            if self.clock() - start > self.limits.total_timeout:
                detail = f"took longer than {self.limits.total_timeout:g} s to send"
                return Fetched(
                    url, url, **meta, error=E_FETCH_NETWORK, detail=detail, retryable=True
                )
            chunks.append(chunk)
        return Fetched(url, url, **meta, body=b"".join(chunks))

    def _log(
        self, url: str, attempt: int, result: Fetched, location: str | None, start: float
    ) -> None:
        if self.on_attempt is None:
            return
        if result.error is not None:
            outcome = result.error.code
        elif location is not None:
            outcome = "redirect"
        else:
            outcome = "not-modified" if result.status == 304 else "ok"
        elapsed = int((self.clock() - start) * 1000)
        self.on_attempt(Attempt(url, attempt, result.status, outcome, len(result.body), elapsed))
