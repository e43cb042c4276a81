"""The gold set is the coder's regression suite: scores may not fall below the recorded floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PLOVER_TYPES
from flashpoint.evaluate import evaluate, read_gold
from flashpoint.evaluate.report import check_floors

GOLD = Path(__file__).parent / "gold"
TYPES = PLOVER_TYPES


@pytest.fixture(scope="module")
def report() -> dict:
    return evaluate(GOLD / "events.jsonl")


def test_gold_covers_every_type_and_modality() -> None:
    items = list(read_gold(GOLD / "events.jsonl"))
    assert len(items) >= 300
    types = {e.event_type for i in items for e in i.events}
    assert types == TYPES
    modalities = {e.modality for i in items for e in i.events}
    assert modalities == {"asserted", "negated", "hypothetical", "future"}


def test_scores_stay_at_or_above_the_floors(report: dict) -> None:
    failures = check_floors([report], GOLD / "floors.yaml")
    assert not failures, failures


def test_report_has_every_section(report: dict) -> None:
    events = report["events"]
    assert set(events["per_type"]) >= TYPES
    assert events["confusion"]
    for key in ("actor_accuracy", "recipient_accuracy", "modality_accuracy"):
        assert 0 <= events[key] <= 1
