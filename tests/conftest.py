"""Shared fixtures. Documents are built by hand or from files the project ships; no network."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flashpoint.model import Document
from flashpoint.pipeline import Config, Pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"
# The 16 PLOVER event types, written out here so that tests check the ontology file too.
PLOVER_TYPES = frozenset(
    {
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "CONCEDE",
        "COOPERATE",
        "AID",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "PROTEST",
        "SANCTION",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    }
)
# Fields every JSON event must have (README "Output contract").
CONTRACT_FIELDS = (
    "event_id",
    "article_id",
    "sentence_index",
    "sentence",
    "trigger",
    "event_type",
    "mode",
    "context",
    "cameo",
    "quad_class",
    "goldstein",
    "modality",
    "actor",
    "recipient",
    "date",
    "date_precision",
    "location",
    "confidence",
    "coder",
)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The bundled synthetic sample corpus."""
    return ROOT / "examples" / "corpus"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """The default pipeline, built once: stages load their knowledge files lazily and cache them."""
    return Pipeline(Config())


@pytest.fixture(scope="session")
def code_text(pipeline: Pipeline) -> Callable[..., Document]:
    """Run the full pipeline over a text, as if it were a plain-text article."""

    def run(text: str, published: dt.date | None = dt.date(2023, 3, 8)) -> Document:
        doc = Document(id="test", text=text, origin="<test>", fmt="text", published=published)
        return pipeline(doc)

    return run


@pytest.fixture
def local_http() -> Iterator[Callable[[type[BaseHTTPRequestHandler]], str]]:
    """Start real HTTP servers on 127.0.0.1 (port 0) in threads; returns their base URLs.

    Network code is tested against these instead of mocks; they stop when the test ends.
    """
    servers: list[ThreadingHTTPServer] = []

    def start(handler: type[BaseHTTPRequestHandler]) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True  # a handler still sleeping must not block the teardown
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def served_store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """The sample corpus ingested once per session, with the alerts that three watchlist rules
    (tests/fixtures/serve/watchlists.yaml) raise over it day by day; the API and dashboard tests
    read it."""
    from flashpoint.engine import ingest
    from flashpoint.ingest import read_path
    from flashpoint.store import Store

    db = tmp_path_factory.mktemp("served") / "sample.duckdb"
    ingest(read_path(corpus_dir), db, Config())
    try:
        from flashpoint.monitor import load_watchlists, run_cycle
    except ImportError:  # a build without monitoring: the API says so, the tests skip alerts
        return db
    rules = load_watchlists(FIXTURES / "serve" / "watchlists.yaml")
    with Store(db) as store:
        day, last = dt.date(2026, 9, 1), dt.date(2026, 10, 20)
        while day <= last:
            run_cycle(store, rules, as_of=day, sinks=[])
            day += dt.timedelta(days=1)
    return db


@pytest.fixture
def put_events() -> Callable[..., list[str]]:
    """Write hand-built canonical events into a store (monitor tests), the way dedup leaves them.

    `put(store, *events)` takes dicts of canonical_events columns; `ad` ("IRN>USA",
    "IRN:GOV>USA:MIL", ":REB>USA" for a sector without a country, "IRN>" for no recipient) gives
    actor and recipient, and modality (asserted), date precision (day), quad class and Goldstein
    (from the type) get defaults. Returns the event ids.
    """
    import pyarrow as pa

    quads = {"ASSAULT": 4, "COERCE": 4, "MOBILIZE": 4, "THREATEN": 3, "ACCUSE": 3, "CONSULT": 1}
    counter = iter(range(1, 1_000_000))

    def side(spec: str) -> dict[str, str | None]:
        country, _, sector = spec.partition(":")
        return {"code": country + sector, "country": country or None, "sector": sector or None}

    def put(store: object, *events: dict[str, object]) -> list[str]:
        rows = []
        for e in events:
            row: dict[str, object] = {"event_id": f"ev{next(counter):06d}", "modality": "asserted"}
            row |= {"date_precision": "day", "event_type": "ASSAULT", "article_id": "a1"}
            row |= {k: v for k, v in e.items() if k != "ad"}
            row.setdefault("quad_class", quads.get(str(row["event_type"]), 3))
            row.setdefault("goldstein", -10.0 if row["quad_class"] == 4 else -2.0)
            actor, _, recipient = str(e.get("ad", "IRN>USA")).partition(">")
            for role, spec in (("actor", actor), ("recipient", recipient)):
                for field, value in (side(spec) if spec else {}).items():
                    row.setdefault(f"{role}_{field}", value)
            rows.append(row)
        if not rows:
            return []
        columns = sorted({k for r in rows for k in r})
        batch = pa.table({c: [r.get(c) for r in rows] for c in columns})  # noqa: F841 - read in SQL
        store.con.execute("INSERT INTO canonical_events BY NAME SELECT * FROM batch")  # type: ignore[attr-defined]
        return [str(r["event_id"]) for r in rows]

    return put
