"""The `flashpoint` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .contract import event_to_contract, event_to_row
from .engine.local import BATCH_SIZE
from .engine.options import with_engine
from .errors import FlashpointError
from .model import Document, Modality, Reject
from .pipeline import DEFAULT_STAGES, Config, Pipeline, registered_stages

EXIT_REJECTS = 3  # some input was rejected; the rest was processed
err = Console(stderr=True)


def _iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2020-12-11") from exc


def _config(
    date: str | None,
    data_dir: Path | None,
    stages: str | None,
    max_bytes: int = 20_000_000,
    conventions: str = "plover",
) -> Config:
    names = tuple(s.strip() for s in stages.split(",")) if stages else DEFAULT_STAGES
    return Config(
        stages=names,
        data_dir=data_dir,
        default_date=date,
        max_bytes=max_bytes,
        conventions=conventions,
    )


def _read(inputs: tuple[str, ...], max_bytes: int) -> Iterator[Document | Reject]:
    from .ingest import read_path, read_stream

    for name in inputs:
        if name == "-":
            yield from read_stream(sys.stdin.buffer, name="<stdin>", max_bytes=max_bytes)
        else:
            yield from read_path(Path(name), max_bytes=max_bytes)


def _report_reject(r: Reject) -> None:
    # The message names the file and starts with its code; file names may hold "[...]".
    message = r.message if r.message.startswith(r.code) else f"{r.code} {r.message}"
    err.print(f"[yellow]rejected[/yellow] {escape(message)}", highlight=False, soft_wrap=True)


common_options = [
    click.option(
        "--date", callback=_iso_date, help="Publication date for input that has none (YYYY-MM-DD)."
    ),
    click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of YAML knowledge files that override the shipped ones.",
    ),
    click.option(
        "--stages", help=f"Comma-separated pipeline stages (default: {','.join(DEFAULT_STAGES)})."
    ),
    click.option(
        "--max-bytes",
        type=int,
        default=20_000_000,
        show_default=True,
        help="Reject input files larger than this.",
    ),
]

conventions_option = click.option(
    "--conventions",
    type=click.Choice(["plover", "cameo"]),
    default="plover",
    show_default=True,
    help="cameo: code as CAMEO data sets (PETRARCH, Phoenix) do: joint acts both ways, "
    "reported attacks as accusations, intent to use force as threats (docs/coding.md).",
)


db_option = click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default="flashpoint.duckdb",
    show_default=True,
    help="DuckDB file of the event store.",
)


def _print_version(ctx: click.Context) -> None:
    from . import build  # imports the tokenizer: only when asked

    click.echo(f"flashpoint, version {__version__} ({build()} build)")
    ctx.exit()


def with_common(f: Any) -> Any:
    for option in reversed([*common_options, conventions_option]):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _, on: _print_version(ctx) if on else None,
    help="Show the version and the build (pure or compiled) and exit.",
)
def main() -> None:
    """flashpoint: raw news in, PLOVER-coded political events out."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@with_common
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--all-modalities/--asserted-only",
    default=True,
    show_default=True,
    help="Show negated, hypothetical and future events too.",
)
@with_engine
def code(
    inputs: tuple[str, ...],
    date: str | None,
    data_dir: Path | None,
    stages: str | None,
    max_bytes: int,
    conventions: str,
    fmt: str,
    all_modalities: bool,
    engine: str,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Code files, folders or stdin (-) and print the events; nothing is stored."""
    from .engine import code_stream

    config = _config(date, data_dir, stages, max_bytes, conventions)
    _pipeline(config)  # fail early on a bad stage list
    events = []
    rejected = 0
    coded = code_stream(
        _read(inputs, max_bytes), config, engine=engine, workers=workers, scheduler=scheduler
    )
    try:
        for item in coded:
            if isinstance(item, Reject):
                rejected += 1
                _report_reject(item)
                continue
            events += [e for e in item.events if all_modalities or e.modality == "asserted"]
    except FlashpointError as exc:  # the engine could not start or lost a worker
        raise click.ClickException(str(exc)) from exc
    _print_events(events, fmt)
    sys.exit(EXIT_REJECTS if rejected else 0)


def _pipeline(config: Config) -> Pipeline:
    try:
        return Pipeline(config)
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_events(events: list[Any], fmt: str) -> None:
    if fmt == "jsonl":
        for e in events:
            click.echo(json.dumps(event_to_contract(e), ensure_ascii=False))
    elif fmt == "json":
        click.echo(json.dumps([event_to_contract(e) for e in events], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from .store import write_events

        write_events([event_to_row(e) for e in events], "csv", sys.stdout)
    else:
        _event_table([event_to_row(e) for e in events])


def _event_table(rows: list[dict[str, Any]]) -> None:
    table = Table(show_lines=False, header_style="bold")
    for col in (
        "sent",
        "type",
        "mode",
        "cameo",
        "gold",
        "modality",
        "actor",
        "recipient",
        "date",
        "where",
        "trigger",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["sentence_index"]),
            r["event_type"],
            r["mode"] or "",
            r["cameo"],
            f"{r['goldstein']:+.1f}",
            r["modality"],
            _who(r, "actor"),
            _who(r, "recipient"),
            f"{r['date'] or ''} ({r['date_precision'] or '-'})",
            r.get("location_name") or "",
            r["trigger_text"],
        )
    _out().print(table)
    Console(stderr=True).print(f"{len(rows)} events")


def _out() -> Console:
    """Stdout console; wide when piped, so tables are not folded to 80 columns."""
    return Console() if sys.stdout.isatty() else Console(width=220)


def _who(r: dict[str, Any], role: str) -> str:
    code = r.get(f"{role}_code")
    if not code:
        return ""
    sponsor = r.get(f"{role}_sponsor")
    return f"{code} ({r[f'{role}_text']})" + (f" ←{sponsor}" if sponsor else "")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@db_option
@with_common
@click.option(
    "--batch-size",
    type=int,
    default=BATCH_SIZE,
    show_default=True,
    help="Items coded per batch; each batch has a fixed cost.",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
@with_engine
def ingest(
    inputs: tuple[str, ...],
    db: Path,
    date: str | None,
    data_dir: Path | None,
    stages: str | None,
    max_bytes: int,
    conventions: str,
    batch_size: int,
    quiet: bool,
    engine: str,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Read, code and store input in a DuckDB file; rerunning adds nothing new."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .engine import ingest as run_ingest
    from .engine.sources import count_inputs, list_inputs

    config = _config(date, data_dir, stages, max_bytes, conventions)
    _pipeline(config)  # fail early on a bad stage list
    columns = (
        SpinnerColumn(),
        TextColumn("ingesting"),
        BarColumn(),
        TextColumn(
            "{task.fields[stored]} stored, {task.fields[skipped]} already there, "
            "{task.fields[rejected]} rejected, {task.fields[events]} events"
        ),
        TimeElapsedColumn(),
        TimeRemainingColumn(),  # from the counted inputs; none for stdin
    )
    # the bar's total (None for stdin: the bar then only pulses); no bar, no walk to count
    expected = None if quiet else count_inputs(inputs)
    with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
        task = progress.add_task(
            "ingest", total=expected, stored=0, skipped=0, rejected=0, events=0
        )
        try:
            report = run_ingest(
                list_inputs(inputs, max_bytes),  # files are read where batches are coded
                db,
                config,
                batch_size=batch_size,
                engine=engine,
                workers=workers,
                scheduler=scheduler,
                on_progress=lambda r: progress.update(
                    task,
                    completed=r.taken,
                    stored=r.stored,
                    skipped=r.skipped,
                    rejected=r.rejected,
                    events=r.events,
                ),
            )
        except FlashpointError as exc:
            raise click.ClickException(str(exc)) from exc
    for r in report.rejects:
        _report_reject(r)
    err.print(
        f"{report.read} documents read: {report.stored} stored, {report.skipped} already "
        f"in the store, {report.rejected} rejected; {report.events} event mentions written to "
        f"{escape(str(db))}, which holds {report.canonical_events} canonical events",
        highlight=False,
    )
    sys.exit(EXIT_REJECTS if report.rejects else 0)


def _open(db: Path) -> Any:
    from .store import Store

    try:
        return Store(db, read_only=True)
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@db_option
@click.option("--actor", help="Actor country (ISO3) or actor code prefix, e.g. IRN or IRQREB.")
@click.option("--recipient", help="Recipient country or code prefix.")
@click.option("--type", "types", multiple=True, help="PLOVER event type; repeat for several.")
@click.option(
    "--modality",
    multiple=True,
    type=click.Choice([m.value for m in Modality]),
)
@click.option("--since", callback=_iso_date, help="First event date (YYYY-MM-DD).")
@click.option("--until", callback=_iso_date, help="Last event date (YYYY-MM-DD).")
@click.option("--limit", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "jsonl"]),
    default="table",
    show_default=True,
)
@click.option(
    "--mentions",
    is_flag=True,
    help="One row per event mention (each report) instead of per canonical event.",
)
def events(
    db: Path,
    actor: str | None,
    recipient: str | None,
    types: tuple[str, ...],
    modality: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int | None,
    fmt: str,
    mentions: bool,
) -> None:
    """Query stored events: canonical events, or with --mentions every report of them."""
    from .store import EventFilter, select_events, write_events

    flt = EventFilter(
        actor=actor,
        recipient=recipient,
        event_types=types,
        modality=modality,
        since=dt.date.fromisoformat(since) if since else None,
        until=dt.date.fromisoformat(until) if until else None,
        limit=limit,
    )
    with _open(db) as store:
        rows = select_events(store, flt, mentions=mentions)
    if fmt == "table":
        _event_table(rows)
    else:
        write_events(rows, fmt, sys.stdout)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), required=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write events.<fmt> (and articles.<fmt>) into.",
)
@click.option(
    "--mentions",
    is_flag=True,
    help="Export every event mention instead of the canonical events.",
)
def export(db: Path, fmt: str, out: Path, mentions: bool) -> None:
    """Export stored events (canonical, or --mentions) as CSV, JSON Lines or Parquet."""
    from .store import export as run_export

    with _open(db) as store:
        for path in run_export(store, fmt, out, mentions=mentions):
            click.echo(str(path))


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def summary(db: Path, as_json: bool) -> None:
    """Counts by event type, the top dyads and the rejects of a store."""
    from .store import summary as run_summary

    with _open(db) as store:
        s = run_summary(store)
    if as_json:
        click.echo(json.dumps(s, default=str, indent=2))
        return
    _print_summary(s)


def _print_summary(s: dict[str, Any]) -> None:
    out = _out()
    dr = s["date_range"]
    out.print(
        f"[bold]{s['articles']}[/bold] articles in {s['stories']} stories, "
        f"{s['sentences']} sentences, [bold]{s['events']}[/bold] events from "
        f"{s['mentions']} mentions ({dr['first']} to {dr['last']}), {s['rejects']} rejects",
        highlight=False,
    )
    t = Table(title="Events by type", header_style="bold")
    for col in ("type", "events", "mentions", "asserted", "mean goldstein"):
        t.add_column(col, justify="right" if col != "type" else "left")
    for r in s["by_type"]:
        t.add_row(
            r["event_type"],
            str(r["events"]),
            str(r["mentions"]),
            str(r["asserted"]),
            str(r["mean_goldstein"]),
        )
    out.print(t)
    t = Table(title="Top dyads (asserted events)", header_style="bold")
    for col in ("actor", "recipient", "events", "conflict", "goldstein sum"):
        t.add_column(col)
    for r in s["top_dyads"]:
        t.add_row(
            r["actor"],
            r["recipient"],
            str(r["events"]),
            str(r["conflict"]),
            str(r["goldstein_sum"]),
        )
    out.print(t)
    if not s["reject_list"]:
        out.print("Rejects: none")
    else:
        t = Table(title="Rejects", header_style="bold")
        t.add_column("code")
        t.add_column("message", overflow="fold")
        for r in s["reject_list"]:
            t.add_row(r["code"], r["message"])
        out.print(t)


@main.command()
@db_option
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--rebuild", is_flag=True, help="Forget the stored dedup state and start over.")
def dedup(db: Path, data_dir: Path | None, rebuild: bool) -> None:
    """Bring stories and canonical events up to date (after changing dedup settings)."""
    from .dedup import get_deduplicator
    from .store import Store

    if not db.exists():
        raise click.ClickException(f"FP-E040 {db}: no such store")
    try:
        component = get_deduplicator(Config(data_dir=data_dir))
        with Store(db) as store:
            report = component.rebuild(store) if rebuild else component.update(store)
            n_events = store.scalar("SELECT count(*) FROM canonical_events")
            n_stories = store.scalar("SELECT count(DISTINCT story_id) FROM article_stories")
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{report.articles} articles and {report.mentions} mentions deduplicated"
        f"{' from scratch' if report.rebuilt else ''}; the store holds {n_stories} stories "
        f"and {n_events} canonical events"
    )


@main.command("eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "petrarch", "quad", "conll", "places", "dates"]),
    default="auto",
    show_default=True,
    help="Gold format; auto goes by the file name.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--limit", type=int, help="Score only the first N gold sentences.")
@click.option(
    "--check",
    "floors",
    type=click.Path(exists=True, path_type=Path),
    help="YAML of minimum scores; exit 1 when any score is below its floor.",
)
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--conventions",
    type=click.Choice(["auto", "plover", "cameo"]),
    default="auto",
    show_default=True,
    help="Coding conventions; auto: cameo for PETRARCH gold (CAMEO-coded), plover for the rest.",
)
def eval_command(
    gold: tuple[Path, ...],
    fmt: str,
    as_json: bool,
    limit: int | None,
    floors: Path | None,
    data_dir: Path | None,
    conventions: str,
) -> None:
    """Score the coder against gold files (ours, PETRARCH XML, quad TSV, role CoNLL), and the
    geoparser and date resolver against place and date gold (with their baselines)."""
    from .evaluate import evaluate
    from .evaluate.report import check_floors, print_report

    config = Config(data_dir=data_dir)
    chosen = None if conventions == "auto" else conventions
    reports = [evaluate(p, None if fmt == "auto" else fmt, config, limit, chosen) for p in gold]
    if as_json:
        click.echo(json.dumps(reports if len(reports) > 1 else reports[0], indent=2))
    else:
        for report in reports:
            print_report(report, _out())
    if floors:
        failures = check_floors(reports, floors)
        for line in failures:
            err.print(f"[red]below floor[/red] {escape(line)}", highlight=False)
        if failures:
            sys.exit(1)
        err.print(f"all scores at or above the floors in {escape(str(floors))}", highlight=False)


@main.command()
@click.argument("sentence")
@click.option("--date", callback=_iso_date, help="Publication date (YYYY-MM-DD); default today.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@conventions_option
def explain(sentence: str, date: str | None, data_dir: Path | None, conventions: str) -> None:
    """Show how a sentence is coded: actors, places, times, triggers, roles, modality."""
    from .evaluate.gold import GoldItem
    from .evaluate.score import GoldCoder

    day = dt.date.fromisoformat(date) if date else dt.date.today()
    coder = GoldCoder(Config(data_dir=data_dir, conventions=conventions))
    doc = coder.document(GoldItem(id="explain", text=sentence, date=day))
    out = _out()
    out.print(f"[bold]{escape(sentence)}[/bold]  (published {day})", highlight=False)
    for a in doc.actors:
        flag = "  (a place here: not an agent)" if a.locative else ""
        out.print(
            f"actor   {a.text!r} [{a.span.start}:{a.span.end}] -> {a.code} "
            f"country={a.country} sector={a.sector} sponsor={a.sponsor} "
            f"<- {escape(a.entry)}{flag}",
            highlight=False,
        )
    for p in doc.places:
        out.print(
            f"place   {p.text!r} -> {p.name} ({p.country}, {p.precision}) {p.lat},{p.lon}",
            highlight=False,
        )
    for t in doc.times:
        out.print(f"time    {t.text!r} -> {t.date} ({t.precision}, rule {t.rule})", highlight=False)
    if not doc.events:
        out.print("no event: no pattern fired with an actor or a recipient")
    for e in doc.events:
        out.print(
            f"[bold]event[/bold]   {e.event_type} {e.mode or ''} CAMEO {e.cameo} "
            f"goldstein {e.goldstein:+.1f} {e.modality.value}: "
            f"{e.actor.code if e.actor else '-'} -> "
            f"{e.recipient.code if e.recipient else '-'} (trigger {e.trigger_text!r})",
            highlight=False,
        )
        for step in e.derivation:
            out.print(f"        - {escape(step)}", highlight=False)


@main.command()
def stages() -> None:
    """List the registered pipeline stages with what they require and assign."""
    for name, cls in registered_stages().items():
        click.echo(
            f"{name:10} requires {', '.join(cls.requires) or '-':24} "
            f"assigns {', '.join(cls.assigns)}"
        )


@main.command("check-data")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
def check_data(data_dir: Path | None) -> None:
    """Load and validate every knowledge file (the shipped ones, or your overrides)."""
    from .actors import load_actor_dictionary
    from .coding.modality import load_modality
    from .coding.ontology import load_ontology
    from .coding.patterns import load_patterns
    from .dedup import get_deduplicator
    from .engine import data_version

    config = Config(data_dir=data_dir)
    try:
        ontology = load_ontology(config)
        patterns = load_patterns(config)
        load_modality(config)
        actors = load_actor_dictionary(config)
        get_deduplicator(config)
        Pipeline(config)
    except FlashpointError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"ok: {len(ontology.event_types)} event types, {len(ontology.cameo)} CAMEO codes, "
        f"{len(patterns.patterns)} pattern phrases, {len(actors.countries)} countries, "
        f"{len(actors.sectors)} sectors; data version {data_version(config)}"
    )


# Live feeds: `flashpoint watch` (flashpoint.feeds, docs/feeds.md)
from .feeds.commands import watch  # noqa: E402

main.add_command(watch)

# REST API and dashboard: `flashpoint serve` (flashpoint.serve, docs/api.md)
from .serve.commands import serve  # noqa: E402

main.add_command(serve)

# Monitoring: `flashpoint series`, `alerts`, `monitor`, `backtest` (docs/monitor.md)
from .monitor.commands import alerts, backtest, monitor, series  # noqa: E402

for _command in (series, alerts, monitor, backtest):
    main.add_command(_command)

# Synthetic corpora for benchmarks: `flashpoint generate-corpus` (flashpoint.synth, docs/scale.md)
from .synth.commands import generate_corpus  # noqa: E402

main.add_command(generate_corpus)


if __name__ == "__main__":  # pragma: no cover
    main()
