"""Actor resolution over a case table (tests/cases/actors.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from flashpoint.actors import load_actor_dictionary, recognize
from flashpoint.actors.dictionary import Entry, Role
from flashpoint.model import Sentence, Span

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "actors.yaml").read_text("utf-8"))


def actors_of(text: str, day: dt.date) -> list:
    sentence = Sentence(0, Span(0, len(text)))
    return recognize(load_actor_dictionary(), text, sentence, day)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_actor_cases(case: dict) -> None:
    day = dt.date.fromisoformat(str(case.get("date", "2023-03-08")))
    found = actors_of(case["text"], day)
    for expected in case["actors"]:
        matches = [a for a in found if a.text.lower() == expected["text"].lower()]
        assert matches, f"{expected['text']!r} not found in {[a.text for a in found]}"
        actor = matches[0]
        for field in ("code", "country", "sector", "sponsor", "locative"):
            if field in expected:
                assert getattr(actor, field) == expected[field], (field, actor)


def test_spans_point_at_their_text() -> None:
    text = "Iran-backed militias in Iraq attacked US troops near Baghdad."
    for actor in actors_of(text, dt.date(2023, 1, 1)):
        assert text[actor.span.start : actor.span.end] == actor.text


def test_dated_roles_follow_the_article_date() -> None:
    before = actors_of("Biden spoke.", dt.date(2019, 5, 1))
    after = actors_of("Biden spoke.", dt.date(2022, 5, 1))
    assert before and after
    assert after[0].code == "USAGOV"
    assert before[0].code != after[0].code


def test_role_on_picks_the_current_then_the_last_role() -> None:
    roles = (
        Role("USA", "GOV", "President", dt.date(2017, 1, 20), dt.date(2021, 1, 20)),
        Role("USA", "OPP", "Candidate", dt.date(2021, 1, 20), None),
    )
    person = Entry("person", "p", "Someone", roles=roles)
    assert person.role_on(dt.date(2018, 1, 1)).sector == "GOV"
    assert person.role_on(dt.date(2023, 1, 1)).sector == "OPP"
    assert person.role_on(dt.date(2010, 1, 1)).sector == "GOV"  # before any role: the first


def test_acronyms_need_their_case() -> None:
    assert not [
        a for a in actors_of("Tell us what happened.", dt.date(2023, 1, 1)) if a.country == "USA"
    ]
