"""Event clustering: mentions of one happening become one canonical event.

Pure functions, no store. A mention is reduced to a `MentionKey`:

* a **bucket** — modality, type group, actor key and recipient key (sorted for symmetric types).
  Only mentions of one bucket can be one event;
* a **date interval** in half-days, widened by the slack of its precision (day, week, month,
  year; a date taken from the publication date covers the days before it). Two mentions are
  date-compatible when their widened intervals overlap, i.e. their gap is at most the mean of
  their slacks;
* a **place**: city-level places farther apart than `max_km`, or places in two countries, are
  never one event.

Clustering is complete-linkage — every two mentions of a cluster are compatible, so a string of
daily events cannot chain into one — and deterministic: `cluster_run` depends only on the set of
mentions it is given, never on their order. Mentions whose widened intervals do not overlap any
other's fall into separate *runs* (`split_runs`) that are clustered independently, which is what
lets an incremental ingest re-cluster only the runs that received new mentions and still reach
exactly the clusters of a single batch.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .config import EventConfig

NO_DATE = "nodate"


@dataclass(frozen=True, slots=True)
class MentionKey:
    event_id: str
    article_id: str
    bucket: str
    lo: int  # widened interval, in half-days since 0001-01-01
    hi: int
    explicit: bool  # the date came from words in the text, at day precision
    lat: float | None  # set only for city-level places
    lon: float | None
    place_country: str | None
    block: str
    confidence: float
    published: dt.date | None

    @property
    def center(self) -> int:
        return self.lo + self.hi


def _participant(row: dict[str, Any], role: str, cfg: EventConfig) -> str:
    code = row.get(f"{role}_code")
    country = row.get(f"{role}_country")
    if code is None and country is None:
        return "-"
    if cfg.participant_key == "country" and country:
        return str(country)
    if code == "UNK" or not code:
        return f"UNK:{(row.get(f'{role}_name') or row.get(f'{role}_text') or '').lower()}"
    return str(code)


def _period(date: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    if precision == "week":
        return date, date + dt.timedelta(days=6)
    if precision == "month":
        last = calendar.monthrange(date.year, date.month)[1]
        return date, date.replace(day=last)
    if precision == "year":
        return date, date.replace(month=12, day=31)
    return date, date


def mention_key(row: dict[str, Any], cfg: EventConfig) -> MentionKey:
    """The clustering key of one stored event row (with the article's `published` date)."""
    etype = cfg.type_group(str(row["event_type"]))
    actor, recipient = _participant(row, "actor", cfg), _participant(row, "recipient", cfg)
    if row["event_type"] in cfg.symmetric_types or etype in cfg.symmetric_types:
        actor, recipient = sorted((actor, recipient))
    modality = row["modality"] if cfg.same_modality else "*"
    bucket = f"{modality}|{etype}|{actor}|{recipient}"
    date: dt.date | None = row.get("date")
    published: dt.date | None = row.get("published")
    explicit = False
    if date is None:
        # No date at all: such a mention can only join mentions of its own article.
        bucket += f"|{NO_DATE}|{row['article_id']}"
        lo = hi = 0
    elif row.get("date_text") is None and published is not None and date == published:
        first = published - dt.timedelta(days=cfg.published_before)
        last = published + dt.timedelta(days=cfg.published_after)
        lo, hi = 2 * first.toordinal(), 2 * last.toordinal()
    else:
        precision = row.get("date_precision") or "day"
        first, last = _period(date, precision)
        slack = cfg.slack(precision)
        lo, hi = 2 * first.toordinal() - slack, 2 * last.toordinal() + slack
        explicit = precision == "day" and row.get("date_text") is not None
    lat = lon = None
    if row.get("location_precision") in cfg.city_precisions and row.get("location_lat") is not None:
        lat, lon = float(row["location_lat"]), float(row["location_lon"])
    return MentionKey(
        event_id=str(row["event_id"]),
        article_id=str(row["article_id"]),
        bucket=bucket,
        lo=lo,
        hi=hi,
        explicit=explicit,
        lat=lat,
        lon=lon,
        place_country=row.get("location_country"),
        block=str(row.get("block") or "body"),
        confidence=float(row.get("confidence") or 0.0),
        published=published,
    )


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def split_runs(keys: Iterable[MentionKey]) -> list[list[MentionKey]]:
    """Maximal groups of one bucket whose widened intervals overlap in a chain."""
    by_bucket: dict[str, list[MentionKey]] = defaultdict(list)
    for k in keys:
        by_bucket[k.bucket].append(k)
    runs: list[list[MentionKey]] = []
    for bucket in sorted(by_bucket):
        items = sorted(by_bucket[bucket], key=lambda k: (k.lo, k.hi, k.event_id))
        run: list[MentionKey] = []
        reach = 0
        for k in items:
            if run and k.lo > reach:
                runs.append(run)
                run = []
            reach = k.hi if not run else max(reach, k.hi)
            run.append(k)
        if run:
            runs.append(run)
    return runs


@dataclass
class _Cluster:
    lo: int
    hi: int
    points: list[tuple[float, float]]
    countries: set[str]
    members: list[int]


def _places_fit(a: _Cluster, b: _Cluster, cfg: EventConfig) -> bool:
    if cfg.same_place_country and len(a.countries | b.countries) > 1:
        return False
    return all(
        km(p[0], p[1], q[0], q[1]) <= cfg.max_km for p in a.points for q in b.points if p != q
    )


def _place_sig(k: MentionKey) -> tuple[Any, ...]:
    return (k.lat, k.lon, k.place_country)


def cluster_run(run: Sequence[MentionKey], cfg: EventConfig) -> list[list[MentionKey]]:
    """Complete-linkage clusters of one run, independent of the order of `run`.

    Mentions with the same interval and place form a unit; pairs of compatible units are merged
    closest first (date centres, then distance, then ids), and two clusters merge only when
    every member of one is compatible with every member of the other.
    """
    units: dict[tuple[Any, ...], list[MentionKey]] = defaultdict(list)
    for k in run:
        units[(k.lo, k.hi, *_place_sig(k))].append(k)
    unit_keys = sorted(units, key=lambda u: (u[0], u[1], min(k.event_id for k in units[u])))
    clusters: list[_Cluster] = []
    for u in unit_keys:
        first = units[u][0]
        points = [(first.lat, first.lon)] if first.lat is not None and first.lon is not None else []
        countries = {first.place_country} if first.place_country else set()
        clusters.append(_Cluster(first.lo, first.hi, points, countries, [len(clusters)]))  # type: ignore[arg-type]
    pairs: list[tuple[int, float, str, str, int, int]] = []
    for i, a in enumerate(clusters):
        for j in range(i + 1, len(clusters)):
            b = clusters[j]
            if b.lo > a.hi:
                break
            if not _places_fit(a, b, cfg):
                continue
            dist = 0.0
            if a.points and b.points:
                dist = km(*a.points[0], *b.points[0])
            ida = min(k.event_id for k in units[unit_keys[i]])
            idb = min(k.event_id for k in units[unit_keys[j]])
            pairs.append((abs((a.lo + a.hi) - (b.lo + b.hi)), round(dist, 3), ida, idb, i, j))
    pairs.sort()
    parent = list(range(len(clusters)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for *_, i, j in pairs:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        a, b = clusters[ri], clusters[rj]
        if max(a.lo, b.lo) > min(a.hi, b.hi) or not _places_fit(a, b, cfg):
            continue
        root, other = (ri, rj) if ri < rj else (rj, ri)
        ca, cb = clusters[root], clusters[other]
        ca.lo, ca.hi = max(ca.lo, cb.lo), min(ca.hi, cb.hi)
        ca.points = sorted(set(ca.points) | set(cb.points))
        ca.countries |= cb.countries
        ca.members += cb.members
        parent[other] = root
    out: list[list[MentionKey]] = []
    for idx, c in enumerate(clusters):
        if find(idx) == idx:
            out.append(
                sorted(
                    (k for m in c.members for k in units[unit_keys[m]]), key=lambda k: k.event_id
                )
            )
    return sorted(out, key=lambda ms: ms[0].event_id)


def representative(members: Sequence[MentionKey], cfg: EventConfig) -> MentionKey:
    """The mention that speaks for the event: an explicit date, a city, the body, confidence."""
    return min(
        members,
        key=lambda k: (
            not k.explicit,
            k.lat is None,
            k.block in cfg.repeat_blocks,
            -k.confidence,
            k.published or dt.date.max,
            k.event_id,
        ),
    )


def repeats(members: Sequence[MentionKey], cfg: EventConfig) -> set[str]:
    """Mentions in repeat blocks (captions) of an article whose body already reports the event.

    Where an article reports the event only in such blocks, its first one still counts.
    """
    by_article: dict[str, list[MentionKey]] = defaultdict(list)
    for k in members:
        by_article[k.article_id].append(k)
    out: set[str] = set()
    for ks in by_article.values():
        extra = sorted((k for k in ks if k.block in cfg.repeat_blocks), key=lambda k: k.event_id)
        if len(extra) == len(ks):
            extra = extra[1:]
        out.update(k.event_id for k in extra)
    return out
