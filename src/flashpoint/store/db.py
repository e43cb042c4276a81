"""The event store: one DuckDB file, one writer.

An article and everything derived from it (blocks, sentences, mentions, events) are written in
one transaction, so an ingest killed at any moment leaves either the whole article or none of it;
a rerun skips the articles already present and completes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..contract import event_to_row
from ..errors import E_STORE, FlashpointError
from ..model import Document, Reject
from .schema import DDL, SCHEMA_VERSION, VIEWS


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
        for statement in DDL:
            self.con.execute(statement)
        for view in VIEWS:
            self.con.execute(view)
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
            [SCHEMA_VERSION],
        )

    def close(self) -> None:
        self.con.close()

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
        tables: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in (
                "articles",
                "blocks",
                "sentences",
                "dropped",
                "actor_mentions",
                "place_mentions",
                "events",
            )
        }
        now = _now()
        for doc in docs:
            _rows_of(doc, tables, data_version, now)
        self.con.execute("BEGIN TRANSACTION")
        try:
            for name, rows in tables.items():
                self._insert(name, rows)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return len(tables["events"])

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


def _rows_of(
    doc: Document, tables: dict[str, list[dict[str, Any]]], data_version: str, now: dt.datetime
) -> None:
    aid = doc.id
    coder = doc.events[0].coder if doc.events else None
    tables["articles"].append(
        {
            "article_id": aid,
            "origin": doc.origin,
            "fmt": doc.fmt,
            "title": doc.title,
            "url": doc.url,
            "source": doc.source,
            "published": doc.published,
            "raw_sha256": doc.raw_sha256,
            "text": doc.text,
            "n_sentences": len(doc.sentences),
            "n_events": len(doc.events),
            "synthetic": bool(doc.meta.get("synthetic", False)),
            "coder": coder,
            "data_version": data_version,
            "ingested_at": now,
        }
    )
    for i, b in enumerate(doc.blocks):
        tables["blocks"].append(
            {
                "article_id": aid,
                "block_index": i,
                "kind": b.kind.value,
                "start": b.span.start,
                "end": b.span.end,
                "repeats": b.repeats,
            }
        )
    for s in doc.sentences:
        tables["sentences"].append(
            {
                "article_id": aid,
                "sentence_index": s.index,
                "start": s.span.start,
                "end": s.span.end,
                "block": s.block.value,
                "text": s.span.text(doc.text),
            }
        )
    for i, d in enumerate(doc.dropped):
        tables["dropped"].append(
            {"article_id": aid, "line_index": i, "reason": d.reason, "text": d.text}
        )
    for a in doc.actors:
        tables["actor_mentions"].append(
            {
                "article_id": aid,
                "sentence_index": a.sentence_index,
                "start": a.span.start,
                "end": a.span.end,
                "text": a.text,
                "code": a.code,
                "country": a.country,
                "sector": a.sector,
                "name": a.name,
                "sponsor": a.sponsor,
                "entry": a.entry,
                "locative": a.locative,
            }
        )
    for p in doc.places:
        tables["place_mentions"].append(
            {
                "article_id": aid,
                "sentence_index": p.sentence_index,
                "start": p.span.start,
                "end": p.span.end,
                "text": p.text,
                "name": p.name,
                "country": p.country,
                "lat": p.lat,
                "lon": p.lon,
                "precision": p.precision,
                "entry": p.entry,
            }
        )
    for e in doc.events:
        row = event_to_row(e)
        row.pop("sentence")
        tables["events"].append(row)
