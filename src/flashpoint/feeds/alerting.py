"""The one place the watcher calls the monitor: watchlists loaded once, evaluated every cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import E_WATCHLIST_CYCLE
from ..model import Reject
from ..store import Store
from .parse import reject


class Alerting:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.watchlists: Any = None
        self.terminal = False  # the watchlists print their alerts themselves
        if path is not None:
            self.watchlists = _load(path)
            self.terminal = any(s.get("type") == "terminal" for s in self.watchlists.sinks)

    def run(self, store: Store) -> tuple[list[dict[str, Any]], Reject | None]:
        """New alerts as JSON dicts (delivered to the watchlists' sinks), or the failure."""
        if self.watchlists is None:
            return [], None
        from ..monitor import run_cycle

        try:
            alerts = run_cycle(store, self.watchlists)
        except Exception as exc:  # a monitor bug must not lose the cycle's articles
            detail = f"{E_WATCHLIST_CYCLE.title}: {type(exc).__name__}: {exc}"
            return [], reject(str(self.path), E_WATCHLIST_CYCLE, detail)
        return [a.to_json() for a in alerts], None


def _load(path: Path) -> Any:
    """The watchlists, with their sinks built once so a bad sink fails at start (FP-E06x)."""
    from ..monitor import load_watchlists, make_sinks

    watchlists = load_watchlists(path)
    for sink in make_sinks(watchlists.sinks, base_dir=path.parent):
        sink.close()
    return watchlists
