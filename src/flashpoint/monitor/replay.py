"""Backtest: replay a stored period day by day and report when each rule fired.

The replay runs the same detectors as a live cycle, day after day, with the alert state (ids,
cool-downs, marks) kept in memory, so nothing is written to the store but the series (unless
the caller asks to keep the alerts, as `backtest --store-alerts` does). Each day
sees the series up to that day only. One limit: an event first reported after a day but dated on
or before it is visible in that day's replay (the store does not keep when each event was learnt).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import E_MONITOR_RANGE, FlashpointError
from .alerts import Alert, MemoryState, StoreState
from .cycle import evaluate
from .detectors import CachedSource
from .series import refresh_series
from .settings import MonitorSettings, load_settings
from .watchlist import Rule, Watchlists


@dataclass
class BacktestResult:
    start: dt.date
    end: dt.date
    alerts: list[Alert] = field(default_factory=list)
    suppressed: int = 0  # findings held back by a cool-down

    def by_rule(self) -> dict[str, int]:
        counts = Counter(a.rule for a in self.alerts)
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": (self.end - self.start).days + 1,
            "alerts": [a.to_json() for a in self.alerts],
            "by_rule": self.by_rule(),
            "suppressed": self.suppressed,
        }


def lookback_days(rule: Rule) -> int:
    """How many days before a day the rule's series detector reads."""
    p = rule.params
    if rule.detector == "escalation":
        return int(p["window_days"]) + max(int(p["history_days"]), int(p["baseline_days"]))
    if rule.detector == "conflict_share":
        return int(p["recent_days"]) + int(p["baseline_days"])
    return 0


def backtest(
    store: Any,
    watchlists: Watchlists,
    start: dt.date,
    end: dt.date,
    settings: MonitorSettings | None = None,
    on_day: Callable[[dt.date, list[Alert]], None] | None = None,
    keep: bool = False,
) -> BacktestResult:
    """Replay `start`..`end` (inclusive); the store must be writable (the series are refreshed).
    With `keep` the alerts go into the store's alert tables as a live cycle's would."""
    if end < start:
        raise FlashpointError(E_MONITOR_RANGE, f"--from {start} is after --to {end}")
    settings = settings or load_settings()
    refresh_series(store, settings)
    back = max((lookback_days(r) for r in watchlists.rules), default=0)
    source = CachedSource(store, start - dt.timedelta(days=back), end)
    state: MemoryState | StoreState = StoreState(store) if keep else MemoryState()
    result = BacktestResult(start=start, end=end)
    day = start
    while day <= end:
        alerts = evaluate(store, watchlists, day, state, source, settings)
        result.alerts += alerts
        if on_day:
            on_day(day, alerts)
        day += dt.timedelta(days=1)
    result.suppressed = state.suppressed if isinstance(state, MemoryState) else 0
    return result


def stored_period(
    store: Any, settings: MonitorSettings | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The days a replay covers by default: where the store's history begins to its last day."""
    from .detectors import store_history_start

    refresh_series(store, settings or load_settings())
    last = store.scalar(
        "SELECT max(date) FROM monitor_counted WHERE coalesce(date_precision, 'day') = 'day'"
    )
    return store_history_start(store), last if isinstance(last, dt.date) else None
