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
    load_gazetteer()  # builds the disk cache if this machine has none yet
    _build.cache_clear()
    t0 = time.perf_counter()
    gaz = load_gazetteer()
    assert time.perf_counter() - t0 < 2.5  # from the disk cache
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


def test_index_is_cached_on_disk_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashpoint.where import gazetteer as g

    monkeypatch.setenv("FLASHPOINT_CACHE_DIR", str(tmp_path))
    regions = str(g.data_path(Config(), g.REGIONS_FILE))
    countries = str(g.data_path(Config(), g.COUNTRIES_FILE))
    built = []
    real = g.build_index

    def counting(*args: object) -> g.Gazetteer:
        built.append(args)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(g, "build_index", counting)
    g._build.cache_clear()
    first = g._build(regions, countries, 15000)
    assert len(built) == 1
    files = list(tmp_path.glob("gazetteer-*.pickle"))
    assert len(files) == 1
    g._build.cache_clear()
    again = g._build(regions, countries, 15000)
    assert len(built) == 1  # read from disk, not rebuilt
    assert len(again) == len(first)
    assert again.lookup(("najaf",))[0].place == first.lookup(("najaf",))[0].place
    g._build.cache_clear()


def test_unwritable_cache_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashpoint.where import gazetteer as g

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FLASHPOINT_CACHE_DIR", str(blocker / "cache"))
    g._build.cache_clear()
    regions = str(g.data_path(Config(), g.REGIONS_FILE))
    gaz = g._build(regions, None, 15000)
    assert gaz.lookup(("baghdad",))
    g._build.cache_clear()


def test_spelling_variants_resolve_to_one_place() -> None:
    kyiv = {p.country for t in ("in Kyiv", "in Kiev") for p in find_places(f"Shelling {t}.")}
    assert kyiv == {"UKR"}
    (najaf,) = find_places("Pilgrims walked to An Najaf.")
    assert najaf.country == "IRQ" and najaf.precision == "city"
