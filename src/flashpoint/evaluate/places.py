"""Place gold (`tests/gold/places.jsonl`): read it, geoparse it, score it, and score a baseline.

A gold line is `{"id", "text", "date", "places": [{"text", "start", "end", "country", "lat",
"lon", "precision"}]}` with character offsets into `text`. Each gold sentence is run through the
`split`, `actors` and `places` stages as a one-block document, so the geoparser sees the same
context (the actors' countries, the other places) it sees in an article.

A predicted place matches a gold one when their spans overlap. Scores:

* `found`: share of gold mentions matched by a predicted mention (recall of spans);
* `precision`: share of predicted mentions that overlap a gold mention;
* `country_accuracy`: share of gold mentions with a country whose match has that country
  (a missed mention counts as wrong);
* `city_within_161km`: share of gold city mentions whose match lies within 161 km (100 miles);
* `precision_accuracy`: share of gold mentions whose match has the gold precision.

The baseline is "most populous gazetteer match": given each gold span (so it cannot miss a name
ours misses), it looks the words up in the same gazetteer and takes the candidate with the
largest population, ignoring context.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import PlaceMention
from ..pipeline import Config
from ..where.gazetteer import Gazetteer, Place, key_of, load_gazetteer
from .gold import jsonl_rows
from .score import GoldCoder

CITY_KM = 161.0
STAGES = ("split", "actors", "places")


@dataclass(frozen=True)
class GoldPlace:
    text: str
    start: int
    end: int
    country: str | None
    lat: float | None
    lon: float | None
    precision: str


@dataclass
class PlaceItem:
    id: str
    text: str
    date: dt.date | None
    places: list[GoldPlace] = field(default_factory=list)


def read_places(path: Path) -> Iterator[PlaceItem]:
    for default_id, row in jsonl_rows(path):
        yield PlaceItem(
            id=str(row.get("id", default_id)),
            text=row["text"],
            date=dt.date.fromisoformat(row["date"]) if row.get("date") else None,
            places=[
                GoldPlace(
                    p["text"],
                    int(p["start"]),
                    int(p["end"]),
                    p.get("country"),
                    p.get("lat"),
                    p.get("lon"),
                    p.get("precision", "city"),
                )
                for p in row.get("places", [])
            ],
        )


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Guess:
    """A predicted reading of a gold span."""

    country: str | None
    lat: float | None
    lon: float | None
    precision: str


@dataclass
class PlaceScores:
    gold: int = 0
    found: int = 0
    predicted: int = 0
    predicted_ok: int = 0
    with_country: int = 0
    country_ok: int = 0
    cities: int = 0
    city_ok: int = 0
    precision_ok: int = 0
    countries: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def add(self, item_id: str, gold: GoldPlace, guess: Guess | None) -> None:
        self.gold += 1
        if gold.country:
            self.with_country += 1
            self.countries.add(gold.country)
        if gold.precision == "city":
            self.cities += 1
        if guess is None:
            self.errors.append(f"{item_id}: {gold.text!r} not found")
            return
        self.found += 1
        ok = True
        if gold.country and guess.country == gold.country:
            self.country_ok += 1
        elif gold.country:
            ok = False
        if guess.precision == gold.precision:
            self.precision_ok += 1
        if gold.precision == "city":
            near = (
                None not in (gold.lat, gold.lon, guess.lat, guess.lon)
                and km(gold.lat, gold.lon, guess.lat, guess.lon) <= CITY_KM  # type: ignore[arg-type]
            )
            if near:
                self.city_ok += 1
            else:
                ok = False
        if not ok:
            self.errors.append(
                f"{item_id}: {gold.text!r} -> {guess.country} ({guess.lat}, {guess.lon}) "
                f"{guess.precision}; gold {gold.country} ({gold.lat}, {gold.lon})"
            )

    def as_dict(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        return {
            "mentions": self.gold,
            "gold_countries": len(self.countries),
            "found": share(self.found, self.gold),
            "precision": share(self.predicted_ok, self.predicted) if self.predicted else None,
            "country_accuracy": share(self.country_ok, self.with_country),
            "city_within_161km": share(self.city_ok, self.cities),
            "city_mentions": self.cities,
            "precision_accuracy": share(self.precision_ok, self.gold),
            "errors": self.errors[:50],
        }


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def most_populous(gaz: Gazetteer, text: str) -> Place | None:
    """The baseline's reading of a name: the most populous place that bears it."""
    words = text.strip()
    if words.lower().startswith("the "):
        words = words[4:]
    cands = gaz.lookup(key_of(words))
    if not cands and words.endswith(("'s", "’s")):
        cands = gaz.lookup(key_of(words[:-2]))
    if not cands:
        return None
    return max(cands, key=lambda n: n.place.population).place


def _guess(m: PlaceMention | Place | None) -> Guess | None:
    if m is None:
        return None
    return Guess(m.country, m.lat, m.lon, m.precision)


def evaluate_places(
    path: Path, config: Config | None = None, limit: int | None = None
) -> dict[str, Any]:
    config = config or Config()
    coder = GoldCoder(config, stages=STAGES)
    items = list(read_places(path))[:limit]
    min_pop = int(config.options.get("places_min_population", 0)) or None
    gaz = load_gazetteer(config, min_pop) if min_pop else load_gazetteer(config)
    ours, base = PlaceScores(), PlaceScores()
    started = time.perf_counter()
    for item in items:
        doc = coder.code_text(item.id, item.text, item.date)
        predicted = list(doc.places)
        ours.predicted += len(predicted)
        ours.predicted_ok += sum(
            any(_overlaps((p.span.start, p.span.end), (g.start, g.end)) for g in item.places)
            for p in predicted
        )
        for g in item.places:
            hits = [p for p in predicted if _overlaps((p.span.start, p.span.end), (g.start, g.end))]
            best = max(hits, key=lambda p: p.span.end - p.span.start, default=None)
            ours.add(item.id, g, _guess(best))
    seconds = time.perf_counter() - started
    for item in items:
        for g in item.places:
            base.add(item.id, g, _guess(most_populous(gaz, g.text)))
    baseline = base.as_dict()
    baseline.pop("precision")
    baseline["method"] = "most populous gazetteer match, given the gold spans"
    return {
        "gold": str(path),
        "format": "places",
        "sentences": len(items),
        "seconds": round(seconds, 2),
        "places": ours.as_dict(),
        "baseline": baseline,
    }


def countries_of(items: Iterable[PlaceItem]) -> set[str]:
    return {p.country for i in items for p in i.places if p.country}
