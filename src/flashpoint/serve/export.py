"""Events as files from the API: CSV, JSON Lines or Parquet, at most the export row cap.

The rows are those of `flashpoint events` (the store's views, with sentence and article) and
CSV and JSON Lines are written by the store's own `write_events`, so a file from the API equals
one from the command line; Parquet goes through DuckDB's COPY like `flashpoint export`. The
page of rows is chosen on the event table first (see queries.py) and only then joined.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from fastapi.responses import Response

from ..store import EventFilter, Store, write_events

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


def _sql(
    flt: EventFilter, mentions: bool, offset: int, limit: int, newest: bool
) -> tuple[str, list[Any]]:
    table, view = ("events", "events_full") if mentions else ("canonical_events", "canonical_full")
    where, params = flt.where(canonical=not mentions)
    way = "DESC" if newest else "ASC"
    sql = f"""WITH page AS (
                SELECT event_id, date AS page_date, rowid AS page_pos FROM {table}{where}
                ORDER BY date {way} NULLS LAST, rowid {way}
                LIMIT {int(limit)} OFFSET {int(offset)})
              SELECT v.* FROM page JOIN {view} v USING (event_id)
              ORDER BY page.page_date {way} NULLS LAST, page.page_pos {way}"""
    return sql, params


def export_response(
    store: Store,
    flt: EventFilter,
    fmt: str,
    mentions: bool,
    offset: int,
    cap: int,
    newest: bool,
) -> Response:
    """A file of at most `cap` rows; headers say the cap and whether rows were left out."""
    where, params = flt.where(canonical=not mentions)
    table = "events" if mentions else "canonical_events"
    total = int(store.scalar(f"SELECT count(*) FROM {table}{where}", params) or 0)
    truncated = total - offset > cap
    sql, params = _sql(flt, mentions, offset, cap, newest)
    body = _parquet(store, sql, params) if fmt == "parquet" else _text(store, sql, params, fmt)
    headers = {
        "Content-Disposition": f'attachment; filename="events.{fmt}"',
        "X-Flashpoint-Row-Cap": str(cap),
        "X-Flashpoint-Truncated": "true" if truncated else "false",
    }
    return Response(body, media_type=MEDIA[fmt], headers=headers)


def _text(store: Store, sql: str, params: list[Any], fmt: str) -> bytes:
    out = io.StringIO()
    write_events(store.query(sql, params), fmt, out)
    return out.getvalue().encode("utf-8")


def _parquet(store: Store, sql: str, params: list[Any]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="flashpoint-export-") as tmp:
        path = Path(tmp) / "events.parquet"
        target = str(path).replace("'", "''")
        store.con.execute(f"COPY ({sql}) TO '{target}' (FORMAT PARQUET)", params)
        return path.read_bytes()
