"""A seeded synthetic event stream with planted escalations, written into an event store.

Every dyad has its own level of conflict and cooperation events, drawn from a negative binomial
(overdispersed) around a rate that drifts slowly, follows a weekday profile, and now and then
jumps for a single day (planted noise: a busy news day). Planted escalations start on known onset
days and last days to weeks: the conflict rate of the dyad is multiplied (at least by a minimum
number of extra events a day), with threats, shows of force, coercion and attacks. Each event is
reported by one or more articles (on "media burst" days one event by dozens), written as rows of
`articles`, `events`, `event_mentions` and `canonical_events` exactly as ingest and dedup would
store them, so the monitor reads them through its real code path and must count each event once.

The stream is synthetic through and through: no real event is described. Same spec and seed,
same store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..coding.ontology import load_ontology
from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path

RELATIVE = "monitor/synthetic.yaml"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / RELATIVE
COUNTRIES = (
    "AFG", "ARM", "AZE", "CHN", "COD", "EGY", "ETH", "GBR", "IND", "IRN", "IRQ", "ISR", "JPN",
    "KOR", "LBN", "LBY", "MLI", "MMR", "NGA", "PAK", "PHL", "PRK", "PSE", "RUS", "RWA", "SAU",
    "SDN", "SOM", "SSD", "SYR", "TUR", "TWN", "UKR", "USA", "VEN", "VNM", "YEM", "COL", "MEX",
    "SRB",
)  # fmt: skip


@dataclass(frozen=True)
class SyntheticSpec:
    seed: int = 7
    dyads: int = 120
    start: dt.date = dt.date(2025, 1, 1)
    days: int = 456
    # No escalation starts before this many days: the detectors need a history first.
    warmup_days: int = 60
    conflict_rate: tuple[float, float] = (0.3, 8.0)  # events a day, log-uniform over dyads
    cooperation_ratio: tuple[float, float] = (0.5, 1.5)  # cooperation per conflict event
    size: tuple[float, float] = (3.0, 30.0)  # negative binomial size (smaller = burstier)
    drift_sd: float = 0.03  # daily sd of the log-rate's mean-reverting walk
    noise_burst_prob: float = 1 / 30  # a one-day jump of the conflict rate, per dyad-day
    noise_burst: tuple[float, float] = (1.5, 2.5)
    escalations_per_year: float = 2.0  # per dyad
    escalation_days: tuple[int, int] = (4, 14)
    escalation_factor: tuple[float, float] = (3.0, 6.0)
    escalation_min_extra: float = 3.0  # at least this many extra conflict events a day
    escalation_gap_days: int = 45  # between two escalations of one dyad
    media_burst_prob: float = 1 / 60  # one event reported by dozens of articles, per dyad-day
    extra_mentions: float = 0.5  # mean extra reports of an event
    config: Config = field(default_factory=Config)


@dataclass(frozen=True)
class PlantedEscalation:
    key: str  # dyad, e.g. "IRN>USA"
    onset: dt.date
    end: dt.date  # last escalated day
    factor: float
    rate_before: float  # the dyad's base conflict events a day
    size: float  # the dyad's negative binomial size (smaller = burstier)


@dataclass(frozen=True)
class SyntheticTruth:
    spec: SyntheticSpec
    dyads: tuple[str, ...]
    escalations: tuple[PlantedEscalation, ...]
    noise_days: tuple[tuple[str, dt.date], ...]  # (dyad, day) of each planted one-day burst
    canonical_events: int
    mentions: int


@dataclass(frozen=True)
class _Codes:
    codes: tuple[str, ...]
    weights: np.ndarray


def _codes(raw: Any, where: Path, name: str) -> _Codes:
    require(isinstance(raw, dict) and bool(raw), where, f"{name} must map CAMEO codes to weights")
    known = load_ontology().cameo
    bad = [c for c in raw if str(c) not in known]
    require(not bad, where, f"{name}: unknown CAMEO codes {bad}")
    weights = np.array([float(w) for w in raw.values()])
    require(bool((weights > 0).all()), where, f"{name}: weights must be positive")
    return _Codes(tuple(str(c) for c in raw), weights / weights.sum())


def load_synthetic_data(config: Config | None = None) -> dict[str, Any]:
    """The code mixes, weekday profile and sectors of the generator (checked, FP-E020)."""
    path = data_path(config or Config(), RELATIVE)
    raw = load_yaml(path)
    require(isinstance(raw, dict), path, "top level must be a mapping")
    keys = {"version", "conflict_codes", "cooperation_codes", "escalation_codes"}
    keys |= {"weekday_profile", "sectors"}
    require(set(raw) == keys, path, f"needs exactly the keys {sorted(keys)}")
    profile = raw["weekday_profile"]
    require(
        isinstance(profile, list) and len(profile) == 7 and all(v > 0 for v in profile),
        path,
        "weekday_profile must hold 7 positive numbers, Monday first",
    )
    sectors = raw["sectors"]
    require(isinstance(sectors, list) and bool(sectors), path, "sectors must be a list")
    return {
        "conflict": _codes(raw["conflict_codes"], path, "conflict_codes"),
        "cooperation": _codes(raw["cooperation_codes"], path, "cooperation_codes"),
        "escalation": _codes(raw["escalation_codes"], path, "escalation_codes"),
        "profile": np.array(profile, dtype=float) / np.mean(profile),
        "sectors": tuple(str(s) for s in sectors),
        "cameo": load_ontology().cameo,
    }


def _dyads(rng: np.random.Generator, n: int) -> list[str]:
    pairs: set[str] = set()
    while len(pairs) < n:
        a, b = rng.choice(len(COUNTRIES), size=2, replace=False)
        pairs.add(f"{COUNTRIES[a]}>{COUNTRIES[b]}")
    return sorted(pairs)


def _nb(rng: np.random.Generator, mean: np.ndarray, size: float) -> np.ndarray:
    """Negative binomial counts with this mean and size (gamma-Poisson mixture)."""
    return rng.poisson(rng.gamma(size, np.maximum(mean, 1e-12) / size))


def _plant(
    rng: np.random.Generator, spec: SyntheticSpec, key: str, base: float, size: float
) -> list[Any]:
    """Onsets, ends and factors of one dyad's escalations (no overlap, a gap between)."""
    expected = spec.escalations_per_year * (spec.days - spec.warmup_days) / 365
    planted: list[PlantedEscalation] = []
    for _ in range(int(rng.poisson(expected))):
        onset_day = int(rng.integers(spec.warmup_days, spec.days - 3))
        length = int(rng.integers(spec.escalation_days[0], spec.escalation_days[1] + 1))
        end_day = min(onset_day + length - 1, spec.days - 1)
        clash = any(
            abs((p.onset - spec.start).days - onset_day) < spec.escalation_gap_days + length
            for p in planted
        )
        if clash:
            continue
        planted.append(
            PlantedEscalation(
                key=key,
                onset=spec.start + dt.timedelta(days=onset_day),
                end=spec.start + dt.timedelta(days=end_day),
                factor=float(rng.uniform(*spec.escalation_factor)),
                rate_before=base,
                size=size,
            )
        )
    return sorted(planted, key=lambda p: p.onset)


