"""Event series: counts and score sums of canonical events per dyad, country, sector pair and type.

`monitor_series` holds one row per (level, key, event type, frequency, period) with events. It is
kept up to date by diffing: `monitor_counted` remembers the counted fields of every canonical event
it holds, so a refresh subtracts what dedup changed or removed and adds what is new, and ends where
a full rebuild would (sums are exact decimals). Frequencies follow the date's precision: an event
known to the day counts in the daily, weekly and monthly series, one known to the week in the
weekly and monthly, one known to the month in the monthly only; a year is too coarse to count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from .settings import MonitorSettings, load_settings
from .tables import COUNTED_COLUMNS, ensure_tables, has_table

LEVELS = ("dyad", "country", "sector", "type")
FREQS = ("day", "week", "month")
STATE_KEY = "monitor_series_state"
_COLS = ", ".join(COUNTED_COLUMNS)

# Each event's contributions: one row per level key it belongs to. A country counts an event
# once even when it is both actor and recipient.
_CONTRIB = """
SELECT 'dyad' AS level, actor_country || '>' || recipient_country AS key, d.* FROM delta d
  WHERE actor_country IS NOT NULL AND recipient_country IS NOT NULL
UNION ALL SELECT 'country', actor_country, d.* FROM delta d WHERE actor_country IS NOT NULL
UNION ALL SELECT 'country', recipient_country, d.* FROM delta d
  WHERE recipient_country IS NOT NULL AND recipient_country IS DISTINCT FROM actor_country
UNION ALL SELECT 'sector', coalesce(actor_sector, '-') || '>' || coalesce(recipient_sector, '-'),
  d.* FROM delta d WHERE actor_sector IS NOT NULL OR recipient_sector IS NOT NULL
UNION ALL SELECT 'type', event_type, d.* FROM delta d
"""

_PERIODS = """
SELECT c.*, 'day' AS freq, c.date AS period FROM contrib c WHERE c.prec = 'day'
UNION ALL SELECT c.*, 'week', CAST(date_trunc('week', c.date) AS DATE) FROM contrib c
  WHERE c.prec IN ('day', 'week')
UNION ALL SELECT c.*, 'month', CAST(date_trunc('month', c.date) AS DATE) FROM contrib c
  WHERE c.prec IN ('day', 'week', 'month')
"""


def _quad_case(scores: Sequence[tuple[int, float]]) -> str:
    arms = " ".join(f"WHEN {int(q)} THEN {float(s)!r}" for q, s in scores)
    return f"CAST((CASE quad_class {arms} ELSE 0 END) AS DECIMAL(18,2))" if arms else "0"


def _quads(quads: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(q)) for q in quads) + ")" if quads else "(NULL)"


def _delta_sql(settings: MonitorSettings) -> str:
    s = settings.series
    return f"""
WITH current AS (
  SELECT {_COLS} FROM canonical_events
  WHERE modality IN (SELECT unnest(?)) AND date IS NOT NULL
    AND coalesce(date_precision, 'day') IN ('day', 'week', 'month')),
delta AS (
  SELECT *, 1 AS sign FROM (SELECT * FROM current EXCEPT SELECT {_COLS} FROM monitor_counted)
  UNION ALL
  SELECT *, -1 AS sign FROM (SELECT {_COLS} FROM monitor_counted EXCEPT SELECT * FROM current)),
contrib AS (SELECT *, coalesce(date_precision, 'day') AS prec FROM ({_CONTRIB})),
periods AS ({_PERIODS})
SELECT * FROM (SELECT level, key, event_type, freq, period,
  CAST(sum(sign) AS INTEGER) AS events,
  CAST(sum(sign * (quad_class IN {_quads(s.conflict_quads)})::INTEGER) AS INTEGER) AS conflict,
  CAST(sum(sign * (quad_class IN {_quads(s.cooperation_quads)})::INTEGER) AS INTEGER)
    AS cooperation,
  sum(sign * CAST(coalesce(goldstein, 0) AS DECIMAL(18,2))) AS goldstein_sum,
  sum(sign * {_quad_case(s.plover_scores)}) AS plover_score_sum
FROM periods GROUP BY ALL)
WHERE events <> 0 OR conflict <> 0 OR cooperation <> 0 OR goldstein_sum <> 0
  OR plover_score_sum <> 0
