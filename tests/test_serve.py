"""The REST API (flashpoint.serve): every endpoint, its filters, bad parameters and limits.

The app runs over the sample corpus (`served_store`: ingested once, with the alerts of three
watchlist rules); most tests use FastAPI's TestClient, and some a real uvicorn server on
127.0.0.1 and the `flashpoint serve` command itself.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from flashpoint.cli import main
from flashpoint.serve import create_app, monitoring, queries
from flashpoint.serve.assets import STATIC, VENDOR, missing, node_modules
from flashpoint.serve.reader import QueryTimeout, Reader
from flashpoint.serve.server import BackgroundServer

TOKEN = "test-token-1234"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "serve"


@pytest.fixture(scope="module")
def watchlist_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wl") / "watchlists.yaml"
    raw = yaml.safe_load((FIXTURES / "watchlists.yaml").read_text("utf-8"))
    raw["sinks"] = [{"type": "jsonl", "path": "alerts.jsonl"}]
    path.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    return path


@pytest.fixture(scope="module")
def client(served_store: Path, watchlist_file: Path) -> Iterator[TestClient]:
    app = create_app(served_store, token=TOKEN, watchlists=watchlist_file, max_rows=40)
    with TestClient(app) as test_client:
        yield test_client


def events(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Every event that passes the filters, page by page."""
    out: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        body = client.get("/api/events", params={**params, "offset": offset}).json()
        out += body["events"]
        offset = body["next_offset"]
    return out


def store_count(db: Path, sql: str, params: list[Any] | None = None) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(sql, params or []).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


# ------------------------------------------------------------------------------ health, meta
def test_health_counts_the_store(client: TestClient, served_store: Path) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["canonical_events"] == store_count(
        served_store, "SELECT count(*) FROM canonical_events"
    )
    assert body["events"] == store_count(served_store, "SELECT count(*) FROM events")
    assert body["max_rows"] == 40 and body["monitoring"] is True


def test_meta_lists_what_the_filters_take(client: TestClient) -> None:
    body = client.get("/api/meta").json()
    assert len(body["event_types"]) == 16
    assert body["modalities"] == ["asserted", "negated", "hypothetical", "future"]
    codes = {c["code"]: c for c in body["countries"]}
    assert codes["PHL"]["name"] == "Philippines" and codes["PHL"]["events"] > 0
    assert body["top_dyads"][0]["events"] >= body["top_dyads"][-1]["events"]
    assert body["first_date"] <= body["last_date"]


# ------------------------------------------------------------------------------ events
FILTER_CASES = [
    ({"actor": "CHN"}, lambda e: (e["actor"] or {}).get("code", "").startswith("CHN")
     or (e["actor"] or {}).get("country") == "CHN"),
    ({"recipient": "PHL"}, lambda e: (e["recipient"] or {}).get("country") == "PHL"
     or (e["recipient"] or {}).get("code", "").startswith("PHL")),
    ({"actor": "CHNCOP"}, lambda e: e["actor"]["code"].startswith("CHNCOP")),
    ({"country": "IRN"}, lambda e: "IRN" in {(e["actor"] or {}).get("country"),
                                             (e["recipient"] or {}).get("country")}
     or any((e[r] or {}).get("code", "").startswith("IRN") for r in ("actor", "recipient"))),
    ({"type": ["ASSAULT", "COERCE"]}, lambda e: e["event_type"] in ("ASSAULT", "COERCE")),
    ({"modality": "negated"}, lambda e: e["modality"] == "negated"),
    ({"since": "2026-09-10", "until": "2026-09-20"},
     lambda e: "2026-09-10" <= e["date"] <= "2026-09-20"),
    ({"place": "Scarborough"}, lambda e: e["location"]["name"].lower().startswith("scarborough")),
    ({"place": "IRQ"}, lambda e: e["location"]["country"] == "IRQ"),
    ({"q": "WATER CANNON"}, lambda e: "water cannon" in e["sentence"].lower()),
]  # fmt: skip


@pytest.mark.parametrize(("params", "holds"), FILTER_CASES, ids=[str(c[0]) for c in FILTER_CASES])
def test_every_event_passes_the_filter(
    client: TestClient, params: dict[str, Any], holds: Any
) -> None:
    found = events(client, **params)
    assert found, f"the sample corpus has events for {params}"
    assert all(holds(e) for e in found)


