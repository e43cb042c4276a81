"""The rows a coded document adds to the store, as Arrow tables.

A worker builds them (`document_tables`) and sends them to the writer, which inserts them
(`Store.write_tables`): Arrow tables travel between processes far faster than documents. This
module needs neither DuckDB nor the store, so workers do not load them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

import pyarrow as pa

from ..contract import event_to_row
from ..dedup.config import Signing
from ..dedup.stories import has_signature, sign
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
    "dedup_signatures",
)


# The columns of each table, in the order `_rows_of` writes them (events: `event_to_row`'s)
COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": (
        "article_id", "origin", "fmt", "title", "url", "source", "published", "raw_sha256",
        "text", "n_sentences", "n_events", "synthetic", "coder", "data_version", "ingested_at",
    ),
    "blocks": ("article_id", "block_index", "kind", "start", "end", "repeats"),
    "sentences": ("article_id", "sentence_index", "start", "end", "block", "text"),
    "dropped": ("article_id", "line_index", "reason", "text"),
    "actor_mentions": (
        "article_id", "sentence_index", "start", "end", "text", "code", "country", "sector",
        "name", "sponsor", "entry", "locative",
    ),
    "place_mentions": (
        "article_id", "sentence_index", "start", "end", "text", "name", "country", "lat", "lon",
        "precision", "entry",
    ),
}  # fmt: skip


def document_tables(
    docs: Iterable[Document],
    data_version: str,
    now: dt.datetime | None = None,
    signing: Signing | None = None,
) -> dict[str, pa.Table]:
    """The rows of coded documents, one Arrow table per store table (empty ones left out).
    Arrow tables pickle compactly, so a worker can build them and send them to the writer.
    Rows are gathered as tuples and turned into columns at once: a dict per row, read back
    key by key, took most of the time. With `signing` (from the dedup component) each
    article's MinHash signature is made here too, where the work is spread over the workers,
    rather than by the single writer's dedup update."""
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
    events: list[dict[str, Any]] = []
    signatures: list[tuple[str, bytes]] = []
    stamp = now or _now()
    for doc in docs:
        _rows_of(doc, rows, data_version, stamp)
        events.extend(_event_rows(doc))
        if signing is not None and has_signature(doc.text):
            signatures.append((doc.id, sign(doc.text, signing).tobytes()))
    tables = {name: _table(r, COLUMNS[name]) for name, r in rows.items() if r}
    if events:
        names = tuple(events[0])
        tables["events"] = _table(list(map(itemgetter(*names), events)), names)
    if signatures:
        tables["dedup_signatures"] = _table(signatures, ("article_id", "sig"))
    return tables


def _table(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> pa.Table:
    """Rows as an Arrow table, each column's type inferred from its values (as
    `pa.Table.from_pylist` does)."""
    columns = [pa.array(column) for column in zip(*rows, strict=True)]
    return pa.Table.from_arrays(columns, names=list(names))


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
    doc: Document, tables: dict[str, list[tuple[Any, ...]]], data_version: str, now: dt.datetime
) -> None:
    """A document's rows of every table but events, each in `COLUMNS` order."""
    aid, text = doc.id, doc.text
    coder = doc.events[0].coder if doc.events else None
    synthetic = bool(doc.meta.get("synthetic", False))
    tables["articles"].append(
        (aid, doc.origin, doc.fmt, doc.title, doc.url, doc.source, doc.published,
         doc.raw_sha256, text, len(doc.sentences), len(doc.events), synthetic, coder,
         data_version, now)
    )  # fmt: skip
    tables["blocks"].extend(
        (aid, i, b.kind.value, b.span.start, b.span.end, b.repeats)
        for i, b in enumerate(doc.blocks)
    )
    tables["sentences"].extend(
        (aid, s.index, s.span.start, s.span.end, s.block.value, text[s.span.start : s.span.end])
        for s in doc.sentences
    )
    tables["dropped"].extend((aid, i, d.reason, d.text) for i, d in enumerate(doc.dropped))
    tables["actor_mentions"].extend(
        (aid, a.sentence_index, a.span.start, a.span.end, a.text, a.code, a.country, a.sector,
         a.name, a.sponsor, a.entry, a.locative)
        for a in doc.actors
    )  # fmt: skip
    tables["place_mentions"].extend(
        (aid, p.sentence_index, p.span.start, p.span.end, p.text, p.name, p.country, p.lat,
         p.lon, p.precision, p.entry)
        for p in doc.places
    )  # fmt: skip


def _event_rows(doc: Document) -> Iterator[dict[str, Any]]:
    for e in doc.events:
        row = event_to_row(e)
        del row["sentence"]  # the sentences table holds it
        yield row
