"""DuckDB event store: schema, single-writer transactions, queries and exports."""

from .db import Store
from .queries import EXPORT_FORMATS, EventFilter, export, select_events, summary, write_events

__all__ = [
    "EXPORT_FORMATS",
    "EventFilter",
    "Store",
    "export",
    "select_events",
    "summary",
    "write_events",
]
