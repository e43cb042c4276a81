"""One monitoring cycle: refresh the series, run every rule as of a day, gate, store, deliver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from ..errors import E_STORE, FlashpointError
from .alerts import Alert, AlertState, StoreState, admit
from .detectors import DETECTORS, Context, LiveSource, SeriesSource
from .series import refresh_series
from .settings import MonitorSettings, load_settings
from .sinks import Delivery, Sink, deliver_all, make_sinks
from .watchlist import Watchlists


def evaluate(
    store: Any,
    watchlists: Watchlists,
    day: dt.date,
    state: AlertState,
    source: SeriesSource,
    settings: MonitorSettings,
) -> list[Alert]:
    """The new alerts of every rule as of `day` (the series must be up to date)."""
    ctx = Context(store=store, source=source, settings=settings, unseen=state.unseen_marks)
    alerts = []
    for rule in watchlists.rules:
        for finding in DETECTORS[rule.detector](ctx, rule, day):
            margin = rule.params.get("reraise_margin")
            cooldown = int(rule.params["cooldown_days"])
            alert = admit(state, rule.name, finding, day, cooldown, margin)
            if alert is not None:
                alerts.append(alert)
    return alerts


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def run_cycle(
    store: Any,
    watchlists: Watchlists,
    as_of: dt.date | None = None,
    sinks: list[Sink] | None = None,
    settings: MonitorSettings | None = None,
) -> list[Alert]:
    """Refresh the series, run the rules as of `as_of` (default today, UTC), store the new
    alerts and deliver them: to `sinks`, or to the sinks the watchlists name when None."""
    settings = settings or load_settings()
    day = as_of or today()
    own_sinks = sinks is None
    if sinks is None:
        base = Path(watchlists.path).parent if Path(watchlists.path).is_file() else None
        sinks = make_sinks(watchlists.sinks, base_dir=base)
    try:
        alerts = _detect_and_store(store, watchlists, day, settings)
        record_deliveries(store, deliver_all(alerts, sinks))
    finally:
        if own_sinks:
            for sink in sinks:
                sink.close()
    return alerts


def _detect_and_store(
    store: Any, watchlists: Watchlists, day: dt.date, settings: MonitorSettings
) -> list[Alert]:
    try:
        refresh_series(store, settings)
        con = store.con
        con.execute("BEGIN TRANSACTION")
        try:
            alerts = evaluate(
                store, watchlists, day, StoreState(store), LiveSource(store), settings
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    except duckdb.Error as exc:
        raise FlashpointError(E_STORE, f"{store.path}: {exc}") from exc
    return alerts


def record_deliveries(store: Any, deliveries: list[Delivery]) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for d in deliveries:
        store.con.execute(
            "INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?)",
            [d.alert_id, d.sink, d.ok, d.attempts, d.error, now],
        )
