"""The JSON output contract: fields, types and spans that trace back to the article text."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import CONTRACT_FIELDS, PLOVER_TYPES
from flashpoint.cli import main
from flashpoint.contract import (
    LOCATION_FIELDS,
    PARTICIPANT_FIELDS,
    SCHEMA_VERSION,
    event_to_contract,
    event_to_row,
    row_to_contract,
)
from flashpoint.engine import ingest
from flashpoint.ingest import read_path
from flashpoint.model import Document, Event, Modality
from flashpoint.pipeline import Config, Pipeline
from flashpoint.store import EventFilter, Store, select_events

MODALITIES = frozenset({"asserted", "negated", "hypothetical", "future"})
REQUIRED = CONTRACT_FIELDS
PARTICIPANT_KEYS = frozenset({"text", "span", "code", "country", "sector", "name"})
LOCATION_KEYS = frozenset({"name", "country", "lat", "lon", "precision"})
DATE_PRECISIONS = frozenset({"day", "week", "month", "year"})


def check_contract(e: dict[str, Any]) -> None:
    """Assert that one JSON event follows the output contract."""
    missing = [k for k in REQUIRED if k not in e]
    assert not missing, f"missing {missing} in {e}"
    assert e["schema_version"] == SCHEMA_VERSION
    assert isinstance(e["event_id"], str) and e["event_id"]
    assert isinstance(e["article_id"], str) and e["article_id"]
    assert isinstance(e["sentence_index"], int) and e["sentence_index"] >= 0
    assert isinstance(e["sentence"], str) and e["sentence"]
    trig = e["trigger"]
    assert set(trig) >= {"text", "span"}
    assert isinstance(trig["text"], str) and trig["text"]
    start, end = trig["span"]
    assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end
    assert end - start == len(trig["text"])
    assert trig["text"] in e["sentence"]
    assert e["event_type"] in PLOVER_TYPES
    assert e["mode"] is None or (isinstance(e["mode"], str) and e["mode"])
    assert isinstance(e["context"], list) and all(isinstance(c, str) for c in e["context"])
    assert isinstance(e["cameo"], str) and e["cameo"].isdigit()
    assert e["quad_class"] in (1, 2, 3, 4)
    assert isinstance(e["goldstein"], float) and -10.0 <= e["goldstein"] <= 10.0
    assert e["modality"] in MODALITIES
    for role in ("actor", "recipient"):
        p = e[role]
        if p is None:
            continue
        assert set(p) >= PARTICIPANT_KEYS, (role, p)
        assert isinstance(p["text"], str) and p["text"]
        assert isinstance(p["code"], str) and p["code"]
        assert isinstance(p["name"], str) and p["name"]
        assert p["country"] is None or (isinstance(p["country"], str) and len(p["country"]) == 3)
        assert p["sector"] is None or isinstance(p["sector"], str)
        ps, pe = p["span"]
        assert 0 <= ps < pe and pe - ps == len(p["text"])
        assert p["text"] in e["sentence"]
    if e["date"] is not None:
        dt.date.fromisoformat(e["date"])
        assert e["date_precision"] in DATE_PRECISIONS
    else:
        assert e["date_precision"] is None
    loc = e["location"]
    if loc is not None:
        assert set(loc) >= LOCATION_KEYS, loc
        assert isinstance(loc["name"], str) and loc["name"]
        for key, bound in (("lat", 90.0), ("lon", 180.0)):
            assert loc[key] is None or (isinstance(loc[key], float) and abs(loc[key]) <= bound)
    assert isinstance(e["confidence"], float) and 0.0 <= e["confidence"] <= 1.0
    assert isinstance(e["coder"], str) and e["coder"]


@pytest.fixture(scope="module")
def coded_corpus(corpus_dir: Path, pipeline: Pipeline) -> list[Document]:
    docs = [pipeline(d) for d in read_path(corpus_dir) if isinstance(d, Document)]
    assert len(docs) > 30
    return docs


@pytest.fixture(scope="module")
def corpus_events(coded_corpus: list[Document]) -> list[Event]:
    events = [e for d in coded_corpus for e in d.events]
    assert len(events) > 100
    return events


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    db = tmp_path_factory.mktemp("contract") / "contract.duckdb"
    report = ingest(read_path(corpus_dir), db, Config())
    assert report.events > 0
    return db


# ------------------------------------------------------------------------------------ fields


def test_every_coded_event_follows_the_contract(corpus_events: list[Event]) -> None:
    for e in corpus_events:
        check_contract(json.loads(json.dumps(event_to_contract(e))))


def test_contract_covers_all_shapes(corpus_events: list[Event]) -> None:
    """The corpus exercises null and filled actors, recipients, locations and modalities."""
    out = [event_to_contract(e) for e in corpus_events]
    assert any(e["actor"] is None for e in out) and any(e["actor"] for e in out)
    assert any(e["recipient"] is None for e in out) and any(e["recipient"] for e in out)
    located = [e["location"] for e in out if e["location"]]
    assert located and all(
        set(loc) >= {"name", "country", "lat", "lon", "precision"} for loc in located
    )
    # an event whose sentence names no place takes the article's focus, with no span of its own
    assert any(loc["span"] is None for loc in located) and any(loc["span"] for loc in located)
    assert {e["modality"] for e in out} >= {"asserted", "negated"}
    assert len({e["event_type"] for e in out}) >= 8


def test_cli_code_jsonl_follows_the_contract(fixtures_dir: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "code",
            str(fixtures_dir / "scraped_page.txt"),
            "--date",
            "2023-03-08",
            "--format",
            "jsonl",
        ],
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        check_contract(json.loads(line))


def test_cli_events_jsonl_follows_the_contract(stored: Path) -> None:
    # Canonical events by default (issue 5), every mention with --mentions; both follow it.
    for flags, table in (((), "canonical_events"), (("--mentions",), "events")):
        result = CliRunner().invoke(
            main, ["events", "--db", str(stored), "--format", "jsonl", *flags]
        )
        assert result.exit_code == 0
        events = [json.loads(line) for line in result.stdout.splitlines()]
        with Store(stored, read_only=True) as store:
            assert len(events) == store.scalar(f"SELECT count(*) FROM {table}")
        for e in events:
            check_contract(e)


# ------------------------------------------------------------------------------------ spans


def test_spans_index_the_document_text(coded_corpus: list[Document]) -> None:
    for doc in coded_corpus:
        for e in doc.events:
            assert doc.text[e.trigger_span.start : e.trigger_span.end] == e.trigger_text
            assert e.sentence == doc.sentence_text(e.sentence_index)
            sent = doc.sentences[e.sentence_index].span
            assert sent.start <= e.trigger_span.start and e.trigger_span.end <= sent.end
            for p in (e.actor, e.recipient):
                if p is not None:
                    assert doc.text[p.span.start : p.span.end] == p.text
            if e.location is not None and e.location.span is not None:
                assert e.location.span.end <= len(doc.text)


def test_stored_spans_index_the_article_text(stored: Path) -> None:
    with Store(stored, read_only=True) as store:
        rows = store.query(
            'SELECT e.*, a.text AS article_text, s.start AS s_start, s."end" AS s_end, '
            "s.text AS s_text FROM events e JOIN articles a USING (article_id) "
            "JOIN sentences s USING (article_id, sentence_index)"
        )
        n_events = store.scalar("SELECT count(*) FROM events")
    assert len(rows) == n_events > 0
    for r in rows:
        text = r["article_text"]
        assert text[r["trigger_start"] : r["trigger_end"]] == r["trigger_text"]
        assert text[r["s_start"] : r["s_end"]] == r["s_text"]
        assert r["s_start"] <= r["trigger_start"] and r["trigger_end"] <= r["s_end"]
        for role in ("actor", "recipient"):
            if r[f"{role}_start"] is not None:
                assert text[r[f"{role}_start"] : r[f"{role}_end"]] == r[f"{role}_text"]


# ------------------------------------------------------------------------------------ round trip


def _normal(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(obj))


def test_row_and_contract_round_trip(corpus_events: list[Event]) -> None:
    for e in corpus_events:
        row = event_to_row(e)
        assert row["trigger_text"] == e.trigger_text
        assert (row["trigger_start"], row["trigger_end"]) == (
            e.trigger_span.start,
            e.trigger_span.end,
        )
        assert row["modality"] == e.modality.value
        c = row_to_contract(row)
        assert c == event_to_contract(e)
        assert c["trigger"] == {"text": e.trigger_text, "span": e.trigger_span.as_list()}
        assert c["modality"] == Modality(e.modality).value
        assert c["context"] == list(e.context)
        assert c["date"] == (e.date.isoformat() if e.date else None)
        for role in ("actor", "recipient"):
            p = getattr(e, role)
            if p is None:
                assert c[role] is None
                continue
            assert c[role]["span"] == p.span.as_list()
            assert set(c[role]) == (set(PARTICIPANT_FIELDS) - {"start", "end"}) | {"span"}
            assert {k: c[role][k] for k in ("text", "code", "country", "sector", "name")} == {
                "text": p.text,
                "code": p.code,
                "country": p.country,
                "sector": p.sector,
                "name": p.name,
            }
        if e.location is None:
            assert c["location"] is None
        else:
            assert set(c["location"]) == (set(LOCATION_FIELDS) - {"start", "end"}) | {"span"}
            assert c["location"]["name"] == e.location.name
        assert _normal(c) == _normal(row_to_contract(_normal_row(row)))


def _normal_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as it comes back from CSV-like storage: dates as ISO strings."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def test_store_round_trip_gives_the_same_contract(stored: Path, corpus_events: list[Event]) -> None:
    by_id = {e.event_id: e for e in corpus_events}
    with Store(stored, read_only=True) as store:
        rows = select_events(store, EventFilter(), mentions=True)  # mentions: issue 5
    assert len(rows) == len(by_id)
    for row in rows:
        e = by_id[row["event_id"]]
        got, want = _normal(row_to_contract(row)), _normal(event_to_contract(e))
        for key in ("goldstein", "confidence"):
            assert math.isclose(got.pop(key), want.pop(key))
        for loc in (got["location"], want["location"]):
            if loc is not None:
                loc["lat"] = round(loc["lat"], 6) if loc["lat"] is not None else None
                loc["lon"] = round(loc["lon"], 6) if loc["lon"] is not None else None
        assert got == want, row["event_id"]


def test_event_ids_are_unique_and_stable(
    coded_corpus: list[Document], pipeline: Pipeline, corpus_dir: Path
) -> None:
    ids = [e.event_id for d in coded_corpus for e in d.events]
    assert len(ids) == len(set(ids))
    again = [pipeline(d) for d in read_path(corpus_dir) if isinstance(d, Document)]
    assert [e.event_id for d in again for e in d.events] == ids