def test_filters_combine_and_match_the_store(client: TestClient, served_store: Path) -> None:
    found = events(client, actor="CHN", recipient="PHL", type="COERCE", modality="asserted")
    expected = store_count(
        served_store,
        """SELECT count(*) FROM canonical_events WHERE actor_country = 'CHN'
           AND recipient_country = 'PHL' AND event_type = 'COERCE' AND modality = 'asserted'""",
    )
    assert len(found) == expected > 0


def test_pages_cover_every_event_once_in_date_order(client: TestClient, served_store: Path) -> None:
    found = events(client, limit=25)
    ids = [e["event_id"] for e in found]
    assert (
        len(ids)
        == len(set(ids))
        == store_count(served_store, "SELECT count(*) FROM canonical_events")
    )
    dates = [e["date"] for e in found if e["date"]]
    assert dates == sorted(dates)
    newest = client.get("/api/events", params={"sort": "-date", "limit": 5}).json()["events"]
    assert newest[0]["date"] == max(dates)


def test_a_page_is_capped_at_the_row_cap(client: TestClient) -> None:
    body = client.get("/api/events", params={"limit": 1000}).json()
    assert body["limit"] == body["row_cap"] == 40 and len(body["events"]) == 40
    assert body["next_offset"] == 40


def test_canonical_events_carry_their_sources(client: TestClient) -> None:
    found = events(client)
    merged = [e for e in found if e["num_mentions"] > 1]
    assert merged, "the sample corpus has events reported more than once"
    for e in found:
        assert e["sentence"] and e["sources"]
        assert len({s["article_id"] for s in e["sources"]}) == e["num_articles"]
        assert e["article_id"] in {s["article_id"] for s in e["sources"]}


def test_a_repeated_caption_is_a_source_only_in_the_detail(
    client: TestClient, served_store: Path, tmp_path: Path
) -> None:
    event = merged_event(client)
    caption = next(
        s["mention_id"] for s in event["sources"] if s["mention_id"] != event["event_id"]
    )
    db = tmp_path / "repeat.duckdb"
    shutil.copy(served_store, db)
    con = duckdb.connect(str(db))  # as dedup marks a caption that repeats the body
    con.execute("UPDATE event_mentions SET repeat = true WHERE event_id = ?", [caption])
    con.execute(
        "UPDATE canonical_events SET num_mentions = num_mentions - 1 WHERE event_id = ?",
        [event["event_id"]],
    )
    con.close()
    with TestClient(create_app(db)) as repeat:
        page = repeat.get("/api/events", params={"q": "water cannon", "limit": 500}).json()
        shown = next(e for e in page["events"] if e["event_id"] == event["event_id"])
        detail = repeat.get(f"/api/events/{event['event_id']}").json()
    assert caption not in {s["mention_id"] for s in shown["sources"]}
    assert caption in {m["event"]["event_id"] for m in detail["mentions"]}
    assert any(m["article"]["repeat"] for m in detail["mentions"])


def test_the_mentions_switch_gives_every_report(client: TestClient, served_store: Path) -> None:
    found = events(client, mentions="true")
    assert len(found) == store_count(served_store, "SELECT count(*) FROM events")
    assert all(len(e["sources"]) == 1 and e["num_mentions"] is None for e in found)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_files_hold_the_filtered_events(client: TestClient, fmt: str) -> None:
    params = {"actor": "CHN", "type": "COERCE", "format": fmt}
    response = client.get("/api/events", params=params)
    assert response.status_code == 200
    assert response.headers["x-flashpoint-truncated"] == "false"
    expected = {e["event_id"] for e in events(client, actor="CHN", type="COERCE")}
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(response.content))
        ids = set(table.column("event_id").to_pylist())
        assert "sentence" in table.column_names
    elif fmt == "csv":
        lines = response.text.strip().splitlines()
        assert lines[0].startswith("event_id,article_id")
        ids = {line.split(",", 1)[0] for line in lines[1:]}
    else:
        ids = {yaml.safe_load(line)["event_id"] for line in response.text.splitlines()}
    assert ids == expected


def test_a_file_is_capped_and_says_so(served_store: Path) -> None:
    with TestClient(create_app(served_store, max_export_rows=7)) as small:
        response = small.get("/api/events", params={"format": "csv"})
    assert response.headers["x-flashpoint-truncated"] == "true"
    assert response.headers["x-flashpoint-row-cap"] == "7"
    assert len(response.text.strip().splitlines()) == 1 + 7


