"""Modality of an event from cue words before its trigger (negation, hedges, future)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from ..knowledge import load_yaml, require
from ..model import Modality
from ..pipeline import Config, data_path
from ..text.tokens import Token, tokenize
from .patterns import GAP, SOME_GAP, gaps_inside


@dataclass(frozen=True)
class ModalityCues:
    window: int
    precedence: tuple[Modality, ...]
    clause_breaks: frozenset[str]
    cues: dict[Modality, tuple[tuple[str, ...], ...]]  # modality -> token sequences
    refusal_cues: frozenset[str] = frozenset()  # negation cues that make a refusal
    refusal_as: dict[str, dict[str, str | None]] = field(default_factory=dict)
    habitual: tuple[tuple[str, ...], ...] = ()
    gap: int = 0  # the most words a `+` in a cue stands for
    # first word -> (rank, modality or None for habitual, phrase): one scan finds every cue
    by_first: dict[str, list[tuple[int, Modality | None, tuple[str, ...]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        ranked: list[tuple[Modality | None, tuple[str, ...]]] = [
            (m, p) for m, phrases in self.cues.items() for p in phrases
        ]
        ranked += [(None, p) for p in self.habitual]
        for rank, (modality, phrase) in enumerate(ranked):
            self.by_first.setdefault(phrase[0] if phrase else "", []).append(
                (rank, modality, phrase)
            )


@functools.lru_cache(maxsize=8)
def _build(path: Path, mtime: float) -> ModalityCues:
    data = load_yaml(path)
    names = {m.value for m in Modality}
    cues: dict[Modality, tuple[tuple[str, ...], ...]] = {}
    for name, phrases in (data.get("cues") or {}).items():
        require(name in names, path, f"unknown modality {name!r}")
        cues[Modality(name)] = tuple(tuple(t.lower for t in tokenize(p)) for p in phrases)
        for cue in cues[Modality(name)]:
            require(
                gaps_inside(cue) and cue.count(SOME_GAP) <= 1 and GAP not in cue,
                path,
                f"cue {' '.join(cue)!r}: a {SOME_GAP} stands between words, once",
            )
    precedence = tuple(Modality(p) for p in data["precedence"])
    require(set(precedence) == set(cues), path, "precedence must list every cue modality once")
    refusal = data.get("refusal") or {}
    refusal_cues = frozenset(
        " ".join(t.lower for t in tokenize(c)) for c in refusal.get("cues", [])
    )
    for phrase in refusal_cues:
        require(
            tuple(phrase.split()) in cues.get(Modality.NEGATED, ())
            or "n't" in phrase
            or "not" in phrase.split(),
            path,
            f"refusal cue {phrase!r} is no negation",
        )
    return ModalityCues(
        int(data["window"]),
        precedence,
        frozenset(data["clause_breaks"]),
        cues,
        refusal_cues,
        dict(refusal.get("as") or {}),
        tuple(tuple(t.lower for t in tokenize(p)) for p in data.get("habitual", [])),
        int(data.get("gap", 0)),
    )


def load_modality(config: Config | None = None) -> ModalityCues:
    path = data_path(config or Config(), "coding/modality.yaml")
    return _build(path, path.stat().st_mtime)


def clause_start(toks: list[Token], index: int, breaks: frozenset[str]) -> int:
    """First token of the clause that holds token `index`."""
    for j in range(index - 1, -1, -1):
        if toks[j].lower in breaks:
            return j + 1
    return 0


def refusal_of(toks: list[Token], trigger: int, cues: ModalityCues) -> bool:
    """True when a refusal cue ("will not", "refused to") stands before the trigger."""
    start = max(clause_start(toks, trigger, cues.clause_breaks), trigger - cues.window)
    words = " " + " ".join(t.lower for t in toks[start:trigger]) + " "
    return any(f" {c} " in words for c in cues.refusal_cues)


def _matches(words: list[str], i: int, phrase: tuple[str, ...], gap: int) -> bool:
    """`phrase` starts at words[i]; a `+` in it stands for 1 to `gap` words ("wants + to":
    "wants Moscow to", "wants the army to"), as in pattern phrases."""
    if SOME_GAP not in phrase:
        return tuple(words[i : i + len(phrase)]) == phrase
    k = phrase.index(SOME_GAP)
    head, tail = phrase[:k], phrase[k + 1 :]
    if tuple(words[i : i + k]) != head:
        return False
    return any(
        _matches(words, i + k + n, tail, gap) for n in range(1, gap + 1) if i + k + n < len(words)
    )


def modality_of(
    toks: list[Token], trigger: int, cues: ModalityCues
) -> tuple[Modality, tuple[str, ...]]:
    """The modality that cues before token `trigger` give it, and the cues that applied."""
    start = max(clause_start(toks, trigger, cues.clause_breaks), trigger - cues.window)
    words = [t.lower for t in toks[start:trigger]]
    hits = set(cues.by_first.get("", ()))  # an empty phrase is in every window
    for i, word in enumerate(words):
        for cue in cues.by_first.get(word, ()):
            if _matches(words, i, cue[2], cues.gap):
                hits.add(cue)
    found: dict[Modality, list[str]] = {}
    habitual_found: list[str] = []
    for _, modality, phrase in sorted(hits, key=lambda h: h[0]):  # in file order, as listed
        if modality is None:
            habitual_found.append("habitual: " + " ".join(phrase))
        else:
            found.setdefault(modality, []).append(" ".join(phrase))
    habitual = tuple(habitual_found)
    for modality in cues.precedence:
        if modality in found:
            return modality, (*found[modality], *habitual)
    return Modality.ASSERTED, habitual