@dataclass
class _Dyad:
    key: str
    conflict: np.ndarray  # daily counts of base conflict events
    cooperation: np.ndarray
    escalation: np.ndarray  # daily counts of the escalations' extra events
    escalations: list[PlantedEscalation]
    bursts: tuple[dt.date, ...]


def _simulate(
    rng: np.random.Generator, spec: SyntheticSpec, key: str, data: dict[str, Any]
) -> _Dyad:
    n = spec.days
    lo, hi = np.log(spec.conflict_rate[0]), np.log(spec.conflict_rate[1])
    base = float(np.exp(rng.uniform(lo, hi)))
    coop_ratio = float(rng.uniform(*spec.cooperation_ratio))
    size = float(rng.uniform(*spec.size))
    walk = np.zeros(n)
    for t in range(1, n):  # mean-reverting drift of the log-rate
        walk[t] = 0.97 * walk[t - 1] + rng.normal(0.0, spec.drift_sd)
    weekdays = np.array([(spec.start + dt.timedelta(days=t)).weekday() for t in range(n)])
    level = base * np.exp(walk) * data["profile"][weekdays]
    bursts = rng.random(n) < spec.noise_burst_prob
    burst = np.where(bursts, rng.uniform(*spec.noise_burst, size=n), 1.0)
    planted = _plant(rng, spec, key, base, size)
    extra = np.zeros(n)
    for p in planted:
        a, b = (p.onset - spec.start).days, (p.end - spec.start).days + 1
        add = max((p.factor - 1.0) * base, spec.escalation_min_extra)
        extra[a:b] = add * data["profile"][weekdays[a:b]]
    return _Dyad(
        key=key,
        conflict=_nb(rng, level * burst, size),
        cooperation=_nb(rng, level * coop_ratio, size),
        escalation=_nb(rng, extra, size) * (extra > 0),
        escalations=planted,
        bursts=tuple(spec.start + dt.timedelta(days=int(t)) for t in np.flatnonzero(bursts)),
    )