def test_an_empty_date_range_is_empty_not_an_error(client: TestClient) -> None:
    body = client.get("/api/events", params={"since": "2026-10-01", "until": "2026-09-01"}).json()
    assert body["events"] == [] and body["next_offset"] is None


# ------------------------------------------------------------------------------ one event
def merged_event(client: TestClient) -> dict[str, Any]:
    return max(events(client, q="water cannon"), key=lambda e: (e["num_mentions"], e["event_id"]))


def test_an_event_opens_with_every_report_and_highlights(client: TestClient) -> None:
    event = merged_event(client)
    body = client.get(f"/api/events/{event['event_id']}").json()
    assert body["event"]["event_id"] == event["event_id"]
    assert len(body["mentions"]) == event["num_mentions"] > 1
    for mention in body["mentions"]:
        sentence = mention["event"]["sentence"]
        roles = {m["role"] for m in mention["marks"]}
        assert "trigger" in roles
        for mark in mention["marks"]:
            assert sentence[mark["start"] : mark["end"]] == mark["text"]
        trigger = next(m for m in mention["marks"] if m["role"] == "trigger")
        assert trigger["text"] == mention["event"]["trigger"]["text"]
        assert mention["article"]["title"]


def test_a_mention_id_opens_its_canonical_event(client: TestClient) -> None:
    event = merged_event(client)
    other = next(s["mention_id"] for s in event["sources"] if s["mention_id"] != event["event_id"])
    body = client.get(f"/api/events/{other}").json()
    assert body["event"]["event_id"] == event["event_id"] and body["requested"] == other


def test_the_date_is_marked_by_its_words(client: TestClient) -> None:
    dated = [e for e in events(client) if e["date_text"] and e["date_text"] in e["sentence"]]
    body = client.get(f"/api/events/{dated[0]['event_id']}").json()
    marks = [m for m in body["mentions"][0]["marks"] if m["role"] == "date"]
    assert marks and marks[0]["text"].lower() == dated[0]["date_text"].lower()


def test_an_article_opens_with_its_text_and_events(client: TestClient) -> None:
    event = merged_event(client)
    body = client.get(f"/api/articles/{event['article_id']}").json()
    assert body["title"] == event["article_title"]
    sentence = next(s for s in body["sentences"] if s["index"] == event["sentence_index"])
    assert body["text"][sentence["start"] : sentence["end"]] == event["sentence"]
    assert event["event_id"] in {e["canonical_id"] for e in body["events"]}


