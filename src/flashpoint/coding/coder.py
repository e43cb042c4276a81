"""The rule coder: pattern triggers, roles from voice and prepositions, modality, date and place.

Roles come without a parser model. The actor is the nearest agent before a verb trigger in its
clause (skipping places and anyone already acted upon); the recipient is the first agent after it,
as a direct object or behind a preposition the pattern allows. Passive voice ("was killed by X")
swaps the two. Nominal triggers ("a US airstrike", "the killing of X") take their modifier or a
"by"/"of" phrase. Triggers in one sentence that describe one event are merged.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import operator
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ..actors.dictionary import load_actor_dictionary
from ..knowledge import load_yaml, require
from ..model import (
    ActorMention,
    BlockKind,
    Document,
    Event,
    Location,
    Modality,
    Participant,
    PlaceMention,
    Sentence,
    Span,
    TimeMention,
)
from ..pipeline import Config, Stage, data_path, register_stage
from ..text.tokens import (
    Token,
    can_be_noun,
    is_modifier_word,
    is_participle,
    noun_lemma,
    tokenize,
    verb_lemma,
    verb_only,
    word_forms_of,
)
from .conventions import CONVENTIONS, apply_cameo, load_conventions
from .modality import ModalityCues, clause_start, load_modality, modality_of, refusal_of
from .ontology import Ontology, load_ontology
from .patterns import GAPS, MAX_GAP, Pattern, PatternSet, load_patterns

CODER = "flashpoint-rules/0.1"
CLAUSE_PUNCT = frozenset({",", ";", ":", ".", "!", "?"})
_token_start = operator.attrgetter("start")
_token_end = operator.attrgetter("end")


@dataclass(frozen=True)
class Grammar:
    determiners: frozenset[str]
    be_forms: frozenset[str]
    passive_skips: frozenset[str]
    agent_marker: str
    coordinators: frozenset[str]
    prepositions: frozenset[str]
    role_breaks: frozenset[str]
    recipient_stops: frozenset[str]
    time_breaks: frozenset[str]
    patient_nouns: frozenset[str]
    light_verbs: frozenset[str]
    quantifiers: frozenset[str]
    noun_agent_markers: frozenset[str]
    own_force_sectors: frozenset[str]
    own_force_types: frozenset[str]
    other_force_modes: frozenset[str]
    reciprocal_types: frozenset[str]
    reciprocal_cameo: frozenset[str]
    object_pronouns: frozenset[str]
    phrase_recipient_types: frozenset[str]
    phrase_recipient_max: int
    instrument_nouns: frozenset[str]
    phrase_breaks: frozenset[str]
    embedding_types: frozenset[str]
    embedding_preps: frozenset[str]
    charge_types: frozenset[str]
    embedding_window: int
    content_nouns: frozenset[str]
    aim_markers: frozenset[str]
    reporting_verbs: frozenset[str]
    fallback_preps: frozenset[str]
    named_recipient_preps: frozenset[str]
    place_recipient_types: frozenset[str]
    domestic_place_types: frozenset[str]
    compound_heads: frozenset[str]
    response_types: frozenset[str]
    receiving_verbs: frozenset[str]
    response_window: int
    ending_verbs: frozenset[str]
    ending_nouns: frozenset[str]
    ending_preps: frozenset[str]
    own_act_preps: frozenset[str]
    origin_types: frozenset[str]
    origin_preps: frozenset[str]
    crowd_agents: frozenset[str]
    crowd_violence: dict[str, Any]
    object_verbs: frozenset[str]
    time_adverbs: frozenset[str]
    modifier_max: int

    @functools.cached_property
    def function_words(self) -> frozenset[str]:
        """Words that are no bare noun ("the Hamas movement jailed"; "the diplomats it
        accused": a pronoun is the subject)."""
        return (self.determiners | self.prepositions | self.coordinators | self.be_forms) | (
            self.time_adverbs | self.phrase_breaks
        )

    @functools.cached_property
    def no_object_words(self) -> frozenset[str]:
        """Words after a verb that start no object ("the men detained yesterday were")."""
        return self.recipient_stops | self.time_adverbs | self.be_forms


@functools.lru_cache(maxsize=8)
def _grammar(path: Path, mtime: float) -> Grammar:
    d = load_yaml(path)
    fields: dict[str, Any] = {
        k: (frozenset(v) if isinstance(v, list) else v) for k, v in d.items() if k != "version"
    }
    return Grammar(**fields)


def load_grammar(config: Config) -> Grammar:
    path = data_path(config, "coding/grammar.yaml")
    return _grammar(path, path.stat().st_mtime)


Pair = tuple[ActorMention | None, ActorMention | None]  # an actor and its recipient


@dataclass(frozen=True, slots=True)
class Trigger:
    pattern: Pattern
    start: int  # token index
    end: int  # exclusive
    used: frozenset[int]


@dataclass(frozen=True, slots=True)
class Draft:
    """An event before ids, dates and places are attached."""

    trigger: Trigger
    actor: ActorMention | None
    recipient: ActorMention | None
    modality: Modality
    cues: tuple[str, ...]
    how: tuple[str, ...] = ()


class SentenceCoder:
    """Codes one sentence; holds its tokens and the mentions found in it."""

    def __init__(
        self,
        toks: list[Token],
        actors: list[ActorMention],
        patterns: PatternSet,
        cues: ModalityCues,
        grammar: Grammar,
        block: BlockKind,
        places: list[PlaceMention] | None = None,
        locative_preps: frozenset[str] = frozenset(),
        forms: list[frozenset[str]] | None = None,
        directed_pairs: bool = False,
    ) -> None:
        self.places = places or []
        self.directed_pairs = directed_pairs  # CAMEO conventions: joint acts go both ways
        self.locative_preps = locative_preps
        self.toks, self.g, self.cues, self.patterns = toks, grammar, cues, patterns
        self.block = block
        self.keys = [t.lower for t in toks]
        # the word forms of each token; the document coder passes the ones it has made
        self.forms = forms if forms is not None else word_forms_of(self.keys)
        self.present = frozenset().union(*self.forms)  # every word and lemma of the sentence
        self.actors = actors
        self.span_of = {id(a): self._token_range(a.span) for a in actors}
        self.in_actor = {i for a in actors for i in range(*self.span_of[id(a)])}
        # last token of a mention -> its first token, to step over a possessor ("Iraq's army")
        self.owner_start = {e - 1: s for s, e in self.span_of.values() if e > s}
        self.acted_upon: set[int] = set()  # ids of mentions already used as recipients
        self.reduced_subjects: set[int] = set()  # ... of which subjects of reduced passives
        self.chosen: list[Trigger] = []
        self.outside = actors  # mentions outside every chosen trigger (see `triggers`)

    def _token_range(self, span: Span) -> tuple[int, int]:
        # tokens are sorted and disjoint: the ones inside the span are one run; bisect for it
        lo = bisect.bisect_left(self.toks, span.start, key=_token_start)
        hi = bisect.bisect_right(self.toks, span.end, key=_token_end)
        return (lo, hi) if lo < hi else (0, 0)

    # ---------------------------------------------------------------- triggers
    def _match_rest(self, p: Pattern, i: int) -> list[int] | None:
        used, j, k = [i], i + 1, 1
        els = p.elements
        while k < len(els):
            if els[k] in GAPS:
                fewest, target, k = GAPS[els[k]], els[k + 1], k + 2
                if fewest and j < len(self.toks) and target in self.forms[j]:
                    return None  # "want + to" is not "want to deploy troops to"
                for g in range(fewest, MAX_GAP + 1):
                    pos = j + g
                    if pos >= len(self.toks) or self.keys[pos] in CLAUSE_PUNCT:
                        return None
                    if target in self.forms[pos]:
                        used.append(pos)
                        j = pos + 1
                        break
                else:
                    return None
            else:
                if j >= len(self.toks) or els[k] not in self.forms[j]:
                    return None
                used.append(j)
                j, k = j + 1, k + 1
        return used

    def _noun_phrase_start(self, i: int) -> int:
        """Walk back over adjectives and commas: "a larger, more deadly [assault]"."""
        j = i
        while (
            j > 0
            and j - 1 not in self.in_actor
            and (
                self.keys[j - 1] in (",", "-")
                or self._modifier(self.keys[j - 1])
                or self.keys[j - 1] in ("“", '"', "‘")
            )
        ):
            j -= 1
        return j

    def _modifier(self, word: str) -> bool:
        return word[:1].isdigit() or word in self.g.quantifiers or is_modifier_word(word)

    def _before_phrase(self, i: int) -> int:
        """The word before the noun phrase at token `i` and its determiners (-1: none)."""
        j = self._noun_phrase_start(i) - 1
        while j >= 0 and self.keys[j] in self.g.determiners:
            j -= 1
        return j

    def _object_of(self, i: int, verbs: frozenset[str]) -> bool:
        """The noun phrase at token `i` is the object of one of `verbs` ("launch an attack")."""
        j = self._before_phrase(i)
        return j >= 0 and verb_lemma(self.keys[j]) in verbs

    def _after_light_verb(self, i: int) -> bool:
        return self._object_of(i, self.g.light_verbs)

    def _modifies_a_document(self, end: int) -> bool:
        """ "a defence cooperation agreement", "its extradition treaty": the noun names what
        an agreement is about; signing or suspending the agreement is the event."""
        return end < len(self.keys) and self.keys[end] in self.g.compound_heads

    def _plausible(self, p: Pattern, i: int) -> bool:
        start = self._noun_phrase_start(i)
        prev = self.keys[start - 1] if start > 0 else ""
        if p.kind == "verb" and prev in self.g.determiners:
            return False  # "the attack", "a larger, more deadly assault": a noun reading
        if p.kind == "verb" and self._compound_noun(start):
            return False  # "a mortar bomb", "the car bomb": a noun reading
        if p.kind == "verb" and self._noun_after_preposition(start):
            return False  # "bans on travel", "calls for aid": a noun reading
        if p.kind == "noun" and (
            prev == "to" or (prev in self.g.be_forms and self.keys[i].endswith("ing"))
        ):
            return False  # "to attack", "is killing": a verb reading
        tok = self.toks[i]
        return not (
            tok.is_title
            and i > 0
            and self.block != BlockKind.HEADLINE
            and not tok.text.isupper()
            and self.keys[i - 1] not in ("“", '"', "‘")
        )

    def _noun_after_preposition(self, i: int) -> bool:
        """An uninflected word right after a preposition other than "to" ("on travel")."""
        word = self.keys[i]
        prev = self.keys[i - 1] if i > 0 else ""
        return prev in self.g.prepositions and prev != "to" and verb_lemma(word) == word

    def _compound_noun(self, i: int) -> bool:
        """An uninflected word after a determiner and a plain word that names no party."""
        word = self.keys[i]
        return (
            i >= 2
            and self.keys[i - 2] in self.g.determiners
            and i - 1 not in self.in_actor
            and self.keys[i - 1].isalpha()
            and not {word, self.keys[i - 1]} & self.g.prepositions
            and verb_lemma(word) == word
        )

    def triggers(self) -> list[Trigger]:
        found: list[Trigger] = []
        starting_with, present = self.patterns.starting_with, self.present
        first = self.patterns.first_words
        for i, forms in enumerate(self.forms):
            if forms.isdisjoint(first) or i in self.in_actor:
                continue
            candidates = starting_with(forms)
            for p, rest in candidates:
                if not rest <= present:
                    continue  # a word of the phrase is nowhere in the sentence
                used = self._match_rest(p, i)
                if used is None or not (p.blocks_only or self._plausible(p, i)):
                    continue
                if p.kind == "noun" and self._modifies_a_document(used[-1] + 1):
                    continue
                found.append(Trigger(p, i, used[-1] + 1, frozenset(used)))
        # Longest phrase first; then a word read as written ("killing" the noun) over a lemma
        # ("kill"); then verbs, modes and finer CAMEO codes.
        found.sort(
            key=lambda t: (
                -t.pattern.specificity,
                not t.pattern.blocks_only,
                not (t.pattern.kind == "verb" and t.pattern.specificity > 1),
                t.pattern.elements[0] != self.keys[t.start],
                t.pattern.kind != "verb",
                t.pattern.mode is None,
                -len(t.pattern.cameo),
                t.start,
                t.pattern.id,
                t.pattern.kind,
                t.pattern.elements,  # ties must not depend on set order: same output every run
            )
        )
        chosen: list[Trigger] = []
        taken: set[int] = set()
        for t in found:
            if t.used & taken:
                continue
            chosen.append(t)
            taken |= t.used
        self.chosen = sorted(chosen, key=lambda t: t.start)
        self.outside = self._outside_chosen()
        return [t for t in self.chosen if not t.pattern.blocks_only]

    # ---------------------------------------------------------------- roles
    def _prep_before(self, start: int) -> str | None:
        j = self._before_count(start - 1)
        while j >= 0 and self.keys[j] in self.g.determiners:
            if self.keys[j] == "'s" and j - 1 in self.owner_start:
                j = self.owner_start[j - 1]  # "between Afghanistan's Taliban": skip the possessor
            j = self._before_count(j - 1)
        if j >= 0 and self.keys[j] in self.g.prepositions:
            return self.keys[j]
        return None

    def _coordinated(self, first: ActorMention, direction: int) -> list[ActorMention]:
        """`first` plus mentions joined to it by "and", "or", or the commas of a list."""
        group, links = [first], []
        ordered = sorted(self.actors, key=lambda a: self.span_of[id(a)][0], reverse=direction < 0)
        current = first
        for other in ordered:
            a0, a1 = self.span_of[id(current)]
            b0, b1 = self.span_of[id(other)]
            gap = range(a1, b0) if direction > 0 else range(b1, a0)
            if other is current or (direction > 0 and b0 < a1) or (direction < 0 and b1 > a0):
                continue
            between = [self.keys[i] for i in gap]
            if (
                between
                and len(between) <= 3
                and all(
                    w in self.g.coordinators or w in self.g.determiners or w == "either"
                    for w in between
                )
                and any(w in self.g.coordinators for w in between)
            ):
                group.append(other)
                links.append(any(w in ("and", "or", "nor") for w in between))
                current = other
            elif between:
                break
        # "If China attacks Taiwan, U.S. forces would...": commas alone make no list
        while links and not any(links):
            links.pop()
            group.pop()
        return group

    def _outside(self, t: Trigger) -> list[ActorMention]:
        """Mentions that are not part of a trigger phrase ("reduce troop levels")."""
        return self.outside

    def _outside_chosen(self) -> list[ActorMention]:
        # once per sentence, when the triggers are chosen: every role search asks for it
        return [
            a
            for a in self.actors
            if not any(
                self.span_of[id(a)][0] < u.end and u.start < self.span_of[id(a)][1]
                for u in self.chosen
            )
        ]

    def left_agent(self, t: Trigger) -> ActorMention | None:
        start, window = t.start, t.pattern.window
        best = None
        for a in self._outside(t):
            a0, a1 = self.span_of[id(a)]
            if a1 > start or start - a1 > window * 2:
                continue
            if any(self.keys[i] in self.g.role_breaks for i in range(a1, start)):
                continue
            if a.locative or (id(a) in self.acted_upon and not self._acts_again(a, t)):
                continue
            if a1 < len(self.keys) and self.keys[a1] == "'s" and a1 + 1 < start:
                continue  # "Baghdad's airport ..." is not the one acting
            if best is None or a1 > self.span_of[id(best)][1]:
                best = a
        return self._named_by_apposition(best) if best is not None else None

    def _acts_again(self, a: ActorMention, t: Trigger) -> bool:
        """The subject of a reduced passive is the subject of a later verb ("the students
        detained in May went on hunger strike"), not of a noun in the participle's phrase."""
        prev = self.keys[t.start - 1] if t.start else ""
        return (
            id(a) in self.reduced_subjects
            and t.pattern.kind == "verb"
            and prev not in self.g.prepositions  # "killed in ambush": a noun after all
            and prev not in self.g.determiners
        )

    def _named_by_apposition(self, a: ActorMention) -> ActorMention:
        """ "Venezuela's president, Nicolas Maduro, said": a name no dictionary knows takes
        the resolved description it stands in apposition to."""
        a0 = self.span_of[id(a)][0]
        if a.country is not None or a0 < 2 or self.keys[a0 - 1] != ",":
            return a
        described = next((b for b in self.actors if self.span_of[id(b)][1] == a0 - 1), None)
        if described is None or described.country is None or described.locative:
            return a
        return described

    def right_recipient(
        self,
        t: Trigger,
        preps: frozenset[str],
        *,
        direct: bool = True,
        skip: tuple[ActorMention, ...] = (),
    ) -> ActorMention | None:
        p = t.pattern
        weak = None
        for a in sorted(self._outside(t), key=lambda a: self.span_of[id(a)][0]):
            if any(a is s for s in skip) or (self._bare_force(a) and self._moves_own_forces(t)):
                continue  # "the withdrawal of troops from Iraq": the troops are the actor's
            a0, _ = self.span_of[id(a)]
            if a0 < t.end:
                continue
            if a0 - t.end > p.window or any(
                self.keys[i] in self.g.recipient_stops for i in range(t.end, a0)
            ):
                break
            prep = self._prep_before(a0)
            if direct and prep == "of" and a0 - t.end <= 3 and self._names_an_act(t):
                return a  # "lifted its blockade of Qatar": "of" names the act's target
            if (prep is not None and prep not in preps) or (
                prep is None and not (direct and self._direct_object(t.end, a0))
            ):
                continue
            if a.locative and not (p.locative_recipient or prep in preps):
                continue
            if a.locative and self.keys[self.span_of[id(a)][1] : self.span_of[id(a)][1] + 1] == [
                "'s"
            ]:
                continue  # "from America's long wars": the possessor, not the place
            if a.country is not None:
                return a
            weak = weak or a
        return weak

    def answered_party(self, t: Trigger, triggers: list[Trigger]) -> list[ActorMention | None]:
        """A reply answers the parties of the nominal act right after it: "rejected calls from
        Colombia and Brazil", "accepted an offer by Qatar"."""
        act = next(
            (
                u
                for u in triggers
                if u.pattern.kind == "noun"
                and t.end <= u.start <= t.end + self.g.response_window
                and not any(self.keys[i] in self.g.recipient_stops for i in range(t.end, u.start))
            ),
            None,
        )
        party = None
        if act is not None:
            party = self.agent_after_by(act) or self.modifier_of(act)[0]
        elif self._names_an_act(t) and not self.is_passive(t):  # "rejected accusations by X"
            party = self._party_after_noun(t.end - 1)
        if act is None and party is None:  # a noun of proposing that is no event: "an offer by X"
            party = self._party_of_content_noun(t.end)
        return list(self._coordinated(party, +1)) if party is not None else []

    def _party_of_content_noun(self, i: int) -> ActorMention | None:
        end = min(len(self.keys), i + self.g.response_window + 1)
        noun = next((k for k in range(i, end) if self.keys[k] in self.g.content_nouns), None)
        return None if noun is None else self._party_after_noun(noun)

    def _party_after_noun(self, noun: int) -> ActorMention | None:
        """The party of "by X" or "from X" right after the noun at token `noun`."""
        markers = {self.g.agent_marker} | self.g.noun_agent_markers
        if noun + 1 >= len(self.keys) or self.keys[noun + 1] not in markers:
            return None
        for a in self.actors:
            a0 = self.span_of[id(a)][0]
            if noun + 1 < a0 <= noun + 3 and self._prep_before(a0) in markers:
                return a
        return None

    def _reciprocal(self, t: Trigger) -> bool:
        """Joint parties of this act act on each other ("Thailand and Cambodia agreed")."""
        p = t.pattern
        return p.event_type in self.g.reciprocal_types or p.cameo in self.g.reciprocal_cameo

    def giver_of(self, t: Trigger) -> ActorMention | None:
        """ "Ukraine received air defence systems from Germany": after a verb of receiving, the
        party named by "from" is the one who acts."""
        if t.pattern.kind != "verb" or not (self.forms[t.start] & self.g.receiving_verbs):
            return None
        for a in self._outside(t):
            a0 = self.span_of[id(a)][0]
            if t.end <= a0 <= t.end + t.pattern.window and self._prep_before(a0) == "from":
                return a
        return None

    def _shares_subject(self, t: Trigger) -> bool:
        """ "Putin sent his condolences and condemned the attack", "Qatar cut ties, accusing
        Riyadh of ...": a verb right after "and", or a participle right after a comma, has the
        subject of the verb before it."""
        if t.pattern.kind != "verb" or t.start == 0:
            return False
        before, word = self.keys[t.start - 1], self.keys[t.start]
        return before == "and" or (before == "," and word.endswith("ing"))

    def _each_other(self, t: Trigger) -> bool:
        """ "accused each other", "traded accusations with one another": each acts on the
        other."""
        after = f" {' '.join(self.keys[t.end : t.end + 4])} "
        return " each other " in after or " one another " in after

    def _joint_act(self, t: Trigger, actors: list[ActorMention | None]) -> bool:
        """Joint actors of a reciprocal act act on each other, not on the place where they met
        ("Indian and Chinese troops clashed in the Galwan Valley")."""
        joint = sum(a is not None for a in actors) > 1
        return joint and self._reciprocal(t)

    def _names_an_act(self, t: Trigger) -> bool:
        """The trigger ends in a noun naming the act ("blockade", "launched an assault")."""
        last = self.keys[t.end - 1]
        return t.pattern.kind == "noun" or (
            t.end - t.start > 1 and last.isalpha() and last not in self.g.prepositions
        )

    def object_inside(self, t: Trigger, *, with_country: bool = True) -> ActorMention | None:
        """'summoned the Chinese ambassador', 'freed 37 prisoners': the object the phrase names."""
        inside = [a for a in self.actors if t.start < self.span_of[id(a)][0] < t.end]
        return next(
            (
                a
                for a in inside
                if a.country is not None or (not with_country and not self._own_force(t, a))
            ),
            None,
        )

    def _own_force(self, t: Trigger, a: ActorMention) -> bool:
        """Bare "troops"/"forces" inside a phrase are the actor's own ("bring its forces
        home"), and so are the ones it sends, deploys or withdraws ("moved 3,000 troops");
        counted ones it frees or expels are not ("freed 280 child soldiers")."""
        if not self._bare_force(a):
            return False
        if self._moves_own_forces(t):
            return True
        between = self.keys[t.start + 1 : self.span_of[id(a)][0]]
        return all(w in self.g.determiners for w in between)

    def _bare_force(self, a: ActorMention) -> bool:
        return a.sector in self.g.own_force_sectors and a.code == a.sector

    def _moves_own_forces(self, t: Trigger) -> bool:
        p = t.pattern
        return p.event_type in self.g.own_force_types and p.mode not in self.g.other_force_modes

    def _reported_as_happening(self, t: Trigger) -> bool:
        """A verb, or a noun that is not inside a prepositional phrase: "A car bomb exploded
        in Mogadishu" reports an event; "a pause in the bombing" only refers to one."""
        if t.pattern.kind == "verb":
            return True
        return self._prep_before(self._noun_phrase_start(t.start)) is None

    def place_recipient(self, t: Trigger, actors: list[ActorMention | None]) -> ActorMention | None:
        """A locative place in the trigger's clause, in a country other than the actor's (or
        any country, for acts on a population: "imposed a curfew in Bangkok")."""
        domestic = t.pattern.event_type in self.g.domestic_place_types
        own = set() if domestic else {a.country for a in actors if a is not None}
        anchor = self.toks[t.start].start
        for place in sorted(self.places, key=lambda p: abs(p.span.start - anchor)):
            if place.country is None or place.country in own:
                continue
            j = self._word_before(place, 0)
            if j < 0 or self.keys[j] not in self.locative_preps:
                continue
            if any(
                self.keys[k] in self.g.role_breaks for k in range(min(j, t.start), max(j, t.end))
            ):
                continue
            return self._place_actor(place)
        return None

    def place_after(self, t: Trigger, preps: frozenset[str]) -> ActorMention | None:
        """The country of the first place after the trigger, within its window, named after
        one of `preps` in the trigger's clause."""
        end = self.toks[t.end - 1].end
        for place in sorted(self.places, key=lambda p: p.span.start):
            if place.country is None or place.span.start < end:
                continue
            j = self._word_before(place, t.end)
            if j < t.end or j - t.end > t.pattern.window or self.keys[j] not in preps:
                continue
            if any(self.keys[k] in self.g.role_breaks for k in range(t.end, j)):
                return None
            return self._place_actor(place)
        return None

    def _word_before(self, place: PlaceMention, first: int) -> int:
        """The token before a place and its determiners, looking no further back than token
        `first` (-1 or less than `first`: none)."""
        before = [k for k, tok in enumerate(self.toks) if tok.end <= place.span.start]
        j = before[-1] if before else -1
        while j >= first and self.keys[j] in self.g.determiners:
            j -= 1
        return j

    def _place_actor(self, place: PlaceMention) -> ActorMention:
        """The country of a place (one with a country) as a party."""
        assert place.country is not None  # callers skip places without one
        return ActorMention(
            sentence_index=place.sentence_index,
            span=place.span,
            text=place.text,
            code=place.country,
            country=place.country,
            sector=None,
            name=place.name,
            entry=f"place:{place.name}",
            locative=True,
        )

    def _before_count(self, j: int) -> int:
        """The token before a count that ends at `j` ("to about 550 households", "killed at
        least 81 people"), or `j` when none ends there."""
        keys, i = self.keys, j
        while i >= 0 and (
            keys[i][:1].isdigit()
            or (keys[i] in self.g.quantifiers and i + 1 < len(keys) and self._counting(i + 1))
            or (keys[i] == "to" and i > 0 and keys[i - 1] == "up" and self._counting(i + 1))
        ):
            if keys[i] in ("least", "to") and i > 0 and keys[i - 1] in ("at", "up"):
                i -= 1  # "at least", "up to"
            i -= 1
        return i if i < j and self._counting(i + 1) else j

    def _counting(self, i: int) -> bool:
        return self.keys[i][:1].isdigit() or self.keys[i] in self.g.quantifiers

    def _direct_object(self, end: int, a0: int) -> bool:
        """Only determiners and modifiers stand between the verb and the mention; a
        participle after either is one too ("helped the two exiled dissidents")."""
        gap = self.keys[end:a0]
        if gap[:2] in (["at", "least"], ["up", "to"]):
            gap = gap[2:]

        def modifies(k: int) -> bool:
            w = gap[k]
            if w in self.g.determiners or w == "," or self._modifier(w):
                return True
            return k > 0 and gap[k - 1] != "," and is_participle(w)

        return len(gap) <= 3 and all(modifies(k) for k in range(len(gap)))

    def agent_after_by(self, t: Trigger) -> ActorMention | None:
        """'by X' after a passive verb; 'by X' or 'from X' after a noun ("criticism from X")."""
        markers = {self.g.agent_marker} | (
            self.g.noun_agent_markers if t.pattern.kind == "noun" else set()
        )
        for a in self._outside(t):
            a0, _ = self.span_of[id(a)]
            if t.end <= a0 <= t.end + t.pattern.window and self._prep_before(a0) in markers:
                # not the agent of a later verb ("jailed for ... were released by Putin")
                between = self.keys[t.end : a0]
                return None if any(w in self.g.be_forms for w in between) else a
        return None

    def modifier_of(self, t: Trigger) -> tuple[ActorMention | None, bool]:
        """The mention right before a nominal trigger, and whether it is a possessor."""
        for a in self._outside(t):
            _, a1 = self.span_of[id(a)]
            between = self.keys[a1 : t.start]
            if (
                a1 <= t.start
                and not a.locative
                and len(between) <= 2
                and all(
                    w in ("'s", "-") or self._modifier(w) or w in self.g.instrument_nouns
                    for w in between
                )  # "Israeli tank shelling", "a Russian artillery barrage"
            ):
                return a, "'s" in between
        return None, False

    def passive_subject(self, t: Trigger) -> ActorMention | None:
        """The mention right before "was/were (reportedly) <participle>", or before "who was";
        of a reduced passive, the party right before the participle."""
        if not self._be_passive(t):
            return self._party_before(t.start)
        subject = self.left_agent(t)
        if subject is None:
            return None
        j = t.start - 1
        while j >= 0 and (
            self.keys[j] in self.g.passive_skips
            or self.keys[j] in self.g.be_forms
            or self.keys[j].endswith("ly")
            or self.keys[j] in ("who", "that", "which", ",")
        ):
            j -= 1
        head = self._modified_head(subject, j)
        if head is not None:
            return head
        # allow a bare noun or two between ("the Ukrainian convoy was struck"), or a modifier
        # ("three citizens held in Russia since 2022 were released")
        gap = self.keys[self.span_of[id(subject)][1] : j + 1]
        if len(gap) <= 2 and all(w.isalpha() for w in gap):
            return subject
        return subject if self._post_modifier(gap) else None

    def _modified_head(self, inner: ActorMention, j: int) -> ActorMention | None:
        """ "the civilians jailed for acting against Moscow were released": a party after a
        preposition inside a modifier is not the subject; the party the modifier follows is."""
        a0 = self.span_of[id(inner)][0]
        if self._prep_before(a0) in (None, "of"):  # "the leader of the rebels": rebels
            return None
        heads = [
            a
            for a in self.actors
            if self.span_of[id(a)][1] < a0
            and not a.locative
            and self._post_modifier(self.keys[self.span_of[id(a)][1] : j + 1])
        ]
        return max(heads, key=lambda a: self.span_of[id(a)][1], default=None)

    def _post_modifier(self, gap: list[str]) -> bool:
        """A short post-modifier of a noun, starting with a participle or a preposition, with
        no clause break, comma or verb "be" in it."""
        return (
            bool(gap)
            and (is_participle(gap[0]) or gap[0] in self.g.prepositions)
            and len(gap) <= self.g.modifier_max
            and not any(
                w in self.g.be_forms or w in self.g.role_breaks or w in self.g.recipient_stops
                for w in gap
            )
        )

    def is_passive(self, t: Trigger) -> bool:
        return self._be_passive(t) or self.reduced_passive(t)

    def _be_passive(self, t: Trigger) -> bool:
        if t.pattern.kind != "verb" or not is_participle(self.keys[t.start]):
            return False
        j = t.start - 1
        while j >= 0 and (self.keys[j] in self.g.passive_skips or self.keys[j].endswith("ly")):
            j -= 1
        return j >= 0 and self.keys[j] in self.g.be_forms

    def reduced_passive(self, t: Trigger) -> bool:
        """ "victims killed by police", "the civilians jailed over the protest": a lone
        participle right after a party, with an agent named by "by" right after it, or of a
        verb that needs an object but is followed by none. The party may still act later in
        the sentence ("the students detained in May went on hunger strike")."""
        if not self._after_party(t.start) or not is_participle(self.keys[t.start]):
            return False
        if (
            t.start - 1 in self.owner_start
            and t.end == t.start + 1
            and t.end < len(self.keys)
            and self.keys[t.end] == self.g.agent_marker
        ):
            return self.agent_after_by(t) is not None
        # a phrase trigger may hold its object ("tortured detainees") or have it after its
        # preposition ("freed on bail two ministers"), but not a verb ("the rebels blamed for
        # the attack denied it")
        after = self.keys[t.end] if t.end < len(self.keys) else "."
        return (
            verb_lemma(self.keys[t.start]) in self.g.object_verbs
            and self._no_object(t.start + 1)
            and (self._no_object(t.end) or (t.end > t.start + 1 and is_participle(after)))
        )

    def _party_before(self, i: int) -> ActorMention | None:
        """The party `_after_party` finds before token `i`."""
        ends = (i, i - 1) if self._after_party(i) else ()
        return next((a for e in ends for a in self.actors if self.span_of[id(a)][1] == e), None)

    def _after_party(self, i: int) -> bool:
        """A party ends right before token `i`, or one bare noun before it ("the Hamas
        movement")."""
        if i - 1 in self.owner_start:
            return True
        w = self.keys[i - 1] if i > 0 else ""
        return (
            i - 2 in self.owner_start
            and w.isalpha()
            and not is_participle(w)
            and w not in self.g.function_words
        )

    def _no_object(self, i: int) -> bool:
        """Token `i` starts no object: a preposition that does not count ("at least",
        "over 20"), a time word, a form of "be", a word or mark that ends a phrase, or the end
        of the sentence."""
        keys = self.keys
        if i >= len(keys) or not keys[i][:1].isalnum():
            return True
        if keys[i][:1].isdigit():
            return False
        if keys[i] not in self.g.prepositions:
            return keys[i] in self.g.no_object_words
        ahead = keys[i + 1] if i + 1 < len(keys) else "."
        counts = i + 1 < len(keys) and keys[i] in self.g.quantifiers and self._counting(i + 1)
        return not counts and ahead not in ("least", "to", "than")  # "at least", "up to"

    def roles(
        self, t: Trigger
    ) -> tuple[list[ActorMention | None], list[ActorMention | None], list[str]]:
        """Actors, recipients, and how they were chosen (for `explain`)."""
        p = t.pattern
        preps = p.recipient_preps
        actor: ActorMention | None
        recipient: ActorMention | None
        actors: list[ActorMention | None] = [None]
        how: list[str] = []
        reduced = self.reduced_passive(t)
        passive = reduced or self._be_passive(t)
        if p.kind == "noun" and not self._after_light_verb(t.start):
            how.append("nominal trigger")
            actor, recipient = self.agent_after_by(t), None
            if actor is not None:
                actors = list(self._coordinated(actor, +1))
                how.append("actor: the 'by' phrase after the noun")
            mod, _ = self.modifier_of(t)
            if mod is not None and self.keys[t.end - 1] in self.g.patient_nouns:
                recipient = mod  # "Soleimani's killing", "the Soleimani killing"
                how.append("recipient: the noun's modifier (a noun of being acted upon)")
            elif mod is not None and actor is None:
                actor, actors = mod, [mod]
                how.append("actor: the noun's modifier")
            if recipient is None:
                recipient = self.right_recipient(
                    t, preps | {"of"}, direct=False, skip=tuple(a for a in actors if a)
                )
                if recipient is not None:
                    how.append("recipient: a prepositional phrase after the noun")
        elif passive:
            how.append("passive voice")
            recipient, actor = self.passive_subject(t), self.agent_after_by(t)
            actors = list(self._coordinated(actor, +1)) if actor else [None]
            how += ["recipient: the subject"] * bool(recipient)
            how += ["actor: the 'by' phrase"] * bool(actor)
        else:
            how.append("active voice" if p.kind == "verb" else "noun after a light verb")
            actor = self.left_agent(t)
            actors = list(self._coordinated(actor, -1)) if actor else [None]
            how += ["actor: the nearest agent before the trigger in its clause"] * bool(actor)
            recipient = self.object_inside(t)
            if recipient is not None:
                how.append("recipient: the object the phrase names")
            else:
                recipient = self.right_recipient(t, preps)
                how += ["recipient: the object or an allowed preposition after it"] * bool(
                    recipient
                )
            if recipient is None:
                recipient = self.object_inside(t, with_country=False)
                how += ["recipient: the object the phrase names"] * bool(recipient)
            if recipient is None and len(actors) == 1 and actors[0] is not None:
                # never the only party of an event, nor the partner of joint actors or a place.
                # A pattern that needs its recipient named takes only `named_recipient_preps`
                # ("released followers of the rebel leader"); one whose recipient is its
                # object takes none ("helped heal the rift with Qatar" helps no party).
                g = self.g
                fallback = g.named_recipient_preps if p.needs_recipient else g.fallback_preps
                recipient = None if p.object_only else self.right_recipient(t, fallback)
                if recipient is not None and recipient.locative:
                    recipient = None
                how += ["recipient: the first party after a preposition"] * bool(recipient)
            giver = self.giver_of(t)
            if giver is not None:
                recipient, actors = actor, list(self._coordinated(giver, +1))
                how.append("received from: the giver acts, the subject receives")
        if recipient is not None and any(recipient is a for a in actors):
            recipient = None
        if recipient is not None and recipient.locative and self._joint_act(t, actors):
            how.append("recipient dropped: the place where joint actors met")
            recipient = None
        if recipient is not None:
            self.acted_upon.add(id(recipient))
            if reduced:
                self.reduced_subjects.add(id(recipient))
        recipients: list[ActorMention | None] = (
            list(self._coordinated(recipient, +1)) if recipient else [None]
        )
        if len(actors) > 1 or len(recipients) > 1:
            how.append("coordinated participants: one event per pair")
        return actors, recipients, how

    # ---------------------------------------------------------------- events
    def embedded(self, t: Trigger, earlier: list[Trigger]) -> Trigger | None:
        """The request, promise, refusal, threat or accusation whose content `t` is.

        "urged Hamas to release the hostages", "accused India of violating its airspace",
        "Baghdad's request for the withdrawal": the inner act has not happened; PLOVER codes
        only the outer event.
        """
        # "sent troops to fight": any act may have a purpose, named by "to" and a verb
        purpose = t.pattern.kind == "verb" and t.start > 0 and self.keys[t.start - 1] == "to"
        j = self._before_phrase(t.start)
        if j >= 0 and verb_lemma(self.keys[j]) in self.g.light_verbs:
            j -= 1  # "threatened to launch a new ground operation"
        if not purpose and (j < 0 or self.keys[j] not in self.g.embedding_preps):
            return None
        gerund = t.pattern.kind == "verb" and self.keys[t.start].endswith("ing")
        for outer in reversed(earlier):
            kind = outer.pattern.event_type
            charge = gerund and kind in self.g.charge_types  # "jailed him for helping ..."
            if kind not in self.g.embedding_types and not purpose and not charge:
                continue
            if any(self.keys[k] in self.g.role_breaks for k in range(outer.end, t.start)):
                continue
            if t.start - outer.end <= self.g.embedding_window:
                return outer
        return None

    def aim_of_noun(self, t: Trigger) -> bool:
        """ "a proposal to swap prisoners", "a call by Washington to release them": an act
        named as the aim of a proposal, call or offer has not happened."""
        j = t.start - 1 if t.pattern.kind == "verb" else self._noun_phrase_start(t.start) - 1
        while j >= 0 and self.keys[j] in self.g.determiners:
            j -= 1
        if j < 1 or self.keys[j] != "to":
            return False
        k = j - 1
        if k in self.owner_start and k - 1 >= 0:  # "a call by the United States to ..."
            k = self.owner_start[k] - 1
            k -= self.keys[k] in self.g.determiners
            if self.keys[k] not in ("by", "from"):
                return False
            k -= 1
        if k < 1 or self.keys[k] not in self.g.content_nouns:
            return False
        # a noun, not a verb ("protesters demand to ..."): a determiner or possessor before it
        m = self._noun_phrase_start(k) - 1
        if m in self.owner_start:
            m = self.owner_start[m] - 1
        return m >= 0 and self.keys[m] in self.g.determiners

    def aimed_act(self, t: Trigger) -> bool:
        """ "a trip aimed at pushing for a ceasefire": an act right after an aim marker
        (`aim_markers`) is what something else is for."""
        start = t.start if t.pattern.kind == "verb" else self._before_phrase(t.start) + 1
        before = [" ".join(self.keys[start - n : start]) for n in (2, 3) if start >= n]
        return any(words in self.g.aim_markers for words in before)

    def ended_act(self, t: Trigger) -> bool:
        """ "agreed to lift the sanctions", "halted the offensive": a noun act that a verb of
        ending takes as its object, or that a noun of ending governs, is not a new act."""
        if t.pattern.kind == "noun" and self._object_of(t.start, self.g.ending_verbs):
            return True
        # "the end of the sanctions", "a ban on travel to Canada"
        j = t.start - 1
        while j >= 0 and self.keys[j] in self.g.determiners:
            j -= 1
        return (
            j >= 1
            and self.keys[j] in self.g.ending_preps
            and self.keys[j - 1] in self.g.ending_nouns
        )

    def participle_modifier(self, t: Trigger) -> bool:
        """ "detained protesters", "jailed activist", "from occupied territory": a participle
        standing before a noun describes it; the act it names is not reported here."""
        i = t.start
        if t.pattern.kind != "verb" or t.end - i != 1:
            return False
        if i > 1 and self.keys[i - 1] == "-" and i - 2 in self.in_actor:
            return is_participle(self.keys[i])  # "the Israeli-occupied sector", "rebel-held"
        if not self.keys[i].endswith("ed"):
            return False
        if t.end >= len(self.keys) or not (
            t.end in self.in_actor or self._modifier(self.keys[t.end])
        ):
            nxt = self.keys[t.end] if t.end < len(self.keys) else "."
            if (
                not nxt.isalpha()
                or nxt in self.g.prepositions
                or nxt in self.g.determiners
                or nxt in self.g.time_breaks
            ):
                return False
            if verb_lemma(nxt) != nxt and is_participle(nxt):
                return False
        if i == 0:
            return True
        prev = self.keys[i - 1]
        if i - 1 in self.in_actor:
            return False  # "the Rwandan capital alleged that ...": a subject and its verb
        return (
            prev in self.g.determiners
            or prev in self.g.prepositions
            or prev in self.g.quantifiers
            or prev[:1].isdigit()
            or any(i - 1 in u.used and u.pattern.kind == "verb" for u in self.chosen)
            or (prev.endswith("ed") and is_participle(prev))  # "questioned detained smugglers"
        )

    def parenthetical_report(self, t: Trigger) -> bool:
        """ ", analysts warned." reports what went before; it threatens no one."""
        if self.keys[t.start] not in self.forms[t.start] or t.end - t.start != 1:
            return False
        if verb_lemma(self.keys[t.start]) not in self.g.reporting_verbs:
            return False
        if t.end < len(self.keys) and self.keys[t.end] not in CLAUSE_PUNCT:
            return False
        j = t.start - 1
        if j in self.owner_start:
            j = self.owner_start[j] - 1
        return j >= 0 and self.keys[j] == ","

    def _own_act(self, t: Trigger) -> bool:
        """A noun act after "during" (`own_act_preps`) and at most two other words: "held
        talks during a surprise visit to Beirut"."""
        if t.pattern.kind != "noun":
            return False
        for j in range(t.start - 1, max(-1, t.start - 4), -1):
            if self.keys[j] in self.g.own_act_preps:
                return True
            if (
                j in self.in_actor
                or not self.keys[j].isalpha()
                or self.keys[j] in self.g.prepositions
            ):
                return False
        return False

    def _borrowed_actor(
        self, t: Trigger, previous: list[ActorMention | None], actors: list[ActorMention | None]
    ) -> str:
        """Why `t` takes the actors of the verb before it (empty: it does not)."""
        if previous == [None]:
            return ""
        if self._shares_subject(t):
            return "actor: that of the verb it is coordinated with"
        if actors == [None] and self._own_act(t):
            return "actor: that of the verb before (an act it did during it)"
        return ""

    def drafts(self) -> list[Draft]:
        out: list[Draft] = []
        seen: list[Trigger] = []
        triggers = self.triggers()
        content_target: dict[int, ActorMention] = {}
        contents: set[int] = set()
        for t in triggers:
            outer = self.embedded(t, seen)
            seen.append(t)
            if outer is None and (
                self.aim_of_noun(t)
                or self.aimed_act(t)
                or self.participle_modifier(t)
                or self.parenthetical_report(t)
                or self.ended_act(t)
            ):
                contents.add(id(t))
                continue
            if outer is not None:
                contents.add(id(t))
                target = self.right_recipient(t, t.pattern.recipient_preps)
                if target is not None:
                    content_target.setdefault(id(outer), target)
        previous: list[ActorMention | None] = [None]
        for t in triggers:
            if id(t) in contents:
                continue
            modality, cues = modality_of(self.toks, t.start, self.cues)
            actors, recipients, how = self.roles(t)
            borrowed = self._borrowed_actor(t, previous, actors)
            if borrowed:
                actors = [a for a in previous if not any(a is r for r in recipients)] or actors
                how = [*how, borrowed]
            if t.pattern.kind == "verb":
                previous = actors
            if recipients == [None] and id(t) in content_target:
                recipients = [content_target[id(t)]]
                how = [*how, "recipient: the target of the act it threatens, asks or promises"]
            if recipients == [None] and t.pattern.event_type in self.g.response_types:
                answered = self.answered_party(t, triggers)
                if answered:
                    recipients = answered
                    how = [*how, "recipient: the party whose call, offer or claim it answers"]
            refused = self.cues.refusal_as.get(t.pattern.event_type)
            if (
                modality == Modality.NEGATED
                and refused
                and refusal_of(self.toks, t.start, self.cues)
            ):
                pattern = replace(
                    t.pattern,
                    event_type="REJECT",
                    mode=refused.get("mode"),
                    cameo=str(refused["cameo"]),
                    id=f"{t.pattern.id}+refusal",
                )
                t = replace(t, pattern=pattern)
                how = [*how, f"refusal: a refused {t.pattern.id.split('.')[0]} act is a REJECT"]
                modality = Modality.ASSERTED
            pairs = [(a, r) for a in actors for r in recipients]
            if (
                len(actors) > 1
                and recipients == [None]
                and self._reciprocal(t)
                and not self._pronoun_object(t)
            ):
                pairs, why = self._joint_pairs(t, [a for a in actors if a])
                how = [*how, why]
            if (
                actors == [None]
                and len(recipients) > 1
                and self._reciprocal(t)
                and recipients[0] is not None
                and self._prep_before(self.span_of[id(recipients[0])][0]) == "between"
            ):
                pairs, why = self._joint_pairs(t, [r for r in recipients[:2] if r])
                how = [*how, f"talks between A and B: {why}"]
            for actor, recipient in pairs:
                if (
                    actor is not None
                    and actor.sector
                    and t.pattern.actor_sectors
                    and (actor.sector not in t.pattern.actor_sectors)
                ):
                    continue
                if actor is None and recipient is None and not self._may_take_place(t):
                    continue
                if recipient is None and t.pattern.needs_recipient:
                    continue
                if actor is not None and recipient is not None and actor.code == recipient.code:
                    continue
                trigger, riot = self._as_riot(t, actor)
                out.append(Draft(trigger, actor, recipient, modality, cues, (*how, *riot)))
        placed = [
            self._with_phrase_recipient(self._with_place_recipient(self._with_origin(d)))
            for d in merge_drafts(out)
        ]
        return [d for d in placed if d.actor is not None or d.recipient is not None]

    def _with_phrase_recipient(self, d: Draft) -> Draft:
        """After merging and places: an act with no recipient acts on the noun phrase after it."""
        if (
            d.actor is None  # an act with no party at all stays no event
            or d.recipient is not None
            or d.trigger.pattern.event_type not in self.g.phrase_recipient_types
        ):
            return d
        phrase = self.object_phrase(d.trigger)
        if phrase is None or d.actor.span == phrase.span:
            return d
        return replace(
            d,
            recipient=phrase,
            how=(*d.how, f"recipient: the phrase {phrase.text!r} (no party named)"),
        )

    def object_phrase(self, t: Trigger) -> ActorMention | None:
        """The noun phrase right after the trigger, or after one of its recipient prepositions:
        determiners, then words up to a preposition, punctuation, a verb or a party."""
        if self.is_passive(t) or (t.pattern.kind == "noun" and not self._after_light_verb(t.start)):
            return None
        i = t.end
        if i < len(self.keys) and self.keys[i] in t.pattern.recipient_preps:
            i += 1
            if (
                self.keys[i - 1] == "to"
                and i < len(self.keys)
                and verb_lemma(self.keys[i]) == self.keys[i]
            ):
                return None  # "appealed to release": an infinitive, not a party
        elif t.pattern.kind == "noun":
            return None  # "launched an assault": only a preposition leads to its target
        first = i
        while i < len(self.keys) and self.keys[i] in self.g.determiners:
            i += 1
        start, end = i, i
        while (
            end < len(self.keys)
            and end - start < self.g.phrase_recipient_max
            and self._phrase_word(end)
        ):
            end += 1
        if (
            end == start
            or self.keys[start] == "-"
            or end < len(self.keys)
            and self.keys[end] in ("'s", "-")
        ):
            return None  # nothing, or part of a longer word ("explosives-laden")
        head, tok = self.keys[end - 1], self.toks[end - 1]
        if noun_lemma(head) in self.g.instrument_nouns or head in self.g.instrument_nouns:
            return None
        if head in self.g.quantifiers or not (can_be_noun(head) or tok.text[:1].isupper()):
            return None  # "a peaceful", "more than a hundred": no noun to act on
        span = Span(self.toks[first].start, self.toks[end - 1].end)
        text = " ".join(tok.text for tok in self.toks[first:end])
        return ActorMention(
            sentence_index=-1,
            span=span,
            text=text,
            code="UNK",
            country=None,
            sector=None,
            name=text,
            entry="phrase",
        )

    def _phrase_word(self, i: int) -> bool:
        word = self.keys[i]
        if i in self.in_actor or word in self.g.phrase_breaks or word in self.g.prepositions:
            return False
        if word in self.g.recipient_stops or word in self.g.coordinators or word == "to":
            return False
        if word[:1].isdigit() or word in self.g.quantifiers or word == "-":
            return True
        return word.isalpha() and not verb_only(word)

    def _pronoun_object(self, t: Trigger) -> bool:
        return t.end < len(self.keys) and self.keys[t.end] in self.g.object_pronouns

    def _joint_pairs(self, t: Trigger, parties: list[ActorMention]) -> tuple[list[Pair], str]:
        """Joint parties of a reciprocal act, in text order: every ordered pair when acts are
        directed both ways (CAMEO conventions, "each other"), else every pair once, the
        earlier acting on the later."""
        ordered = sorted(parties, key=lambda a: a.span.start)
        if self.directed_pairs or self._each_other(t):
            pairs: list[Pair] = [(a, b) for a in ordered for b in ordered if a is not b]
            return pairs, "joint actors acting on each other: one event each way"
        once: list[Pair] = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
        return once, "joint actors: each acts on those named after it"

    def _may_take_place(self, t: Trigger) -> bool:
        return t.pattern.event_type in self.g.place_recipient_types and self._reported_as_happening(
            t
        )

    def _as_riot(self, t: Trigger, actor: ActorMention | None) -> tuple[Trigger, tuple[str, ...]]:
        """Violence whose actor is a crowd ("protesters torched a building") is a riot
        (`crowd_violence`), with the pattern's phrase kept in its id."""
        rule = self.g.crowd_violence
        if actor is None or t.pattern.event_type != rule["from"]:
            return t, ()
        if (t.pattern.mode or "none") not in rule["modes"]:
            return t, ()
        word = actor.entry.rsplit(":", 1)[-1].lower() if "agent:" in actor.entry else ""
        if word not in self.g.crowd_agents:
            return t, ()
        pattern = t.pattern.recoded(rule["type"], rule["mode"], (), rule["cameo"], "crowd")
        return replace(t, pattern=pattern), (f"violence by a crowd ({word!r}): a riot",)

    def _with_origin(self, d: Draft) -> Draft:
        """An attack with no actor comes from the country of a place after "from" (`origin_preps`)
        in its clause ("a mortar bomb was fired at it from the Gaza Strip")."""
        t = d.trigger
        if d.actor is not None or t.pattern.event_type not in self.g.origin_types:
            return d
        origin = self.place_after(t, self.g.origin_preps)
        if origin is None or (d.recipient is not None and d.recipient.country == origin.country):
            return d
        return replace(
            d,
            actor=origin,
            how=(*d.how, f"actor: the country the attack came from {origin.text!r}"),
        )

    def _with_place_recipient(self, d: Draft) -> Draft:
        """After merging: an attack, coercion or deployment with no target acts on the
        country of the place it happens in."""
        t = d.trigger
        if (
            d.recipient is not None
            or t.pattern.event_type not in self.g.place_recipient_types
            or not (d.actor is not None or self._reported_as_happening(t))
        ):
            return d
        target = self.place_recipient(t, [d.actor])
        if target is None:
            return d
        return replace(
            d,
            recipient=target,
            how=(*d.how, f"recipient: the country of the place {target.text!r}"),
        )


def _same(a: ActorMention | None, b: ActorMention | None) -> bool | None:
    """True: one entity; None: one side unknown or the same country; False: different."""
    if a is None or b is None:
        return None
    if a.code == b.code:
        return True
    return None if a.country is not None and a.country == b.country else False


def _mergeable(d: Draft, other: Draft) -> bool:
    roles = (_same(d.actor, other.actor), _same(d.recipient, other.recipient))
    # Two triggers are one event when no role differs and at least one role is shared or open.
    return False not in roles and (
        d.actor is None
        or other.actor is None
        or d.recipient is None
        or other.recipient is None
        or roles == (True, True)
    )


def _better(a: ActorMention | None, b: ActorMention | None) -> ActorMention | None:
    if a is None or (b is not None and a.country is None and b.country is not None):
        return b
    return a


def _rank(d: Draft) -> tuple[int, int, int]:
    p = d.trigger.pattern
    return (p.mode is not None, len(p.cameo), p.specificity)


def merge_drafts(drafts: list[Draft]) -> list[Draft]:
    """One event per happening: same type, compatible roles and modality in one sentence."""
    kept: list[Draft] = []
    for d in drafts:
        for k, other in enumerate(kept):
            p, q = d.trigger.pattern, other.trigger.pattern
            if (
                p.event_type == q.event_type
                and d.modality == other.modality
                and d.trigger is not other.trigger
                and _mergeable(d, other)
            ):
                base, gone = (d, other) if _rank(d) > _rank(other) else (other, d)
                note = (
                    f"merged with the {gone.trigger.pattern.kind} trigger {gone.trigger.pattern.id}"
                )
                kept[k] = replace(
                    base,
                    actor=_better(other.actor, d.actor),
                    recipient=_better(other.recipient, d.recipient),
                    how=(*base.how, note),
                )
                break
        else:
            kept.append(d)
    return kept


def _event_id(article_id: str, si: int, d: Draft, trigger: Span) -> str:
    parts = [
        article_id,
        str(si),
        str(trigger.start),
        d.trigger.pattern.event_type,
        d.actor.code if d.actor else "",
        d.recipient.code if d.recipient else "",
        str(d.actor.span.start) if d.actor else "",
        str(d.recipient.span.start) if d.recipient else "",
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def _nearest_time(
    times: list[TimeMention], toks: list[Token], t: Trigger, g: Grammar
) -> TimeMention | None:
    lo = toks[clause_start(toks, t.start, g.time_breaks)].start
    hi_idx = next((i for i in range(t.end, len(toks)) if toks[i].lower in g.time_breaks), len(toks))
    hi = toks[hi_idx - 1].end if hi_idx > 0 else toks[-1].end
    anchor = toks[t.start].start
    inside = [m for m in times if m.span.start >= lo and m.span.end <= hi]
    return min(inside, key=lambda m: abs(m.span.start - anchor), default=None)


def _nearest_place(
    places: list[PlaceMention], text: str, anchor: int, locative: frozenset[str], taken: list[Span]
) -> PlaceMention | None:
    def is_locative(p: PlaceMention) -> bool:
        before = text[max(0, p.span.start - 16) : p.span.start].lower().split()
        before = [w for w in before if w != "the"]
        return bool(before) and before[-1] in locative

    def is_participant(p: PlaceMention) -> bool:
        return any(p.span.start < s.end and s.start < p.span.end for s in taken)

    candidates = [p for p in places if is_locative(p) and not is_participant(p)]
    return min(
        candidates, key=lambda p: (p.span.start < anchor, abs(p.span.start - anchor)), default=None
    )


def _check_crowd_rule(g: Grammar, ontology: Ontology, path: Path) -> None:
    """`crowd_violence` in grammar.yaml names known types, modes and a known CAMEO code."""
    rule = g.crowd_violence
    require(rule.get("from") in ontology.event_types, path, "crowd_violence: unknown 'from' type")
    for mode in rule.get("modes", []):
        known = mode == "none" or ontology.has_mode(rule["from"], mode)
        require(known, path, f"crowd_violence: {mode!r} is not a mode of {rule['from']}")
    require(rule.get("type") in ontology.event_types, path, "crowd_violence: unknown type")
    require(ontology.has_mode(rule["type"], rule.get("mode")), path, "crowd_violence: bad mode")
    require(str(rule.get("cameo")) in ontology.cameo, path, "crowd_violence: unknown CAMEO code")


class DocumentCoder:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.patterns = load_patterns(config)
        self.cues = load_modality(config)
        self.grammar = load_grammar(config)
        self.ontology: Ontology = load_ontology(config)
        _check_crowd_rule(self.grammar, self.ontology, data_path(config, "coding/grammar.yaml"))
        if config.conventions not in CONVENTIONS:
            raise ValueError(
                f"unknown conventions {config.conventions!r} (known: {', '.join(CONVENTIONS)})"
            )
        self.conventions = (
            load_conventions(config, self.ontology) if config.conventions == "cameo" else None
        )
        comp = load_actor_dictionary(config).composition
        self.locative = comp.locative_preps if comp else frozenset()

    def code(self, doc: Document) -> list[Event]:
        events: list[Event] = []
        actors = _by_sentence(doc.actors)
        times, places = _by_sentence(doc.times), _by_sentence(doc.places)
        focus = article_focus(doc.places, doc.actors)
        for s in doc.sentences:
            i = s.index
            events.extend(
                self.code_sentence(
                    doc, s, actors.get(i, []), focus, times.get(i, []), places.get(i, [])
                )
            )
        return events

    def code_sentence(
        self,
        doc: Document,
        s: Sentence,
        actors: list[ActorMention],
        focus: PlaceMention | None = None,
        times: list[TimeMention] | None = None,
        places: list[PlaceMention] | None = None,
    ) -> list[Event]:
        """The events of one sentence; `times` and `places` are its own (found in `doc`
        when not given)."""
        toks = tokenize(doc.text, s.span.start, s.span.end)
        forms = word_forms_of([t.lower for t in toks])
        if not self._may_trigger(toks, forms):
            return []  # no pattern can match: no trigger, so no event
        if times is None:
            times = [m for m in doc.times if m.sentence_index == s.index]
        if places is None:
            places = [m for m in doc.places if m.sentence_index == s.index]
        # a name the dictionaries do not know that the gazetteer does is a place, not an actor
        actors = [
            a
            for a in actors
            if not (
                a.code == "UNK"
                and any(p.span.start < a.span.end and a.span.start < p.span.end for p in places)
            )
        ]
        sc = SentenceCoder(
            toks,
            actors,
            self.patterns,
            self.cues,
            self.grammar,
            s.block,
            places,
            self.locative,
            forms,
            directed_pairs=bool(self.conventions and self.conventions.directed_pairs),
        )
        drafts = sc.drafts()
        if self.conventions is not None:
            drafts = apply_cameo(sc, drafts, self.conventions, self.ontology)
        sentence_text = s.span.text(doc.text)
        return [self._event(doc, s, sentence_text, toks, d, times, places, focus) for d in drafts]

    def _may_trigger(self, toks: list[Token], forms: list[frozenset[str]] | None = None) -> bool:
        """Cheap and necessary for a trigger: a pattern starts at some word and each of its
        other words is somewhere in the sentence. `forms`: the tokens' word forms, if made."""
        if forms is None:
            forms = word_forms_of([t.lower for t in toks])
        starting_with, first = self.patterns.starting_with, self.patterns.first_words
        needs = [rest for f in forms if not f.isdisjoint(first) for _, rest in starting_with(f)]
        if not needs:
            return False  # no word starts a pattern (most sentences)
        present = frozenset().union(*forms)
        return any(rest <= present for rest in needs)

    def _derivation(self, d: Draft, when: TimeMention | None) -> tuple[str, ...]:
        p = d.trigger.pattern
        steps = [
            f"pattern {p.id} ({p.kind} phrase {p.phrase!r}): {p.event_type}"
            f"{'/' + p.mode if p.mode else ''}, CAMEO {p.cameo}",
            *d.how,
            f"actor {_who(d.actor)}",
            f"recipient {_who(d.recipient)}",
            f"modality {d.modality.value}"
            + (f" (cues: {', '.join(d.cues)})" if d.cues else " (no cue before the trigger)"),
            f"date from {when.text!r} ({when.rule})" if when else "date: the publication date",
        ]
        return tuple(steps)

    def _event(
        self,
        doc: Document,
        s: Sentence,
        sentence_text: str,
        toks: list[Token],
        d: Draft,
        times: list[TimeMention],
        places: list[PlaceMention],
        focus: PlaceMention | None = None,
    ) -> Event:
        t, p = d.trigger, d.trigger.pattern
        span = Span(toks[t.start].start, toks[t.end - 1].end)
        when = _nearest_time(times, toks, t, self.grammar)
        taken = [m.span for m in (d.actor, d.recipient) if m is not None]
        where = _nearest_place(places, doc.text, span.start, self.locative, taken)
        date, precision, date_text = (
            (when.date, when.precision, when.text)
            if when
            else (doc.published, "day", None)
            if doc.published
            else (None, None, None)
        )
        location = (
            Location(where.name, where.country, where.lat, where.lon, where.precision, where.span)
            if where
            # no place in its own sentence: the article's focus, with no span of its own
            else Location(focus.name, focus.country, focus.lat, focus.lon, focus.precision)
            if focus
            else None
        )
        confidence = (
            0.45
            + 0.2 * bool(d.actor and d.actor.country)
            + 0.2 * bool(d.recipient and d.recipient.country)
            + 0.1 * (p.specificity > 1)
            - 0.1 * (p.kind == "noun")
        )
        return Event(
            event_id=_event_id(doc.id, s.index, d, span),
            article_id=doc.id,
            sentence_index=s.index,
            sentence=sentence_text,
            trigger_text=span.text(doc.text),
            trigger_span=span,
            event_type=p.event_type,
            mode=p.mode,
            context=p.context,
            cameo=p.cameo,
            quad_class=self.ontology.event_types[p.event_type].quad_class,
            goldstein=self.ontology.goldstein(p.cameo),
            modality=d.modality,
            actor=Participant.from_mention(d.actor) if d.actor else None,
            recipient=Participant.from_mention(d.recipient) if d.recipient else None,
            date=date,
            date_precision=precision,
            date_text=date_text,
            location=location,
            confidence=round(min(0.99, max(0.05, confidence)), 2),
            coder=CODER,
            pattern=f"{p.id}:{p.kind}:{p.phrase}",
            block=s.block,
            cues=d.cues,
            derivation=(
                *self._derivation(d, when),
                f"place from {where.text!r}"
                if where
                else f"place: the article's focus {focus.name!r}"
                if focus
                else "place: none",
            ),
        )


def article_focus(
    places: tuple[PlaceMention, ...] | list[PlaceMention],
    actors: tuple[ActorMention, ...] | list[ActorMention] = (),
) -> PlaceMention | None:
    """The place an article is about: its most named city or landmark, else its most named
    country or region; ties go to the first named. A name used as an actor ("Tehran could be
    preparing an attack") is not a place the article is about."""
    # spans lie inside sentences: a place can overlap only agents of its own sentence
    agents = _by_sentence([a for a in actors if not a.locative])
    places = [
        p
        for p in places
        if not any(
            p.span.start < a.span.end and a.span.start < p.span.end
            for a in agents.get(p.sentence_index, ())
        )
    ]
    for levels in (("landmark", "city", "admin1"), ("country", "region")):
        named = [p for p in places if p.precision in levels]
        if named:
            counts: dict[str, int] = {}
            for p in named:
                counts[p.name] = counts.get(p.name, 0) + 1
            best = max(counts.values())
            return next(p for p in named if counts[p.name] == best)
    return None


M = TypeVar("M", ActorMention, PlaceMention, TimeMention)


def _by_sentence(mentions: Iterable[M]) -> dict[int, list[M]]:
    """Mentions grouped by sentence index, in their order."""
    out: dict[int, list[M]] = {}
    for m in mentions:
        out.setdefault(m.sentence_index, []).append(m)
    return out


def _who(m: ActorMention | None) -> str:
    return f"{m.text!r} -> {m.code} [{m.entry}]" if m else "none"


@register_stage
class CodeStage(Stage):
    name = "code"
    requires = ("sentences", "actors")
    assigns = ("events",)

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self._coder: DocumentCoder | None = None

    def __call__(self, doc: Document) -> Document:
        if self._coder is None:
            self._coder = DocumentCoder(self.config)
        return replace(doc, events=tuple(self._coder.code(doc)))
