"""Find place names in a document and pick the place each one means.

Matching walks the tokens of each sentence and takes the longest gazetteer key at each position
("Baghdad International Airport" before "Baghdad"). A candidate must pass the case rules:

* acronyms ("US", "U.S.") match only as written;
* a name that is an ordinary word or a given name ("Police", "Of", "Nice", "Florence") matches
  only when capitalised, and, unless it is a country, one of our regions or a city of a million,
  only right after a cue word ("in Nice") or before a country in apposition ("Nice, France");
* lowercase text matches only names that are not ordinary words and are one of our own entries or
  a city of some size ("najaf");
* a smaller city next to another capitalised word that is not a place word is taken for part of a
  person's or organisation's name ("Mohsen Najaf" is not Najaf), and a small city needs a cue, a
  country in apposition or its country elsewhere in the document;
* names glued into a hyphenated compound ("Iran-backed", "pro-Israel") are modifiers, not places.

Among the candidates that pass, a score picks one: log10 of population, a bonus for our curated
entries and for countries, a bonus when the place's country is among the document's countries
(actors' countries plus countries of the unambiguous places found in a first pass), a large bonus
for a country written next to the name ("Tripoli, Lebanon"), and a penalty for alternate spellings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..model import Document, PlaceMention, Sentence, Span
from ..pipeline import Stage, register_stage
from ..text.tokens import Token, is_lowercase_text, tokenize
from .gazetteer import (
    ADMIN1,
    CITY,
    COUNTRY,
    DEFAULT_MIN_POPULATION,
    LANDMARK,
    REGION,
    SEP,
    Gazetteer,
    Name,
    Place,
    fold,
    is_common_word,
    key_of,
    load_gazetteer,
    population_score,
)

_OPENERS = frozenset({'"', "“", "‘", "'", "(", "[", ":", "—", "–", "-"})
_CURATED_BASE = 6.0  # log10 population assumed for our own entries that give none


@dataclass(frozen=True, slots=True)
class _Match:
    sentence: int
    start: int  # token indexes into `tokens`
    end: int
    tokens: Sequence[Token]
    names: tuple[Name, ...]
    apposition: frozenset[str]  # countries written right after the name
    cue: bool = False  # a locative cue word right before the name ("in Najaf")


def _is_cap(tok: Token) -> bool:
    return tok.text[:1].isupper()


def _cue_before(toks: Sequence[Token], i: int, gaz: Gazetteer) -> bool:
    j = i - 1
    if j >= 0 and toks[j].lower == "the":
        j -= 1
    return j >= 0 and toks[j].lower in gaz.rules.locative_cues


def _country_after(toks: Sequence[Token], j: int, gaz: Gazetteer) -> frozenset[str]:
    """Countries of a country or state name written at toks[j+1:] after a comma at toks[j]
    ("Tripoli, Lebanon"), or after "in" and an optional direction ("Palma in northern
    Mozambique")."""
    if j >= len(toks):
        return frozenset()
    if toks[j].text != ",":
        if toks[j].lower != "in":
            return frozenset()
        if j + 1 < len(toks) and toks[j + 1].lower in gaz.rules.locative_cues:
            j += 1
    keys = [fold(t.text) for t in toks[j + 1 : j + 6]]
    for n in range(len(keys), 0, -1):
        found = {
            c.place.country
            for c in gaz.lookup(tuple(keys[:n]))
            if c.place.precision in (COUNTRY, ADMIN1) and c.place.country and _is_cap(toks[j + 1])
        }
        if found:
            return frozenset(x for x in found if x)
    return frozenset()


def _person_context(toks: Sequence[Token], i: int, end: int, gaz: Gazetteer) -> bool:
    """A capitalised non-place word right before or after the name: part of a longer name."""
    if i > 0:
        prev = toks[i - 1]
        initial = i == 1 or toks[i - 2].text in _OPENERS or toks[i - 2].text in ".!?"
        if (
            prev.text.isalpha()
            and _is_cap(prev)
            and prev.lower not in gaz.rules.locative_cues
            and not (initial and is_common_word(prev.lower, gaz.rules))
        ):
            return True
    if end < len(toks):
        nxt = toks[end]
        if (
            nxt.text.isalpha()
            and _is_cap(nxt)
            and nxt.lower not in gaz.rules.place_words
            and not is_common_word(nxt.lower, gaz.rules)
        ):
            return True
    return False


def _acceptable(
    name: Name,
    key: tuple[str, ...],
    toks: Sequence[Token],
    i: int,
    end: int,
    gaz: Gazetteer,
    text: str,
    caseless: bool,
    apposition: frozenset[str],
) -> bool:
    rules = gaz.rules
    place = name.place
    surface = text[toks[i].start : toks[end - 1].end].replace("’", "'")
    if name.case_sensitive:
        return surface == name.surface
    if len(key) == 1 and key[0] in rules.function_words:
        return False
    capitalised = caseless or _is_cap(toks[i])
    cue = _cue_before(toks, i, gaz)
    small_city = place.precision == CITY and not place.curated
    common = gaz.is_common(key)
    if common:
        if not capitalised or (caseless and not cue):
            return False
        if key[-1] in rules.person_names or any(w in rules.person_names for w in key):
            if not cue and (_person_context(toks, i, end, gaz) or small_city):
                return False
        big = place.population >= rules.big_city_population
        if small_city and not big and place.country not in apposition:
            # an ordinary word as a town: "in Police", never "the Police Department"
            direct = i > 0 and toks[i - 1].lower in rules.locative_cues
            nxt = toks[end] if end < len(toks) else None
            if not direct or (nxt is not None and nxt.text.isalpha() and _is_cap(nxt)):
                return False
        return True
    if not capitalised:
        if place.precision == ADMIN1 and not place.curated:
            return False
        return place.precision != CITY or place.population >= rules.lowercase_min_population
    if small_city and place.population < rules.big_city_population:
        if not cue and not apposition and _person_context(toks, i, end, gaz):
            return False
    return True


def _score(
    name: Name,
    hints: set[str],
    apposition: frozenset[str],
    gaz: Gazetteer,
    nearby: frozenset[str] = frozenset(),
    anchors: Sequence[tuple[float, float]] = (),
) -> float:
    rules = gaz.rules
    place = name.place
    if place.entry in gaz.capitals:
        score_capital = rules.capital_bonus
    else:
        score_capital = 0.0
    if anchors and place.lat is not None and place.lon is not None:
        if _near(place.lat, place.lon, anchors, rules.near_km):
            score_capital += rules.near_bonus
    if place.precision == ADMIN1 and place.entry.startswith("admin1:"):
        if place.entry[len("admin1:") :] in nearby:  # "Georgia" in a text naming Atlanta
            score_bonus = rules.nearby_bonus
        else:
            score_bonus = 0.0
    else:
        score_bonus = 0.0
    score = population_score(place) if place.population or not place.curated else _CURATED_BASE
    if place.curated:
        score += rules.curated_bonus
    if place.precision == COUNTRY:
        score += rules.country_bonus
    countries = set(place.countries) | ({place.country} if place.country else set())
    if countries & hints:
        score += rules.hint_bonus
    if countries & apposition:
        score += rules.apposition_bonus
    if name.alias:
        score -= rules.alias_penalty
    return score + score_bonus + score_capital


def _name_lengths(keys: list[str], i: int, longest: int, gaz: Gazetteer) -> list[int]:
    """The lengths of the gazetteer's names that start at token `i`, longest first. The name
    grows a token at a time only while it is still the start of a longer one."""
    name = keys[i]
    found = [1] if gaz.has(name) else []
    for n in range(2, min(longest, len(keys) - i) + 1):
        name = f"{name}{SEP}{keys[i + n - 1]}"
        if gaz.has(name):
            found.append(n)
        if name not in gaz.prefixes:
            break
    found.reverse()
    return found


def _scan(text: str, sentence: Sentence, gaz: Gazetteer, caseless: bool) -> Iterable[_Match]:
    toks = tokenize(text, sentence.span.start, sentence.span.end)
    # an ASCII token folds to its lowercase form, which the tokenizer has already made
    if sentence.span.text(text).isascii():
        keys = [t.lower for t in toks]
    else:
        keys = [t.lower if t.text.isascii() else fold(t.text) for t in toks]
    first = gaz.first
    i = 0
    for start in [k for k, key in enumerate(keys) if key in first]:  # few tokens start a name
        if start < i:
            continue  # inside the name found before
        i = start
        longest = first[keys[i]]
        if not longest or not toks[i].text[:1].isalnum():
            continue
        hit: _Match | None = None
        for n in _name_lengths(keys, i, longest, gaz):
            key = tuple(keys[i : i + n])
            cands = gaz.lookup(key)
            if not cands:
                continue
            end = i + n
            # a name glued into a hyphenated compound is a modifier: "Iran-backed", "pro-Iran"
            glued = end + 1 < len(toks) and toks[end].start == toks[end - 1].end
            if glued and toks[end].text == "-":
                continue
            if i >= 2 and toks[i - 1].text == "-" and toks[i - 1].end == toks[i].start:
                continue
            apposition = _country_after(toks, end, gaz)
            ok = tuple(
                c
                for c in cands
                if _acceptable(c, key, toks, i, end, gaz, text, caseless, apposition)
            )
            if ok:
                hit = _Match(
                    sentence.index, i, end, toks, ok, apposition, _cue_before(toks, i, gaz)
                )
                break
        if hit is not None:
            yield hit
            i = hit.end


_KM_PER_RADIAN = 6371.0  # the radius `_km` uses


def _near(lat: float, lon: float, anchors: Sequence[tuple[float, float]], km: float) -> bool:
    """Some anchor within `km` of (lat, lon). The latitude gap alone is a lower bound of the
    distance, so anchors well beyond it in latitude skip the trigonometry."""
    far = (km + 1.0) / _KM_PER_RADIAN  # 1 km of slack: float error never decides
    return any(_km(lat, lon, a, b) <= km for a, b in anchors if abs(math.radians(a - lat)) <= far)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def _resolve(
    m: _Match,
    hints: set[str],
    gaz: Gazetteer,
    nearby: frozenset[str] = frozenset(),
    anchors: Sequence[tuple[float, float]] = (),
) -> Place:
    best = max(m.names, key=lambda c: _score(c, hints, m.apposition, gaz, nearby, anchors))
    return best.place


def _clear(m: _Match, gaz: Gazetteer) -> tuple[Name, ...]:
    """The readings of a name that are not small towns (a town of 5,000 that once bore the
    name does not make "Beirut" ambiguous)."""
    return tuple(n for n in m.names if not _small(n.place, gaz)) or m.names


def _anchor(m: _Match, gaz: Gazetteer) -> tuple[float, float] | None:
    """Where a name with one clear reading lies (a city or a small region), for its
    neighbours; readings within 100 km of each other ("Beirut" the city and the governorate)
    count as one."""
    clear = [n for n in _clear(m, gaz) if n.place.lat is not None and n.place.lon is not None]
    if not clear:
        return None
    p = clear[0].place
    assert p.lat is not None and p.lon is not None
    if any(_km(p.lat, p.lon, n.place.lat, n.place.lon) > 100 for n in clear[1:]):  # type: ignore[arg-type]
        return None
    if p.lat is None or p.lon is None or p.precision not in (CITY, LANDMARK, REGION, ADMIN1):
        return None
    if p.precision == REGION and not p.curated:
        return None
    return (p.lat, p.lon)


def _small(place: Place, gaz: Gazetteer) -> bool:
    return (
        place.precision == CITY
        and not place.curated
        and place.population < gaz.rules.small_city_population
    )


def _supported(m: _Match, hints: set[str], gaz: Gazetteer) -> _Match | None:
    """Drop readings as a small town that nothing supports: a town under
    `small_city_population` needs a cue word, its country in apposition or among the
    document's countries. None when no reading is left."""
    if m.cue:
        return m
    kept = tuple(
        n for n in m.names if not _small(n.place, gaz) or (n.place.country in hints | m.apposition)
    )
    if kept == m.names:
        return m
    return replace(m, names=kept) if kept else None


def find_places(
    text: str,
    sentences: Iterable[Sentence] = (),
    countries_hint: Iterable[str] = (),
    gazetteer: Gazetteer | None = None,
) -> list[PlaceMention]:
    """Place mentions in `text`, with absolute spans, one per name, in text order.

    `sentences` are the document's sentences (the whole text is one sentence when none are
    given); `countries_hint` holds ISO-3 codes the document is about (its actors' countries),
    used to pick between places of the same name.
    """
    gaz = gazetteer or load_gazetteer()
    sents = list(sentences) or [Sentence(0, Span(0, len(text)))]
    caseless = is_lowercase_text(text)
    matches = [m for s in sents for m in _scan(text, s, gaz, caseless)]

    hints = {c for c in countries_hint if c}
    for m in matches:  # first pass: the countries of names with one clear reading
        clear = tuple(n for n in m.names if not _small(n.place, gaz))
        if clear and len({c.place.country for c in clear}) == 1 and clear[0].place.country:
            hints.add(clear[0].place.country)
    matches = [s for m in matches if (s := _supported(m, hints, gaz)) is not None]
    # regions that hold a city the document names: a clear reading of each name first
    nearby = frozenset(p.admin1 for m in matches if (p := _resolve(m, hints, gaz)).admin1)

    out: list[PlaceMention] = []
    anchor_of = [_anchor(o, gaz) for o in matches]  # once per name, not once per pair
    for k, m in enumerate(matches):
        anchors = [a for j, a in enumerate(anchor_of) if j != k and a]
        place = _resolve(m, hints, gaz, nearby, anchors)
        span = Span(m.tokens[m.start].start, m.tokens[m.end - 1].end)
        out.append(
            PlaceMention(
                sentence_index=m.sentence,
                span=span,
                text=span.text(text),
                name=place.name,
                country=place.country,
                lat=place.lat,
                lon=place.lon,
                precision=place.precision,
                entry=place.entry,
            )
        )
    return out


@register_stage
class PlacesStage(Stage):
    """Finds place names in each sentence: assigns `Document.places`."""

    name = "places"
    requires = ("sentences",)
    assigns = ("places",)

    _gazetteer: Gazetteer | None = None  # loaded where the stage runs, on first use

    def __call__(self, doc: Document) -> Document:
        if self._gazetteer is None:
            min_pop = int(self.config.options.get("places_min_population", DEFAULT_MIN_POPULATION))
            self._gazetteer = load_gazetteer(self.config, min_pop)
        gaz = self._gazetteer
        # an actor that is itself a place name ("Tripoli" for Libya's government) would vote
        # for its own reading: only the others hint
        hints = {a.country for a in doc.actors if a.country and key_of(a.text) not in gaz}
        places = find_places(doc.text, doc.sentences, hints, gazetteer=gaz)
        return replace(doc, places=tuple(places))
