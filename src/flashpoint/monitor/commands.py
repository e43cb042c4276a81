"""Monitoring commands: `flashpoint series`, `alerts`, `monitor` and `backtest` (docs/monitor.md).

Only click is imported here; the monitor itself (numpy, scipy) is imported when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import E_MONITOR_RANGE, FlashpointError

LEVEL_CHOICES = ("dyad", "country", "sector", "type")
FREQ_CHOICES = ("day", "week", "month")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-09-14") from exc


def _db(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default="flashpoint.duckdb",
        show_default=True,
        help="DuckDB file of the event store.",
    )(func)


def _watchlists(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--watchlists",
        "watchlists_path",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        required=True,
        help="YAML file of watchlist rules (see examples/watchlists.yaml).",
    )(func)


def _data_dir(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder whose monitor/detectors.yaml overrides the shipped detector defaults.",
    )(func)


def _console() -> Any:
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


def _settings(data_dir: Path | None) -> Any:
    from ..pipeline import Config
    from .settings import load_settings

    return load_settings(Config(data_dir=data_dir))


def _store(db: Path, write: bool) -> Any:
    from ..store import Store

    if not db.exists():
        raise click.ClickException(f"FP-E040 {db}: no such store")
    return Store(db, read_only=not write)


def _fail(exc: FlashpointError) -> click.ClickException:
    return click.ClickException(str(exc))


# ----------------------------------------------------------------------------------- series
@click.command()
@_db
@click.option("--level", type=click.Choice(LEVEL_CHOICES), default="dyad", show_default=True)
@click.option("--key", help="Dyad IRN>USA, country IRN, sector pair REB>MIL or type ASSAULT.")
@click.option("--freq", type=click.Choice(FREQ_CHOICES), default="day", show_default=True)
@click.option("--from", "start", callback=_date, help="First period (YYYY-MM-DD).")
@click.option("--to", "end", callback=_date, help="Last period (YYYY-MM-DD).")
@click.option("--type", "types", multiple=True, help="Count only this PLOVER type; repeatable.")
@click.option("--limit", type=int, default=30, show_default=True, help="Keys listed without --key.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table")
@_data_dir
def series(
    db: Path,
    level: str,
    key: str | None,
    freq: str,
    start: dt.date | None,
    end: dt.date | None,
    types: tuple[str, ...],
    limit: int,
    fmt: str,
    data_dir: Path | None,
) -> None:
    """Event counts and score sums per dyad, country, sector pair or type (canonical events)."""
    from .series import refresh_series, series_keys, series_rows

    if start and end and end < start:
        raise click.ClickException(f"{E_MONITOR_RANGE.code} --from {start} is after --to {end}")
    try:
        store = _writable_or_read_only(db, lambda s: refresh_series(s, _settings(data_dir)))
        with store:
            if key is None:
                rows = series_keys(store, level, limit)
            else:
                key = key.upper().replace("->", ">")
                rows = series_rows(store, level, key, freq, start, end, types)
    except FlashpointError as exc:
        raise _fail(exc) from exc
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    title = f"{level} keys" if key is None else f"{level} {key}, by {freq}"
    _table(rows, title)


def _writable_or_read_only(db: Path, refresh: Callable[[Any], Any]) -> Any:
    """Refresh the series when the store can be written; else read what is stored."""
    import duckdb

    try:
        store = _store(db, write=True)
    except FlashpointError as exc:
        if not isinstance(exc.__cause__, duckdb.Error):
            raise
        click.echo(f"(store busy, series not refreshed: {exc.detail})", err=True)
        return _store(db, write=False)
    refresh(store)
    return store


def _table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    if not rows:
        click.echo(f"{title}: nothing stored", err=True)
        return
    table = Table(title=title, header_style="bold")
    for col in rows[0]:
        table.add_column(col, justify="left" if col in ("key", "period") else "right")
    for row in rows:
        table.add_row(*(f"{v:g}" if isinstance(v, float) else str(v) for v in row.values()))
    _console().print(table)


# ----------------------------------------------------------------------------------- alerts
@click.command()
@_db
@click.option("--since", callback=_date, help="Alerts of this day or later (YYYY-MM-DD).")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table")
def alerts(db: Path, since: dt.date | None, limit: int, fmt: str) -> None:
    """Stored alerts, newest first, with the events that caused them."""
    from .alerts import list_alerts

    try:
        with _store(db, write=False) as store:
            rows = list_alerts(store, since, limit)
    except FlashpointError as exc:
        raise _fail(exc) from exc
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    print_alerts(rows, "Stored alerts")


def print_alerts(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    if not rows:
        click.echo(f"{title}: none", err=True)
        return
    table = Table(title=title, header_style="bold", show_lines=True)
    for col in ("day", "rule", "detector", "key", "score", "what changed", "events"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ids = r["event_ids"]
        shown = ", ".join(ids[:3]) + (f" … (+{len(ids) - 3})" if len(ids) > 3 else "")
        table.add_row(
            r["day"], r["rule"], r["detector"], r["key"], f"{r['score']:g}", r["message"], shown
        )
    _console().print(table)


# ----------------------------------------------------------------------------------- monitor
@click.command()
@_db
@_watchlists
@click.option("--as-of", callback=_date, help="Day to evaluate (YYYY-MM-DD); default today (UTC).")
@click.option("--no-sinks", is_flag=True, help="Store the alerts but deliver them nowhere.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table")
@_data_dir
def monitor(
    db: Path,
    watchlists_path: Path,
    as_of: dt.date | None,
    no_sinks: bool,
    fmt: str,
    data_dir: Path | None,
) -> None:
    """Run one monitoring cycle: refresh series, run the watchlists, store and deliver alerts."""
    from .cycle import run_cycle
    from .watchlist import load_watchlists

    try:
        settings = _settings(data_dir)
        watchlists = load_watchlists(watchlists_path, settings)
        with _store(db, write=True) as store:
            new = run_cycle(store, watchlists, as_of, [] if no_sinks else None, settings)
    except FlashpointError as exc:
        raise _fail(exc) from exc
    rows = [a.to_json() for a in new]
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        print_alerts(rows, f"New alerts as of {as_of or 'today'}")
    click.echo(f"{len(new)} new alert{'' if len(new) == 1 else 's'}", err=True)


# ----------------------------------------------------------------------------------- backtest
@click.command()
@_db
@_watchlists
@click.option("--from", "start", callback=_date, help="First day; default the store's first.")
@click.option("--to", "end", callback=_date, help="Last day; default the store's last.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.option(
    "--store-alerts",
    is_flag=True,
    help="Also store the alerts (table `alerts`, as `monitor` does), e.g. for the dashboard.",
)
@_data_dir
def backtest(
    db: Path,
    watchlists_path: Path,
    start: dt.date | None,
    end: dt.date | None,
    as_json: bool,
    store_alerts: bool,
    data_dir: Path | None,
) -> None:
    """Replay a stored period day by day and report when each rule fired (stores the alerts
    only with --store-alerts)."""
    from .replay import backtest as run_backtest
    from .replay import stored_period
    from .watchlist import load_watchlists

    try:
        settings = _settings(data_dir)
        watchlists = load_watchlists(watchlists_path, settings)
        with _store(db, write=True) as store:
            first, last = stored_period(store, settings)
            start, end = start or first, end or last
            if start is None or end is None:
                raise FlashpointError(E_MONITOR_RANGE, f"{db}: no dated events to replay")
            result = run_backtest(store, watchlists, start, end, settings, keep=store_alerts)
    except FlashpointError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    rows = [a.to_json() for a in result.alerts]
    print_alerts(rows, f"Backtest {start} to {end}: when each rule fired")
    fired = ", ".join(f"{rule} {n}" for rule, n in result.by_rule().items()) or "no rule fired"
    click.echo(
        f"{len(rows)} alerts over {(end - start).days + 1} days ({fired}); "
        f"{result.suppressed} held back by cool-downs",
        err=True,
    )
