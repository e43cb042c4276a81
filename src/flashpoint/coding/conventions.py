"""CAMEO conventions (`--conventions cameo`): rewrite a sentence's drafts as CAMEO data sets do.

The default PLOVER coding is left as it is; this is a second, documented output mode for users
who compare flashpoint with PETRARCH, Phoenix or ICEWS data. The rules are data
(`data/coding/conventions.yaml`); this module only applies them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..knowledge import load_yaml, require
from ..model import Modality
from ..pipeline import Config, data_path
from ..text.tokens import verb_lemma
from .ontology import Ontology

if TYPE_CHECKING:
    from ..model import ActorMention
    from .coder import Draft, SentenceCoder

CONVENTIONS = ("plover", "cameo")


@dataclass(frozen=True)
class CameoConventions:
    directed_pairs: bool
    speech_verbs: frozenset[str]
    speaker_gap: int
    report_roots: frozenset[str]
    accusation: str
    intent_roots: frozenset[str]
    threat: str
    counterparts: dict[str, str]
    needs_actor: bool
    modalities: frozenset[Modality]


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime: float, ontology: Ontology) -> CameoConventions:
    d = load_yaml(path)
    reports, intent = d.get("reports") or {}, d.get("intent") or {}
    recorded = d.get("recorded") or {}
    known = {m.value for m in Modality}
    for m in recorded.get("modalities", []):
        require(m in known, path, f"unknown modality {m!r} (known: {', '.join(sorted(known))})")
    conv = CameoConventions(
        directed_pairs=bool(d.get("directed_pairs", True)),
        speech_verbs=frozenset(reports.get("speech_verbs", [])),
        speaker_gap=int(reports.get("speaker_gap", 3)),
        report_roots=frozenset(str(r) for r in reports.get("roots", [])),
        accusation=str(reports.get("accusation", "112")),
        intent_roots=frozenset(str(r) for r in intent.get("roots", [])),
        threat=str(intent.get("threat", "138")),
        counterparts={str(k): str(v) for k, v in (d.get("counterparts") or {}).items()},
        needs_actor=bool(recorded.get("needs_actor", False)),
        modalities=frozenset(Modality(m) for m in recorded.get("modalities", list(known))),
    )
    codes = [conv.accusation, conv.threat, *conv.counterparts, *conv.counterparts.values()]
    for code in codes:
        require(code in ontology.cameo, path, f"unknown CAMEO code {code!r}")
        require(ontology.to_plover(code) is not None, path, f"CAMEO {code} has no PLOVER type")
    for root in conv.report_roots | conv.intent_roots:
        require(root in ontology.cameo and len(root) == 2, path, f"unknown CAMEO root {root!r}")
    return conv


def load_conventions(config: Config, ontology: Ontology) -> CameoConventions:
    path = data_path(config, "coding/conventions.yaml")
    return _load(path, path.stat().st_mtime, ontology)


def _recoded(d: Draft, code: str, ontology: Ontology, why: str) -> Draft:
    """`d` with its pattern's CAMEO code (and so its PLOVER type) replaced."""
    plover = ontology.to_plover(code)
    assert plover is not None  # checked when the file was loaded
    event_type, mode, context = plover
    pattern = d.trigger.pattern.recoded(event_type, mode, context, code, f"cameo.{code}")
    return replace(d, trigger=replace(d.trigger, pattern=pattern), how=(*d.how, why))


def _speakers(
    sc: SentenceCoder, d: Draft, conv: CameoConventions
) -> tuple[int, list[ActorMention]]:
    """The named speakers of a speech verb before the trigger ("X said that ..."). A comma
    between the verb and the act makes the verb an attribution (", X said, two weeks after
    ..."), not the frame of the act."""
    for i in range(d.trigger.start - 1, -1, -1):
        if sc.keys[i] in sc.g.role_breaks or sc.keys[i] == ",":
            return -1, []
        if verb_lemma(sc.keys[i]) in conv.speech_verbs and not (
            i > 0 and sc.keys[i - 1] in sc.g.determiners  # "the claims": a noun
        ):
            return i, _subject_of(sc, i, conv)
    return -1, []


