"""Watchlists: rules over the event store, and the sinks their alerts go to (YAML, FP-E060).

```yaml
version: 1
sinks: [{type: terminal}, {type: jsonl, path: alerts.jsonl}]
rules:
  - name: iran-us-escalation
    detector: escalation    # or conflict_share, match, new_dyad, new_actor, sequence
    dyad: IRN>USA           # or actor + recipient, country, sector (REB>MIL), type, or
    event_types: [THREATEN, ASSAULT]  # level: dyad alone for every dyad
    measure: events
    threshold: 3.0                # any detector key of data/monitor/detectors.yaml
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import E_WATCHLIST, FlashpointError
from ..knowledge import load_yaml
from .series import LEVELS
from .settings import (
    DETECTORS,
    MonitorSettings,
    check_params,
    load_settings,
    sequence_problems,
)

SERIES_DETECTORS = ("escalation", "conflict_share")
SCOPE_KEYS = ("level", "key", "dyad", "country", "sector", "type")
FILTER_KEYS = (
    "actor", "recipient", "actor_sector", "recipient_sector", "actor_sponsor", "location",
    "quad_classes",
)  # fmt: skip
COMMON_KEYS = ("name", "detector", "description", "enabled", "event_types")
_CODE = re.compile(r"^[A-Z0-9]{2,12}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Rule:
    name: str
    detector: str
    description: str = ""
    level: str = "dyad"
    key: str | None = None  # None: every key of the level
    event_types: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)  # match: actor, recipient, location...
    params: dict[str, Any] = field(default_factory=dict)  # detector defaults with overrides

    def param(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True)
class Watchlists:
    rules: tuple[Rule, ...]
    sinks: tuple[dict[str, Any], ...] = ()
    path: str = ""

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)


def _fail(where: str, message: str) -> FlashpointError:
    return FlashpointError(E_WATCHLIST, f"{where}: {message}")


def load_watchlists(path: Path, settings: MonitorSettings | None = None) -> Watchlists:
    """Read and check a watchlist file; FP-E060 names the file, the rule and the key."""
    path = Path(path)
    try:
        raw = load_yaml(path)
    except FlashpointError as exc:
        raise _fail(str(path), exc.detail) from exc
    return parse_watchlists(raw, str(path), settings)


def parse_watchlists(
    raw: Any, where: str = "<watchlists>", settings: MonitorSettings | None = None
) -> Watchlists:
    if isinstance(raw, str):  # YAML text
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise _fail(where, f"not valid YAML: {exc}") from exc
    settings = settings or load_settings()
    if not isinstance(raw, dict):
        raise _fail(where, "top level must be a mapping with 'rules'")
    unknown = set(raw) - {"version", "rules", "sinks"}
    if unknown:
        raise _fail(where, f"unknown keys: {', '.join(sorted(unknown))}")
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise _fail(where, "'rules' must be a non-empty list")
    sinks = raw.get("sinks") or []
    if not isinstance(sinks, list) or not all(
        isinstance(s, dict) and isinstance(s.get("type"), str) for s in sinks
    ):
        raise _fail(where, "'sinks' must be a list of mappings, each with a 'type'")
    rules: list[Rule] = []
    for i, item in enumerate(rules_raw):
        rule = _rule(item, f"{where}: rules[{i}]", settings)
        if any(r.name == rule.name for r in rules):
            raise _fail(where, f"rule name {rule.name!r} is used twice")
        if rule is not None and (item.get("enabled", True) is not False):
            rules.append(rule)
    return Watchlists(rules=tuple(rules), sinks=tuple(dict(s) for s in sinks), path=where)


def _event_types(value: Any, where: str) -> tuple[str, ...]:
    from ..coding.ontology import load_ontology

    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail(where, "event_types must be a list of PLOVER types")
    known = load_ontology().event_types
    types = tuple(v.upper() for v in values)
    bad = [t for t in types if t not in known]
    if bad:
        raise _fail(where, f"unknown event types {bad}; known: {', '.join(sorted(known))}")
    return types


def _scope(item: dict[str, Any], where: str) -> tuple[str, str | None]:
    """(level, key) of a series rule: `dyad`, `country`, `sector`, `type`, or `level` [+ `key`]."""
    given: list[str] = [k for k in ("dyad", "country", "sector", "type") if k in item]
    if "actor" in item or "recipient" in item:
        if not ("actor" in item and "recipient" in item) or given:
            raise _fail(where, "a series rule names actor and recipient together, or one scope")
        given = ["dyad"]
        item = {**item, "dyad": f"{item['actor']}>{item['recipient']}"}
    if len(given) > 1 or (given and ("level" in item or "key" in item)):
        raise _fail(where, "give one of dyad, country, sector, type, or level (+ key)")
    key: str | None
    level: str
    if given:
        level, key = given[0], str(item[given[0]]).upper().replace("->", ">")
    else:
        level, raw_key = str(item.get("level", "dyad")), item.get("key")
        key = str(raw_key).upper().replace("->", ">") if raw_key is not None else None
    if level not in LEVELS:
        raise _fail(where, f"level must be one of {', '.join(LEVELS)}")
    if key is not None and level in ("dyad", "sector") and key.count(">") != 1:
        raise _fail(where, f"a {level} key is written A>B, not {key!r}")
    return level, key


def _filters(item: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FILTER_KEYS:
        if name not in item:
            continue
        value = item[name]
        if name == "quad_classes":
            ok = isinstance(value, list) and all(v in (1, 2, 3, 4) for v in value)
            if not ok:
                raise _fail(where, "quad_classes must be a list of 1-4")
            out[name] = tuple(value)
            continue
        if not isinstance(value, str) or not _CODE.match(value.upper()):
            raise _fail(where, f"{name} must be a code like IRN, IRQREB or REB, not {value!r}")
        out[name] = value.upper()
    return out


def _rule(item: Any, where: str, settings: MonitorSettings) -> Rule:
    if not isinstance(item, dict):
        raise _fail(where, "a rule must be a mapping")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(where, "each rule needs a 'name' (letters, digits, '-', '_', '.')")
    where = f"{where} ({name})"
    detector = item.get("detector")
    if detector not in DETECTORS:
        raise _fail(where, f"detector must be one of {', '.join(DETECTORS)}")
    scope_keys = SCOPE_KEYS if detector in SERIES_DETECTORS else ()
    filter_keys = FILTER_KEYS if detector == "match" else ()
    if detector in SERIES_DETECTORS:
        scope_keys = (*scope_keys, "actor", "recipient")
    schema = settings.detectors[detector]
    extra = {
        k: v
        for k, v in item.items()
        if k not in COMMON_KEYS and k not in scope_keys and k not in filter_keys
    }
    problems = check_params(detector, extra, schema)
    if detector == "sequence" and "sequences" in extra:
        problems += sequence_problems(extra["sequences"])
    if problems:
        raise _fail(where, "; ".join(problems))
    level, key = _scope(item, where) if detector in SERIES_DETECTORS else ("dyad", None)
    return Rule(
        name=name,
        detector=detector,
        description=str(item.get("description") or ""),
        level=level,
        key=key,
        event_types=_event_types(item.get("event_types"), where),
        filters=_filters(item, where) if detector == "match" else {},
        params=settings.params(detector, extra),
    )
