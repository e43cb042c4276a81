"""The monitor's own tables in the event store (created on demand, never by store/schema.py)."""

from __future__ import annotations

from typing import Any

COUNTED_COLUMNS = (
    "event_id", "date", "date_precision", "event_type", "quad_class", "goldstein",
    "actor_country", "recipient_country", "actor_sector", "recipient_sector",
)  # fmt: skip

DDL = [
    # One row per (level, key, event type, frequency, period) with at least one event.
    """CREATE TABLE IF NOT EXISTS monitor_series (
      level VARCHAR, key VARCHAR, event_type VARCHAR, freq VARCHAR, period DATE,
      events INTEGER, conflict INTEGER, cooperation INTEGER, goldstein_sum DECIMAL(18,2),
      plover_score_sum DECIMAL(18,2), PRIMARY KEY (level, key, event_type, freq, period))""",
    # What the series hold: the counted fields of each canonical event, to diff against.
    """CREATE TABLE IF NOT EXISTS monitor_counted (
      event_id VARCHAR PRIMARY KEY, date DATE, date_precision VARCHAR, event_type VARCHAR,
      quad_class INTEGER, goldstein DOUBLE, actor_country VARCHAR, recipient_country VARCHAR,
      actor_sector VARCHAR, recipient_sector VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS alerts (
      alert_id VARCHAR PRIMARY KEY, rule VARCHAR, detector VARCHAR, level VARCHAR, key VARCHAR,
      event_types VARCHAR[], day DATE, since DATE, observed DOUBLE, expected DOUBLE,
      score DOUBLE, message VARCHAR, event_ids VARCHAR[], created_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS alert_state (
      rule VARCHAR, key VARCHAR, last_day DATE, last_alert_id VARCHAR, last_score DOUBLE,
      fired INTEGER, suppressed INTEGER, PRIMARY KEY (rule, key))""",
    # What made a finding of an event rule news (an event id, "dyad:IRN>USA"), per rule.
    """CREATE TABLE IF NOT EXISTS alert_marks (
      rule VARCHAR, mark VARCHAR, alert_id VARCHAR, PRIMARY KEY (rule, mark))""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
      alert_id VARCHAR, sink VARCHAR, ok BOOLEAN, attempts INTEGER, error VARCHAR,
      delivered_at TIMESTAMP)""",
]


def ensure_tables(store: Any) -> None:
    for statement in DDL:
        store.con.execute(statement)


def has_table(store: Any, name: str) -> bool:
    """True when the table exists (a read-only store may predate the monitor)."""
    return bool(
        store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    )
