"""The monitoring commands end to end: series, monitor, alerts and backtest, on a hand-built
store and on the sample corpus with examples/watchlists.yaml (what `make demo` prints)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashpoint.cli import main
from flashpoint.store import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "watchlists.yaml"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def small_store(tmp_path: Path, put_events: Callable[..., list[str]]) -> Path:
    """A quiet month on IRN>USA, then a burst of threats and a militia attack in Iraq."""
    db = tmp_path / "small.duckdb"
    start = dt.date(2026, 9, 1)
    with Store(db) as store:
        put_events(store, *({"date": start + dt.timedelta(days=d)} for d in range(30)))
        put_events(store, *([{"date": dt.date(2026, 10, 1), "event_type": "THREATEN"}] * 8))
        put_events(
            store,
            {"ad": "IRQ:REB>USA:MIL", "location_country": "IRQ", "date": dt.date(2026, 10, 1)},
        )
    return db


def test_series_lists_keys_then_one_series(small_store: Path) -> None:
    keys = run("series", "--db", small_store, "--level", "dyad", "--format", "jsonl")
    assert keys.exit_code == 0, keys.output
    assert [json.loads(line)["key"] for line in keys.output.splitlines()] == ["IRN>USA", "IRQ>USA"]
    weekly = run(
        "series", "--db", small_store, "--level", "country", "--key", "usa", "--freq", "week",
        "--from", "2026-09-28", "--type", "THREATEN", "--format", "jsonl",
    )  # fmt: skip
    assert weekly.exit_code == 0, weekly.output
    assert [json.loads(line) for line in weekly.output.splitlines()] == [
        {"period": "2026-09-28", "events": 8, "conflict": 8, "cooperation": 0,
         "goldstein_sum": -16.0, "plover_score_sum": -8.0},
    ]  # fmt: skip
    table = run("series", "--db", small_store, "--key", "IRN>USA", "--to", "2026-09-02")
    assert (
        table.exit_code == 0 and "2026-09-02" in table.output and "2026-09-03" not in table.output
    )


def test_monitor_stores_and_alerts_lists(small_store: Path, tmp_path: Path) -> None:
    watch = tmp_path / "w.yaml"
    watch.write_text(
        "version: 1\nsinks: [{type: jsonl, path: sent.jsonl}]\nrules:\n"
        "  - {name: esc, detector: escalation, dyad: IRN>USA}\n"
        "  - {name: militia, detector: match, location: IRQ, actor_sector: REB, recipient: USA}\n"
    )
    first = run("monitor", "--db", small_store, "--watchlists", watch, "--as-of", "2026-10-01",
                "--format", "jsonl")  # fmt: skip
    assert first.exit_code == 0, first.output
    alerts = [json.loads(line) for line in first.output.splitlines() if line.startswith("{")]
    assert sorted(a["rule"] for a in alerts) == ["esc", "militia"]
    assert len((tmp_path / "sent.jsonl").read_text().splitlines()) == 2
    again = run("monitor", "--db", small_store, "--watchlists", watch, "--as-of", "2026-10-01",
                "--no-sinks")  # fmt: skip
    assert again.exit_code == 0 and "0 new alerts" in again.output
    listed = run("alerts", "--db", small_store, "--format", "jsonl", "--since", "2026-10-01")
    assert sorted(json.loads(line)["rule"] for line in listed.output.splitlines()) == [
        "esc", "militia",
    ]  # fmt: skip
    table = run("alerts", "--db", small_store, "--limit", "1")
    assert table.exit_code == 0 and "2026-10-01" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("backtest", "--from", "2026-10-02", "--to", "2026-10-01"), "FP-E063"),
        (("series", "--from", "2026-10-02", "--to", "2026-10-01"), "FP-E063"),
        (("alerts", "--since", "yesterday"), "is not a date"),
    ],
)
def test_bad_requests(small_store: Path, args: tuple[str, ...], message: str) -> None:
    extra = ("--watchlists", EXAMPLE) if args[0] == "backtest" else ()
    result = run(*args, "--db", small_store, *extra)
    assert result.exit_code != 0 and message in result.output


def test_a_missing_store_is_fp_e040(tmp_path: Path) -> None:
    result = run("alerts", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 1 and "FP-E040" in result.output


@pytest.fixture(scope="module")
def corpus_copy(served_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ingested sample corpus (shared with the API tests), copied: a backtest writes series."""
    db = tmp_path_factory.mktemp("monitor-corpus") / "corpus.duckdb"
    shutil.copy(served_store, db)
    return db


def test_backtest_of_the_sample_corpus_fires_the_example_rules(corpus_copy: Path) -> None:
    result = run("backtest", "--db", corpus_copy, "--watchlists", EXAMPLE, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    fired = set(report["by_rule"])
    # The corpus tells of Iranian warnings to Washington, militia rockets on US bases in Iraq and
    # a threat, a show of force and a ramming in the South China Sea.
    assert {"iran-us-threats", "militia-attacks-on-us-in-iraq", "threat-mobilize-assault"} <= fired
    with Store(corpus_copy, read_only=True) as store:
        for alert in report["alerts"]:
            assert alert["message"] and alert["event_ids"], alert
            dates = store.query(
                "SELECT max(date) AS last FROM canonical_events "
                "WHERE event_id IN (SELECT unnest(?))",
                [alert["event_ids"]],
            )[0]["last"]
            assert dates.isoformat() <= alert["day"], alert  # no alert cites a later event


def test_backtest_stores_its_alerts_only_when_asked(tmp_path: Path) -> None:
    """`backtest` keeps nothing by default; `--store-alerts` leaves what `alerts` then lists."""
    db = tmp_path / "demo.duckdb"
    runner = CliRunner()
    corpus = Path(__file__).resolve().parent.parent / "examples" / "corpus"
    watchlists = corpus.parent / "watchlists.yaml"
    ingested = runner.invoke(main, ["ingest", str(corpus), "--db", str(db), "--quiet"])
    assert ingested.exit_code in (0, 3), ingested.output
    plain = runner.invoke(main, ["backtest", "--db", str(db), "--watchlists", str(watchlists)])
    assert plain.exit_code == 0, plain.output
    listed = runner.invoke(main, ["alerts", "--db", str(db), "--format", "jsonl"])
    assert listed.output.strip() == ""
    kept = runner.invoke(
        main, ["backtest", "--db", str(db), "--watchlists", str(watchlists), "--store-alerts"]
    )
    assert kept.exit_code == 0, kept.output
    listed = runner.invoke(main, ["alerts", "--db", str(db), "--format", "jsonl"])
    assert len(listed.output.strip().splitlines()) >= 3
