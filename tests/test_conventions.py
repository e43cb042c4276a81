"""The CAMEO conventions file (data/coding/conventions.yaml): it loads, and a bad one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.coding.coder import DocumentCoder
from flashpoint.coding.conventions import load_conventions
from flashpoint.coding.ontology import load_ontology
from flashpoint.knowledge import DataSchemaError
from flashpoint.model import Modality
from flashpoint.pipeline import Config, data_path


def test_shipped_conventions_load() -> None:
    config = Config(conventions="cameo")
    conv = load_conventions(config, load_ontology(config))
    assert conv.accusation == "112" and conv.threat == "138"
    assert "say" in conv.speech_verbs and "19" in conv.report_roots
    assert conv.counterparts == {"043": "042"}
    assert conv.needs_actor and conv.modalities == {Modality.ASSERTED, Modality.FUTURE}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('accusation: "112"', 'accusation: "999"', "unknown CAMEO code"),
        ('threat: "138"', 'threat: "015"', "has no PLOVER type"),
        ('roots: ["18", "19", "20"]', 'roots: ["1"]', "unknown CAMEO root"),
        ("modalities: [asserted, future]", "modalities: [asserted, likely]", "unknown modality"),
    ],
)
def test_a_bad_conventions_file_is_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    shipped = data_path(Config(), "coding/conventions.yaml")
    text = shipped.read_text("utf-8")
    assert old in text
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "conventions.yaml").write_text(text.replace(old, new), "utf-8")
    config = Config(data_dir=tmp_path, conventions="cameo")
    with pytest.raises(DataSchemaError, match=message):
        load_conventions(config, load_ontology(config))


def test_unknown_conventions_are_an_error() -> None:
    with pytest.raises(ValueError, match="unknown conventions"):
        DocumentCoder(Config(conventions="tabari"))


def test_plover_coding_never_reads_the_file(tmp_path: Path) -> None:
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "conventions.yaml").write_text("version: 1\nintent: [", "utf-8")
    assert DocumentCoder(Config(data_dir=tmp_path)).conventions is None