@pytest.mark.parametrize("path", ["/api/events/0000000000000000", "/api/articles/no-such-article"])
def test_unknown_ids_are_404_with_a_code(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.json()["code"] == "FP-E082"


# ------------------------------------------------------------------------------ aggregates
def test_the_network_counts_dyads_between_countries(client: TestClient, served_store: Path) -> None:
    body = client.get("/api/network", params={"limit": 500}).json()
    edges = {(e["source"], e["target"]): e for e in body["edges"]}
    chn_phl = store_count(
        served_store,
        "SELECT count(*) FROM canonical_events "
        "WHERE actor_country = 'CHN' AND recipient_country = 'PHL'",
    )
    assert edges[("CHN", "PHL")]["events"] == chn_phl
    assert all(e["source"] != e["target"] for e in body["edges"])
    assert all(e["conflict"] + e["cooperation"] <= e["events"] for e in body["edges"])
    nodes = {n["id"] for n in body["nodes"]}
    assert nodes == {c for pair in edges for c in pair}


def test_places_follow_the_filters(client: TestClient) -> None:
    places = client.get("/api/places", params={"place": "IRQ"}).json()["places"]
    assert places and all(p["country"] == "IRQ" for p in places)
    assert all(-90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180 for p in places)
    everything = client.get("/api/places").json()["places"]
    assert sum(p["events"] for p in everything) >= sum(p["events"] for p in places)


def test_series_come_from_the_monitor_and_agree_with_the_events(
    client: TestClient, served_store: Path
) -> None:
    body = client.get("/api/series/dyads/CHN/PHL", params={"freq": "week"}).json()
    assert body["source"] == "monitor" and body["key"] == "CHN>PHL"
    with Reader(served_store).store() as store:  # the fallback counts the same way
        direct = queries.fallback_series(store, "dyad", "CHN>PHL", "week", None, None)
    keep = ("period", "events", "conflict", "cooperation")
    assert [{k: r[k] for k in keep} for r in body["rows"]] == [
        {k: r[k] for k in keep} for r in direct
    ]


def test_country_series_are_counted_without_the_monitor(served_store: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.duckdb"
    shutil.copy(served_store, bare)
    con = duckdb.connect(str(bare))
    con.execute("DROP TABLE monitor_series")
    con.close()
    with TestClient(create_app(bare)) as fresh:
        body = fresh.get("/api/series/countries/IRQ", params={"since": "2026-09-01"}).json()
    assert body["source"] == "events" and body["rows"]
    assert all(r["period"] >= "2026-09-01" for r in body["rows"])


def test_alerts_are_served_newest_first_and_by_key(client: TestClient) -> None:
    body = client.get("/api/alerts").json()
    assert body["monitoring"] == "ok" and body["alerts"]
    days = [a["day"] for a in body["alerts"]]
    assert days == sorted(days, reverse=True)
    dyad = client.get("/api/alerts", params={"level": "dyad", "key": "CHN>PHL"}).json()["alerts"]
    assert dyad and all(a["key"] == "CHN>PHL" for a in dyad)
    country = client.get("/api/alerts", params={"key": "USA"}).json()["alerts"]
    assert country and all("USA" in a["key"].split(">") for a in country)


def test_alerts_without_monitoring_say_so(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitoring, "_monitor", lambda: None)
    assert client.get("/api/alerts").json() == {"monitoring": "not installed", "alerts": []}


# ------------------------------------------------------------------------------ watchlists
def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_watchlists_are_read_without_a_token(client: TestClient) -> None:
    body = client.get("/api/watchlists").json()
    assert [r["name"] for r in body["rules"]] == [
        "chn-phl-coercion",
        "dyad-escalation",
        "new-dyads",
    ]
    assert body["sinks"] == [{"type": "jsonl"}]  # types only: paths and URLs stay private


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), (auth("wrong-token"), 403), ({"Authorization": "Basic dXNlcjpwYXNz"}, 401)],
)
def test_writing_needs_the_token(client: TestClient, headers: dict[str, str], status: int) -> None:
    rules = {"rules": [{"name": "x", "detector": "new_dyad"}]}
    response = client.put("/api/watchlists", json=rules, headers=headers)
    assert response.status_code == status and response.json()["code"] == "FP-E083"
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_server_without_a_token_never_writes(served_store: Path, watchlist_file: Path) -> None:
    before = watchlist_file.read_text("utf-8")
    with TestClient(create_app(served_store, watchlists=watchlist_file)) as open_app:
        response = open_app.put(
            "/api/watchlists", json={"rules": [{"name": "x", "detector": "new_dyad"}]},
            headers=auth("anything"),
        )  # fmt: skip
    assert response.status_code == 403 and watchlist_file.read_text("utf-8") == before


def test_rules_are_replaced_and_added_with_the_token(
    client: TestClient, watchlist_file: Path
) -> None:
    original = watchlist_file.read_text("utf-8")
    try:
        rules = [{"name": "irn-usa-threats", "detector": "match", "actor": "IRN",
                  "recipient": "USA", "event_types": ["THREATEN"]}]  # fmt: skip
        response = client.put("/api/watchlists", json={"rules": rules}, headers=auth())
        assert response.status_code == 200
        assert [r["name"] for r in response.json()["rules"]] == ["irn-usa-threats"]
        on_disk = yaml.safe_load(watchlist_file.read_text("utf-8"))
        assert on_disk["sinks"] == [{"type": "jsonl", "path": "alerts.jsonl"}]  # kept
        added = client.post(
            "/api/watchlists/rules", json={"name": "new-actors", "detector": "new_actor"},
            headers=auth(),
        )  # fmt: skip
        assert added.status_code == 201
        assert [r["name"] for r in added.json()["rules"]] == ["irn-usa-threats", "new-actors"]
        again = client.post(
            "/api/watchlists/rules", json={"name": "new-actors", "detector": "new_actor"},
            headers=auth(),
        )  # fmt: skip
        assert again.status_code == 422 and "exists" in again.json()["detail"]
    finally:
        watchlist_file.write_text(original, "utf-8")


