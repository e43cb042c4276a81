"""The pattern file: coverage of the ontology and a case table of everyday wire phrasing.

tests/cases/patterns.yaml lists sentences with events that must be found (matched on the fields
given) and events that must not be, as tests/cases/coding.yaml does.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from flashpoint.coding.ontology import load_ontology
from flashpoint.coding.patterns import load_patterns
from flashpoint.errors import DataSchemaError
from flashpoint.model import Event
from flashpoint.pipeline import Config

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "patterns.yaml").read_text("utf-8"))

# Modes of plover.yaml that no pattern uses, with the reason.
UNUSED_MODES = {
    # Two-sided fighting with sides A and B told apart needs knowledge of the war's sides; a
    # phrase alone cannot say which side is which.
    ("ASSAULT", "sideAB"): "needs conflict-side knowledge, not a phrase",
}

# Patterns whose PLOVER type differs from the type the CAMEO-to-PLOVER table gives their CAMEO
# code: the PLOVER manual's own wording decides, and the CAMEO code stays the closest one.
CAMEO_TYPE_EXCEPTIONS = {
    # CAMEO appeals (02) and denials (016) have no PLOVER row; the manual files appeals under
    # REQUEST and a denial rejects the accusation.
    "request.appeal": "020 has no PLOVER type",
    "request.want": "020 has no PLOVER type",
    "reject.denial": "016 has no PLOVER type",
    # The manual: declaring a ceasefire is a verbal concession; observing it is RETREAT.
    "concede.ceasefire": "0871 maps to RETREAT",
    # The manual: expressions of regret, pardons and amnesties are CONCEDE.
    "concede.apologize": "055 maps to SUPPORT",
    "concede.pardon": "056 maps to SUPPORT",
    # The manual: easing restrictions and removing curfews are verbal concessions (CONCEDE).
    "concede.sanctions": "085 maps to RETREAT",
    "concede.curfew": "0813 maps to RETREAT",
    "concede.emergency": "0814 maps to RETREAT",
    # A prison term is a judicial punishment (SANCTION convict); CAMEO files it with arrests.
    "sanction.prison": "173 maps to COERCE",
    # The manual: resignations of officials are RETREAT resign; CAMEO codes them as 0831.
    "retreat.resign": "0831 maps to CONCEDE",
    # The manual: international sanctions are SANCTION discontinue.
    "sanction.discontinue": "163 maps to COERCE",
    # The manual: court findings of guilt are SANCTION convict.
    "sanction.convict": "116 maps to ACCUSE",
}


def _who(e: Event, role: str) -> tuple[str | None, str | None, str | None]:
    p = e.actor if role == "actor" else e.recipient
    return (p.country, p.code, p.sector) if p else (None, None, None)


def _matches(e: Event, want: dict[str, Any]) -> bool:
    checks = {"type": e.event_type, "mode": e.mode, "modality": e.modality.value}
    if any(key in want and want[key] != value for key, value in checks.items()):
        return False
    return all(role not in want or want[role] in _who(e, role) for role in ("actor", "recipient"))


def _describe(events: tuple[Event, ...]) -> list[str]:
    return [
        f"{e.event_type}/{e.mode}/{e.modality.value} {_who(e, 'actor')[1]}->"
        f"{_who(e, 'recipient')[1]} [{e.trigger_text}] {e.pattern}"
        for e in events
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:50] for c in CASES])
def test_pattern_cases(case: dict[str, Any], code_text: Any) -> None:
    published = dt.date.fromisoformat(str(case.get("date", "2023-03-08")))
    doc = code_text(case["text"], published)
    for want in case.get("events", []):
        assert any(_matches(e, want) for e in doc.events), (want, _describe(doc.events))
    for unwanted in case.get("absent", []):
        assert not any(_matches(e, unwanted) for e in doc.events), (unwanted, _describe(doc.events))


def test_case_table_covers_every_type() -> None:
    types = Counter(w["type"] for c in CASES for w in c.get("events", []))
    ontology = load_ontology(Config())
    thin = {t: types[t] for t in ontology.event_types if types[t] < 3}
    assert not thin, f"event types with fewer than 3 cases: {thin}"


def test_every_type_has_patterns() -> None:
    ontology = load_ontology(Config())
    ids_by_type: dict[str, set[str]] = {}
    for p in load_patterns(Config()).patterns:
        ids_by_type.setdefault(p.event_type, set()).add(p.id)
    thin = {t: len(ids_by_type.get(t, ())) for t in ontology.event_types}
    assert all(n >= 3 for n in thin.values()), thin


def test_every_mode_is_used() -> None:
    ontology = load_ontology(Config())
    used = {(p.event_type, p.mode) for p in load_patterns(Config()).patterns}
    unused = []
    for name, etype in ontology.event_types.items():
        for mode in etype.modes:
            if (name, mode) not in used and (name, mode) not in UNUSED_MODES:
                unused.append((name, mode))
    assert not unused, f"modes no pattern uses: {unused}"
    stale = [k for k in UNUSED_MODES if k in used]
    assert not stale, f"listed as unused but used: {stale}"


def test_every_cameo_category_with_a_plover_type_has_a_pattern() -> None:
    ontology = load_ontology(Config())
    used = {p.cameo[:3] for p in load_patterns(Config()).patterns}
    missing = [
        c for c in sorted(ontology.cameo) if len(c) == 3 and ontology.to_plover(c) and c not in used
    ]
    assert not missing, f"CAMEO categories without a pattern: {missing}"


def test_cameo_codes_agree_with_pattern_types() -> None:
    ontology = load_ontology(Config())
    disagree = {}
    for p in load_patterns(Config()).patterns:
        if p.blocks_only:
            continue
        mapped = ontology.to_plover(p.cameo)
        if mapped is None or mapped[0] != p.event_type:
            disagree[p.id] = (p.event_type, p.cameo, mapped[0] if mapped else None)
    unexplained = {k: v for k, v in disagree.items() if k not in CAMEO_TYPE_EXCEPTIONS}
    assert not unexplained, unexplained
    stale = [k for k in CAMEO_TYPE_EXCEPTIONS if k not in disagree]
    assert not stale, f"listed as exceptions but agree: {stale}"


@pytest.mark.parametrize("phrase", ["want +", "* attack", "shell *"])
def test_a_phrase_neither_starts_nor_ends_with_a_gap(tmp_path: Path, phrase: str) -> None:
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "patterns.yaml").write_text(
        f"version: 1\npatterns:\n  - {{id: x, type: ASSAULT, cameo: '190', verbs: ['{phrase}']}}\n",
        "utf-8",
    )
    with pytest.raises(DataSchemaError, match="bad phrase"):
        load_patterns(Config(data_dir=tmp_path))
