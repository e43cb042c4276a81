"""One event, many reports: stories of near-duplicate articles and canonical events (issue 5).

The fixtures are written here: short synthetic wire stories, with their copies, their updates and
independent reports of the same happenings.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from flashpoint.cli import main
from flashpoint.dedup import (
    EventConfig,
    MentionKey,
    cluster_run,
    component,
    load_dedup_config,
    split_runs,
)
from flashpoint.engine import ingest
from flashpoint.errors import DataSchemaError
from flashpoint.ingest import read_path
from flashpoint.pipeline import Config

WIRE = (
    "Russian forces shelled Ukrainian positions near Kharkiv on March 3, the army said. "
    "Two soldiers were wounded in the attack on the eastern front, a spokesman told reporters "
    "in the afternoon. Local officials said the shelling began before dawn and lasted for "
    "several hours, damaging houses and a school in a village north of the city. Emergency "
    "crews worked through the day to clear the rubble and restore power to the area."
)


def doc(id_: str, text: str, date: str, source: str) -> dict[str, Any]:
    return {"id": id_, "text": text, "date": date, "source": source, "title": id_}


# Wire copies with edits: a new lead sentence, a trimmed ending, a changed word.
COPIES = [
    doc("wire-ap", WIRE, "2025-03-03", "wire.example"),
    doc(
        "copy-a",
        "UPDATED. " + WIRE.replace("several hours", "six hours"),
        "2025-03-03",
        "daily-a.example",
    ),
    doc(
        "copy-b",
        WIRE.rsplit(" Emergency", 1)[0] + " The ministry gave no figures.",
        "2025-03-04",
        "daily-b.example",
    ),
]
# The same event, reported independently two days later ("on Monday" = March 3, 2025).
INDEPENDENT = doc(
    "indep-monday",
    "Russian troops shelled Ukrainian positions near Kharkiv on Monday, officials said on "
    "Wednesday. The regional governor asked residents to stay in shelters.",
    "2025-03-05",
    "gazette.example",
)
# Two strikes by the same sides on the same day in cities far apart.
ODESA = doc(
    "odesa",
    "Russian forces shelled Ukrainian positions near Odesa on Monday, officials said.",
    "2025-03-05",
    "gazette.example",
)
LYON = doc(
    "lyon",
    "French workers went on strike in Lyon on Tuesday over pension cuts.",
    "2025-03-05",
    "paris.example",
)
MARSEILLE = doc(
    "marseille",
    "French workers went on strike in Marseille on Tuesday over pension cuts.",
    "2025-03-05",
    "sud.example",
)
# A caption that repeats the body.
CAPTION = doc(
    "captioned",
    "Chinese coast guard ships fired water cannon at a Philippine supply boat near Second "
    "Thomas Shoal on Sunday, Manila said.\n\nThe boat returned to port with minor damage.\n\n"
    "Chinese coast guard ships fired water cannon at a Philippine supply boat near Second "
    "Thomas Shoal on Sunday. (Photo: Jane Doe/Agency)",
    "2025-03-04",
    "manila.example",
)
ALL = [*COPIES, INDEPENDENT, ODESA, LYON, MARSEILLE, CAPTION]


def write(folder: Path, docs: list[dict[str, Any]], name: str = "docs.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), "utf-8")
    return path


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def state(db: Path) -> dict[str, Any]:
    """Everything dedup decides, in a form two stores can be compared by."""
    return {
        "links": rows(db, "SELECT * EXCLUDE (lo, hi) FROM event_mentions ORDER BY event_id"),
        "stories": rows(db, "SELECT * FROM article_stories ORDER BY article_id"),
        "canonical": rows(db, "SELECT * FROM canonical_events ORDER BY event_id"),
        "signatures": rows(db, "SELECT * FROM dedup_signatures ORDER BY article_id"),
    }


def canonical_of(db: Path, article: str, event_type: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT c.* FROM canonical_events c WHERE event_type = '"
        + event_type
        + "' AND event_id IN (SELECT canonical_id FROM event_mentions WHERE article_id = '"
        + article
        + "')",
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dedup")
    db = folder / "dedup.duckdb"
    report = ingest(read_path(write(folder / "in", ALL)), db, Config())
    assert report.stored == len(ALL) and not report.rejects
    return db


# ------------------------------------------------------------------------------------ stories


def test_wire_copies_with_edits_are_one_story(store: Path) -> None:
    story = {r["article_id"]: r["story_id"] for r in rows(store, "SELECT * FROM article_stories")}
    assert story["wire-ap"] == story["copy-a"] == story["copy-b"] == "copy-a"  # smallest id
    others = {story[d["id"]] for d in ALL if d not in COPIES}
    assert story["wire-ap"] not in others and len(others) == len(ALL) - len(COPIES)
    (row,) = rows(store, "SELECT * FROM stories WHERE story_id = 'copy-a'")
    assert (row["n_articles"], row["n_sources"]) == (3, 3)
    assert row["first_published"] == dt.date(2025, 3, 3)


# ------------------------------------------------------------------------------------ events


def test_copies_and_an_independent_report_on_another_day_are_one_event(store: Path) -> None:
    (event,) = canonical_of(store, "indep-monday", "ASSAULT")
    assert event["date"] == dt.date(2025, 3, 3)
    assert event["location_name"] == "Kharkiv"
    assert (event["num_articles"], event["num_sources"], event["num_stories"]) == (4, 4, 2)
    assert event["num_mentions"] >= 4
    assert (event["first_seen"], event["last_seen"]) == (dt.date(2025, 3, 3), dt.date(2025, 3, 5))
    links = rows(
        store,
        "SELECT DISTINCT article_id FROM event_mentions "
        f"WHERE canonical_id = '{event['event_id']}'",
    )
    assert {r["article_id"] for r in links} == {"wire-ap", "copy-a", "copy-b", "indep-monday"}


@pytest.mark.parametrize(("one", "other"), [("odesa", "indep-monday"), ("lyon", "marseille")])
def test_same_day_events_in_distant_cities_do_not_merge(store: Path, one: str, other: str) -> None:
    etype = "ASSAULT" if one == "odesa" else "PROTEST"
    (a,) = canonical_of(store, one, etype)
    (b,) = canonical_of(store, other, etype)
    assert a["date"] == b["date"]
    assert (a["actor_country"], a["recipient_country"]) == (
        b["actor_country"],
        b["recipient_country"],
    )
    assert a["event_id"] != b["event_id"]


def test_a_caption_that_repeats_the_body_is_one_mention(store: Path) -> None:
    (event,) = canonical_of(store, "captioned", "ASSAULT")
    links = rows(
        store,
        f"SELECT block, repeat FROM event_mentions WHERE canonical_id = '{event['event_id']}' "
        "ORDER BY block",
    )
    assert [(r["block"], r["repeat"]) for r in links] == [("body", False), ("caption", True)]
    assert (event["num_mentions"], event["num_articles"]) == (1, 1)
    assert event["block"] == "body"  # the body speaks for the event


def test_every_mention_links_to_one_existing_canonical_event(store: Path) -> None:
    (row,) = rows(
        store,
        """SELECT (SELECT count(*) FROM events) AS events,
                  (SELECT count(*) FROM event_mentions) AS mentions,
                  (SELECT count(*) FROM event_mentions m WHERE NOT EXISTS (SELECT 1 FROM
                     canonical_events c WHERE c.event_id = m.canonical_id)) AS dangling,
                  (SELECT count(*) FROM canonical_events) AS canonical,
                  (SELECT sum(num_mentions) FROM canonical_events) AS counted,
                  (SELECT count(*) FROM event_mentions WHERE NOT repeat) AS not_repeats""",
    )
    assert row["events"] == row["mentions"] > row["canonical"] > 0
    assert row["dangling"] == 0
    assert row["counted"] == row["not_repeats"]


# ------------------------------------------------------------------------------------ order


def test_incremental_ingest_equals_batch_ingest(tmp_path: Path, store: Path) -> None:
    """Article by article over 'days', in a shuffled order, gives the clusters of one batch."""
    db = tmp_path / "incremental.duckdb"
    order = ALL[:]
    random.Random(5).shuffle(order)
    for i, d in enumerate(order):
        ingest(read_path(write(tmp_path / f"day{i}", [d])), db, Config(), batch_size=1)
    assert state(db) == state(store)


def test_the_workers_sign_what_they_code_and_the_writer_what_was_stored_unsigned(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest stores each article's signature with its rows (made where it was coded): the
    dedup update signs nothing. A rebuild (here) signs every article in the writer, and the
    signatures, and so the stories, are the same."""
    db = tmp_path / "signed.duckdb"

    def unexpected(text: str, cfg: object) -> None:
        raise AssertionError("the writer signed an article the workers had signed")

    with monkeypatch.context() as patch:
        patch.setattr(component, "signature", unexpected)
        ingest(read_path(write(tmp_path / "in", ALL)), db, Config())
    assert len(state(db)["signatures"]) == len(ALL)
    assert state(db) == state(store)
    assert CliRunner().invoke(main, ["dedup", "--db", str(db), "--rebuild"]).exit_code == 0
    assert state(db) == state(store)