"""


def _reset_if_settings_changed(store: Any, settings: MonitorSettings) -> None:
    state = settings.series.fingerprint()
    if store.scalar("SELECT value FROM meta WHERE key = ?", [STATE_KEY]) != state:
        store.con.execute("DELETE FROM monitor_series")
        store.con.execute("DELETE FROM monitor_counted")
        store.set_meta(STATE_KEY, state)


def refresh_series(store: Any, settings: MonitorSettings | None = None) -> int:
    """Bring the series up to date with `canonical_events`; returns the series rows touched."""
    settings = settings or load_settings()
    ensure_tables(store)
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        _reset_if_settings_changed(store, settings)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE monitor_delta AS " + _delta_sql(settings),
            [list(settings.series.modalities)],
        )
        touched = int(store.scalar("SELECT count(*) FROM monitor_delta"))
        if touched:
            _apply_delta(store, settings)
        con.execute("DROP TABLE IF EXISTS monitor_delta")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return touched


def _apply_delta(store: Any, settings: MonitorSettings) -> None:
    con = store.con
    con.execute(
        """INSERT INTO monitor_series SELECT * FROM monitor_delta
           ON CONFLICT (level, key, event_type, freq, period) DO UPDATE SET
             events = monitor_series.events + excluded.events,
             conflict = monitor_series.conflict + excluded.conflict,
             cooperation = monitor_series.cooperation + excluded.cooperation,
             goldstein_sum = monitor_series.goldstein_sum + excluded.goldstein_sum,
             plover_score_sum = monitor_series.plover_score_sum + excluded.plover_score_sum"""
    )
    con.execute("DELETE FROM monitor_series WHERE events = 0")
    # The counted snapshot follows the same diff.
    con.execute(
        f"""DELETE FROM monitor_counted WHERE event_id IN (
              SELECT event_id FROM (SELECT {_COLS} FROM monitor_counted EXCEPT
                SELECT {_COLS} FROM canonical_events
                WHERE modality IN (SELECT unnest(?)) AND date IS NOT NULL
                  AND coalesce(date_precision, 'day') IN ('day', 'week', 'month')))""",
        [list(settings.series.modalities)],
    )
    con.execute(
        f"""INSERT INTO monitor_counted
            SELECT {_COLS} FROM canonical_events
            WHERE modality IN (SELECT unnest(?)) AND date IS NOT NULL
              AND coalesce(date_precision, 'day') IN ('day', 'week', 'month')
              AND event_id NOT IN (SELECT event_id FROM monitor_counted)""",
        [list(settings.series.modalities)],
    )


def _check(level: str, freq: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; one of {', '.join(LEVELS)}")
    if freq not in FREQS:
        raise ValueError(f"unknown frequency {freq!r}; one of {', '.join(FREQS)}")


def series_rows(
    store: Any,
    level: str,
    key: str,
    freq: str = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
    event_types: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One row per period with events, oldest first, summed over event types (or the given ones)."""
    _check(level, freq)
    if not has_table(store, "monitor_series"):
        return []
    where, params = _where(level, freq, start, end, event_types)
    rows = store.query(
        f"""SELECT period, CAST(sum(events) AS INTEGER) AS events,
                   CAST(sum(conflict) AS INTEGER) AS conflict,
                   CAST(sum(cooperation) AS INTEGER) AS cooperation,
                   CAST(sum(goldstein_sum) AS DOUBLE) AS goldstein_sum,
                   CAST(sum(plover_score_sum) AS DOUBLE) AS plover_score_sum
            FROM monitor_series {where} AND key = ? GROUP BY period ORDER BY period""",
        [*params, key],
    )
    for row in rows:
        row["period"] = row["period"].isoformat()
    return rows


def series_keys(store: Any, level: str, limit: int = 100) -> list[dict[str, Any]]:
    """The keys of a level with their totals (daily series), most events first."""
    _check(level, "day")
    if not has_table(store, "monitor_series"):
        return []
    rows = store.query(
        f"""SELECT key, CAST(sum(events) AS INTEGER) AS events,
                   CAST(sum(conflict) AS INTEGER) AS conflict,
                   min(period) AS first, max(period) AS last
            FROM monitor_series WHERE level = ? AND freq = 'month'
            GROUP BY key ORDER BY events DESC, key LIMIT {int(limit)}""",
        [level],
    )
    for row in rows:
        row["first"], row["last"] = row["first"].isoformat(), row["last"].isoformat()
    return rows


def _where(
    level: str,
    freq: str,
    start: dt.date | None,
    end: dt.date | None,
    event_types: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = ["level = ?", "freq = ?"]
    params: list[Any] = [level, freq]
    if start:
        clauses.append("period >= ?")
        params.append(start)
    if end:
        clauses.append("period <= ?")
        params.append(end)
    if event_types:
        clauses.append("event_type IN (SELECT unnest(?))")
        params.append([t.upper() for t in event_types])
    return "WHERE " + " AND ".join(clauses), params


def daily_matrix(
    store: Any,
    level: str,
    measure: str,
    start: dt.date,
    end: dt.date,
    key: str | None = None,
    event_types: Sequence[str] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Daily counts of `measure` ("events" or "conflict") for the keys of a level, one row per key
    and one column per day from `start` to `end` (zeros where nothing happened)."""
    column = {"events": "events", "conflict": "conflict"}[measure]
    where, params = _where(level, "day", start, end, event_types)
    if key is not None:
        where += " AND key = ?"
        params.append(key)
    rows = store.con.execute(
        f"SELECT key, period, sum({column}) FROM monitor_series {where} GROUP BY 1, 2 "
        f"HAVING sum({column}) > 0",
        params,
    ).fetchall()
    keys = sorted({r[0] for r in rows} | ({key} if key else set()))
    index = {k: i for i, k in enumerate(keys)}
    n_days = (end - start).days + 1
    matrix = np.zeros((len(keys), n_days), dtype=np.float64)
    for k, period, value in rows:
        matrix[index[k], (period - start).days] = float(value)
    return keys, matrix
