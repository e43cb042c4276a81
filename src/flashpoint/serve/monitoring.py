"""What the API serves from the monitor (issue 6): series, alerts and watchlists.

The monitor counts series and stores alerts when it runs (`flashpoint alerts`, `backtest`,
`watch`); the server only reads them. A store the monitor never ran on still gets series,
counted from its canonical events (`source: "events"`), and an empty alert feed. Writing a
watchlist checks it with the monitor's own parser first and replaces the file only when it is
valid; its sinks stay as they are on disk, since they name files and URLs of the machine.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from ..errors import E_API_WATCHLISTS, FlashpointError
from ..store import Store
from .queries import fallback_series


def _monitor() -> ModuleType | None:
    try:
        from .. import monitor
    except ImportError:  # a build without the monitoring package
        return None
    return monitor


def available() -> bool:
    return _monitor() is not None


def has_table(store: Store, name: str) -> bool:
    return bool(
        store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    )


def series(
    store: Store,
    level: str,
    key: str,
    freq: str,
    start: dt.date | None,
    end: dt.date | None,
    event_types: list[str],
) -> tuple[list[dict[str, Any]], str]:
    """Rows of one series and where they come from: "monitor" or "events"."""
    monitor = _monitor()
    if monitor is not None and has_table(store, "monitor_series"):
        rows = monitor.series_rows(store, level, key, freq, start, end, event_types or None)
        return rows, "monitor"
    return fallback_series(store, level, key, freq, start, end, event_types), "events"


def alerts(
    store: Store,
    since: dt.date | None,
    limit: int,
    level: str | None = None,
    key: str | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Stored alerts, newest first, and the monitoring status: "ok" or "not installed"."""
    monitor = _monitor()
    if monitor is None:
        return [], "not installed"
    if not has_table(store, "alerts"):
        return [], "ok"
    scoped = level is not None or key is not None
    rows = monitor.list_alerts(store, since, limit * 20 if scoped else limit)
    rows = [
        r
        for r in rows
        if (level is None or r["level"] == level) and (key is None or _concerns(r, key))
    ]
    return rows[:limit], "ok"


def _concerns(alert: dict[str, Any], key: str) -> bool:
    """An alert concerns a key when it is that key, or a dyad that has that country in it."""
    if alert["key"] == key:
        return True
    return alert["level"] == "dyad" and ">" not in key and key in alert["key"].split(">")


# ------------------------------------------------------------------------------ watchlists
def read_watchlists(path: Path | None) -> dict[str, Any]:
    """The watchlist file as written (rules) with the types of its sinks."""
    raw = _read_yaml(path)
    sinks = raw.get("sinks") or []
    return {
        "path": str(path),
        "version": raw.get("version", 1),
        "rules": raw.get("rules") or [],
        "sinks": [{"type": s.get("type")} for s in sinks if isinstance(s, dict)],
    }


def _read_yaml(path: Path | None) -> dict[str, Any]:
    if path is None:
        raise FlashpointError(
            E_API_WATCHLISTS, "no watchlists are served: start `flashpoint serve` with --watchlists"
        )
    if not path.exists():
        return {"version": 1, "rules": [], "sinks": []}
    try:
        raw = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FlashpointError(E_API_WATCHLISTS, f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise FlashpointError(E_API_WATCHLISTS, f"{path}: top level is not a mapping")
    return raw


def write_rules(path: Path | None, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Replace the rules of the watchlist file, keeping its sinks; refuse an invalid result."""
    monitor = _monitor()
    if monitor is None:
        raise FlashpointError(E_API_WATCHLISTS, "monitoring is not installed")
    raw = _read_yaml(path)
    assert path is not None  # _read_yaml raised otherwise
    new = {"version": raw.get("version", 1), "rules": rules, "sinks": raw.get("sinks") or []}
    try:
        monitor.parse_watchlists(new, str(path))
    except FlashpointError as exc:  # FP-E060 says which rule and key
        raise FlashpointError(E_API_WATCHLISTS, str(exc)) from exc
    _replace(path, yaml.safe_dump(new, sort_keys=False, allow_unicode=True))
    return read_watchlists(path)


def add_rule(path: Path | None, rule: dict[str, Any]) -> dict[str, Any]:
    rules = list(_read_yaml(path).get("rules") or [])
    if any(isinstance(r, dict) and r.get("name") == rule.get("name") for r in rules):
        raise FlashpointError(
            E_API_WATCHLISTS,
            f"a rule named {rule.get('name')!r} exists; PUT the rules to change it",
        )
    return write_rules(path, [*rules, rule])


def _replace(path: Path, text: str) -> None:
    """Write beside the file and rename over it, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
