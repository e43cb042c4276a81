"""The DuckDB event store: idempotent and interruptible ingest, filtered queries and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from flashpoint.cli import main
from flashpoint.engine import IngestReport, ingest
from flashpoint.ingest import read_path
from flashpoint.pipeline import Config
from flashpoint.store import EventFilter, Store, select_events
from flashpoint.store.schema import DDL, SCHEMA_VERSION, UNKEYED_TABLES

TABLES = (
    "articles",
    "sentences",
    "events",
    "blocks",
    "actor_mentions",
    "place_mentions",
    "rejects",
    "canonical_events",
    "event_mentions",
    "article_stories",
)


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def event_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT event_id FROM events").fetchall()}


def canonical_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT event_id FROM canonical_events").fetchall()}


def clusters(db: Path) -> tuple[set[tuple[str, str, bool]], set[tuple[str, str]]]:
    """(event, canonical event, repeat) links and (article, story) links."""
    with duckdb.connect(str(db), read_only=True) as con:
        links = con.execute("SELECT event_id, canonical_id, repeat FROM event_mentions").fetchall()
        stories = con.execute("SELECT article_id, story_id FROM article_stories").fetchall()
    return set(links), set(stories)


def inconsistencies(store: Store) -> dict[str, int]:
    """Rows that a half-written article would leave behind; all zero in a consistent store."""
    return {
        "orphan_events": store.scalar(
            "SELECT count(*) FROM events e WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.article_id = e.article_id)"
        ),
        "orphan_sentences": store.scalar(
            "SELECT count(*) FROM sentences s WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.article_id = s.article_id)"
        ),
        "orphan_actor_mentions": store.scalar(
            "SELECT count(*) FROM actor_mentions m WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.article_id = m.article_id)"
        ),
        "sentence_count_mismatch": store.scalar(
            "SELECT count(*) FROM articles a WHERE a.n_sentences <> "
            "(SELECT count(*) FROM sentences s WHERE s.article_id = a.article_id)"
        ),
        "event_count_mismatch": store.scalar(
            "SELECT count(*) FROM articles a WHERE a.n_events <> "
            "(SELECT count(*) FROM events e WHERE e.article_id = a.article_id)"
        ),
        "duplicate_articles": store.scalar(
            "SELECT count(*) - count(DISTINCT article_id) FROM articles"
        ),
        # the per-event tables have no key (schema.UNKEYED_TABLES): their ids must stay unique
        **{
            f"duplicate_ids_in_{table}": store.scalar(
                f"SELECT count(*) - count(DISTINCT event_id) FROM {table}"
            )
            for table in UNKEYED_TABLES
        },
    }


@pytest.fixture(scope="module")
def corpus_db(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
) -> tuple[Path, IngestReport]:
    """The sample corpus ingested once; tests that write copy the file first."""
    db = tmp_path_factory.mktemp("store") / "corpus.duckdb"
    report = ingest(read_path(corpus_dir), db, Config())
    return db, report


# ------------------------------------------------------------------------------------ idempotence


def test_first_ingest_stores_the_whole_corpus(corpus_db: tuple[Path, IngestReport]) -> None:
    db, report = corpus_db
    c = counts(db)
    assert report.rejected == 0, [r.message for r in report.rejects]
    assert report.skipped == 0
    assert report.read == report.stored == c["articles"] > 0
    assert report.events == c["events"] > 0
    assert c["sentences"] > c["articles"]
    with Store(db, read_only=True) as store:
        assert inconsistencies(store) == dict.fromkeys(inconsistencies(store), 0)


def test_second_ingest_adds_nothing(
    corpus_db: tuple[Path, IngestReport], corpus_dir: Path, tmp_path: Path
) -> None:
    src, first = corpus_db
    db = tmp_path / "again.duckdb"
    shutil.copy(src, db)
    before = counts(db)
    ids_before = event_ids(db)
    second = ingest(read_path(corpus_dir), db, Config())
    assert second.read == first.read
    assert second.skipped == first.read
    assert second.stored == 0
    assert second.events == 0
    assert second.rejected == 0
    assert counts(db) == before
    assert event_ids(db) == ids_before


def test_duplicate_documents_in_one_run_are_stored_once(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "Russian troops shelled Ukrainian positions near Kharkiv on Monday.\n"
    for name in ("a.txt", "b.txt", "c.txt"):
        (docs / name).write_text(text, encoding="utf-8")
    db = tmp_path / "dup.duckdb"
    report = ingest(read_path(docs), db, Config(default_date="2024-01-01"), batch_size=2)
    assert (report.read, report.stored, report.skipped) == (3, 1, 2)
    assert counts(db)["articles"] == 1


# ------------------------------------------------------------------------------------ interruption

COUNTRIES = [
    ("Russian", "Ukrainian", "Kharkiv"),
    ("Chinese", "Philippine", "Manila"),
    ("Iranian", "Iraqi", "Baghdad"),
    ("Israeli", "Lebanese", "Beirut"),
    ("Turkish", "Syrian", "Aleppo"),
    ("Indian", "Pakistani", "Lahore"),
]
VERBS = ["shelled", "attacked", "bombed", "fired on", "raided", "struck"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def write_articles(folder: Path, n: int = 150) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a, b, city = COUNTRIES[i % len(COUNTRIES)]
        verb, day = VERBS[(i // 2) % len(VERBS)], DAYS[i % len(DAYS)]
        text = (
            f"Clash report {i}\n\n"
            f"{a} troops {verb} {b} positions near {city} on {day}, officials said in "
            f"statement number {i}.\n\n"
            f"The {b} government condemned the {a} attack and summoned the ambassador "
            f"for the {i + 1}th time.\n"
        )
        (folder / f"2024-02-{i % 28 + 1:02d}_article-{i:03d}.txt").write_text(text, "utf-8")


def ingest_cmd(folder: Path, db: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flashpoint.cli",
        "ingest",
        str(folder),
        "--db",
        str(db),
        "--batch-size",
        "1",
        "--quiet",
    ]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def test_killed_ingest_leaves_a_consistent_store_and_a_rerun_completes(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder)
    db = tmp_path / "killed.duckdb"
    wal = Path(str(db) + ".wal")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        ingest_cmd(folder, db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 30
        # Wait until a few articles are committed (each one grows the WAL by some kB; the
        # empty schema takes about 7 kB), then kill at a random moment of the rest of the run.
        while time.monotonic() < deadline and proc.poll() is None and _size(wal) < 25_000:
            time.sleep(0.02)
        delay = random.uniform(0.0, 1.5)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # it may have finished between the last poll and the signal
    allowed = (0, -signal.SIGKILL) if killed else (0,)
    assert proc.returncode in allowed, stderr.decode(errors="replace")

    # the store opens (read-write, so a leftover WAL is replayed) and is consistent
    with Store(db) as store:
        partial = store.scalar("SELECT count(*) FROM articles")
        bad = inconsistencies(store)
    assert bad == dict.fromkeys(bad, 0), f"killed after {delay:.2f}s with {partial} articles"
    assert 0 <= partial <= 150

    rerun = subprocess.run(ingest_cmd(folder, db), capture_output=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode(errors="replace")

    clean = tmp_path / "clean.duckdb"
    report = ingest(read_path(folder), clean, Config(), batch_size=64)
    assert report.stored == 150 and report.rejected == 0
    assert counts(db) == counts(clean)
    assert event_ids(db) == event_ids(clean)
    assert clusters(db) == clusters(clean)  # dedup state too (issue 5)
    assert canonical_ids(db) == canonical_ids(clean)
    with Store(db, read_only=True) as store:
        bad = inconsistencies(store)
        assert bad == dict.fromkeys(bad, 0)
        assert store.scalar("SELECT count(*) FROM articles") == 150


# ------------------------------------------------------------------------------------ queries


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_events_csv_filters_every_row(corpus_db: tuple[Path, IngestReport]) -> None:
    db, _ = corpus_db
    since = "2026-09-10"
    code, out, _ = run_cli(
        "events",
        "--db",
        str(db),
        "--actor",
        "CHN",
        "--type",
        "ASSAULT",
        "--since",
        since,
        "--format",
        "csv",
    )
    assert code == 0
    rows = csv_rows(out)
    with Store(db, read_only=True) as store:
        expected = store.scalar(
            "SELECT count(*) FROM canonical_events WHERE (actor_country = 'CHN' OR "
            "starts_with(actor_code, 'CHN')) AND event_type = 'ASSAULT' AND date >= ?",
            [since],
        )
    assert len(rows) == expected > 0
    for row in rows:
        assert row["event_type"] == "ASSAULT"
        assert row["actor_country"] == "CHN" or row["actor_code"].startswith("CHN")
        assert dt.date.fromisoformat(row["date"]) >= dt.date.fromisoformat(since)


def test_events_filters_by_recipient_modality_and_several_types(
    corpus_db: tuple[Path, IngestReport],
) -> None:
    db, _ = corpus_db
    code, out, _ = run_cli(
        "events",
        "--db",
        str(db),
        "--type",
        "coerce",
        "--type",
        "ASSAULT",
        "--modality",
        "asserted",
        "--recipient",
        "PHL",
        "--until",
        "2026-10-01",
        "--format",
        "csv",
    )
    assert code == 0
    rows = csv_rows(out)
    assert rows
    for row in rows:
        assert row["event_type"] in {"COERCE", "ASSAULT"}
        assert row["modality"] == "asserted"
        assert row["recipient_country"] == "PHL" or row["recipient_code"].startswith("PHL")
        assert row["date"] <= "2026-10-01"


def test_events_jsonl_limit_and_empty_result(corpus_db: tuple[Path, IngestReport]) -> None:
    db, _ = corpus_db
    code, out, _ = run_cli("events", "--db", str(db), "--limit", "5", "--format", "jsonl")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5
    assert all(json.loads(line)["event_id"] for line in lines)
    code, out, _ = run_cli("events", "--db", str(db), "--actor", "ZZZ", "--format", "csv")
    assert code == 0 and out == ""


def test_select_events_matches_python_filter(corpus_db: tuple[Path, IngestReport]) -> None:
    db, _ = corpus_db
    with Store(db, read_only=True) as store:
        everything = select_events(store, EventFilter(), mentions=True)
        iraq = select_events(store, EventFilter(actor="irq"), mentions=True)
        assert len(select_events(store, EventFilter())) == counts(db)["canonical_events"]
    assert len(everything) == counts(db)["events"]
    expected = [
        r
        for r in everything
        if r["actor_country"] == "IRQ" or (r["actor_code"] or "").startswith("IRQ")
    ]
    assert sorted(r["event_id"] for r in iraq) == sorted(r["event_id"] for r in expected)
    assert iraq


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_has_every_event(
    corpus_db: tuple[Path, IngestReport], tmp_path: Path, fmt: str
) -> None:
    db, _ = corpus_db
    out_dir = tmp_path / "out"
    # Canonical events by default since issue 5; --mentions exports every mention.
    code, out, _ = run_cli("export", "--db", str(db), "--format", fmt, "--out", str(out_dir))
    assert code == 0
    code, _, _ = run_cli(
        "export", "--db", str(db), "--format", fmt, "--out", str(tmp_path / "m"), "--mentions"
    )
    assert code == 0
    c = counts(db)
    events_file = out_dir / f"events.{fmt}"
    mentions_file = tmp_path / "m" / f"events.{fmt}"
    assert events_file.is_file()
    assert str(events_file) in out
    if fmt == "csv":
        with open(events_file, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == c["canonical_events"]
        assert {r["event_id"] for r in rows} == canonical_ids(db)
        with open(mentions_file, newline="", encoding="utf-8") as fh:
            assert {r["event_id"] for r in csv.DictReader(fh)} == event_ids(db)
        with open(out_dir / "event_mentions.csv", newline="", encoding="utf-8") as fh:
            links = list(csv.DictReader(fh))
        assert {r["event_id"] for r in links} == event_ids(db)
        assert {r["canonical_id"] for r in links} == canonical_ids(db)
        with open(out_dir / "articles.csv", newline="", encoding="utf-8") as fh:
            assert len(list(csv.DictReader(fh))) == c["articles"]
    elif fmt == "jsonl":
        lines = events_file.read_text(encoding="utf-8").splitlines()
        assert len(lines) == c["canonical_events"]
        assert {json.loads(line)["event_id"] for line in lines} == canonical_ids(db)
        assert all(json.loads(line)["num_mentions"] >= 1 for line in lines)
        lines = mentions_file.read_text(encoding="utf-8").splitlines()
        assert {json.loads(line)["event_id"] for line in lines} == event_ids(db)
    else:
        table = pq.read_table(events_file)
        assert table.num_rows == c["canonical_events"]
        assert set(table.column("event_id").to_pylist()) == canonical_ids(db)
        assert set(pq.read_table(mentions_file).column("event_id").to_pylist()) == event_ids(db)
        assert pq.read_table(out_dir / "articles.parquet").num_rows == c["articles"]


def test_summary_json_matches_the_tables(corpus_db: tuple[Path, IngestReport]) -> None:
    db, _ = corpus_db
    code, out, _ = run_cli("summary", "--db", str(db), "--json")
    assert code == 0
    s = json.loads(out)
    c = counts(db)
    # `events` counts canonical events since issue 5; `mentions` the stored event rows.
    assert (s["articles"], s["events"], s["mentions"], s["sentences"]) == (
        c["articles"],
        c["canonical_events"],
        c["events"],
        c["sentences"],
    )
    assert sum(t["events"] for t in s["by_type"]) == c["canonical_events"]
    code, out, _ = run_cli("summary", "--db", str(db))
    assert code == 0 and "Events by type" in out


def test_store_spans_point_into_article_text(corpus_db: tuple[Path, IngestReport]) -> None:
    db, _ = corpus_db
    with Store(db, read_only=True) as store:
        bad_sentences = store.scalar(
            "SELECT count(*) FROM sentences s JOIN articles a USING (article_id) "
            'WHERE substr(a.text, s.start + 1, s."end" - s.start) <> s.text'
        )
        bad_actors = store.scalar(
            "SELECT count(*) FROM actor_mentions m JOIN articles a USING (article_id) "
            'WHERE substr(a.text, m.start + 1, m."end" - m.start) <> m.text'
        )
    assert bad_sentences == 0
    assert bad_actors == 0


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["events", "--db", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 1
    assert "FP-E040" in result.output
    assert "nope.duckdb" in result.output


def _keyed_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    return {r[0] for r in rows}


def test_per_event_tables_have_no_primary_key(tmp_path: Path) -> None:
    # their keys' indexes would pin memory in proportion to the store (schema.UNKEYED_TABLES)
    with Store(tmp_path / "new.duckdb") as store:
        keyed = _keyed_tables(store.con)
    assert not keyed & set(UNKEYED_TABLES)
    assert {"articles", "article_stories", "dedup_signatures", "rejects"} <= keyed


def test_a_schema_1_store_is_rebuilt_without_event_keys_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in DDL:  # schema 1: the same tables, the per-event ones keyed by event_id
        if any(f"EXISTS {t} (" in statement for t in UNKEYED_TABLES):
            statement = statement.replace("event_id VARCHAR,", "event_id VARCHAR PRIMARY KEY,", 1)
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO events (event_id, article_id) VALUES ('e2', 'a'), ('e1', 'a')")
    con.execute("INSERT INTO event_mentions (event_id, canonical_id) VALUES ('e1', 'e2')")
    assert set(UNKEYED_TABLES) <= _keyed_tables(con)
    con.close()

    for _ in range(2):  # a second open finds nothing to rebuild
        with Store(path) as store:
            assert not _keyed_tables(store.con) & set(UNKEYED_TABLES)
            assert store.query("SELECT event_id FROM events ORDER BY rowid") == [
                {"event_id": "e2"},
                {"event_id": "e1"},
            ]
            assert store.scalar("SELECT canonical_id FROM event_mentions") == "e2"
            indexes = set(store.query("SELECT list(index_name) AS i FROM duckdb_indexes()")[0]["i"])
            assert {"events_article", "event_mentions_canonical", "sentences_article"} <= indexes
            assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == (
                SCHEMA_VERSION
            )
            assert store.scalar("SELECT count(*) FROM events_full") == 2  # views bind again