def test_an_invalid_rule_is_refused_and_the_file_kept(
    client: TestClient, watchlist_file: Path
) -> None:
    before = watchlist_file.read_text("utf-8")
    bad = {"rules": [{"name": "oops", "detector": "telepathy"}]}
    response = client.put("/api/watchlists", json=bad, headers=auth())
    assert response.status_code == 422
    assert response.json()["code"] == "FP-E084" and "FP-E060" in response.json()["detail"]
    assert watchlist_file.read_text("utf-8") == before


def test_no_watchlists_served_is_404(served_store: Path) -> None:
    with TestClient(create_app(served_store)) as bare:
        response = bare.get("/api/watchlists")
    assert response.status_code == 404 and response.json()["code"] == "FP-E084"


# ------------------------------------------------------------------------------ bad input
BAD_REQUESTS = [
    ("/api/events", {"limit": "0"}),
    ("/api/events", {"limit": "abc"}),
    ("/api/events", {"limit": "100000001"}),
    ("/api/events", {"offset": "-1"}),
    ("/api/events", {"since": "2026-13-01"}),
    ("/api/events", {"until": "yesterday"}),
    ("/api/events", {"type": "FOO"}),
    ("/api/events", {"modality": "maybe"}),
    ("/api/events", {"actor": "i r n"}),
    ("/api/events", {"recipient": "x" * 40}),
    ("/api/events", {"q": "x" * 201}),
    ("/api/events", {"q": ""}),
    ("/api/events", {"sort": "up"}),
    ("/api/events", {"format": "xml"}),
    ("/api/events", {"mentions": "perhaps"}),
    ("/api/events/not%20an%20id", {}),
    ("/api/series/dyads/irn/USA", {}),
    ("/api/series/dyads/IRN/USA", {"freq": "hour"}),
    ("/api/series/countries/IRAN", {}),
    ("/api/network", {"limit": "0"}),
    ("/api/places", {"limit": "5001"}),
    ("/api/alerts", {"level": "galaxy"}),
    ("/api/alerts", {"key": "IRN>>USA"}),
    ("/api/alerts", {"since": "2026-02-30"}),
]


