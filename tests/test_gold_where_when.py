"""Place and date gold: well-formed spans, coverage, and scores at or above the floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flashpoint.evaluate import evaluate
from flashpoint.evaluate.report import check_floors

GOLD = Path(__file__).parent / "gold"
PRECISIONS = {"landmark", "city", "admin1", "country", "region"}


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / name).read_text("utf-8").splitlines() if line]


def test_place_gold_spans_are_exact_and_cover_forty_countries() -> None:
    rows = _rows("places.jsonl")
    mentions = [p for r in rows for p in r["places"]]
    for r in rows:
        for p in r["places"]:
            assert r["text"][p["start"] : p["end"]] == p["text"], (r["id"], p)
            assert p["precision"] in PRECISIONS
            assert -90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180
    assert len(mentions) >= 200
    assert len({p["country"] for p in mentions if p["country"]}) >= 40
    assert len({r["id"] for r in rows}) == len(rows)


def test_date_gold_spans_are_exact() -> None:
    rows = _rows("dates.jsonl")
    times = [t for r in rows for t in r["times"]]
    for r in rows:
        for t in r["times"]:
            assert r["text"][t["start"] : t["end"]] == t["text"], (r["id"], t)
            assert t["precision"] in (None, "day", "week", "month", "year")
    assert len(times) >= 150
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.fixture(scope="module")
def reports() -> list[dict]:
    return [evaluate(GOLD / "places.jsonl"), evaluate(GOLD / "dates.jsonl")]


def test_where_when_scores_stay_at_or_above_the_floors(reports: list[dict]) -> None:
    failures = check_floors(reports, GOLD / "floors.yaml")
    assert not failures, failures


def test_reports_carry_a_baseline_or_say_it_is_unavailable(reports: list[dict]) -> None:
    places, dates = reports
    assert places["format"] == "places" and dates["format"] == "dates"
    assert "country_accuracy" in places["baseline"]
    base = dates["baseline"]
    assert "unavailable" in base or "day_exact" in base


def test_dates_baseline_unavailable_without_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_dateparser(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("dateparser"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dateparser)
    report = evaluate(GOLD / "dates.jsonl", limit=3)
    assert "unavailable" in report["baseline"]
