"""Cleaning: the case table in cases/clean.yaml plus the stage contract."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.errors import DataSchemaError
from flashpoint.ingest.clean import CleanStage, clean_text, load_clean_rules
from flashpoint.model import BlockKind, Document
from flashpoint.pipeline import Config, Pipeline, registered_stages

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "clean.yaml").read_text("utf-8"))


def _blocks(text: str, blocks: tuple) -> list[dict]:
    return [
        {
            "kind": b.kind.value,
            "text": b.span.text(text),
            **({"repeats": b.repeats} if b.repeats > 1 else {}),
        }
        for b in blocks
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_clean_cases(case: dict) -> None:
    text, blocks, dropped = clean_text(case["text"], case.get("title"))
    assert _blocks(text, blocks) == case["blocks"]
    assert [f"{d.reason}: {d.text}" for d in dropped] == case["dropped"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cleaned_text_is_blocks_joined(case: dict) -> None:
    text, blocks, _ = clean_text(case["text"], case.get("title"))
    assert text == "\n\n".join(b.span.text(text) for b in blocks)


def test_stage_replaces_text_and_sets_title() -> None:
    raw = (
        "Menu\n\nGunmen storm radio station\n\nThe attackers held staff for an hour\n\n"
        "Armed men entered the building at dawn. Police later freed the hostages.\n\nShare\n"
    )
    doc = Document(id="a", text=raw, origin="t", fmt="text")
    out = CleanStage(Config())(doc)
    assert out.cleaned
    assert out.title == "Gunmen storm radio station"
    assert [b.kind for b in out.blocks] == [
        BlockKind.HEADLINE,
        BlockKind.SUBHEADLINE,
        BlockKind.BODY,
    ]
    assert "Menu" not in out.text and "Share" not in out.text
    assert {d.reason for d in out.dropped} == {"navigation", "share bar"}
    assert CleanStage(Config())(out) is out  # cleaning twice changes nothing


def test_stage_registered_and_runs_with_split() -> None:
    assert registered_stages()["clean"] is CleanStage
    pipe = Pipeline(Config(stages=("clean", "split")))
    text = "Troops cross river\n\nThe army crossed at dawn. Shelling followed."
    doc = Document(id="b", text=text, origin="t", fmt="text")
    out = pipe(doc)
    assert [out.sentence_text(i) for i in range(len(out.sentences))] == [
        "Troops cross river",
        "The army crossed at dawn.",
        "Shelling followed.",
    ]
    assert pickle.loads(pickle.dumps(CleanStage(Config()))).rules.lines


def test_boilerplate_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "boilerplate.yaml"
    bad.write_text("version: 1\nlines:\n  - {id: x, reason: y, pattern: '(unclosed'}\n", "utf-8")
    with pytest.raises(DataSchemaError, match="bad regular expression"):
        load_clean_rules(bad)
    bad.write_text(
        "version: 1\nlines:\n  - {id: x, reason: y, pattern: a}\n"
        "  - {id: x, reason: z, pattern: b}\n",
        "utf-8",
    )
    with pytest.raises(DataSchemaError, match="duplicate id"):
        load_clean_rules(bad)


def test_user_boilerplate_file_overrides(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "boilerplate.yaml").write_text(
        "version: 1\nlines:\n  - {id: promo, reason: house ad, pattern: 'buy our book.*'}\n",
        "utf-8",
    )
    stage = CleanStage(Config(data_dir=tmp_path))
    out = stage(
        Document(id="c", text="Buy our book today\n\nRebels fled the town.", origin="t", fmt="text")
    )
    assert out.text == "Rebels fled the town."
    assert out.dropped[0].reason == "house ad"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.none() | st.text(max_size=40))
def test_clean_never_raises_and_spans_fit(text: str, title: str | None) -> None:
    clean, blocks, _ = clean_text(text, title)
    prev = 0
    for b in blocks:
        assert prev <= b.span.start < b.span.end <= len(clean)
        prev = b.span.end


def test_html_prune_entries_must_be_xpath(tmp_path: Path) -> None:
    bad = tmp_path / "boilerplate.yaml"
    lines = "version: 1\nlines:\n  - {id: x, reason: y, pattern: a}\n"
    bad.write_text(lines + "html_prune:\n  - '//div[@class='\n", "utf-8")
    with pytest.raises(DataSchemaError, match=r"html_prune\[0\]: bad XPath"):
        load_clean_rules(bad)
    bad.write_text(lines + "html_prune: '//nav'\n", "utf-8")
    with pytest.raises(DataSchemaError, match="'html_prune' must be a list"):
        load_clean_rules(bad)
    bad.write_text(lines + "html_prune:\n  - '//nav'\n", "utf-8")
    assert load_clean_rules(bad).lines
