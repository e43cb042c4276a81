"""`flashpoint generate-corpus`: write a synthetic corpus for benchmarks and scale tests."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from ..errors import FlashpointError
from .corpus import FORMATS, write_corpus


def _start(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-01") from exc


@click.command("generate-corpus")
@click.argument("n", type=click.IntRange(min=1))
@click.argument("out", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="News pages, text files with front matter, or one JSON Lines file.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same corpus.")
@click.option(
    "--duplicates",
    type=click.FloatRange(0.0, 1.0),
    default=0.1,
    show_default=True,
    help="Share of articles that rewrite an earlier one (wire copies).",
)
@click.option(
    "--start",
    default="2026-01-01",
    show_default=True,
    callback=_start,
    help="First publication date.",
)
@click.option(
    "--days", type=click.IntRange(min=1), default=365, show_default=True, help="Dates spread."
)
def generate_corpus(
    n: int, out: Path, fmt: str, seed: int, duplicates: float, start: dt.date, days: int
) -> None:
    """Write N synthetic news articles (marked synthetic) under OUT, a new or empty folder."""
    began = time.perf_counter()
    try:
        report = write_corpus(
            n, out, fmt=fmt, seed=seed, duplicates=duplicates, start=start, days=days
        )
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{report.articles} articles ({report.copies} rewrites of others, about "
        f"{report.sentences} sentences) in {report.files} files, {report.bytes:,} bytes, "
        f"under {out} in {time.perf_counter() - began:.1f}s"
    )
