"""The event store: one DuckDB file, one writer.

An article and everything derived from it (blocks, sentences, mentions, events) are written in
one transaction, so an ingest killed at any moment leaves either the whole article or none of it;
a rerun skips the articles already present and completes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import E_STORE, FlashpointError
from ..model import Document, Reject
from .schema import DDL, SCHEMA_VERSION, UNKEYED_TABLES, VIEWS


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Store:
    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        try:
            if read_only and not Path(self.path).exists():
                raise FileNotFoundError(self.path)
            self.con = duckdb.connect(self.path, read_only=read_only)
        except (duckdb.Error, OSError) as exc:
            raise FlashpointError(E_STORE, f"{self.path}: {exc}") from exc
        if not read_only:
            self._migrate()

    def _migrate(self) -> None:
        self._drop_event_keys()  # before the DDL, which makes the indexes of rebuilt tables
        for statement in DDL:
            self.con.execute(statement)
        for view in VIEWS:
            self.con.execute(view)
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION],
        )

    def _drop_event_keys(self) -> None:
        """Schema 1 to 2: rebuild the per-event tables of an older store without their primary
        keys (`schema.UNKEYED_TABLES`); DuckDB cannot drop a key in place. Rows and their order
        are kept."""
        keyed = [
            r[0]
            for r in self.con.execute(
                "SELECT DISTINCT table_name FROM duckdb_constraints() "
                "WHERE constraint_type = 'PRIMARY KEY' AND table_name IN (SELECT unnest(?))",
                [list(UNKEYED_TABLES)],
            ).fetchall()
        ]
        if not keyed:
            return
        with self.transaction():
            for table in keyed:
                new = f"{table}__v2"
                self.con.execute(f"CREATE TABLE {new} AS SELECT * FROM {table} ORDER BY rowid")
                self.con.execute(f"DROP TABLE {table}")
                self.con.execute(f"ALTER TABLE {new} RENAME TO {table}")

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block: committed at its end, rolled back if it raises."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writes
    def known_articles(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        rows = self.con.execute(
            "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?))", [list(ids)]
        ).fetchall()
        return {r[0] for r in rows}

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        arrow = pa.Table.from_pylist(rows)  # noqa: F841 - read by name in the SQL below
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM arrow")

    def write(self, docs: Iterable[Document], data_version: str) -> int:
        """Store coded documents in one transaction; returns the number of events written."""
        from ..engine.rows import document_tables

        return self.write_tables(document_tables(docs, data_version))

    def write_tables(self, tables: dict[str, pa.Table]) -> int:
        """Insert the rows of coded documents (`document_tables`, possibly built in another
        process) in one transaction; returns the number of events written."""
        from ..engine.rows import WRITE_TABLES

        with self.transaction():
            for name in WRITE_TABLES:
                arrow = tables.get(name)  # noqa: F841 - read by name in the SQL below
                if arrow is not None and arrow.num_rows:
                    self.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM arrow")
        events = tables.get("events")
        return events.num_rows if events is not None else 0

    def record_rejects(self, rejects: Iterable[Reject]) -> None:
        now = _now()
        for r in rejects:
            self.con.execute(
                """INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, 1)
                   ON CONFLICT (origin, code) DO UPDATE SET message = excluded.message,
                   raw_sha256 = excluded.raw_sha256, last_seen = excluded.last_seen,
                   times = rejects.times + 1""",
                [r.origin, r.code, r.message, r.raw_sha256, now, now],
            )

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # ---------------------------------------------------------------- reads
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        return row[0] if row else None
