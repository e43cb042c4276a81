"""`flashpoint eval`: code every gold sentence and score what came out."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..coding.ontology import load_ontology
from ..model import Event, Modality
from ..pipeline import Config
from .gold import GoldItem, detect_format, read_gold
from .score import CameoRootScores, EventScores, GoldCoder, QuadScores, RoleScores


def main_event(events: list[Event]) -> Event | None:
    """The sentence's main event: the first one that is not negated."""
    kept = [e for e in events if e.modality != Modality.NEGATED]
    return min(kept, key=lambda e: e.trigger_span.start, default=None)


def where_when_format(path: Path) -> str | None:
    """ "places" or "dates" when the gold file's name says so (tests/gold/places.jsonl)."""
    name = path.name.lower()
    if name.endswith((".jsonl", ".json")):
        for fmt in ("places", "dates"):
            if fmt in name:
                return fmt
    return None


def conventions_for(fmt: str, conventions: str | None) -> str:
    """`auto` (None): PETRARCH gold is CAMEO-coded, so it is scored under CAMEO conventions;
    every other gold file under PLOVER's."""
    return conventions or ("cameo" if fmt == "petrarch" else "plover")


def evaluate(
    path: Path,
    fmt: str | None = None,
    config: Config | None = None,
    limit: int | None = None,
    conventions: str | None = None,
) -> dict[str, Any]:
    fmt = fmt or where_when_format(path) or detect_format(path)
    config = replace(config or Config(), conventions=conventions_for(fmt, conventions))
    if fmt == "places":
        from .places import evaluate_places

        return evaluate_places(path, config, limit)
    if fmt == "dates":
        from .dates import evaluate_dates

        return evaluate_dates(path, config, limit)
    coder = GoldCoder(config)
    ontology = load_ontology(config)
    items: list[GoldItem] = list(read_gold(path, fmt))[:limit]
    started = time.perf_counter()
    events, quad, roles, roots = EventScores(), QuadScores(), RoleScores(), CameoRootScores()
    for item in items:
        predicted = coder(item)
        if fmt == "jsonl":
            events.add(item.events, predicted)
        elif fmt == "petrarch":
            asserted = [e for e in predicted if e.modality != Modality.NEGATED]
            events.add(item.events, asserted)
            roots.add(item.events, asserted)
        elif fmt == "quad" and item.quad is not None:
            main = main_event(predicted)
            quad.add(item.quad, ontology.quad_class(main.cameo) if main else 0)
        elif fmt == "conll":
            roles.add(item.roles, predicted)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "gold": str(path),
        "format": fmt,
        "sentences": len(items),
        "seconds": round(seconds, 2),
    }
    if fmt in ("jsonl", "petrarch"):
        report["events"] = events.as_dict()
    if fmt == "petrarch":
        report["conventions"] = config.conventions
        report["cameo_root"] = roots.as_dict()
        other = "plover" if config.conventions == "cameo" else "cameo"
        report[f"cameo_root_{other}"] = cameo_roots(items, replace(config, conventions=other))
    if fmt == "quad":
        report["quad"] = quad.as_dict()
    if fmt == "conll":
        report["roles"] = roles.as_dict()
    return report


def cameo_roots(items: list[GoldItem], config: Config) -> dict[str, Any]:
    """CAMEO root scores of `items` coded with `config` (the other conventions, for comparison)."""
    coder, roots = GoldCoder(config), CameoRootScores()
    for item in items:
        roots.add(item.events, [e for e in coder(item) if e.modality != Modality.NEGATED])
    return roots.as_dict()
