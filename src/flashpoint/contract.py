"""The JSON output contract for events (see README "Output contract").

Field names are stable: a change needs a `SCHEMA_VERSION` bump and a migration note in the docs.
The flat form (one column per field) is what the store and the CSV/Parquet exports use; the
nested form is what JSON Lines output and the API return.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from .model import Event, Participant

SCHEMA_VERSION = "1"
PARTICIPANT_FIELDS = (
    "text",
    "start",
    "end",
    "code",
    "country",
    "sector",
    "name",
    "sponsor",
    "entry",
)
LOCATION_FIELDS = ("name", "country", "lat", "lon", "precision", "start", "end")


@functools.cache
def _participant_columns(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}_{f}" for f in PARTICIPANT_FIELDS)


def _participant_flat(prefix: str, p: Participant | None) -> dict[str, Any]:
    columns = _participant_columns(prefix)  # built once: a row is made for every event
    if p is None:
        return dict.fromkeys(columns)
    values = (
        p.text,
        p.span.start,
        p.span.end,
        p.code,
        p.country,
        p.sector,
        p.name,
        p.sponsor,
        p.entry,
    )  # PARTICIPANT_FIELDS' order
    return dict(zip(columns, values, strict=True))


def event_to_row(e: Event) -> dict[str, Any]:
    """Flat form: one value per column, as stored in DuckDB and written to CSV/Parquet."""
    loc = e.location
    row: dict[str, Any] = {
        "event_id": e.event_id,
        "article_id": e.article_id,
        "sentence_index": e.sentence_index,
        "sentence": e.sentence,
        "trigger_text": e.trigger_text,
        "trigger_start": e.trigger_span.start,
        "trigger_end": e.trigger_span.end,
        "event_type": e.event_type,
        "mode": e.mode,
        "context": list(e.context),
        "cameo": e.cameo,
        "quad_class": e.quad_class,
        "goldstein": e.goldstein,
        "modality": e.modality.value,
    }
    row |= _participant_flat("actor", e.actor)
    row |= _participant_flat("recipient", e.recipient)
    row |= {
        "date": e.date,
        "date_precision": e.date_precision,
        "date_text": e.date_text,
        "location_name": loc.name if loc else None,
        "location_country": loc.country if loc else None,
        "location_lat": loc.lat if loc else None,
        "location_lon": loc.lon if loc else None,
        "location_precision": loc.precision if loc else None,
        "location_start": loc.span.start if loc and loc.span else None,
        "location_end": loc.span.end if loc and loc.span else None,
        "confidence": e.confidence,
        "coder": e.coder,
        "pattern": e.pattern,
        "block": e.block.value,
        "cues": list(e.cues),
        "derivation": list(e.derivation),
    }
    return row


def _nested(row: dict[str, Any], prefix: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if row.get(f"{prefix}_start") is None and row.get(f"{prefix}_name") is None:
        return None
    out = {f: row.get(f"{prefix}_{f}") for f in fields if f not in ("start", "end")}
    start, end = row.get(f"{prefix}_start"), row.get(f"{prefix}_end")
    out["span"] = [start, end] if start is not None else None
    return out


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def row_to_contract(row: dict[str, Any]) -> dict[str, Any]:
    """Nested JSON form of one flat row."""
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": row["event_id"],
        "article_id": row["article_id"],
        "sentence_index": row["sentence_index"],
        "sentence": row.get("sentence"),
        "trigger": {
            "text": row["trigger_text"],
            "span": [row["trigger_start"], row["trigger_end"]],
        },
        "event_type": row["event_type"],
        "mode": row["mode"],
        "context": list(row.get("context") or []),
        "cameo": row["cameo"],
        "quad_class": row["quad_class"],
        "goldstein": row["goldstein"],
        "modality": row["modality"],
        "actor": _nested(row, "actor", PARTICIPANT_FIELDS),
        "recipient": _nested(row, "recipient", PARTICIPANT_FIELDS),
        "date": _json_value(row.get("date")),
        "date_precision": row.get("date_precision"),
        "date_text": row.get("date_text"),
        "location": _nested(row, "location", LOCATION_FIELDS),
        "confidence": row["confidence"],
        "coder": row["coder"],
        "pattern": row.get("pattern"),
        "block": row.get("block"),
        "cues": list(row.get("cues") or []),
        "derivation": list(row.get("derivation") or []),
    }


def event_to_contract(e: Event) -> dict[str, Any]:
    return row_to_contract(event_to_row(e))
