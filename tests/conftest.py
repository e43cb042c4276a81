"""Shared fixtures. Documents are built by hand or from files the project ships; no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from flashpoint.model import Document
from flashpoint.pipeline import Config, Pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"
# The 16 PLOVER event types, written out here so that tests check the ontology file too.
PLOVER_TYPES = frozenset(
    {
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "CONCEDE",
        "COOPERATE",
        "AID",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "PROTEST",
        "SANCTION",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    }
)
# Fields every JSON event must have (README "Output contract").
CONTRACT_FIELDS = (
    "event_id",
    "article_id",
    "sentence_index",
    "sentence",
    "trigger",
    "event_type",
    "mode",
    "context",
    "cameo",
    "quad_class",
    "goldstein",
    "modality",
    "actor",
    "recipient",
    "date",
    "date_precision",
    "location",
    "confidence",
    "coder",
)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The bundled synthetic sample corpus."""
    return ROOT / "examples" / "corpus"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    """The default pipeline, built once: stages load their knowledge files lazily and cache them."""
    return Pipeline(Config())


@pytest.fixture(scope="session")
def code_text(pipeline: Pipeline) -> Callable[..., Document]:
    """Run the full pipeline over a text, as if it were a plain-text article."""

    def run(text: str, published: dt.date | None = dt.date(2023, 3, 8)) -> Document:
        doc = Document(id="test", text=text, origin="<test>", fmt="text", published=published)
        return pipeline(doc)

    return run
