"""Command-line options that pick an engine (`--engine`, `--workers`, `--scheduler`)."""

from __future__ import annotations

from typing import Any

import click

from .runners import ENGINES

ENGINE_OPTIONS = [
    click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="Where batches are coded: this process, a pool of worker processes, or Dask.",
    ),
    click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Worker processes for --engine processes (default: one per CPU) or for a local "
        "Dask cluster (default: 2).",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Address of a running Dask scheduler (tcp://host:8786) for --engine dask; "
        "without it a LocalCluster is started.",
    ),
]


def with_engine(f: Any) -> Any:
    for option in reversed(ENGINE_OPTIONS):
        f = option(f)
    return f