@pytest.mark.parametrize(
    ("path", "params"), BAD_REQUESTS, ids=[f"{path} {params}" for path, params in BAD_REQUESTS]
)
def test_bad_parameters_are_a_clear_422(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "FP-E080" and body["detail"] and body["errors"]


def test_a_bad_body_is_a_422(client: TestClient) -> None:
    response = client.put("/api/watchlists", content=b"{not json", headers=auth())
    assert response.status_code == 422 and response.json()["code"] == "FP-E080"
    empty = client.put("/api/watchlists", json={"rules": []}, headers=auth())
    assert empty.status_code == 422


def test_a_wrong_method_is_405_and_says_what_is_allowed(client: TestClient) -> None:
    response = client.delete("/api/watchlists")
    assert response.status_code == 405 and response.json()["code"] == "FP-E080"
    assert response.headers["allow"] == "GET, PUT"


def test_an_unknown_path_is_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "FP-E082"
    assert "/openapi.json" in response.json()["detail"]


# ------------------------------------------------------------------------------ limits
def test_a_slow_query_is_interrupted(served_store: Path) -> None:
    reader = Reader(served_store, time_limit=0.2)
    with pytest.raises(QueryTimeout, match="FP-E081"), reader.store() as store:
        store.query("SELECT sum(a * b) FROM range(200000000) t(a), range(100000) u(b)")
    with reader.store() as store:  # the connection is fine afterwards
        assert store.scalar("SELECT count(*) FROM articles") > 0
    reader.close()


def test_a_request_past_the_time_limit_is_503(
    served_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow_page(store: Any, *args: Any, **kwargs: Any) -> Any:
        store.query("SELECT sum(a * b) FROM range(200000000) t(a), range(100000) u(b)")

    monkeypatch.setattr(queries, "event_page", slow_page)
    with TestClient(create_app(served_store, time_limit=0.2)) as slow:
        response = slow.get("/api/events")
        assert response.status_code == 503 and response.json()["code"] == "FP-E081"
        assert slow.get("/api/health").status_code == 200


def test_the_server_lets_a_writer_take_its_turn(served_store: Path, tmp_path: Path) -> None:
    from flashpoint.store import Store

    db = tmp_path / "shared.duckdb"
    shutil.copy(served_store, db)
    app = create_app(db, idle_release=0.05)
    reader = app.state.reader
    with TestClient(app) as shared:
        assert shared.get("/api/health").status_code == 200
        deadline = time.monotonic() + 5
        while reader.is_open and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not reader.is_open  # idle: the file is free
        with Store(db) as writer:  # a writer (ingest, watch) opens it
            busy = shared.get("/api/events")
            assert busy.status_code == 503 and busy.json()["code"] == "FP-E040"
            writer.set_meta("touched", "yes")
        assert shared.get("/api/events").status_code == 200  # and the reader is back


# ------------------------------------------------------------------------------ the spec
def test_the_spec_documents_every_api_path(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {r.path for r in client.app.routes if getattr(r, "path", "").startswith("/api/")}  # type: ignore[attr-defined]
    assert routes == set(spec["paths"]) and len(routes) == 12
    schemes = spec["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    assert spec["paths"]["/api/watchlists"]["put"]["security"]
    assert client.get("/docs").status_code == 404  # Swagger UI would load code from a CDN


# ------------------------------------------------------------------------------ the dashboard
URL = re.compile(r"https?://[^\s\"'`)<>]+")
# URLs in third-party files that load nothing: XML namespaces, and the licence banner on top.
XML_NAMESPACE = re.compile(r"^http://www\.w3\.org/")


def without_banner(text: str) -> str:
    if text.startswith("//"):
        return text.split("\n", 1)[1]
    if text.startswith("/*"):
        return text.split("*/", 1)[1]
    return text


def test_the_dashboard_and_its_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in VENDOR:
        assert client.get(f"/vendor/{name}").status_code == 200
    assert client.get("/vendor/anything-else.js").status_code == 404


def test_nothing_served_points_outside_the_app(client: TestClient) -> None:
    ours = [p for p in STATIC.rglob("*") if p.is_file()]
    assert {p.suffix for p in ours} >= {".html", ".js", ".css"}
    for path in ours:
        text = client.get("/static/" + path.relative_to(STATIC).as_posix()).text
        assert not URL.findall(text), f"{path.name} names a URL"
    assert not URL.findall(client.get("/").text)
    for name in VENDOR:
        text = without_banner(client.get(f"/vendor/{name}").text)
        outside = [u for u in URL.findall(text) if not XML_NAMESPACE.match(u)]
        assert not outside, f"{name}: {outside[:3]}"


def test_without_assets_the_page_says_what_to_run(served_store: Path, tmp_path: Path) -> None:
    with TestClient(create_app(served_store, assets_dir=tmp_path)) as bare:
        page = bare.get("/")
        assert page.status_code == 503 and "make assets" in page.text and "FP-E085" in page.text
        assert bare.get("/vendor/d3.min.js").json()["code"] == "FP-E085"
        assert bare.get("/api/health").json()["dashboard_assets"] is False
        assert bare.get("/api/events").status_code == 200  # the API works regardless


def test_assets_are_looked_up_in_the_package_or_where_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASHPOINT_ASSETS", str(tmp_path))
    assert node_modules() == tmp_path and missing(tmp_path) == list(VENDOR)
    assert node_modules(Path("/elsewhere")) == Path("/elsewhere")


# ------------------------------------------------------------------------------ real servers
def test_a_real_uvicorn_server_answers(served_store: Path) -> None:
    with BackgroundServer(create_app(served_store)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert http.get("/api/health").json()["status"] == "ok"
            page = http.get("/api/events", params={"actor": "CHN", "limit": 3}).json()
            assert len(page["events"]) == 3
            assert http.get("/api/events", params={"limit": "x"}).status_code == 422
            assert "<title>flashpoint" in http.get("/").text


def test_flashpoint_serve_starts_and_prints_its_url(served_store: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "flashpoint.cli", "serve", "--db", str(served_store), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line
        response = httpx.get(url.group(0) + "/api/health", timeout=20)
        assert response.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "FP-E040" in result.output


def test_serve_refuses_a_taken_port(served_store: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(main, ["serve", "--db", str(served_store), "--port", port])
    finally:
        taken.close()
    assert result.exit_code == 1 and "FP-E086" in result.output
