"""`flashpoint serve`: the REST API and the dashboard over one store (docs/api.md)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import FlashpointError


@click.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default="flashpoint.duckdb",
    show_default=True,
    help="DuckDB file of the event store (opened read-only).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--token",
    envvar="FLASHPOINT_API_TOKEN",
    help="Bearer token that allows writing the watchlists (or env FLASHPOINT_API_TOKEN).",
)
@click.option(
    "--watchlists",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Watchlist YAML served at /api/watchlists (read; written with the token).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 600),
    default=5.0,
    show_default=True,
    help="Seconds a request's queries may run before it answers 503.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(1, 10_000),
    default=500,
    show_default=True,
    help="Largest page of events in JSON.",
)
@click.option(
    "--max-export-rows",
    type=click.IntRange(1, 10_000_000),
    default=100_000,
    show_default=True,
    help="Most rows in one CSV, JSON Lines or Parquet answer.",
)
@click.option(
    "--idle-release",
    type=click.FloatRange(0, 86_400),
    default=10.0,
    show_default=True,
    help="Seconds without requests after which the store is closed, so ingest or watch can "
    "write it (0: after every request).",
)
@click.option(
    "--assets",
    type=click.Path(path_type=Path, file_okay=False),
    help="node_modules folder of the dashboard's npm assets (default: the package's own).",
)
def serve(
    db: Path,
    host: str,
    port: int,
    token: str | None,
    watchlists: Path | None,
    time_limit: float,
    max_rows: int,
    max_export_rows: int,
    idle_release: float,
    assets: Path | None,
) -> None:
    """Serve the REST API and the offline dashboard for a store, read-only."""
    from . import assets as web_assets
    from .app import create_app
    from .server import bind, run, url_of

    try:
        app = create_app(
            db,
            token=token,
            watchlists=watchlists,
            time_limit=time_limit,
            max_rows=max_rows,
            max_export_rows=max_export_rows,
            assets_dir=assets,
            idle_release=idle_release,
        )
        sock = bind(host, port)
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc
    url = url_of(sock)
    click.echo(f"flashpoint dashboard: {url}/   API: {url}/api/health   spec: {url}/openapi.json")
    absent = web_assets.missing(web_assets.node_modules(assets))
    if absent:
        click.echo(f"dashboard assets missing ({', '.join(absent)}): run {web_assets.INSTALL_HINT}")
    if token is None:
        click.echo("watchlists are read-only: give --token to allow writing them")
    run(app, sock)
