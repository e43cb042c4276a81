"""The dedup settings: `data/dedup/dedup.yaml`, checked, with overrides from `Config.options`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path

RELATIVE = "dedup/dedup.yaml"
PRECISIONS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class StoryConfig:
    shingle_words: int = 5
    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.5


@dataclass(frozen=True, eq=False)
class Signing:
    """What making an article's MinHash signature needs (`stories.sign`), as plain arrays:
    the writer builds it with datasketch and hands it to the workers with their batches, so
    they sign the articles they code without loading datasketch. Lives in this module, which
    is never compiled: a mypyc-compiled class cannot be unpickled."""

    shingle_words: int
    a: Any  # numpy arrays of the permutations h -> a * h + b, and the values of no shingle
    b: Any
    empty: Any


@dataclass(frozen=True)
class EventConfig:
    compatible_types: tuple[tuple[str, ...], ...] = ()
    symmetric_types: tuple[str, ...] = ()
    participant_key: str = "country"
    same_modality: bool = True
    date_slack_days: tuple[tuple[str, int], ...] = (("day", 1), ("week", 1), ("month", 0))
    published_before: int = 2
    published_after: int = 0
    max_km: float = 50.0
    same_place_country: bool = True
    city_precisions: tuple[str, ...] = ("city", "landmark")
    repeat_blocks: tuple[str, ...] = ("caption",)

    def slack(self, precision: str | None) -> int:
        return dict(self.date_slack_days).get(precision or "day", 0)

    def type_group(self, event_type: str) -> str:
        for group in self.compatible_types:
            if event_type in group:
                return "+".join(sorted(group))
        return event_type


@dataclass(frozen=True)
class DedupConfig:
    component: str
    stories: StoryConfig
    events: EventConfig

    def fingerprint(self) -> str:
        """A short hash of every setting: stored state made under other settings is rebuilt."""
        blob = json.dumps(asdict(self), sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) and s for s in v)


def load_dedup_config(config: Config) -> DedupConfig:
    """Load and check the dedup YAML (FP-E020 names the key that is wrong)."""
    path = data_path(config, RELATIVE)
    raw = load_yaml(path)
    require(isinstance(raw, dict), path, "top level must be a mapping")
    override = config.options.get("dedup") or {}
    require(isinstance(override, dict), "Config.options['dedup']", "must be a mapping")
    data = _merge(raw, override)
    where = f"{path}" + (" (with Config.options['dedup'])" if override else "")
    require(_int(data.get("version")), where, "'version' must be a whole number")
    unknown = set(data) - {"version", "component", "stories", "events"}
    require(not unknown, where, f"unknown keys: {', '.join(sorted(unknown))}")
    component = data.get("component", "minhash")
    require(isinstance(component, str) and bool(component), where, "'component' must be a name")

    s = data.get("stories") or {}
    require(isinstance(s, dict), where, "'stories' must be a mapping")
    unknown = set(s) - {"shingle_words", "num_perm", "seed", "threshold"}
    require(not unknown, where, f"stories: unknown keys: {', '.join(sorted(unknown))}")
    stories = StoryConfig(**s)
    require(
        _int(stories.shingle_words) and stories.shingle_words >= 1,
        where,
        "stories.shingle_words must be a whole number >= 1",
    )
    require(
        _int(stories.num_perm) and 16 <= stories.num_perm <= 1024,
        where,
        "stories.num_perm must be a whole number from 16 to 1024",
    )
    require(_int(stories.seed), where, "stories.seed must be a whole number")
    require(
        isinstance(stories.threshold, int | float) and 0 < stories.threshold < 1,
        where,
        "stories.threshold must be between 0 and 1",
    )

    e = data.get("events") or {}
    require(isinstance(e, dict), where, "'events' must be a mapping")
    known = {
        "compatible_types", "symmetric_types", "participant_key", "same_modality",
        "date_slack_days", "published_window", "max_km", "same_place_country",
        "city_precisions", "repeat_blocks",
    }  # fmt: skip
    unknown = set(e) - known
    require(not unknown, where, f"events: unknown keys: {', '.join(sorted(unknown))}")
    groups = e.get("compatible_types", [])
    require(
        isinstance(groups, list) and all(_strings(g) and len(g) >= 2 for g in groups),
        where,
        "events.compatible_types must be a list of lists of two or more type names",
    )
    seen = [t for g in groups for t in g]
    require(
        len(seen) == len(set(seen)),
        where,
        "events.compatible_types: a type may be in one group only",
    )
    sym = e.get("symmetric_types", [])
    require(_strings(sym), where, "events.symmetric_types must be a list of type names")
    pkey = e.get("participant_key", "country")
    require(pkey in ("country", "code"), where, "events.participant_key must be country or code")
    slack = e.get("date_slack_days", {})
    require(
        isinstance(slack, dict)
        and set(slack) <= set(PRECISIONS)
        and all(_int(v) for v in slack.values()),
        where,
        f"events.date_slack_days must map {', '.join(PRECISIONS)} to whole days >= 0",
    )
    window = e.get("published_window", {"before": 2, "after": 0})
    require(
        isinstance(window, dict)
        and set(window) <= {"before", "after"}
        and all(_int(v) for v in window.values()),
        where,
        "events.published_window must be {before: days, after: days}",
    )
    max_km = e.get("max_km", 50)
    require(
        isinstance(max_km, int | float) and not isinstance(max_km, bool) and max_km >= 0,
        where,
        "events.max_km must be a number >= 0",
    )
    for key in ("city_precisions", "repeat_blocks"):
        require(_strings(e.get(key, [])), where, f"events.{key} must be a list of names")
    for key in ("same_modality", "same_place_country"):
        require(isinstance(e.get(key, True), bool), where, f"events.{key} must be true or false")
    _check_types(config, where, seen + list(sym))
    events = EventConfig(
        compatible_types=tuple(tuple(g) for g in groups),
        symmetric_types=tuple(sym),
        participant_key=pkey,
        same_modality=e.get("same_modality", True),
        date_slack_days=tuple(sorted(slack.items())),
        published_before=window.get("before", 2),
        published_after=window.get("after", 0),
        max_km=float(max_km),
        same_place_country=e.get("same_place_country", True),
        city_precisions=tuple(e.get("city_precisions", ["city", "landmark"])),
        repeat_blocks=tuple(e.get("repeat_blocks", ["caption"])),
    )
    return DedupConfig(component=component, stories=stories, events=events)


def _check_types(config: Config, where: str, names: list[str]) -> None:
    if not names:
        return
    from ..coding.ontology import load_ontology

    known = set(load_ontology(config).event_types)
    bad = sorted(set(names) - known)
    require(not bad, where, f"unknown event types: {', '.join(bad)}")
