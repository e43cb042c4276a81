"""The pattern file: verb and noun phrases that trigger PLOVER events, checked by the ontology."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path
from ..text.tokens import tokenize
from .ontology import Ontology, load_ontology

GAP = "*"  # 0 to MAX_GAP words
SOME_GAP = "+"  # 1 to MAX_GAP words: "want + to" holds a party ("wants Moscow to")
GAPS = {GAP: 0, SOME_GAP: 1}  # the fewest words each gap stands for
MAX_GAP = 6
NOT_EVENT = ""


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    event_type: str
    mode: str | None
    context: tuple[str, ...]
    cameo: str
    kind: str  # verb | noun
    elements: tuple[str, ...]  # lowercase words and "*" / "+" gaps
    recipient_preps: frozenset[str]
    locative_recipient: bool
    actor_sectors: frozenset[str]
    window: int
    needs_recipient: bool = False
    object_only: bool = False

    @property
    def blocks_only(self) -> bool:
        """A not-event phrase: it wins its words and yields nothing."""
        return self.event_type == NOT_EVENT

    @property
    def specificity(self) -> int:
        return sum(1 for e in self.elements if e not in GAPS)

    @property
    def phrase(self) -> str:
        return " ".join(self.elements)

    def recoded(
        self, event_type: str, mode: str | None, context: tuple[str, ...], cameo: str, tag: str
    ) -> Pattern:
        """This phrase read as another code (a convention or a rule); `tag` marks the id."""
        return replace(
            self,
            event_type=event_type,
            mode=mode,
            context=context,
            cameo=cameo,
            id=f"{self.id}+{tag}",
        )


@dataclass(frozen=True)
class PatternSet:
    patterns: tuple[Pattern, ...]
    by_first: dict[str, tuple[Pattern, ...]]  # first word -> patterns starting with it
    version: str
    _starting: dict[frozenset[str], tuple[tuple[Pattern, frozenset[str]], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # every word a pattern starts with: a token whose forms miss it starts none (one C test)
    first_words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_words", frozenset(self.by_first))

    def starting_with(self, forms: frozenset[str]) -> tuple[tuple[Pattern, frozenset[str]], ...]:
        """Patterns whose first word is one of a token's `forms`, each once, with the words
        the rest of the phrase needs; cached per set of forms, as the coder asks per token."""
        found = self._starting.get(forms)
        if found is None:
            unique = {id(p): p for f in sorted(forms) for p in self.by_first.get(f, ())}
            found = self._starting[forms] = tuple(
                (p, frozenset(e for e in p.elements[1:] if e not in GAPS)) for p in unique.values()
            )
        return found


def gaps_inside(elements: tuple[str, ...]) -> bool:
    """A phrase neither starts nor ends with a gap (patterns and modality cues alike)."""
    return bool(elements) and elements[0] not in GAPS and elements[-1] not in GAPS


def _elements(phrase: str) -> tuple[str, ...]:
    return tuple(t.text if t.text in GAPS else t.lower for t in tokenize(phrase))


def _patterns_of(
    row: dict[str, Any], defaults: dict[str, Any], path: Path, ontology: Ontology
) -> list[Pattern]:
    pid = row.get("id", "?")
    etype = str(row.get("type"))
    require(etype in ontology.event_types, path, f"{pid}: unknown event type {etype!r}")
    mode = row.get("mode")
    require(ontology.has_mode(etype, mode), path, f"{pid}: mode {mode!r} is not a mode of {etype}")
    cameo = str(row.get("cameo", ""))
    try:
        ontology.cameo_code(cameo)
    except KeyError:
        require(False, path, f"{pid}: unknown CAMEO code {cameo!r}")
    context = tuple(row.get("context") or ())
    for c in context:
        require(c in ontology.contexts, path, f"{pid}: unknown context {c!r}")
    shared = [] if row.get("object_only") else defaults.get("recipient_preps", [])
    preps = frozenset(shared) | frozenset(row.get("recipient_preps") or [])
    out = []
    for kind in ("verbs", "nouns"):
        for phrase in row.get(kind) or []:
            elements = _elements(phrase)
            require(gaps_inside(elements), path, f"{pid}: bad phrase {phrase!r}")
            out.append(
                Pattern(
                    id=pid,
                    event_type=etype,
                    mode=mode,
                    context=context,
                    cameo=cameo,
                    kind=kind[:-1],
                    elements=elements,
                    recipient_preps=preps,
                    locative_recipient=bool(row.get("locative_recipient", False)),
                    actor_sectors=frozenset(row.get("actor_sectors") or ()),
                    window=int(row.get("window", defaults.get("window", 10))),
                    needs_recipient=bool(row.get("needs_recipient", False)),
                    object_only=bool(row.get("object_only", False)),
                )
            )
    require(bool(out), path, f"{pid}: a pattern needs verbs or nouns")
    return out


@functools.lru_cache(maxsize=8)
def _build(path: Path, mtime: float, ontology: Ontology) -> PatternSet:
    data = load_yaml(path)
    require(
        isinstance(data, dict) and isinstance(data.get("patterns"), list),
        path,
        "needs a 'patterns' list",
    )
    defaults = data.get("defaults") or {}
    ids: set[str] = set()
    patterns: list[Pattern] = []
    for row in data["patterns"]:
        require(row.get("id") not in ids, path, f"duplicate pattern id {row.get('id')!r}")
        ids.add(row["id"])
        patterns.extend(_patterns_of(row, defaults, path, ontology))
    for phrase in data.get("not_events") or []:
        elements = _elements(phrase)
        require(gaps_inside(elements), path, f"bad not-event phrase {phrase!r}")
        patterns.append(
            Pattern(
                id="not-event",
                event_type=NOT_EVENT,
                mode=None,
                context=(),
                cameo="",
                kind="verb",
                elements=elements,
                recipient_preps=frozenset(),
                locative_recipient=False,
                actor_sectors=frozenset(),
                window=0,
            )
        )
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    by_first: dict[str, list[Pattern]] = {}
    for p in patterns:
        key = (p.kind, p.elements)
        require(key not in seen, path, f"phrase {p.phrase!r} is in both {seen.get(key)} and {p.id}")
        seen[key] = p.id
        by_first.setdefault(p.elements[0], []).append(p)
    return PatternSet(
        tuple(patterns), {k: tuple(v) for k, v in by_first.items()}, str(data.get("version", "1"))
    )


def load_patterns(config: Config | None = None) -> PatternSet:
    config = config or Config()
    path = data_path(config, "coding/patterns.yaml")
    return _build(path, path.stat().st_mtime, load_ontology(config))
