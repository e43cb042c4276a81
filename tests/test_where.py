"""Geoparser behaviour from the case table in tests/cases/places.yaml."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from flashpoint.model import Document, Sentence, Span
from flashpoint.pipeline import Config, check_order, registered_stages
from flashpoint.where import PlacesStage, find_places, load_gazetteer
from flashpoint.where.gazetteer import _build

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "places.yaml").read_text(encoding="utf-8")
)


def _label(case: dict[str, Any]) -> str:
    return case["text"][:40]


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=_label)
def test_places(case: dict[str, Any]) -> None:
    found = find_places(case["text"], (), set(case.get("hint") or ()))
    if case.get("none"):
        assert found == [], found
    by_text = {p.text: p for p in found}
    for want in case.get("expect") or ():
        assert want["text"] in by_text, (want, found)
        got = by_text[want["text"]]
        for field in ("name", "country", "precision"):
            if field in want:
                assert getattr(got, field) == want[field], (field, want, got)
        assert case["text"][got.span.start : got.span.end] == got.text
    for text in case.get("absent") or ():
        assert text not in by_text, found


def test_gazetteer_loads_fast() -> None:
    _build.cache_clear()
    t0 = time.perf_counter()
    gaz = load_gazetteer()
    assert time.perf_counter() - t0 < 2.0
    assert len(gaz) > 30000
    assert load_gazetteer() is gaz  # built once per process


def test_spans_are_absolute_and_sentence_indexed() -> None:
    text = "Nothing here. Rockets hit Najaf."
    sents = (Sentence(0, Span(0, 13)), Sentence(1, Span(14, len(text))))
    (m,) = find_places(text, sents, set())
    assert m.sentence_index == 1
    assert text[m.span.start : m.span.end] == "Najaf"
    assert m.lat is not None and m.lon is not None


def test_stage_registers_and_uses_actor_countries() -> None:
    stages = registered_stages()
    assert stages["places"] is PlacesStage
    check_order(["clean", "split", "places"], stages)
    text = "Gunmen opened fire in Tripoli."
    doc = Document(
        id="d1",
        text=text,
        origin="<test>",
        fmt="text",
        sentences=(Sentence(0, Span(0, len(text))),),
    )
    out = PlacesStage(Config())(doc)
    assert [p.country for p in out.places] == ["LBY"]
    assert out.text == doc.text and out.id == doc.id


def test_regions_file_validates() -> None:
    gaz = load_gazetteer()
    middle_east = gaz.lookup(("middle", "east"))
    assert middle_east and middle_east[0].place.precision == "region"
    assert gaz.rules.locative_cues and gaz.rules.function_words
