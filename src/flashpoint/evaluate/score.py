"""Scorers: event types, roles, modality, quad classes and CAMEO roots against gold items."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import Block, BlockKind, Document, Event, Span
from ..pipeline import Config, Pipeline
from .gold import GoldEvent, GoldItem

NONE = "NONE"
EVAL_STAGES = ("split", "actors", "places", "times", "code")


class GoldCoder:
    """Codes gold sentences as one-block documents (no page cleaning: they are sentences)."""

    def __init__(
        self,
        config: Config | None = None,
        default_date: dt.date | None = None,
        stages: tuple[str, ...] = EVAL_STAGES,
    ) -> None:
        base = config or Config()
        self.pipeline = Pipeline(replace(base, stages=stages, provided=("blocks",)))
        self.default_date = default_date

    def __call__(self, item: GoldItem) -> list[Event]:
        return list(self.document(item).events)

    def document(self, item: GoldItem) -> Document:
        return self.code_text(item.id, item.text, item.date)

    def code_text(self, item_id: str, text: str, published: dt.date | None) -> Document:
        doc = Document(
            id=item_id,
            text=text,
            origin="<gold>",
            fmt="text",
            published=published or self.default_date,
            blocks=(Block(BlockKind.BODY, Span(0, len(text))),),
            cleaned=True,
        )
        return self.pipeline(doc)


def participant_matches(gold: str | None, event_role: Any) -> bool:
    """Gold 'IRN' matches any Iranian actor; 'IRQREB' an Iraqi actor of sector REB (or of no
    sector), or a code starting with it; 'IGO' any international organisation."""
    if gold is None:
        return event_role is None
    if event_role is None:
        return False
    if event_role.code.startswith(gold):
        return True
    if len(gold) == 3:
        return event_role.country == gold or event_role.sector == gold
    return event_role.country == gold[:3] and event_role.sector in (None, gold[3:6])


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class EventScores:
    """Type P/R/F1 per PLOVER type, confusion, and role/modality accuracy on matched pairs."""

    per_type: dict[str, PRF] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)
    sentences: int = 0

    def add(self, gold: list[GoldEvent], predicted: list[Event]) -> None:
        self.sentences += 1
        unmatched = list(predicted)
        for g in gold:
            if g.event_type is None:
                continue
            same = [e for e in unmatched if e.event_type == g.event_type]
            # of several of its type, the one whose roles agree best (first on a tie)
            hit = max(same, key=lambda e: self._agreement(g, e), default=None)
            prf = self.per_type.setdefault(g.event_type, PRF())
            if hit is None:
                prf.fn += 1
                other = unmatched[0].event_type if unmatched else NONE
                self.confusion[(g.event_type, other)] += 1
                continue
            unmatched.remove(hit)
            prf.tp += 1
            self.confusion[(g.event_type, g.event_type)] += 1
            self._roles(g, hit)
        for e in unmatched:
            self.per_type.setdefault(e.event_type, PRF()).fp += 1
            self.confusion[(NONE, e.event_type)] += 1

    @staticmethod
    def _agreement(g: GoldEvent, e: Event) -> int:
        return sum(
            gold is not None and participant_matches(gold, value)
            for gold, value in ((g.actor, e.actor), (g.recipient, e.recipient))
        )

    def _roles(self, g: GoldEvent, e: Event) -> None:
        for role, gold_value, value in (
            ("actor", g.actor, e.actor),
            ("recipient", g.recipient, e.recipient),
        ):
            if gold_value is not None:
                self.roles[f"{role}_total"] += 1
                self.roles[f"{role}_correct"] += participant_matches(gold_value, value)
        self.roles["modality_total"] += 1
        self.roles["modality_correct"] += g.modality == e.modality.value

    def macro_f1(self, types: Iterable[str] | None = None) -> float:
        names = [t for t in (types or self.per_type) if t in self.per_type]
        gold_types = [t for t in names if self.per_type[t].tp + self.per_type[t].fn > 0]
        return sum(self.per_type[t].f1 for t in gold_types) / len(gold_types) if gold_types else 0.0

    def micro(self) -> PRF:
        total = PRF()
        for prf in self.per_type.values():
            total.tp, total.fp, total.fn = total.tp + prf.tp, total.fp + prf.fp, total.fn + prf.fn
        return total

    def accuracy(self, name: str) -> float | None:
        total = self.roles[f"{name}_total"]
        return self.roles[f"{name}_correct"] / total if total else None

    def as_dict(self) -> dict[str, Any]:
        micro = self.micro()
        return {
            "sentences": self.sentences,
            "macro_f1": round(self.macro_f1(), 4),
            "micro": micro.as_dict(),
            "per_type": {t: p.as_dict() for t, p in sorted(self.per_type.items())},
            "actor_accuracy": _round(self.accuracy("actor")),
            "recipient_accuracy": _round(self.accuracy("recipient")),
            "modality_accuracy": _round(self.accuracy("modality")),
            "confusion": [[g, p, n] for (g, p), n in sorted(self.confusion.items())],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class QuadScores:
    """Sentence quad class (0 neutral .. 4 material conflict) from the sentence's main event."""

    pairs: list[tuple[int, int]] = field(default_factory=list)

    def add(self, gold: int, predicted: int) -> None:
        self.pairs.append((gold, predicted))

    def accuracy(self) -> float:
        return sum(g == p for g, p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    def per_class(self) -> dict[int, PRF]:
        out = {q: PRF() for q in range(5)}
        for g, p in self.pairs:
            if g == p:
                out[g].tp += 1
            else:
                out[g].fn += 1
                out[p].fp += 1
        return out

    def macro_f1(self) -> float:
        classes = self.per_class()
        return sum(c.f1 for c in classes.values()) / len(classes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sentences": len(self.pairs),
            "accuracy": round(self.accuracy(), 4),
            "macro_f1": round(self.macro_f1(), 4),
            "per_class": {str(q): p.as_dict() for q, p in self.per_class().items()},
            "confusion": [[g, p, n] for (g, p), n in sorted(Counter(self.pairs).items())],
        }


def overlaps(span: Span, spans: list[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in spans)


@dataclass
class RoleScores:
    """Share of sentences whose gold source (target) span overlaps a coded actor (recipient)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, roles: dict[str, list[tuple[int, int]]], predicted: list[Event]) -> None:
        sources = roles.get("S", []) + roles.get("R", [])
        targets = roles.get("T", []) + roles.get("R", [])
        actors = [e.actor.span for e in predicted if e.actor]
        recipients = [e.recipient.span for e in predicted if e.recipient]
        if roles.get("S") or roles.get("R"):
            self.counts["source_total"] += 1
            self.counts["source_hits"] += any(overlaps(s, sources) for s in actors)
        if roles.get("T") or roles.get("R"):
            self.counts["target_total"] += 1
            self.counts["target_hits"] += any(overlaps(s, targets) for s in recipients)

    def rate(self, role: str) -> float:
        total = self.counts[f"{role}_total"]
        return self.counts[f"{role}_hits"] / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_found": round(self.rate("source"), 4),
            "target_found": round(self.rate("target"), 4),
            **dict(self.counts),
        }


@dataclass
class CameoRootScores:
    """CAMEO root codes (first two digits) per sentence, matched as multisets."""

    prf: PRF = field(default_factory=PRF)

    def add(self, gold: list[GoldEvent], predicted: list[Event]) -> None:
        want = Counter(g.cameo[:2] for g in gold if g.cameo)
        got = Counter(e.cameo[:2] for e in predicted)
        hit = sum((want & got).values())
        self.prf.tp += hit
        self.prf.fp += sum(got.values()) - hit
        self.prf.fn += sum(want.values()) - hit

    def as_dict(self) -> dict[str, Any]:
        return self.prf.as_dict()
