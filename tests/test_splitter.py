"""Sentence splitting: the case table in cases/splitter.yaml plus property tests."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.errors import DataSchemaError
from flashpoint.model import Block, BlockKind, Document, Span
from flashpoint.pipeline import Config, check_order, registered_stages
from flashpoint.text.splitter import SplitStage, load_split_rules, split_sentences

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "splitter.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_splitter_cases(case: dict) -> None:
    text = case["text"]
    assert [s.text(text) for s in split_sentences(text)] == case["sentences"]


def test_case_table_is_big_enough() -> None:
    assert len(CASES) >= 30


def test_spans_are_absolute_within_a_region() -> None:
    text = "IGNORED PREFIX. Troops left. Police arrived. IGNORED SUFFIX."
    start = text.index("Troops")
    end = text.index(" IGNORED SUFFIX")
    spans = split_sentences(text, start, end)
    assert [s.text(text) for s in spans] == ["Troops left.", "Police arrived."]
    assert spans[0].start == start


def test_empty_and_inverted_regions() -> None:
    assert split_sentences("Some text.", 5, 5) == []
    assert split_sentences("Some text.", 8, 3) == []
    assert split_sentences("   \n\n  ") == []


def test_stage_keeps_sentences_inside_blocks() -> None:
    text = "Troops enter the U.S. Embassy compound\n\nGuards fired shots. Two men were hurt."
    head_end = text.index("\n")
    doc = Document(
        id="d1",
        text=text,
        origin="test",
        fmt="text",
        cleaned=True,
        blocks=(
            Block(BlockKind.HEADLINE, Span(0, head_end)),
            Block(BlockKind.BODY, Span(head_end + 2, len(text))),
        ),
    )
    out = SplitStage(Config())(doc)
    assert [out.sentence_text(i) for i in range(len(out.sentences))] == [
        "Troops enter the U.S. Embassy compound",
        "Guards fired shots.",
        "Two men were hurt.",
    ]
    assert [s.block for s in out.sentences] == [BlockKind.HEADLINE, BlockKind.BODY, BlockKind.BODY]
    assert [s.index for s in out.sentences] == [0, 1, 2]


def test_stage_is_registered_and_pickles() -> None:
    registry = registered_stages()
    assert registry["split"] is SplitStage
    check_order(["clean", "split"], registry)
    stage = pickle.loads(pickle.dumps(SplitStage(Config())))
    assert stage.rules.kinds["gen"] == "titles"


def test_abbreviation_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "abbreviations.yaml"
    bad.write_text(
        "version: 1\ntitles: [gen]\nprefixes: [gen]\nbefore_number: ['no']\n"
        "enders: [etc]\nsentence_starters: [The]\n",
        "utf-8",
    )
    with pytest.raises(DataSchemaError, match="listed twice"):
        load_split_rules(bad)


def test_user_abbreviations_override(tmp_path: Path) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    (folder / "abbreviations.yaml").write_text(
        "version: 1\ntitles: [gen, cmdte]\nprefixes: [vs]\nbefore_number: ['no']\n"
        "enders: [etc]\nsentence_starters: [The]\n",
        "utf-8",
    )
    stage = SplitStage(Config(data_dir=tmp_path))
    text = "Cmdte. Ruiz spoke. The crowd cheered."
    doc = Document("x", text, "t", "text", blocks=(Block(BlockKind.BODY, Span(0, len(text))),))
    assert len(stage(doc).sentences) == 2


# ---------------------------------------------------------------------------------------------
# properties

_WORDS = st.sampled_from(
    [
        "troops",
        "Officials",
        "U.S.",
        "Gen.",
        "Jan.",
        "3.5",
        "No.",
        "said",
        "the",
        "border",
        "“Why?”",
        "etc.",
        "J.",
        "fled.",
        "Talks",
        "ended!",
        "- item",
        "\n",
        "\n\n",
        "...",
        "(AP).",
    ]
)
_TEXT = st.lists(_WORDS, max_size=40).map(" ".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(0, 50), st.integers(0, 250))
def test_spans_are_inside_ordered_trimmed_and_disjoint(text: str, start: int, end: int) -> None:
    spans = split_sentences(text, start, end)
    lo, hi = min(start, len(text)), min(end, len(text))
    prev_end = lo
    for span in spans:
        assert lo <= span.start < span.end <= hi
        assert span.start >= prev_end
        chunk = span.text(text)
        assert chunk == chunk.strip()
        prev_end = span.end


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=15).map(" ".join), st.lists(_WORDS, max_size=15).map(" ".join))
def test_never_split_inside_us_officials(before: str, after: str) -> None:
    text = f"{before} U.S. officials {after}"
    at = len(before) + 1
    for span in split_sentences(text):
        # a span may not start or end strictly inside "U.S. officials"
        assert not at < span.start < at + len("U.S. officials")
        assert not at < span.end < at + len("U.S. officials")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_nonblank_text_is_covered(text: str) -> None:
    # every non-space character belongs to exactly one sentence
    covered = set()
    for span in split_sentences(text):
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
