"""Time resolution from the case table in tests/cases/dates.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.model import Document, Sentence, Span
from flashpoint.pipeline import Config, registered_stages
from flashpoint.when import TimesStage, find_times

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "dates.yaml").read_text(encoding="utf-8")
)


def _label(case: dict[str, Any]) -> str:
    return f"{case['text'][:40]}@{case.get('published')}"


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=_label)
def test_times(case: dict[str, Any]) -> None:
    published = case.get("published")
    found = find_times(case["text"], (), published)
    if case.get("none"):
        assert found == [], found
    for want in case.get("expect") or ():
        matches = [
            t
            for t in found
            if ("text" not in want or t.text == want["text"]) and t.date == want["date"]
        ]
        assert matches, (want, found)
        got = matches[0]
        if "precision" in want:
            assert got.precision == want["precision"], (want, got)
        if "rule" in want:
            assert got.rule == want["rule"], (want, got)
        assert case["text"][got.span.start : got.span.end] == got.text


def test_spans_are_absolute() -> None:
    text = "Calm held. Shelling resumed on Thursday."
    sents = (Sentence(0, Span(0, 10)), Sentence(1, Span(11, len(text))))
    (m,) = find_times(text, sents, dt.date(2020, 12, 11))
    assert m.sentence_index == 1
    assert text[m.span.start : m.span.end] == "Thursday"


def test_stage_uses_publication_date_then_config_default() -> None:
    assert registered_stages()["times"] is TimesStage
    text = "The strike happened yesterday."
    base = Document(
        id="d", text=text, origin="<test>", fmt="text", sentences=(Sentence(0, Span(0, len(text))),)
    )
    dated = TimesStage(Config())(replace(base, published=dt.date(2021, 3, 1)))
    assert [t.date for t in dated.times] == [dt.date(2021, 2, 28)]
    undated = TimesStage(Config())(base)
    assert undated.times == ()
    fallback = TimesStage(Config(default_date="2021-03-01"))(base)
    assert [t.date for t in fallback.times] == [dt.date(2021, 2, 28)]


def test_without_publication_date_relative_times_are_inferred_from_a_window() -> None:
    text = "The accord was signed on March 5, 2020. Fighting resumed on Thursday."
    found = find_times(text, (), None)
    by_text = {t.text: t for t in found}
    signed = by_text["March 5, 2020"]
    assert signed.date == dt.date(2020, 3, 5) and not signed.inferred
    thursday = by_text["Thursday"]
    assert thursday.inferred and thursday.window_start == thursday.date
    assert thursday.window_end is None
    assert thursday.date <= dt.date(2020, 3, 5)  # resolved against the lower bound
    assert find_times("Fighting resumed on Thursday.", (), None) == []


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ,.-'", max_size=6),
            st.sampled_from(
                [
                    "Thursday",
                    "January",
                    "mid-",
                    "last ",
                    "next ",
                    " 2020",
                    " by ",
                    "the end of ",
                    " 31",
                    " Feb. 29",
                    "9999-99-99",
                    " ago",
                    "three days",
                    " on ",
                ]
            ),
        ),
        max_size=14,
    ).map("".join),
    published=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))),
)
def test_date_parser_never_raises_and_stays_in_bounds(text: str, published: dt.date | None) -> None:
    for t in find_times(text, (), published):
        assert dt.date(1800, 1, 1) <= t.date <= dt.date(2200, 1, 1)
        assert t.precision in ("day", "week", "month", "year")
        assert text[t.span.start : t.span.end] == t.text
        if published is not None:
            assert abs((t.date - published).days) <= 366 * 250
