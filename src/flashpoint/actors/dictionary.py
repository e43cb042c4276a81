"""The actor dictionary: countries, metonyms, demonyms, sector words, groups and dated people.

All of it comes from YAML under `data/actors/`. It is compiled once per process into a phrase
trie over lowercase tokens and, for recognition, into an Aho-Corasick automaton over the same
phrases: one C-level scan of a sentence finds every phrase in it (`ActorDictionary.phrases_in`).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path
from ..text.tokens import tokenize

FILES = ("countries", "agents", "groups", "people", "composition")
END = "\x00"  # trie key that ends a phrase; no token can be it ("$" can)


@dataclass(frozen=True, slots=True)
class Role:
    country: str | None
    sector: str | None
    title: str
    start: dt.date | None
    end: dt.date | None

    def holds_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Entry:
    """One dictionary sense of a phrase."""

    kind: str  # country | demonym | metonym | capital | agent | operator | group | person
    entry_id: str
    name: str
    code: str | None = None  # a group's own code
    country: str | None = None
    sector: str | None = None
    sponsor: str | None = None
    exact_case: bool = False  # acronyms: "US" must not match "us"
    roles: tuple[Role, ...] = ()

    def role_on(self, day: dt.date | None) -> Role | None:
        """The role a person held on `day`; else the last one before it; else the first."""
        if not self.roles:
            return None
        if day is None:
            return self.roles[-1]
        current = [r for r in self.roles if r.holds_on(day)]
        if current:
            return current[-1]
        past = [r for r in self.roles if r.end is not None and r.end <= day]
        return past[-1] if past else self.roles[0]


@dataclass
class Composition:
    sponsor_words: frozenset[str]
    leader_words: frozenset[str]
    location_preps: frozenset[str]
    locative_preps: frozenset[str]
    generic_heads: frozenset[str]
    generic_default_sector: str
    gap_breakers: frozenset[str]
    max_gap: int
    not_names: frozenset[str]
    name_connectors: frozenset[str]
    context_share: float = 0.5
    function_words: frozenset[str] = frozenset()
    definite_words: frozenset[str] = frozenset()


@dataclass
class ActorDictionary:
    trie: dict[str, Any] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)  # code -> name
    countries: dict[str, str] = field(default_factory=dict)  # ISO3 -> name
    composition: Composition | None = None
    max_phrase: int = 1
    _automaton: Any = field(default=None, repr=False, compare=False)

    def add(self, phrase: str, entry: Entry) -> None:
        keys = [t.lower for t in tokenize(phrase)]
        if not keys:
            return
        node = self.trie
        for key in keys:
            node = node.setdefault(key, {})
        node.setdefault(END, []).append(entry)
        self.max_phrase = max(self.max_phrase, len(keys))

    def lookup(self, keys: list[str], start: int) -> tuple[int, list[Entry]]:
        """Longest phrase starting at `start`: (length, entries), or (0, [])."""
        node = self.trie
        best: tuple[int, list[Entry]] = (0, [])
        for i in range(start, min(len(keys), start + self.max_phrase)):
            nxt = node.get(keys[i])
            if nxt is None:
                break
            node = nxt
            if END in node:
                best = (i - start + 1, node[END])
        return best

    def _phrases(self) -> list[tuple[list[str], list[Entry]]]:
        out: list[tuple[list[str], list[Entry]]] = []
        stack: list[tuple[list[str], dict[str, Any]]] = [([], self.trie)]
        while stack:
            keys, node = stack.pop()
            for key, child in node.items():
                if key == END:
                    out.append((keys, child))
                else:
                    stack.append(([*keys, key], child))
        return out

    def automaton(self) -> Any:
        """Every phrase as " key key ": tokens never hold spaces, so a hit is whole tokens."""
        if self._automaton is None:
            a = ahocorasick.Automaton()
            for keys, entries in self._phrases():
                phrase = f" {' '.join(keys)} "
                a.add_word(phrase, (len(phrase), len(keys), entries))
            a.make_automaton()
            self._automaton = a
        return self._automaton

    def phrases_in(self, keys: list[str]) -> dict[int, tuple[int, list[Entry]]]:
        """Token index -> the longest phrase starting there (length, entries); what `lookup`
        gives at each index, from one scan of the sentence."""
        line = f" {' '.join(keys)} "
        found: dict[int, tuple[int, list[Entry]]] = {}
        for end, (chars, length, entries) in self.automaton().iter(line):
            start = line.count(" ", 0, end - chars + 1)  # spaces before it = its token index
            if length > found.get(start, (0,))[0]:
                found[start] = (length, entries)
        return found


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        require(False, where, f"bad date {value!r}")
    return None  # pragma: no cover


def _is_acronym(phrase: str) -> bool:
    letters = [c for c in phrase if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _add_countries(d: ActorDictionary, path: Path) -> None:
    data = load_yaml(path)
    require(isinstance(data, dict) and "countries" in data, path, "needs a 'countries' list")
    for row in data["countries"]:
        code = row.get("code", "")
        require(len(code) == 3 and code.isupper(), path, f"bad ISO alpha-3 code {code!r}")
        require(code not in d.countries, path, f"duplicate country code {code}")
        name = row["name"]
        d.countries[code] = name
        for phrase in [name, *(row.get("aliases") or [])]:
            d.add(
                phrase, Entry("country", code, name, country=code, exact_case=_is_acronym(phrase))
            )
        for phrase in row.get("demonyms") or []:
            d.add(phrase, Entry("demonym", code, name, country=code))
        capital = row.get("capital") or {}
        if capital.get("name"):
            cap = capital["name"]
            d.add(cap, Entry("capital", f"{code}:{cap}", name, country=code, sector="GOV"))
        for m in row.get("metonyms") or []:
            require(m.get("sector") in d.sectors, path, f"{code}: unknown sector {m.get('sector')}")
            d.add(
                m["text"],
                Entry(
                    "metonym",
                    f"{code}:{m['text']}",
                    name,
                    country=code,
                    sector=m["sector"],
                    exact_case=_is_acronym(m["text"]),
                ),
            )


def _add_agents(d: ActorDictionary, path: Path) -> None:
    data = load_yaml(path)
    require(isinstance(data, dict) and "sectors" in data, path, "needs a 'sectors' list")
    seen: dict[str, str] = {}
    for row in data["sectors"]:
        code = row["code"]
        d.sectors[code] = row.get("name", code)
        for word in row.get("words") or []:
            w = word.lower()
            require(w not in seen, path, f"word {word!r} is in sectors {seen.get(w)} and {code}")
            seen[w] = code
            d.add(w, Entry("agent", f"agent:{code}:{w}", d.sectors[code], sector=code))


def _add_groups(d: ActorDictionary, path: Path) -> None:
    data = load_yaml(path)
    require(isinstance(data, dict) and "groups" in data, path, "needs a 'groups' list")
    codes: set[str] = set()
    for row in data["groups"]:
        code = row["code"]
        require(code not in codes, path, f"duplicate group code {code}")
        codes.add(code)
        sector = row.get("sector")
        require(sector in d.sectors or sector is None, path, f"{code}: unknown sector {sector}")
        for phrase in [row["name"], *(row.get("aliases") or [])]:
            d.add(
                phrase,
                Entry(
                    "group",
                    code,
                    row["name"],
                    code=code,
                    country=row.get("country"),
                    sector=sector,
                    sponsor=row.get("sponsor"),
                    exact_case=_is_acronym(phrase),
                ),
            )


def _add_people(d: ActorDictionary, path: Path) -> None:
    data = load_yaml(path)
    require(isinstance(data, dict) and "people" in data, path, "needs a 'people' list")
    for row in data["people"]:
        where = f"{path} ({row.get('name')})"
        roles = tuple(
            sorted(
                (
                    Role(
                        r.get("country"),
                        r.get("sector"),
                        r.get("title", ""),
                        _date(r.get("start"), where),
                        _date(r.get("end"), where),
                    )
                    for r in row.get("roles") or []
                ),
                key=lambda r: r.start or dt.date.min,
            )
        )
        require(bool(roles), where, "a person needs at least one role")
        entry = Entry("person", f"person:{row['name']}", row["name"], roles=roles)
        for phrase in [row["name"], *(row.get("aliases") or [])]:
            d.add(phrase, entry)


def _composition(d: ActorDictionary, path: Path) -> None:
    data = load_yaml(path)
    for sector, nouns in (data.get("operator_nouns") or {}).items():
        require(sector in d.sectors, path, f"unknown sector {sector}")
        for noun in nouns:
            d.add(
                noun,
                Entry("operator", f"operator:{sector}:{noun}", d.sectors[sector], sector=sector),
            )
    d.composition = Composition(
        sponsor_words=frozenset(data["sponsor_words"]),
        leader_words=frozenset(data.get("leader_words", [])),
        location_preps=frozenset(data["location_preps"]),
        locative_preps=frozenset(data["locative_preps"]),
        generic_heads=frozenset(data["generic_heads"]),
        generic_default_sector=data["generic_default_sector"],
        gap_breakers=frozenset(data["gap_breakers"]),
        max_gap=int(data["max_gap"]),
        not_names=frozenset(w.lower() for w in data.get("not_names", [])),
        name_connectors=frozenset(data.get("name_connectors", [])),
        context_share=float(data.get("context_share", 0.5)),
        function_words=frozenset(data.get("function_words", [])),
        definite_words=frozenset(data.get("definite_words", [])),
    )


@functools.lru_cache(maxsize=8)
def _build(paths: tuple[Path, ...]) -> ActorDictionary:
    countries, agents, groups, people, composition = paths
    d = ActorDictionary()
    _add_agents(d, agents)  # first: the others check sectors against it
    _add_countries(d, countries)
    _add_groups(d, groups)
    _add_people(d, people)
    _composition(d, composition)
    return d


def load_actor_dictionary(config: Config | None = None) -> ActorDictionary:
    config = config or Config()
    return _build(tuple(data_path(config, f"actors/{name}.yaml") for name in FILES))
