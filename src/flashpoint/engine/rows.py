"""The rows a coded document adds to the store, as Arrow tables.

A worker builds them (`document_tables`) and sends them to the writer, which inserts them
(`Store.write_tables`): Arrow tables travel between processes far faster than documents. This
module needs neither DuckDB nor the store, so workers do not load them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from ..contract import event_to_row
from ..model import Document


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


WRITE_TABLES = (
    "articles",
    "blocks",
    "sentences",
    "dropped",
    "actor_mentions",
    "place_mentions",
    "events",
)


def document_tables(
    docs: Iterable[Document], data_version: str, now: dt.datetime | None = None
) -> dict[str, pa.Table]:
    """The rows of coded documents, one Arrow table per store table (empty ones left out).
    Arrow tables pickle compactly, so a worker can build them and send them to the writer."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in WRITE_TABLES}
    stamp = now or _now()
    for doc in docs:
        _rows_of(doc, rows, data_version, stamp)
    return {name: pa.Table.from_pylist(r) for name, r in rows.items() if r}


def concat_tables(parts: list[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """Several `document_tables` results as one (a column that was all null in one part
    takes the type it has in the others)."""
    out: dict[str, pa.Table] = {}
    for name in WRITE_TABLES:
        found = [p[name] for p in parts if name in p]
        if found:
            out[name] = pa.concat_tables(found, promote_options="permissive")
    return out


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
