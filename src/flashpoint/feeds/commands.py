"""`flashpoint watch FEEDS.yaml`: the command line of the live-feed watcher."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from ..errors import FlashpointError
from ..pipeline import Config

if TYPE_CHECKING:
    from .watch import CycleReport

EXIT_REJECTS = 3  # as `ingest`: some URL was rejected, the rest was processed
DEFAULT_DB = Path("flashpoint.duckdb")
err = Console(stderr=True)


@click.command()
@click.argument("feeds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="DuckDB file of the event store (default: `db` in the feeds file, else "
    "flashpoint.duckdb).",
)
@click.option("--once", is_flag=True, help="Run one cycle and exit.")
@click.option("--cycles", type=click.IntRange(min=1), help="Run N cycles and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    help="Seconds between cycles (default: `interval` in the feeds file, else 300).",
)
@click.option(
    "--watchlists",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Watchlists YAML evaluated every cycle (default: `watchlists` in the feeds file).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of YAML knowledge files that override the shipped ones.",
)
@click.option("--quiet", is_flag=True, help="Print only rejects and alerts, no cycle lines.")
def watch(
    feeds_file: Path,
    db: Path | None,
    once: bool,
    cycles: int | None,
    interval: float | None,
    watchlists: Path | None,
    data_dir: Path | None,
    quiet: bool,
) -> None:
    """Poll feeds and pages, store new articles and their events, evaluate the watchlists."""
    # Imported here: httpx and feedparser are not needed by the other commands.
    from .config import load_watch_config
    from .watch import Watcher

    if once and cycles is not None:
        raise click.UsageError("give --once or --cycles N, not both")
    try:
        config = load_watch_config(feeds_file, data_dir)
        store = db or config.db or DEFAULT_DB
        stop = threading.Event()
        with (
            _stop_on_signals(stop),
            Watcher(
                config,
                store,
                pipeline_config=Config(data_dir=data_dir),
                watchlists=watchlists,
                stop=stop,
            ) as watcher,
        ):
            totals = watcher.run(
                cycles=1 if once else cycles,
                interval=interval,
                on_cycle=lambda r: _print_cycle(r, quiet, watcher.alerting.terminal),
            )
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if stop.is_set():
        err.print("stopped: the next run goes on where this one ended", highlight=False)
    sys.exit(EXIT_REJECTS if totals.rejected else 0)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C (or SIGTERM) asks for a stop between two fetches; a second Ctrl-C aborts."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        err.print("stopping after the current fetch (Ctrl-C again to abort)", highlight=False)

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (e.g. under a test runner)
        return
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _print_cycle(report: CycleReport, quiet: bool, sink_prints: bool) -> None:
    for r in report.rejects:
        message = r.message if r.message.startswith(r.code) else f"{r.code} {r.message}"
        err.print(f"[yellow]rejected[/yellow] {escape(message)}", highlight=False, soft_wrap=True)
    for alert in [] if sink_prints else report.alerts:  # a terminal sink shows them already
        message = escape(str(alert.get("message", "")))
        err.print(f"[red]alert[/red] {message}", highlight=False, soft_wrap=True)
    if quiet:
        return
    q = report.queue
    err.print(
        f"cycle {report.cycle}: {report.feeds_polled} feeds polled "
        f"({report.feeds_not_modified} not modified), {report.discovered} new URLs, "
        f"{report.stored} articles stored ({report.events} event mentions), "
        f"{len(report.rejects)} rejected, {report.deferred} deferred, "
        f"{len(report.alerts)} alerts; queue: {q.get('pending', 0)} pending, "
        f"{q.get('done', 0)} done, {q.get('failed', 0)} failed",
        highlight=False,
        soft_wrap=True,  # one line per cycle, for logs
    )