def _draw_events(
    rng: np.random.Generator, spec: SyntheticSpec, dyad: _Dyad, data: dict[str, Any]
) -> dict[str, np.ndarray]:
    """One dyad's canonical events: day index, CAMEO code, sectors and number of reports."""
    days, codes = [], []
    for kind, counts in (
        ("conflict", dyad.conflict),
        ("cooperation", dyad.cooperation),
        ("escalation", dyad.escalation),
    ):
        mix: _Codes = data[kind]
        n = counts.astype(int)
        days.append(np.repeat(np.arange(spec.days), n))
        codes.append(rng.choice(np.array(mix.codes), size=int(n.sum()), p=mix.weights))
    day = np.concatenate(days)
    order = np.argsort(day, kind="stable")
    day, code = day[order], np.concatenate(codes)[order]
    reports = 1 + rng.poisson(spec.extra_mentions, size=len(day))
    # On a media-burst day the day's first event is reported by dozens of articles.
    media = np.flatnonzero(rng.random(spec.days) < spec.media_burst_prob)
    firsts = np.searchsorted(day, media)
    hit = firsts[(firsts < len(day))]
    hit = hit[day[hit] == media[: len(hit)]] if len(hit) else hit
    reports[hit] += rng.integers(10, 40, size=len(hit))
    sectors = rng.choice(np.array(data["sectors"]), size=(len(day), 2))
    return {"day": day, "code": code, "reports": reports, "sectors": sectors}


def _columns(
    spec: SyntheticSpec, key: str, ev: dict[str, np.ndarray], first_id: int, cameo: Any
) -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, list[Any]]]:
    """Columns of canonical_events, events (mentions) and articles for one dyad's events."""
    actor, recipient = key.split(">")
    n = len(ev["day"])
    ids = [f"syn-e{first_id + i:08d}" for i in range(n)]
    dates = [spec.start + dt.timedelta(days=int(d)) for d in ev["day"]]
    entries = [cameo[str(c)] for c in ev["code"]]
    canonical: dict[str, list[Any]] = {
        "event_id": ids,
        "article_id": [f"{i}-r0" for i in ids],
        "sentence_index": [0] * n,
        "trigger_text": [e.label.lower() for e in entries],
        "trigger_start": [0] * n,
        "trigger_end": [len(e.label) for e in entries],
        "event_type": [e.plover_type for e in entries],
        "mode": [e.plover_mode for e in entries],
        "context": [list(e.plover_context) for e in entries],
        "cameo": [e.code for e in entries],
        "quad_class": [e.quad_class for e in entries],
        "goldstein": [e.goldstein for e in entries],
        "modality": ["asserted"] * n,
        "actor_text": [actor] * n,
        "actor_code": [actor + str(s) for s in ev["sectors"][:, 0]],
        "actor_country": [actor] * n,
        "actor_sector": [str(s) for s in ev["sectors"][:, 0]],
        "recipient_text": [recipient] * n,
        "recipient_code": [recipient + str(s) for s in ev["sectors"][:, 1]],
        "recipient_country": [recipient] * n,
        "recipient_sector": [str(s) for s in ev["sectors"][:, 1]],
        "date": dates,
        "date_precision": ["day"] * n,
        "confidence": [0.9] * n,
        "coder": ["synthetic"] * n,
        "pattern": [f"synthetic:{e.code}" for e in entries],
        "block": ["body"] * n,
    }
    reports = [int(r) for r in ev["reports"]]
    owner = np.repeat(np.arange(n), reports)
    nth = np.concatenate([np.arange(r) for r in reports]) if n else np.zeros(0, dtype=int)
    mentions = {k: [v[i] for i in owner] for k, v in canonical.items()}
    mentions["event_id"] = [
        ids[i] if j == 0 else f"{ids[i]}-r{j}" for i, j in zip(owner, nth, strict=True)
    ]
    mentions["article_id"] = [f"{ids[i]}-r{j}" for i, j in zip(owner, nth, strict=True)]
    canonical |= {
        "num_sources": [min(r, 9) for r in reports], "num_articles": reports,
        "num_mentions": reports, "num_stories": reports, "first_seen": dates, "last_seen": dates,
    }  # fmt: skip
    articles = {
        "article_id": mentions["article_id"],
        "origin": ["<synthetic>"] * len(owner),
        "fmt": ["synthetic"] * len(owner),
        "title": [f"synthetic report of {ids[i]}" for i in owner],
        "source": [f"synthetic-{j % 9}" for j in nth],
        "published": mentions["date"],
        "text": [""] * len(owner),
        "synthetic": [True] * len(owner),
        "coder": ["synthetic"] * len(owner),
    }
    return canonical, mentions, articles


