"""The shipped ontology files load, validate and answer lookups; broken overrides fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flashpoint.coding.ontology import CameoCode, EventType, Ontology, load_ontology
from flashpoint.errors import DataSchemaError
from flashpoint.pipeline import Config

PLOVER_TYPES = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}  # fmt: skip
# The PLOVER codebook defines modes for these types only; the other five take none.
TYPES_WITH_MODES = PLOVER_TYPES - {"AGREE", "SUPPORT", "CONCEDE", "COOPERATE", "AID"}
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "flashpoint" / "data" / "ontology"


@pytest.fixture(scope="module")
def ont() -> Ontology:
    return load_ontology()


def test_shipped_files_load_and_validate(ont: Ontology) -> None:
    assert isinstance(ont, Ontology)
    assert len(ont.contexts) == 37
    assert len(ont.cameo) >= 300
    assert all(isinstance(c, CameoCode) for c in ont.cameo.values())
    assert all(isinstance(t, EventType) for t in ont.event_types.values())


def test_loader_is_cached(ont: Ontology) -> None:
    assert load_ontology() is ont
    assert load_ontology(Config()) is ont


def test_all_sixteen_types(ont: Ontology) -> None:
    assert set(ont.event_types) == PLOVER_TYPES


def test_types_with_modes_have_modes(ont: Ontology) -> None:
    for name in TYPES_WITH_MODES:
        assert len(ont.event_types[name].modes) >= 1, name
    for name in PLOVER_TYPES - TYPES_WITH_MODES:
        assert ont.event_types[name].modes == ()
    assert "aerial" in ont.event_types["ASSAULT"].modes
    assert "visit" in ont.event_types["CONSULT"].modes


def test_type_quad_classes(ont: Ontology) -> None:
    quads = {name: t.quad_class for name, t in ont.event_types.items()}
    assert quads["CONSULT"] == 1 and quads["AGREE"] == 1
    assert quads["AID"] == 2 and quads["RETREAT"] == 2
    assert quads["ACCUSE"] == 3 and quads["THREATEN"] == 3
    assert quads["ASSAULT"] == 4 and quads["PROTEST"] == 4


def test_codes_are_strings_with_leading_zeros(ont: Ontology) -> None:
    assert "01" in ont.cameo and "0211" in ont.cameo and "20" in ont.cameo
    assert all(code.isdigit() and 2 <= len(code) <= 4 for code in ont.cameo)
    roots = {code for code in ont.cameo if len(code) == 2}
    assert roots == {f"{i:02d}" for i in range(1, 21)}


def test_parent_fallback(ont: Ontology) -> None:
    assert ont.cameo_code("1951").code == "195"
    assert ont.cameo_code("1999").code == "19"
    assert ont.cameo_code("195").code == "195"
    assert ont.goldstein("1951") == ont.goldstein("195") == -10.0
    assert ont.root("1951") == "19"
    assert ont.root("0211") == "02"
    with pytest.raises(KeyError):
        ont.cameo_code("99")
    with pytest.raises(KeyError):
        ont.cameo_code("abc")


@pytest.mark.parametrize(
    "code", ["19", "190", "193", "194", "195", "196", "18", "186", "20", "204"]
)
def test_fight_and_assault_codes_map_to_assault(ont: Ontology, code: str) -> None:
    mapped = ont.to_plover(code)
    assert mapped is not None
    assert mapped[0] == "ASSAULT"


def test_to_plover_details(ont: Ontology) -> None:
    assert ont.to_plover("195") == ("ASSAULT", "aerial", ("military",))
    assert ont.to_plover("042") == ("CONSULT", "visit", ())
    assert ont.to_plover("0841") == ("RETREAT", "release", ("legal",))
    assert ont.to_plover("173") == ("COERCE", "arrest", ("legal",))
    support = ont.to_plover("057")
    assert support is not None and support[0] == "SUPPORT"
    # CAMEO 01 and 02 (statements, appeals) have no PLOVER equivalent.
    assert ont.to_plover("010") is None
    assert ont.to_plover("0233") is None


def test_quad_classes_follow_root(ont: Ontology) -> None:
    assert ont.quad_class("010") == 0  # neutral statement
    assert ont.quad_class("036") == 1
    assert ont.quad_class("073") == 2
    assert ont.quad_class("112") == 3
    assert ont.quad_class("1621") == 3  # reduce relations is verbal conflict in the quad table
    assert ont.quad_class("145") == 4
    assert ont.quad_class("190") == 4


def test_every_mapping_is_consistent(ont: Ontology) -> None:
    for entry in ont.cameo.values():
        assert -10.0 <= entry.goldstein <= 10.0
        if entry.plover_type is not None:
            ont.validate_mode(entry.plover_type, entry.plover_mode)
            assert set(entry.plover_context) <= ont.contexts


def test_validate_mode(ont: Ontology) -> None:
    ont.validate_mode("ASSAULT", "aerial")
    ont.validate_mode("AGREE", None)
    assert ont.has_mode("PROTEST", "riot")
    assert not ont.has_mode("PROTEST", "aerial")
    with pytest.raises(ValueError, match="aerial"):
        ont.validate_mode("PROTEST", "aerial")
    with pytest.raises(ValueError, match="FIGHT"):
        ont.validate_mode("FIGHT", None)


# --- broken overrides ---------------------------------------------------------------------------


def _shipped(name: str) -> dict:
    with open(SHIPPED / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    folder = tmp_path / "ontology"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _find(data: dict, code: str) -> dict:
    return next(item for item in data["codes"] if item["code"] == code)


def _assert_schema_error(tmp_path: Path, name: str, fragment: str) -> None:
    with pytest.raises(DataSchemaError) as info:
        load_ontology(Config(data_dir=tmp_path))
    message = str(info.value)
    assert message.startswith("FP-E020")
    assert info.value.code.code == "FP-E020"
    assert name in message
    assert fragment in message


def test_override_is_used(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "195")["goldstein"] = -9.5
    _write(tmp_path, "cameo.yaml", data)
    ont = load_ontology(Config(data_dir=tmp_path))
    assert ont.goldstein("195") == -9.5
    assert load_ontology().goldstein("195") == -10.0


def test_unknown_type_in_mapping(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "190")["plover"]["type"] = "FIGHT"
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "FIGHT")


def test_mode_not_listed_for_type(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "042")["plover"]["mode"] = "aerial"
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "aerial")


def test_unknown_context(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "190")["plover"]["context"] = ["space"]
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "space")


def test_duplicate_code(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    data["codes"].append(dict(_find(data, "190")))
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "duplicate code 190")


def test_goldstein_out_of_range(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "190")["goldstein"] = -12.0
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "goldstein")


def test_unquoted_code(tmp_path: Path) -> None:
    data = _shipped("cameo.yaml")
    _find(data, "190")["code"] = 190
    _write(tmp_path, "cameo.yaml", data)
    _assert_schema_error(tmp_path, "cameo.yaml", "quoted string")


def test_type_quad_out_of_range(tmp_path: Path) -> None:
    data = _shipped("plover.yaml")
    data["event_types"][0]["quad_class"] = 7
    _write(tmp_path, "plover.yaml", data)
    _assert_schema_error(tmp_path, "plover.yaml", "quad_class")


def test_removed_mode_breaks_mapping(tmp_path: Path) -> None:
    data = _shipped("plover.yaml")
    assault = next(t for t in data["event_types"] if t["name"] == "ASSAULT")
    assault["modes"] = [m for m in assault["modes"] if m["name"] != "aerial"]
    _write(tmp_path, "plover.yaml", data)
    # The shipped cameo.yaml maps 195 to ASSAULT/aerial; that now fails, naming cameo.yaml.
    _assert_schema_error(tmp_path, "cameo.yaml", "aerial")


def test_not_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "ontology"
    folder.mkdir()
    (folder / "plover.yaml").write_text("event_types: [unclosed\n", encoding="utf-8")
    _assert_schema_error(tmp_path, "plover.yaml", "YAML")