def test_rebuild_gives_the_same_state(tmp_path: Path, store: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(store.read_bytes())
    result = CliRunner().invoke(main, ["dedup", "--db", str(db), "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "from scratch" in result.output
    assert state(db) == state(store)


def key(eid: str, day: int, width: int = 0, lat: float | None = None) -> MentionKey:
    return MentionKey(
        event_id=eid,
        article_id=eid,
        bucket="asserted|ASSAULT|RUS|UKR",
        lo=2 * day - 1,
        hi=2 * (day + width) + 1,
        explicit=width == 0,
        lat=lat,
        lon=30.0 if lat is not None else None,
        place_country="UKR",
        block="body",
        confidence=0.9,
        published=None,
    )


def test_clustering_does_not_depend_on_order_and_does_not_chain() -> None:
    cfg = EventConfig()
    # Daily strikes on days 1..5 in one city, plus vaguer reports; and one strike far away.
    keys = [key(f"d{d}-{i}", d, lat=50.0) for d in range(1, 6) for i in range(2)]
    keys += [key("week", 1, width=6), key("far", 3, lat=46.0)]
    expected = None
    for perm in itertools.islice(itertools.permutations(keys), 0, 2000, 97):
        got = [[k.event_id for k in c] for run in split_runs(perm) for c in cluster_run(run, cfg)]
        expected = expected or got
        assert got == expected
    assert expected is not None
    biggest = max(expected, key=len)
    days = {e.split("-")[0] for e in biggest if e.startswith("d")}
    assert len(days) <= 2  # complete linkage: a 1-day slack never spans more than 2 days
    assert ["far"] in expected  # 450 km away


# ------------------------------------------------------------------------------------ config


def test_settings_are_data_and_can_be_overridden(tmp_path: Path) -> None:
    cfg = load_dedup_config(Config())
    assert cfg.component == "minhash" and cfg.events.max_km == 50
    wide = Config(options={"dedup": {"events": {"max_km": 1000}}})
    db = tmp_path / "wide.duckdb"
    ingest(read_path(write(tmp_path / "in", [LYON, MARSEILLE])), db, wide)
    assert len(canonical_of(db, "lyon", "PROTEST")) == 1
    assert canonical_of(db, "lyon", "PROTEST") == canonical_of(db, "marseille", "PROTEST")
    # The same store under the shipped settings is rebuilt: Lyon and Marseille split again.
    ingest(read_path(write(tmp_path / "in", [LYON, MARSEILLE])), db, Config())
    assert canonical_of(db, "lyon", "PROTEST") != canonical_of(db, "marseille", "PROTEST")


def test_a_broken_dedup_file_is_a_schema_error(tmp_path: Path) -> None:
    (tmp_path / "dedup").mkdir()
    (tmp_path / "dedup" / "dedup.yaml").write_text(
        "version: 1\nevents:\n  max_km: far\n  compatible_types: [[ASSAULT, BOMBING]]\n", "utf-8"
    )
    with pytest.raises(DataSchemaError, match="FP-E020.*max_km"):
        load_dedup_config(Config(data_dir=tmp_path))
    result = CliRunner().invoke(main, ["check-data", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "FP-E020" in result.output


def test_the_none_component_counts_every_mention(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    ingest(
        read_path(write(tmp_path / "in", ALL)), db, Config(options={"dedup": {"component": "none"}})
    )
    (row,) = rows(
        db, "SELECT (SELECT count(*) FROM events) e, (SELECT count(*) FROM canonical_events) c"
    )
    assert row["e"] == row["c"]


def test_cli_events_default_to_canonical_and_take_mentions(store: Path) -> None:
    def n(*flags: str) -> int:
        result = CliRunner().invoke(
            main, ["events", "--db", str(store), "--format", "jsonl", *flags]
        )
        assert result.exit_code == 0
        return len(result.stdout.splitlines())

    (row,) = rows(
        store, "SELECT (SELECT count(*) FROM events) e, (SELECT count(*) FROM canonical_events) c"
    )
    assert n() == row["c"] < n("--mentions") == row["e"]
    summary = CliRunner().invoke(main, ["summary", "--db", str(store), "--json"])
    s = json.loads(summary.stdout)
    assert (s["events"], s["mentions"], s["stories"]) == (row["c"], row["e"], len(ALL) - 2)


def test_canonical_events_rewritten_in_chunks_are_the_same(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large update rewrites its canonical events a chunk at a time (bounded memory)."""
    monkeypatch.setattr(component, "REFRESH_CHUNK", 2)
    db = tmp_path / "chunked.duckdb"
    db.write_bytes(store.read_bytes())
    assert CliRunner().invoke(main, ["dedup", "--db", str(db), "--rebuild"]).exit_code == 0
    assert state(db) == state(store)


def test_an_update_goes_on_while_another_transaction_writes(tmp_path: Path, store: Path) -> None:
    """Before an update the store is checkpointed; DuckDB may refuse that while another
    transaction writes, and the update goes on."""
    from flashpoint.store import Store

    db = tmp_path / "busy.duckdb"
    with Store(db) as s:  # the coded rows of the fixture store, not deduplicated yet
        s.con.execute(f"ATTACH '{store}' AS coded (READ_ONLY)")
        for table in ("articles", "events"):
            s.con.execute(f"INSERT INTO {table} SELECT * FROM coded.{table}")
        s.con.execute("DETACH coded")
        other = s.con.cursor()
        other.execute("BEGIN TRANSACTION")
        other.execute("INSERT INTO meta VALUES ('busy', 'yes')")
        report = component.get_deduplicator(Config()).update(s)
        other.execute("ROLLBACK")
    assert report.articles == len(ALL)
    assert state(db) == state(store)