def generate(store: Any, spec: SyntheticSpec | None = None) -> SyntheticTruth:
    """Write the synthetic stream into an (empty) store; returns what was planted."""
    from ..dedup import get_deduplicator

    spec = spec or SyntheticSpec()
    data = load_synthetic_data(spec.config)
    rng = np.random.default_rng(spec.seed)
    keys = _dyads(rng, spec.dyads)
    dyads = [_simulate(rng, spec, key, data) for key in keys]
    next_id = 1
    tables: tuple[dict[str, list[Any]], ...] = ({}, {}, {})
    for dyad in dyads:
        events = _draw_events(rng, spec, dyad, data)
        for whole, part in zip(
            tables, _columns(spec, dyad.key, events, next_id, data["cameo"]), strict=True
        ):
            for column, values in part.items():
                whole.setdefault(column, []).extend(values)
        next_id += len(events["day"])
    _write(store, *tables)
    # The dedup state says these articles are done, so an ingest into this store keeps them.
    dedup = get_deduplicator(spec.config)
    store.set_meta("dedup_state", f"{dedup.name}:{dedup.settings.fingerprint()}")
    return SyntheticTruth(
        spec=spec,
        dyads=tuple(keys),
        escalations=tuple(p for d in dyads for p in d.escalations),
        noise_days=tuple((d.key, b) for d in dyads for b in d.bursts),
        canonical_events=next_id - 1,
        mentions=len(tables[1].get("event_id", [])),
    )


def _write(
    store: Any,
    canonical: dict[str, list[Any]],
    mentions: dict[str, list[Any]],
    articles: dict[str, list[Any]],
) -> None:
    """One dyad's rows in one transaction, linked as dedup links them."""
    if not canonical.get("event_id"):
        return
    con = store.con
    arrow_articles = pa.table(articles)  # noqa: F841 - the tables are read by name in SQL
    arrow_mentions = pa.table(mentions)  # noqa: F841
    arrow_canonical = pa.table(canonical)  # noqa: F841
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO articles BY NAME SELECT * FROM arrow_articles")
        con.execute("INSERT INTO events BY NAME SELECT * FROM arrow_mentions")
        con.execute("INSERT INTO canonical_events BY NAME SELECT * FROM arrow_canonical")
        con.execute(
            """INSERT INTO event_mentions (event_id, canonical_id, article_id, bucket, published,
                 repeat)
               SELECT event_id, regexp_replace(event_id, '-r[0-9]+$', ''), article_id,
                 'asserted|' || event_type || '|' || actor_country || '|' || recipient_country,
                 date, false
               FROM arrow_mentions"""
        )
        con.execute("INSERT INTO article_stories SELECT article_id, article_id FROM arrow_articles")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class DetectionScore:
    escalations: int
    detected: int  # an alert on the dyad from onset to onset + within_days
    delays: tuple[int, ...]  # days from onset to the first alert, for the detected
    alerts: int
    false_alerts: int  # alerts on a dyad outside every planted escalation (and its tail)
    dyad_days: int  # dyad-days scored for false alerts

    @property
    def recall(self) -> float:
        return self.detected / self.escalations if self.escalations else 1.0

    @property
    def false_per_dyad_90(self) -> float:
        return 90.0 * self.false_alerts / self.dyad_days if self.dyad_days else 0.0

    def to_json(self) -> dict[str, Any]:
        delays = np.array(self.delays) if self.delays else np.zeros(1)
        return {
            "escalations": self.escalations,
            "detected": self.detected,
            "recall": round(self.recall, 4),
            "mean_delay_days": round(float(delays.mean()), 2),
            "alerts": self.alerts,
            "false_alerts": self.false_alerts,
            "dyad_days": self.dyad_days,
            "false_alerts_per_dyad_per_90_days": round(self.false_per_dyad_90, 4),
        }


def score_alerts(
    alerts: list[Any],
    truth: SyntheticTruth,
    first_day: dt.date,
    within_days: int = 2,
    tail_days: int = 2,
) -> DetectionScore:
    """Recall within `within_days` of onset and false alerts, over escalations and days from
    `first_day` on. An alert counts as true from an escalation's onset to `tail_days` after its
    end (the escalation is still news on the day after its last day)."""
    by_key: dict[str, list[dt.date]] = {}
    for a in alerts:
        by_key.setdefault(a.key, []).append(a.day)
    planted = [p for p in truth.escalations if p.onset >= first_day]
    delays = []
    for p in planted:
        hits = [d for d in by_key.get(p.key, []) if 0 <= (d - p.onset).days <= within_days]
        if hits:
            delays.append(min(hits).toordinal() - p.onset.toordinal())
    false = 0
    scored = [a for a in alerts if a.day >= first_day]
    for a in scored:
        if not any(
            p.key == a.key and p.onset <= a.day <= p.end + dt.timedelta(days=tail_days)
            for p in truth.escalations
        ):
            false += 1
    last = truth.spec.start + dt.timedelta(days=truth.spec.days - 1)
    return DetectionScore(
        escalations=len(planted),
        detected=len(delays),
        delays=tuple(delays),
        alerts=len(scored),
        false_alerts=false,
        dyad_days=len(truth.dyads) * ((last - first_day).days + 1),
    )
