"""Monitoring: event series, escalation detectors, watchlists, alerts and their sinks.

The API other parts of flashpoint use (the live feeds call `load_watchlists` and `run_cycle`
every cycle; the REST API serves `list_alerts` and `series_rows`); see docs/monitor.md. Names
are imported on first use, so the command line starts without numpy and scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alerts import Alert, Finding, list_alerts
    from .cycle import run_cycle
    from .replay import BacktestResult, backtest
    from .series import FREQS, LEVELS, refresh_series, series_keys, series_rows
    from .settings import MonitorSettings, load_settings
    from .sinks import Sink, SinkError, make_sinks, register_sink
    from .watchlist import Rule, Watchlists, load_watchlists, parse_watchlists

_WHERE = {
    "Alert": "alerts", "Finding": "alerts", "list_alerts": "alerts",
    "BacktestResult": "replay", "backtest": "replay",
    "run_cycle": "cycle",
    "FREQS": "series", "LEVELS": "series", "refresh_series": "series", "series_keys": "series",
    "series_rows": "series",
    "MonitorSettings": "settings", "load_settings": "settings",
    "Sink": "sinks", "SinkError": "sinks", "make_sinks": "sinks", "register_sink": "sinks",
    "Rule": "watchlist", "Watchlists": "watchlist", "load_watchlists": "watchlist",
    "parse_watchlists": "watchlist",
}  # fmt: skip

__all__ = [
    "FREQS", "LEVELS", "Alert", "BacktestResult", "Finding", "MonitorSettings", "Rule", "Sink",
    "SinkError", "Watchlists", "backtest", "list_alerts", "load_settings", "load_watchlists",
    "make_sinks", "parse_watchlists", "refresh_series", "register_sink", "run_cycle",
    "series_keys", "series_rows",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
