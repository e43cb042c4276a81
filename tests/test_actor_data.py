"""Structural checks on the actor knowledge files under flashpoint/data/actors/."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

import flashpoint

ACTORS = Path(flashpoint.__file__).parent / "data" / "actors"
SECTOR_CODES = {
    "GOV",
    "MIL",
    "REB",
    "COP",
    "OPP",
    "CVL",
    "IGO",
    "NGO",
    "MED",
    "BUS",
    "JUD",
    "LEG",
    "SPY",
    "ELI",
    "REL",
    "EDU",
    "HLH",
    "LAB",
    "REF",
    "INS",
}
ISO3 = re.compile(r"[A-Z]{3}")
ISO2 = re.compile(r"[A-Z]{2}")
GROUP_CODE = re.compile(r"[A-Z0-9]{3,12}")


def _load(name: str) -> Any:
    with open(ACTORS / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def countries() -> list[dict[str, Any]]:
    data = _load("countries")
    assert data["version"] == 1
    return data["countries"]


@pytest.fixture(scope="module")
def sectors() -> list[dict[str, Any]]:
    data = _load("agents")
    assert data["version"] == 1
    return data["sectors"]


@pytest.fixture(scope="module")
def groups() -> list[dict[str, Any]]:
    data = _load("groups")
    assert data["version"] == 1
    return data["groups"]


@pytest.fixture(scope="module")
def people() -> list[dict[str, Any]]:
    data = _load("people")
    assert data["version"] == 1
    return data["people"]


@pytest.fixture(scope="module")
def sector_codes(sectors: list[dict[str, Any]]) -> set[str]:
    return {s["code"] for s in sectors}


@pytest.fixture(scope="module")
def country_codes(countries: list[dict[str, Any]]) -> set[str]:
    return {c["code"] for c in countries}


def _point(p: Any, where: str) -> None:
    assert isinstance(p, dict), where
    assert isinstance(p["lat"], int | float) and -90 <= p["lat"] <= 90, where
    assert isinstance(p["lon"], int | float) and -180 <= p["lon"] <= 180, where


def _strings(xs: Any, where: str) -> list[str]:
    assert isinstance(xs, list), where
    for x in xs:
        assert isinstance(x, str) and x.strip() == x and x, f"{where}: bad entry {x!r}"
    return xs


# ------------------------------------------------------------------ countries


def test_country_keys_and_codes(countries: list[dict[str, Any]]) -> None:
    required = {"code", "iso2", "name", "aliases", "demonyms", "capital", "centroid", "metonyms"}
    codes: set[str] = set()
    iso2s: set[str] = set()
    for c in countries:
        assert required <= set(c), c.get("code")
        code = c["code"]
        assert isinstance(code, str) and ISO3.fullmatch(code), code
        assert code not in codes, f"duplicate {code}"
        codes.add(code)
        assert isinstance(c["iso2"], str) and ISO2.fullmatch(c["iso2"]), code
        assert c["iso2"] not in iso2s, f"duplicate iso2 {c['iso2']}"
        iso2s.add(c["iso2"])
        assert isinstance(c["name"], str) and c["name"], code
        _strings(c["aliases"], code)
        _strings(c["demonyms"], code)
    assert len(codes) >= 249
    for must in ("USA", "RUS", "CHN", "IRN", "ISR", "PSE", "XKX", "TWN", "GBR", "UKR"):
        assert must in codes


def test_country_coordinates(countries: list[dict[str, Any]]) -> None:
    for c in countries:
        _point(c["centroid"], c["code"])
        cap = c["capital"]
        if cap is not None:
            assert isinstance(cap["name"], str) and cap["name"], c["code"]
            _point(cap, c["code"])


def test_country_metonyms(countries: list[dict[str, Any]], sector_codes: set[str]) -> None:
    for c in countries:
        assert isinstance(c["metonyms"], list), c["code"]
        for m in c["metonyms"]:
            assert set(m) == {"text", "sector"}, c["code"]
            assert isinstance(m["text"], str) and m["text"], c["code"]
            assert m["sector"] in sector_codes, (c["code"], m)


def test_country_phrases_are_unambiguous(countries: list[dict[str, Any]]) -> None:
    """A name or alias means one country; so does a demonym; so does a metonym."""
    for kind in ("names", "demonyms", "metonyms"):
        owner: dict[str, set[str]] = defaultdict(set)
        for c in countries:
            if kind == "names":
                phrases = [c["name"], *c["aliases"]]
            elif kind == "demonyms":
                phrases = c["demonyms"]
            else:
                phrases = [m["text"] for m in c["metonyms"]]
            for p in phrases:
                owner[p.lower()].add(c["code"])
        clashes = {p: sorted(cs) for p, cs in owner.items() if len(cs) > 1}
        assert not clashes, f"{kind} shared by several countries: {clashes}"


def test_key_press_forms(countries: list[dict[str, Any]]) -> None:
    by_phrase = {}
    for c in countries:
        for p in [c["name"], *c["aliases"], *c["demonyms"]]:
            by_phrase[p] = c["code"]
    expected = {
        "U.S.": "USA",
        "US": "USA",
        "America": "USA",
        "American": "USA",
        "UK": "GBR",
        "Britain": "GBR",
        "British": "GBR",
        "Russian Federation": "RUS",
        "DPRK": "PRK",
        "Ivory Coast": "CIV",
        "Czechia": "CZE",
        "Türkiye": "TUR",
        "Turkey": "TUR",
        "Burma": "MMR",
        "UAE": "ARE",
        "Emirati": "ARE",
        "Filipino": "PHL",
        "Afghans": "AFG",
    }
    for phrase, code in expected.items():
        assert by_phrase.get(phrase) == code, phrase


# ------------------------------------------------------------------ agents


def test_agent_sectors(sectors: list[dict[str, Any]]) -> None:
    seen_codes: set[str] = set()
    owner: dict[str, str] = {}
    for s in sectors:
        assert {"code", "name", "words"} <= set(s)
        assert s["code"] in SECTOR_CODES, s["code"]
        assert s["code"] not in seen_codes
        seen_codes.add(s["code"])
        for w in _strings(s["words"], s["code"]):
            assert w == w.lower(), f"{w!r} must be lowercase"
            assert w not in owner, f"{w!r} is in {owner.get(w)} and {s['code']}"
            owner[w] = s["code"]
    assert seen_codes == SECTOR_CODES
    for word, code in {
        "officials": "GOV",
        "troops": "MIL",
        "rebels": "REB",
        "police": "COP",
        "security forces": "COP",
        "protesters": "OPP",
        "civilians": "CVL",
        "journalists": "MED",
        "refugees": "REF",
    }.items():
        assert owner.get(word) == code, word


# ------------------------------------------------------------------ groups


def test_groups(
    groups: list[dict[str, Any]], sector_codes: set[str], country_codes: set[str]
) -> None:
    codes: set[str] = set()
    owner: dict[str, str] = {}
    for g in groups:
        assert {"code", "name", "aliases", "sector", "country", "sponsor"} <= set(g), g
        code = g["code"]
        assert isinstance(code, str) and GROUP_CODE.fullmatch(code), code
        assert code not in codes, f"duplicate group code {code}"
        codes.add(code)
        assert g["sector"] in sector_codes, code
        assert g["country"] is None or g["country"] in country_codes, code
        assert g["sponsor"] is None or g["sponsor"] in country_codes, code
        assert g["sponsor"] != g["country"] or g["sponsor"] is None, code
        for p in [g["name"], *_strings(g["aliases"], code)]:
            key = p.lower() if not p.isupper() else p
            assert owner.get(key, code) == code, f"{p!r} names {owner[key]} and {code}"
            owner[key] = code
    assert len(codes) >= 75


# ------------------------------------------------------------------ people


def _as_date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))  # raises on a bad date


def test_people(
    people: list[dict[str, Any]],
    sector_codes: set[str],
    country_codes: set[str],
    groups: list[dict[str, Any]],
) -> None:
    group_codes = {g["code"] for g in groups}
    names: set[str] = set()
    for p in people:
        assert {"name", "roles"} <= set(p), p
        name = p["name"]
        assert name not in names, f"duplicate person {name}"
        names.add(name)
        _strings(p.get("aliases") or [], name)
        assert p["roles"], name
        for r in p["roles"]:
            assert set(r) <= {"country", "sector", "title", "start", "end", "org"}, name
            assert r["country"] is None or r["country"] in country_codes, name
            assert r["sector"] in sector_codes, name
            assert r["country"] is not None or r.get("org") in group_codes, name
            start = _as_date(r.get("start"), name)
            end = _as_date(r.get("end"), name)
            if start and end:
                assert start < end, f"{name}: {start} >= {end}"
    assert len(people) >= 80


def test_person_aliases_are_unambiguous(people: list[dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for p in people:
        for phrase in {p["name"], *(p.get("aliases") or [])}:
            key = phrase.lower()
            assert owner.get(key, p["name"]) == p["name"], f"{phrase!r}: {owner[key]}, {p['name']}"
            owner[key] = p["name"]


# ------------------------------------------------------------------ coverage


def test_armed_groups_and_movements(groups: list[dict[str, Any]]) -> None:
    """Non-state armed groups (REB) and political movements (OPP) each have a home country."""
    national = [g for g in groups if g["sector"] in ("REB", "OPP") and g["country"]]
    assert len(national) >= 150, len(national)
    assert len({g["country"] for g in national}) >= 40
    sponsored = [g for g in groups if g["sponsor"]]
    assert len(sponsored) >= 20, len(sponsored)
    for must in ("IGOMERCOSUR", "IGOOAS", "IGOCARICOM", "IGOPIF", "IGOUNMISS", "IGOAUSOM"):
        assert must in {g["code"] for g in groups}, must


G20 = "ARG AUS BRA CAN CHN FRA DEU IND IDN ITA JPN KOR MEX RUS SAU ZAF TUR GBR USA"
MENA = "IRN IRQ ISR PSE SYR LBN JOR EGY LBY TUN DZA MAR YEM OMN ARE QAT KWT BHR SAU"
AT_WAR = "AFG UKR RUS SDN SSD ETH ERI SOM MLI BFA NER NGA COD CAF MMR YEM SYR LBY ARM AZE GEO COL"
# Countries exempt from the head-of-state/government check, each with its reason. None for now.
HEAD_EXEMPT: dict[str, str] = {}
HEAD_TITLE = re.compile(
    r"(?:Acting |Interim |Transitional |Caretaker )?"
    r"(?:President|Prime Minister|Chancellor|King|Queen|Emir|Sultan|Supreme Leader|Premier"
    r"|State Counsellor|Head of State|Chairman of the (?:Sovereignty|Presidential Leadership"
    r"|State Administration) Council|Taliban supreme leader)\b"
)
NOT_HEAD = re.compile(r"\b(?:Vice|Deputy|Former)\b|President of the Houthi|Region President")


def _is_head(role: dict[str, Any]) -> bool:
    return (
        role["sector"] == "GOV"
        and bool(HEAD_TITLE.match(role["title"]))
        and not NOT_HEAD.search(role["title"])
    )


def _covers(role: dict[str, Any], day: dt.date) -> bool:
    start = _as_date(role.get("start"), role["title"])
    end = _as_date(role.get("end"), role["title"])
    return (start is None or start <= day) and (end is None or day < end)


def test_heads_of_state_and_government(people: list[dict[str, Any]]) -> None:
    """Every G20, MENA and war-affected country has a head of state or government on 2020-01-01."""
    day = dt.date(2020, 1, 1)
    covered = {r["country"] for p in people for r in p["roles"] if _is_head(r) and _covers(r, day)}
    wanted = set((G20 + " " + MENA + " " + AT_WAR).split()) - set(HEAD_EXEMPT)
    assert not wanted - covered, sorted(wanted - covered)


def test_heads_have_dated_terms(people: list[dict[str, Any]]) -> None:
    """Head-of-state and head-of-government roles carry a start date, and terms of one country's
    office do not start twice on the same day for two different people."""
    seen: dict[tuple[str, str, str], str] = {}
    for p in people:
        for r in p["roles"]:
            if not _is_head(r):
                continue
            assert r.get("start") is not None, (p["name"], r["title"])
            key = (r["country"], r["title"], str(r["start"]))
            assert seen.get(key, p["name"]) == p["name"], (key, seen[key], p["name"])
            seen[key] = p["name"]
    assert len(people) >= 900


def test_no_alias_names_two_office_holders_at_once(people: list[dict[str, Any]]) -> None:
    """A phrase may not name two people whose roles overlap in time (it would be undecidable on
    an article date inside both)."""
    spans: dict[str, list[tuple[str, dt.date, dt.date]]] = defaultdict(list)
    for p in people:
        for phrase in {p["name"], *(p.get("aliases") or [])}:
            for r in p["roles"]:
                start = _as_date(r.get("start"), p["name"]) or dt.date.min
                end = _as_date(r.get("end"), p["name"]) or dt.date.max
                spans[phrase.lower()].append((p["name"], start, end))
    for phrase, held in spans.items():
        for i, (a, s1, e1) in enumerate(held):
            for b, s2, e2 in held[i + 1 :]:
                if a != b:
                    assert not (s1 < e2 and s2 < e1), f"{phrase!r}: {a} and {b} overlap"
