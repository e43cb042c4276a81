"""Monitoring defaults: `data/monitor/detectors.yaml`, checked.

The shipped file is also the schema: every detector key has a default there, and a value given
elsewhere (a `--data-dir` copy, a watchlist rule) must have the same kind of value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path

RELATIVE = "monitor/detectors.yaml"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / RELATIVE
DETECTORS = ("escalation", "conflict_share", "match", "new_dyad", "new_actor", "sequence")
SERIES_KEYS = ("modalities", "conflict_quads", "cooperation_quads", "plover_scores")
MEASURES = ("conflict", "events")


@dataclass(frozen=True)
class SeriesSettings:
    modalities: tuple[str, ...]
    conflict_quads: tuple[int, ...]
    cooperation_quads: tuple[int, ...]
    plover_scores: tuple[tuple[int, float], ...]

    def fingerprint(self) -> str:
        """Stored series counted under other settings are rebuilt."""
        blob = json.dumps(
            [self.modalities, self.conflict_quads, self.cooperation_quads, self.plover_scores]
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class MonitorSettings:
    series: SeriesSettings
    detectors: dict[str, dict[str, Any]]  # detector -> its default parameters

    def params(self, detector: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        return {**self.detectors[detector], **(overrides or {})}


def _kind_ok(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, list):
        return isinstance(value, list)
    return isinstance(value, type(default))


def check_params(detector: str, params: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Problems of detector parameters against the shipped defaults (empty when fine)."""
    problems = []
    for key, value in params.items():
        if key not in schema:
            problems.append(f"{detector}: unknown key {key!r}")
        elif not _kind_ok(schema[key], value):
            kind = type(schema[key]).__name__
            problems.append(f"{detector}.{key} must be a {kind}, not {value!r}")
        elif isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problems.append(f"{detector}.{key} must not be negative")
    measure = params.get("measure")
    if measure is not None and measure not in MEASURES:
        problems.append(f"{detector}.measure must be one of {', '.join(MEASURES)}")
    return problems


def _shipped_schema() -> dict[str, dict[str, Any]]:
    raw = load_yaml(SHIPPED)
    return {d: dict(raw[d]) for d in DETECTORS}


def _series(raw: Any, where: Path) -> SeriesSettings:
    require(isinstance(raw, dict), where, "'series' must be a mapping")
    unknown = set(raw) - set(SERIES_KEYS)
    require(not unknown, where, f"series: unknown keys {sorted(unknown)}")
    quads = {1, 2, 3, 4}
    for key in ("conflict_quads", "cooperation_quads"):
        require(set(raw.get(key) or []) <= quads, where, f"series.{key}: quad classes are 1-4")
    scores = raw.get("plover_scores") or {}
    require(
        isinstance(scores, dict)
        and set(scores) <= quads
        and all(isinstance(v, int | float) for v in scores.values()),
        where,
        "series.plover_scores maps quad classes 1-4 to numbers",
    )
    mods = raw.get("modalities") or []
    known = {"asserted", "negated", "hypothetical", "future"}
    require(bool(mods) and set(mods) <= known, where, f"series.modalities: one or more of {known}")
    return SeriesSettings(
        modalities=tuple(mods),
        conflict_quads=tuple(sorted(raw.get("conflict_quads") or [])),
        cooperation_quads=tuple(sorted(raw.get("cooperation_quads") or [])),
        plover_scores=tuple(sorted((int(k), float(v)) for k, v in scores.items())),
    )


def sequence_problems(defs: Any) -> list[str]:
    """Problems of sequence definitions: name, two or more PLOVER types, within_days."""
    from ..coding.ontology import load_ontology

    if not isinstance(defs, list):
        return ["sequence.sequences must be a list"]
    known, names, problems = load_ontology().event_types, set(), []
    for item in defs:
        if not isinstance(item, dict) or set(item) != {"name", "steps", "within_days"}:
            problems.append(f"sequence {item!r}: needs exactly name, steps, within_days")
            continue
        name, steps, within = item["name"], item["steps"], item["within_days"]
        if name in names:
            problems.append(f"sequence {name!r} defined twice")
        names.add(name)
        if not isinstance(steps, list) or len(steps) < 2 or any(s not in known for s in steps):
            problems.append(f"sequence {name!r}: steps must be two or more PLOVER types")
        if not isinstance(within, int) or isinstance(within, bool) or within < 1:
            problems.append(f"sequence {name!r}: within_days must be a whole number >= 1")
    return problems


def load_settings(config: Config | None = None) -> MonitorSettings:
    """Load and check the monitoring defaults (FP-E020 names what is wrong)."""
    path = data_path(config or Config(), RELATIVE)
    raw = load_yaml(path)
    require(isinstance(raw, dict), path, "top level must be a mapping")
    require(isinstance(raw.get("version"), int), path, "'version' must be a whole number")
    unknown = set(raw) - {"version", "series", *DETECTORS}
    require(not unknown, path, f"unknown keys: {', '.join(sorted(unknown))}")
    schema = _shipped_schema()
    detectors: dict[str, dict[str, Any]] = {}
    for name in DETECTORS:
        section = raw.get(name) or {}
        require(isinstance(section, dict), path, f"'{name}' must be a mapping")
        problems = check_params(name, section, schema[name])
        require(not problems, path, "; ".join(problems))
        detectors[name] = {**schema[name], **section}
    problems = sequence_problems(detectors["sequence"]["sequences"])
    require(not problems, path, "; ".join(problems))
    series = raw.get("series") or {}
    require(isinstance(series, dict), path, "'series' must be a mapping")
    shipped = load_yaml(SHIPPED)["series"]
    return MonitorSettings(series=_series({**shipped, **series}, path), detectors=detectors)
