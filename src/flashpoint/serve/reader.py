"""Read-only access to the store for the API: a cursor per request, a time limit, no writes.

DuckDB allows one writer process, and while any process has the file open no other may write
it (README "The store"). The server therefore opens the store read-only when a request comes,
gives every request its own cursor on that one connection, and lets the file go after
`idle_release` seconds without requests, so that `flashpoint ingest` or `watch` can write between
visits; a request that comes while a writer holds the file answers 503 (FP-E040). A watchdog
interrupts a request's queries past the time limit (datasette does the same with its SQL time
limit); the request then answers 503 (FP-E081).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import E_API_TIMEOUT, FlashpointError
from ..store import Store


class QueryTimeout(FlashpointError):
    def __init__(self, limit_s: float) -> None:
        super().__init__(
            E_API_TIMEOUT,
            f"the query ran past the time limit of {limit_s:g} s; narrow the filters "
            "(a date range, a dyad) or raise --time-limit",
        )


class CursorStore(Store):
    """A `Store` over one cursor of a shared read-only connection; lives for one request."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, path: str) -> None:
        # No Store.__init__: it would open the file again; the cursor shares its connection.
        self.con = cursor
        self.path = path


class Reader:
    """The store, read-only; `with reader.store() as s:` for one request's reads.

    `idle_release`: seconds without requests after which the file is closed (None: never).
    """

    def __init__(
        self, path: str | Path, time_limit: float = 5.0, idle_release: float | None = 10.0
    ) -> None:
        self.path = str(path)
        self.time_limit = time_limit
        self.idle_release = idle_release
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._active = 0
        self._timer: threading.Timer | None = None
        with self.store():  # fail now (FP-E040) when the store is missing or locked
            pass

    @contextmanager
    def store(self) -> Iterator[Store]:
        cursor = self._acquire().con.cursor()
        watchdog = threading.Timer(self.time_limit, cursor.interrupt)
        watchdog.daemon = True
        watchdog.start()
        try:
            yield CursorStore(cursor, self.path)
        except duckdb.InterruptException as exc:
            raise QueryTimeout(self.time_limit) from exc
        finally:
            watchdog.cancel()
            cursor.close()
            self._release()

    def _acquire(self) -> Store:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._store is None:
                self._store = Store(self.path, read_only=True)
            self._active += 1
            return self._store

    def _release(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self.idle_release is not None:
                self._timer = threading.Timer(self.idle_release, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()

    def _close_if_idle(self) -> None:
        with self._lock:
            if self._active == 0 and self._store is not None:
                self._store.close()
                self._store = None

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._store is not None:
                self._store.close()
                self._store = None