def _subject_of(sc: SentenceCoder, verb: int, conv: CameoConventions) -> list[ActorMention]:
    """The mention (and those coordinated with it) that ends right before `verb`, stepping
    over an apposition between commas and a few adverbs or time words."""
    j = verb - 1
    if j >= 0 and sc.keys[j] == ",":
        j -= 1
        while j >= 0 and sc.keys[j] != ",":
            j -= 1
        j -= 1  # the word before the apposition
    for _ in range(conv.speaker_gap + 1):
        if j < 0 or sc.keys[j] in (",", *sc.g.role_breaks):
            return []
        for a in sc.actors:
            if sc.span_of[id(a)][1] == j + 1 and not a.locative:
                return sc._coordinated(a, -1)
        j -= 1
    return []


def _as_accusation(
    sc: SentenceCoder, d: Draft, conv: CameoConventions, ontology: Ontology
) -> Draft | None:
    """A reported conflict act of another party, as the speaker's accusation of it."""
    if d.actor is None or d.modality == Modality.NEGATED:
        return None
    if ontology.root(d.trigger.pattern.cameo) not in conv.report_roots:
        return None
    verb, speakers = _speakers(sc, d, conv)
    if not speakers or any(s.code == d.actor.code for s in speakers):
        return None  # no named speaker, or a claim of one's own act: the act itself
    speaker = speakers[-1]
    trigger = replace(d.trigger, start=verb, end=verb + 1, used=frozenset({verb}))
    report = replace(
        d,
        trigger=trigger,
        actor=speaker,
        recipient=d.actor,
        modality=Modality.ASSERTED,
        cues=(),
    )
    why = f"CAMEO convention: a reported act of {d.actor.text!r} is the speaker's accusation"
    return _recoded(report, conv.accusation, ontology, why)


def apply_cameo(
    sc: SentenceCoder, drafts: list[Draft], conv: CameoConventions, ontology: Ontology
) -> list[Draft]:
    """The sentence's drafts under CAMEO conventions (joint actors are paired in `drafts`)."""
    out: list[Draft] = []
    for d in drafts:
        accusation = _as_accusation(sc, d, conv, ontology)
        if accusation is not None:
            out.append(accusation)
            continue
        root = ontology.root(d.trigger.pattern.cameo)
        if d.modality == Modality.FUTURE and root in conv.intent_roots:
            d = _recoded(d, conv.threat, ontology, "CAMEO convention: intent to use force")
            d = replace(d, modality=Modality.ASSERTED)
        out.append(d)
        other = conv.counterparts.get(d.trigger.pattern.cameo)
        if other and d.actor is not None and d.recipient is not None:
            swapped = replace(d, actor=d.recipient, recipient=d.actor)
            out.append(_recoded(swapped, other, ontology, "CAMEO convention: the other side"))
    return _unique([d for d in out if _recorded(d, conv)])


def _recorded(d: Draft, conv: CameoConventions) -> bool:
    """Whether a CAMEO data set would record `d` (after the rewrites above, so an announced
    attack, now an asserted threat, is kept)."""
    return d.modality in conv.modalities and not (conv.needs_actor and d.actor is None)


def _unique(drafts: list[Draft]) -> list[Draft]:
    """One rewritten event per actor, recipient and code; an event with no recipient gives
    way to one of the same actor and code that has one."""
    seen: set[tuple[str, str, str]] = set()
    with_recipient = {
        (d.actor.code, d.trigger.pattern.cameo)
        for d in drafts
        if d.actor is not None and d.recipient is not None
    }
    kept = []
    for d in drafts:
        p = d.trigger.pattern
        actor = d.actor.code if d.actor else ""
        if d.recipient is None and (actor, p.cameo) in with_recipient:
            continue
        key = (actor, d.recipient.code if d.recipient else "", p.cameo)
        if key in seen and "+cameo." in p.id:
            continue
        seen.add(key)
        kept.append(d)
    return kept
