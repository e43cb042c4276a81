"""Read-side queries over the store: filtered events, summaries and exports.

Every query reads **canonical events** by default (one row per happening, however many articles
reported it: `canonical_events`, README "One event, many reports"); `mentions=True` reads the
event mentions instead (one row per sentence that reported an event: `events`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..contract import row_to_contract
from .db import Store
from .schema import CANONICAL_COLUMNS

EXPORT_FORMATS = ("csv", "jsonl", "parquet")


@dataclass(frozen=True)
class EventFilter:
    actor: str | None = None  # ISO3 country or actor code prefix
    recipient: str | None = None
    event_types: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    article_id: str | None = None
    limit: int | None = None
    country: str | None = None  # either side: actor or recipient country (ISO3) or code prefix
    place: str | None = None  # location country (ISO3) or the start of a place name, any case
    text: str | None = None  # words in the event's sentence, any case

    def where(self, canonical: bool = False) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for role, value in (("actor", self.actor), ("recipient", self.recipient)):
            if value:
                clauses.append(f"({role}_country = ? OR starts_with({role}_code, ?))")
                params += [value.upper(), value.upper()]
        if self.country:
            clauses.append(
                "(? IN (actor_country, recipient_country) OR starts_with(actor_code, ?) "
                "OR starts_with(recipient_code, ?))"
            )
            params += [self.country.upper()] * 3
        if self.place:
            clauses.append("(location_country = ? OR starts_with(lower(location_name), ?))")
            params += [self.place.upper(), self.place.lower()]
        if self.text:  # a semi-join, so the clause also works on the tables without `sentence`
            match, words = _text_match(self.text)
            clauses.append(
                "(article_id, sentence_index) IN (SELECT article_id, sentence_index "
                f"FROM sentences WHERE {match})"
            )
            params.append(words)
        # IN lists of placeholders, not unnest(?): DuckDB pushes them into the table scan
        if self.event_types:
            clauses.append(f"event_type IN ({', '.join('?' * len(self.event_types))})")
            params += [t.upper() for t in self.event_types]
        if self.modality:
            clauses.append(f"modality IN ({', '.join('?' * len(self.modality))})")
            params += [m.lower() for m in self.modality]
        if self.since:
            clauses.append("date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("date <= ?")
            params.append(self.until)
        if self.article_id and canonical:  # canonical events any of whose mentions is there
            clauses.append(
                "event_id IN (SELECT canonical_id FROM event_mentions WHERE article_id = ?)"
            )
            params.append(self.article_id)
        elif self.article_id:
            clauses.append("article_id = ?")
            params.append(self.article_id)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _text_match(words: str) -> tuple[str, str]:
    """A case-insensitive substring test of `text` and its parameter.

    `ILIKE '%words%'` runs as a fast substring search; words holding LIKE's wildcards would need
    an ESCAPE clause, which makes DuckDB fall back to a matcher ten times slower, so they are
    looked for with contains() on the lowered text instead.
    """
    if any(c in words for c in "%_\\"):
        return "contains(lower(text), ?)", words.lower()
    return "text ILIKE ?", f"%{words}%"


def _source(mentions: bool) -> str:
    return "events_full" if mentions else "canonical_full"


def select_events(store: Store, flt: EventFilter, mentions: bool = False) -> list[dict[str, Any]]:
    """Canonical events (default) or event mentions that pass the filter, by date."""
    where, params = flt.where(canonical=not mentions)
    sql = (
        f"SELECT * FROM {_source(mentions)}{where} "
        "ORDER BY date, article_id, sentence_index, trigger_start, event_id"
    )
    if flt.limit:
        sql += f" LIMIT {int(flt.limit)}"
    return store.query(sql, params)


def write_events(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """CSV (flat columns) or JSON Lines (the nested output contract) to a text stream."""
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(_contract(row), ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        if not rows:
            return
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: ("|".join(v) if isinstance(v, list) else v) for k, v in row.items()}
            )
        return
    raise ValueError(f"unknown format {fmt!r}")


def _contract(row: dict[str, Any]) -> dict[str, Any]:
    """The output contract, plus the counts and first/last seen of a canonical event."""
    out = row_to_contract(row)
    for key in CANONICAL_COLUMNS:
        if key in row:
            value = row[key]
            out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def export(
    store: Store,
    fmt: str,
    out_dir: Path,
    flt: EventFilter | None = None,
    mentions: bool = False,
) -> list[Path]:
    """Write events (and the articles they come from) to `out_dir` as CSV, JSON Lines or Parquet.

    `events.<fmt>` holds canonical events, or the mentions with `mentions=True`; CSV and Parquet
    also get `articles.<fmt>` and, for canonical events, `event_mentions.<fmt>` (which mention
    belongs to which canonical event) and `stories.<fmt>`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    where, params = (flt or EventFilter()).where(canonical=not mentions)
    written: list[Path] = []
    if fmt == "jsonl":
        path = out_dir / "events.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            write_events(select_events(store, flt or EventFilter(), mentions), "jsonl", fh)
        return [path]
    options = {"csv": "FORMAT CSV, HEADER", "parquet": "FORMAT PARQUET"}[fmt]
    tables = [
        ("events", f"SELECT * FROM {_source(mentions)}{where}"),
        ("articles", "SELECT * EXCLUDE (text) FROM articles"),
    ]
    if not mentions:
        tables += [
            (
                "event_mentions",
                "SELECT event_id, canonical_id, article_id, repeat FROM event_mentions "
                "ORDER BY canonical_id, event_id",
            ),
            ("stories", "SELECT * FROM stories ORDER BY story_id"),
        ]
    for table, sql in tables:
        path = out_dir / f"{table}.{fmt}"
        store.con.execute(
            f"COPY ({sql}) TO '{_sql_path(path)}' ({options})", params if table == "events" else []
        )
        written.append(path)
    return written


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def summary(store: Store) -> dict[str, Any]:
    """Counts for the end of an ingest: articles, canonical events by type, top dyads, rejects.

    `events` counts canonical events; `mentions` the event mentions they merge; `stories` the
    groups of near-duplicate articles.
    """
    s: dict[str, Any] = {
        "articles": store.scalar("SELECT count(*) FROM articles"),
        "stories": store.scalar("SELECT count(DISTINCT story_id) FROM article_stories"),
        "sentences": store.scalar("SELECT count(*) FROM sentences"),
        "events": store.scalar("SELECT count(*) FROM canonical_events"),
        "mentions": store.scalar("SELECT count(*) FROM events"),
        "rejects": store.scalar("SELECT count(*) FROM rejects"),
    }
    s["by_type"] = store.query(
        """SELECT event_type, count(*) AS events,
                  count(*) FILTER (WHERE modality = 'asserted') AS asserted,
                  round(avg(goldstein), 2) AS mean_goldstein,
                  sum(num_mentions)::BIGINT AS mentions
           FROM canonical_events GROUP BY 1 ORDER BY 2 DESC, 1"""
    )
    s["by_modality"] = store.query(
        "SELECT modality, count(*) AS events FROM canonical_events GROUP BY 1 ORDER BY 2 DESC"
    )
    s["top_dyads"] = store.query(
        """SELECT actor_country AS actor, recipient_country AS recipient, count(*) AS events,
                  round(sum(goldstein), 1) AS goldstein_sum,
                  count(*) FILTER (WHERE quad_class >= 3) AS conflict
           FROM canonical_events
           WHERE actor_country IS NOT NULL AND recipient_country IS NOT NULL
             AND actor_country <> recipient_country AND modality = 'asserted'
           GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 10"""
    )
    s["reject_list"] = store.query(
        "SELECT origin, code, message FROM rejects ORDER BY last_seen DESC, origin LIMIT 20"
    )
    s["date_range"] = store.query(
        "SELECT min(date) AS first, max(date) AS last FROM canonical_events"
    )[0]
    return s
