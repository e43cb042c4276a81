"""Watchlist files: a case table of rules and the errors bad ones give, the example file, and the
monitoring defaults (data/monitor/detectors.yaml) with their schema check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flashpoint.errors import FlashpointError
from flashpoint.monitor import load_watchlists, parse_watchlists
from flashpoint.monitor.settings import load_settings
from flashpoint.pipeline import Config

ROOT = Path(__file__).resolve().parent.parent
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "monitor_watchlists.yaml").read_text())


def _id(case: dict[str, Any]) -> str:
    rule = case.get("rule") or {}
    return str(rule.get("name", "file")) + ("-error" if "error" in case else "")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_watchlist_cases(case: dict[str, Any]) -> None:
    raw = case.get("file", {"version": 1, "rules": [case.get("rule")]})
    if "error" in case:
        with pytest.raises(FlashpointError, match="FP-E060") as info:
            parse_watchlists(raw)
        assert case["error"] in str(info.value)
        return
    watch = parse_watchlists(raw)
    if case.get("disabled"):
        assert watch.rules == ()
        return
    (rule,) = watch.rules
    for attr in ("level", "key", "filters"):
        if attr in case:
            assert getattr(rule, attr) == case[attr], attr
    if "event_types" in case:
        assert list(rule.event_types) == case["event_types"]
    for key, value in case.get("params", {}).items():
        assert rule.params[key] == value, key


def test_rules_get_the_detector_defaults() -> None:
    (rule,) = parse_watchlists({"rules": [{"name": "e", "detector": "escalation"}]}).rules
    defaults = load_settings().detectors["escalation"]
    assert rule.params == defaults and rule.key is None and rule.level == "dyad"


def test_the_example_watchlists_load(tmp_path: Path) -> None:
    watch = load_watchlists(ROOT / "examples" / "watchlists.yaml")
    assert {r.detector for r in watch.rules} == {
        "escalation", "conflict_share", "match", "new_dyad", "new_actor", "sequence",
    }  # fmt: skip
    assert watch.sinks == ({"type": "terminal"},)


def test_a_broken_yaml_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [unclosed\n")
    with pytest.raises(FlashpointError, match="FP-E060") as info:
        load_watchlists(path)
    assert "bad.yaml" in str(info.value)


def test_the_shipped_monitor_defaults_pass_their_check() -> None:
    settings = load_settings()
    assert settings.series.modalities == ("asserted",)
    assert settings.series.conflict_quads == (3, 4)
    assert set(settings.detectors) == {
        "escalation", "conflict_share", "match", "new_dyad", "new_actor", "sequence",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nescalation: {threshold: high}\n", "escalation.threshold must be a float"),
        ("version: 1\nescalation: {window: 3}\n", "unknown key 'window'"),
        ("version: 1\nalarm: {}\n", "unknown keys: alarm"),
        ("version: 1\nseries: {modalities: [maybe]}\n", "series.modalities"),
        ("version: 1\nseries: {modalities: [asserted], conflict_quads: [5]}\n", "quad classes"),
        (
            "version: 1\nsequence:\n  sequences: [{name: a, steps: [THREATEN, BOMB], "
            "within_days: 2}]\n",
            "two or more PLOVER types",
        ),
    ],
)
def test_a_broken_override_of_the_defaults_is_fp_e020(
    tmp_path: Path, text: str, message: str
) -> None:
    folder = tmp_path / "monitor"
    folder.mkdir()
    (folder / "detectors.yaml").write_text(text)
    with pytest.raises(FlashpointError, match="FP-E020") as info:
        load_settings(Config(data_dir=tmp_path))
    assert message in str(info.value)


def test_an_override_changes_only_what_it_names(tmp_path: Path) -> None:
    folder = tmp_path / "monitor"
    folder.mkdir()
    (folder / "detectors.yaml").write_text(
        "version: 1\nseries: {modalities: [asserted, future]}\nescalation: {threshold: 5.0}\n"
    )
    settings = load_settings(Config(data_dir=tmp_path))
    assert settings.detectors["escalation"]["threshold"] == 5.0
    assert settings.detectors["escalation"]["window_days"] == 3
    assert settings.series.modalities == ("asserted", "future")
