"""Detectors: each turns the store, a rule and a day into findings.

* `escalation` — today's window of a series against its own negative-binomial baseline;
* `conflict_share` — the share of conflict events of a key against its baseline share;
* `match` — any new event matching the rule's filter ("any ASSAULT in IRQ by REB against USA");
* `new_dyad`, `new_actor` — a dyad or a named actor seen for the first time in the store;
* `sequence` — steps such as THREATEN -> MOBILIZE -> ASSAULT in one dyad within N days.

Series detectors read daily counts through a `SeriesSource` (the live one queries the store for
the days it needs; the backtest's preloads the whole period once): the same detector code runs in
both. Event detectors read canonical events. Only asserted events known to the day are read (the
series' modalities; a date known only to the week or month has no day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .alerts import Finding
from .series import daily_matrix
from .settings import MonitorSettings
from .stats import binomial_tail, nb_size, nb_tail, surprise, weekday_factors
from .watchlist import Rule

DAY = dt.timedelta(days=1)


class SeriesSource(Protocol):
    def matrix(
        self,
        level: str,
        measure: str,
        start: dt.date,
        end: dt.date,
        key: str | None,
        event_types: Sequence[str],
    ) -> tuple[list[str], np.ndarray]: ...

    def history_start(self) -> dt.date | None: ...


class LiveSource:
    """Reads exactly the days a detector asks for from `monitor_series`."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._start: dt.date | None | bool = False

    def matrix(
        self,
        level: str,
        measure: str,
        start: dt.date,
        end: dt.date,
        key: str | None,
        event_types: Sequence[str],
    ) -> tuple[list[str], np.ndarray]:
        return daily_matrix(self.store, level, measure, start, end, key, event_types)

    def history_start(self) -> dt.date | None:
        if self._start is False:
            self._start = store_history_start(self.store)
        return self._start if isinstance(self._start, dt.date) else None


class CachedSource(LiveSource):
    """Loads each (level, measure, key, types) series once for a whole period and slices it."""

    def __init__(self, store: Any, first: dt.date, last: dt.date) -> None:
        super().__init__(store)
        self.first, self.last = first, last
        self._cache: dict[tuple[Any, ...], tuple[list[str], np.ndarray]] = {}

    def matrix(
        self,
        level: str,
        measure: str,
        start: dt.date,
        end: dt.date,
        key: str | None,
        event_types: Sequence[str],
    ) -> tuple[list[str], np.ndarray]:
        if start < self.first or end > self.last:
            return super().matrix(level, measure, start, end, key, event_types)
        cache_key = (level, measure, key, tuple(event_types))
        if cache_key not in self._cache:
            self._cache[cache_key] = daily_matrix(
                self.store, level, measure, self.first, self.last, key, event_types
            )
        keys, full = self._cache[cache_key]
        a, b = (start - self.first).days, (end - self.first).days + 1
        return keys, full[:, a:b]


def store_history_start(store: Any) -> dt.date | None:
    """Where the store's history begins: the date its first 0.5% of day-dated events reach
    (one old date in an article must not make every series look silent for years)."""
    value = store.scalar(
        "SELECT quantile_disc(date, 0.005) FROM monitor_counted "
        "WHERE coalesce(date_precision, 'day') = 'day'"
    )
    return value if isinstance(value, dt.date) else None


@dataclass
class Context:
    store: Any
    source: SeriesSource
    settings: MonitorSettings
    unseen: Callable[[str, tuple[str, ...]], list[str]]  # marks a rule has not reported yet


# ------------------------------------------------------------------------------ series detectors
def _days(start: dt.date, n: int) -> list[dt.date]:
    return [start + i * DAY for i in range(n)]


def _what(rule: Rule, measure: str) -> str:
    types = "/".join(rule.event_types)
    if measure == "conflict":
        return f"conflict events ({types})" if types else "conflict events"
    return f"{types} events" if types else "events"


@dataclass
class _Expectation:
    """What a series' history says about the days of the loaded matrix."""

    mu: np.ndarray  # expected count of every day (keys x days)
    size: np.ndarray  # negative binomial size per key
    shape: np.ndarray  # events behind each key's baseline rate (its gamma posterior's shape)


def _expect(
    y: np.ndarray, weekdays: np.ndarray, skip: int, hist_n: int, p: dict[str, Any]
) -> _Expectation:
    """Weekday factors and dispersion from the history (columns skip..hist_n), the rate from its
    last `baseline_days`; days before `skip` precede the store and are ignored."""
    hist, hist_wd = y[:, skip:hist_n], weekdays[skip:hist_n]
    factors = weekday_factors(hist, hist_wd, float(p["weekday_shrink"]))
    b0 = max(skip, hist_n - int(p["baseline_days"]))
    shape = y[:, b0:hist_n].sum(axis=1) + p["prior_events"]
    rate = shape / (factors[:, weekdays[b0:hist_n]].sum(axis=1) + p["prior_days"])
    size = nb_size(hist / factors[:, hist_wd], int(p["block_days"]), float(p["min_size"]))
    return _Expectation(mu=rate[:, None] * factors[:, weekdays], size=size, shape=shape)


def escalation(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    w = int(p["window_days"])
    hist_n = max(int(p["history_days"]), int(p["baseline_days"]))
    win_start = day - (w - 1) * DAY
    start = win_start - hist_n * DAY
    origin = ctx.source.history_start()
    if origin is None or (win_start - origin).days < int(p["min_history_days"]):
        return []
    keys, y = ctx.source.matrix(rule.level, p["measure"], start, day, rule.key, rule.event_types)
    if not keys:
        return []
    days = _days(start, y.shape[1])
    weekdays = np.array([d.weekday() for d in days])
    skip = max(0, (origin - start).days)  # days before the store's history are unknown, not 0
    exp = _expect(y, weekdays, skip, hist_n, p)
    observed, mean, pvalue, length = _scan(y, exp.mu, exp.size, exp.shape, w)
    score = surprise(pvalue)
    fire = (score >= p["threshold"]) & (observed >= p["min_count"]) & (y[:, -1] >= p["min_today"])
    findings = []
    for i in np.flatnonzero(fire):
        since = _onset(y[i], exp.mu[i], exp.size[i], days, y.shape[1] - int(length[i]), p)
        stats = (float(observed[i]), float(mean[i]), float(pvalue[i]), int(length[i]))
        findings.append(_escalation_finding(ctx, rule, keys[i], day, since, stats))
    return findings


def _escalation_finding(
    ctx: Context,
    rule: Rule,
    key: str,
    day: dt.date,
    since: dt.date,
    stats: tuple[float, float, float, int],
) -> Finding:
    observed, mean, pvalue, length = stats
    p = rule.params
    return Finding(
        detector="escalation",
        level=rule.level,
        key=key,
        event_types=rule.event_types,
        since=since,
        observed=observed,
        expected=mean,
        score=float(surprise(np.array([pvalue]))[0]),
        message=(
            f"{key}: {observed:g} {_what(rule, p['measure'])} in the {_plural(length, 'day')} "
            f"to {day}, against {mean:.1f} expected from the {p['baseline_days']}-day baseline "
            f"(x{observed / max(mean, 1e-9):.1f}, p = {pvalue:.1e}); elevated since {since}"
        ),
        event_ids=_event_ids(ctx, rule.level, key, since, day, p["measure"], rule.event_types),
    )


def _scan(
    y: np.ndarray, mu: np.ndarray, size: np.ndarray, shape: np.ndarray, longest: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The most surprising window ending today, of 1 to `longest` days, per key: its count,
    expected count, p-value (times the number of windows tried: a Bonferroni bound) and length.

    A window's total is negative binomial with the summed mean M and a size that keeps its
    variance: the days' own (sum of mu + mu^2 / size) plus M^2 / shape, the uncertainty of a
    baseline rate estimated from `shape` events (a gamma posterior)."""
    best = None
    for length in range(1, longest + 1):
        part = mu[:, -length:]
        mean = part.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = (part**2).sum(1) / size + mean**2 / shape  # variance beyond Poisson
            size_w = np.where(excess > 0, mean**2 / excess, np.inf)
        observed = y[:, -length:].sum(axis=1)
        pvalue = np.minimum(1.0, nb_tail(observed, mean, size_w) * longest)
        lengths = np.full(len(mean), length)
        if best is None:
            best = (observed, mean, pvalue, lengths)
            continue
        better = pvalue < best[2]
        best = tuple(
            np.where(better, new, old)
            for new, old in zip((observed, mean, pvalue, lengths), best, strict=True)
        )  # type: ignore[assignment]
    assert best is not None
    return best


def _onset(
    y: np.ndarray, mu: np.ndarray, size: float, days: list[dt.date], w0: int, p: dict[str, Any]
) -> dt.date:
    """First day of the run of days that are high on their own (tail p below `onset_p`) and
    reaches the alerting window (from column `w0`); the window's start when no day stands out."""
    first = max(0, len(y) - 1 - int(p["max_onset_days"]))
    high = nb_tail(y[first:], mu[first:], np.full(len(y) - first, size)) <= p["onset_p"]
    in_window = [j for j in range(max(w0, first), len(y)) if high[j - first]]
    if not in_window:
        return days[w0]
    j = in_window[0]
    while j - 1 >= first and high[j - 1 - first]:
        j -= 1
    return days[j]


def conflict_share(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    recent_n, base_n = int(p["recent_days"]), int(p["baseline_days"])
    recent_start = day - (recent_n - 1) * DAY
    start = recent_start - base_n * DAY
    origin = ctx.source.history_start()
    if origin is None or (recent_start - origin).days < int(p["min_history_days"]):
        return []
    types = rule.event_types
    keys, events = ctx.source.matrix(rule.level, "events", start, day, None, types)
    keys_c, conflict = ctx.source.matrix(rule.level, "conflict", start, day, None, types)
    if not keys:
        return []
    conflict = _align(keys, keys_c, conflict)
    n_b, c_b = events[:, :base_n].sum(1), conflict[:, :base_n].sum(1)
    n_r, c_r = events[:, base_n:].sum(1), conflict[:, base_n:].sum(1)
    overall = c_b.sum() / n_b.sum() if n_b.sum() else 0.5
    prior = float(p["prior_events"])
    p0 = (c_b + prior * overall) / (n_b + prior)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_r > 0, c_r / n_r, 0.0)
    pvalue = binomial_tail(c_r, n_r, p0)
    score = surprise(pvalue)
    fire = (n_r >= p["min_events"]) & (share - p0 >= p["min_shift"]) & (score >= p["threshold"])
    if rule.key is not None:
        fire &= np.array([k == rule.key for k in keys])
    findings = []
    for i in np.flatnonzero(fire):
        first = int(np.flatnonzero(conflict[i, base_n:])[0])
        since = recent_start + first * DAY
        findings.append(
            Finding(
                detector="conflict_share",
                level=rule.level,
                key=keys[i],
                event_types=types,
                since=since,
                observed=float(share[i]),
                expected=float(p0[i]),
                score=float(score[i]),
                message=(
                    f"{keys[i]}: conflict was {share[i]:.0%} of {n_r[i]:g} events in the "
                    f"{recent_n} days to {day}, up from {p0[i]:.0%} in the {base_n} days before "
                    f"(p = {pvalue[i]:.1e}); first conflict event of the window on {since}"
                ),
                event_ids=_event_ids(ctx, rule.level, keys[i], since, day, "conflict", types),
            )
        )
    return findings


def _align(keys: list[str], other_keys: list[str], matrix: np.ndarray) -> np.ndarray:
    index = {k: i for i, k in enumerate(other_keys)}
    out = np.zeros((len(keys), matrix.shape[1]))
    for i, k in enumerate(keys):
        if k in index:
            out[i] = matrix[index[k]]
    return out


# ------------------------------------------------------------------------------ event reads
_KEY_SQL = {
    "dyad": "actor_country = ? AND recipient_country = ?",
    "sector": "coalesce(actor_sector, '-') = ? AND coalesce(recipient_sector, '-') = ?",
    "type": "event_type = ?",
}


def _key_clause(level: str, key: str) -> tuple[str, list[Any]]:
    if level == "country":
        return "(actor_country = ? OR recipient_country = ?)", [key, key]
    if level == "type":
        return _KEY_SQL["type"], [key]
    return _KEY_SQL[level], key.split(">", 1)


def _base_clause(ctx: Context, start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
    return (
        "modality IN (SELECT unnest(?)) AND coalesce(date_precision, 'day') = 'day' "
        "AND date BETWEEN ? AND ?",
        [list(ctx.settings.series.modalities), start, end],
    )


def _event_ids(
    ctx: Context,
    level: str,
    key: str,
    start: dt.date,
    end: dt.date,
    measure: str,
    event_types: Sequence[str],
) -> tuple[str, ...]:
    """The canonical events behind a series finding, oldest first."""
    base, params = _base_clause(ctx, start, end)
    clause, key_params = _key_clause(level, key)
    sql = f"SELECT event_id FROM canonical_events WHERE {base} AND {clause}"
    params += key_params
    if measure == "conflict":
        sql += " AND quad_class IN (SELECT unnest(?))"
        params.append(list(ctx.settings.series.conflict_quads))
    if event_types:
        sql += " AND event_type IN (SELECT unnest(?))"
        params.append(list(event_types))
    rows = ctx.store.con.execute(sql + " ORDER BY date, event_id", params).fetchall()
    return tuple(r[0] for r in rows)


# ------------------------------------------------------------------------------ event detectors
_FILTER_SQL = {
    "actor": "(actor_country = ? OR starts_with(actor_code, ?))",
    "recipient": "(recipient_country = ? OR starts_with(recipient_code, ?))",
    "actor_sector": "actor_sector = ?",
    "recipient_sector": "recipient_sector = ?",
    "actor_sponsor": "actor_sponsor = ?",
    "location": "location_country = ?",
}
_DYAD = (
    "coalesce(actor_country, actor_code, '?') || '>' || "
    "coalesce(recipient_country, recipient_code, '?')"
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def match(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    base, params = _base_clause(ctx, day - int(p["lookback_days"]) * DAY, day)
    clauses = [base]
    for name, value in rule.filters.items():
        if name == "quad_classes":
            clauses.append("quad_class IN (SELECT unnest(?))")
            params.append(list(value))
        else:
            clauses.append(_FILTER_SQL[name])
            params += [value] * _FILTER_SQL[name].count("?")
    if rule.event_types:
        clauses.append("event_type IN (SELECT unnest(?))")
        params.append(list(rule.event_types))
    rows = ctx.store.query(
        f"SELECT event_id, date, event_type, {_DYAD} AS dyad, actor_text, recipient_text, "
        f"trigger_text, location_name FROM canonical_events WHERE {' AND '.join(clauses)} "
        "ORDER BY date, event_id",
        params,
    )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["dyad"]].append(r)
    findings = []
    for key, events in sorted(groups.items()):
        fresh = set(ctx.unseen(rule.name, tuple(e["event_id"] for e in events)))
        events = [e for e in events if e["event_id"] in fresh]
        if len(events) < int(p["min_count"]):
            continue
        first = events[0]
        types = tuple(sorted({e["event_type"] for e in events}))
        where = f" in {first['location_name']}" if first["location_name"] else ""
        findings.append(
            Finding(
                detector="match",
                level="dyad",
                key=key,
                event_types=types,
                since=first["date"],
                observed=float(len(events)),
                expected=0.0,
                score=float(len(events)),
                message=(
                    f"{key}: {_plural(len(events), '/'.join(types) + ' event')} matching "
                    f"{rule.description or rule.name!r} since {first['date']}; first: "
                    f"{first['actor_text'] or '?'} -> {first['recipient_text'] or '?'} "
                    f"({first['trigger_text']!r}{where})"
                ),
                event_ids=tuple(e["event_id"] for e in events),
                marks=tuple(e["event_id"] for e in events),
            )
        )
    return findings


def _enough_history(ctx: Context, rule: Rule, day: dt.date) -> bool:
    origin = ctx.source.history_start()
    return origin is not None and (day - origin).days >= int(rule.params["min_history_days"])


def new_dyad(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    if not _enough_history(ctx, rule, day):
        return []
    start = day - int(p["lookback_days"]) * DAY
    rows = ctx.store.query(
        """WITH firsts AS (
             SELECT actor_country || '>' || recipient_country AS key, min(date) AS first
             FROM monitor_counted WHERE actor_country IS NOT NULL
               AND recipient_country IS NOT NULL AND actor_country <> recipient_country
             GROUP BY 1)
           SELECT key, first FROM firsts WHERE first BETWEEN ? AND ? ORDER BY key""",
        [start, day],
    )
    findings = []
    for r in rows:
        key, first = r["key"], r["first"]
        ids = _quad_event_ids(ctx, "dyad", key, first, day, p["quad_classes"])
        if not ids or not ctx.unseen(rule.name, (f"dyad:{key}",)):
            continue
        findings.append(
            Finding(
                detector="new_dyad",
                level="dyad",
                key=key,
                event_types=(),
                since=first,
                observed=float(len(ids)),
                expected=0.0,
                score=float(len(ids)),
                message=(
                    f"{key}: first events ever stored from {key.replace('>', ' to ')}, "
                    f"since {first} ({_plural(len(ids), 'event')} of quad class "
                    f"{'/'.join(map(str, p['quad_classes']))})"
                ),
                event_ids=ids,
                marks=(f"dyad:{key}",),
            )
        )
    return findings


def _quad_event_ids(
    ctx: Context, level: str, key: str, start: dt.date, end: dt.date, quads: Sequence[int]
) -> tuple[str, ...]:
    base, params = _base_clause(ctx, start, end)
    clause, key_params = _key_clause(level, key)
    rows = ctx.store.con.execute(
        f"SELECT event_id FROM canonical_events WHERE {base} AND {clause} "
        "AND quad_class IN (SELECT unnest(?)) ORDER BY date, event_id",
        [*params, *key_params, list(quads)],
    ).fetchall()
    return tuple(r[0] for r in rows)


def new_actor(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    if not _enough_history(ctx, rule, day):
        return []
    named = (
        "AND code <> coalesce(country, '') AND code <> coalesce(country, '') || "
        "coalesce(sector, '')"
        if p["named_only"]
        else ""
    )
    rows = ctx.store.query(
        f"""WITH sightings AS (
              SELECT actor_code AS code, actor_country AS country, actor_sector AS sector,
                     actor_name AS name, date, event_id, quad_class
              FROM canonical_events WHERE modality IN (SELECT unnest(?)) AND date IS NOT NULL
              UNION ALL
              SELECT recipient_code, recipient_country, recipient_sector, recipient_name, date,
                     event_id, quad_class
              FROM canonical_events WHERE modality IN (SELECT unnest(?)) AND date IS NOT NULL),
            named AS (SELECT * FROM sightings WHERE code IS NOT NULL
                      AND code NOT IN (SELECT unnest(?)) {named})
            SELECT code, any_value(name) AS name, min(date) AS first,
                   list(DISTINCT event_id ORDER BY event_id) FILTER (
                     WHERE quad_class IN (SELECT unnest(?)) AND date <= ?) AS ids
            FROM named GROUP BY code HAVING min(date) BETWEEN ? AND ? ORDER BY code""",
        [
            list(ctx.settings.series.modalities),
            list(ctx.settings.series.modalities),
            list(p["ignore_codes"]),
            list(p["quad_classes"]),
            day,
            day - int(p["lookback_days"]) * DAY,
            day,
        ],  # fmt: skip
    )
    findings = []
    for r in rows:
        ids = tuple(r["ids"] or ())
        if not ids or not ctx.unseen(rule.name, (f"actor:{r['code']}",)):
            continue
        findings.append(
            Finding(
                detector="new_actor",
                level="actor",
                key=r["code"],
                event_types=(),
                since=r["first"],
                observed=float(len(ids)),
                expected=0.0,
                score=float(len(ids)),
                message=(
                    f"{r['code']}: new actor {r['name'] or r['code']!r}, first seen {r['first']}, "
                    f"in {_plural(len(ids), 'conflict event')}"
                ),
                event_ids=ids,
                marks=(f"actor:{r['code']}",),
            )
        )
    return findings


def sequence(ctx: Context, rule: Rule, day: dt.date) -> list[Finding]:
    p = rule.params
    findings = []
    for seq in p["sequences"]:
        findings += _sequence(ctx, rule, day, seq, bool(p["open_recipient"]), p["lookback_days"])
    return findings


def _sequence(
    ctx: Context, rule: Rule, day: dt.date, seq: dict[str, Any], open_recipient: bool, back: int
) -> list[Finding]:
    steps: list[str] = list(seq["steps"])
    within = int(seq["within_days"])
    base, params = _base_clause(ctx, day - (back + within) * DAY, day)
    rows = ctx.store.query(
        f"SELECT event_id, date, event_type, actor_country, recipient_country "
        f"FROM canonical_events WHERE {base} AND actor_country IS NOT NULL "
        "AND event_type IN (SELECT unnest(?)) ORDER BY date, event_id",
        [*params, steps],
    )
    by_actor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_actor[r["actor_country"]].append(r)
    findings = []
    recent = day - back * DAY
    for last in rows:
        if last["event_type"] != steps[-1] or last["date"] < recent:
            continue
        if not last["recipient_country"]:
            continue
        chain = _chain(by_actor[last["actor_country"]], last, steps, within, open_recipient)
        key = f"{last['actor_country']}>{last['recipient_country']}"
        if chain is None or not ctx.unseen(rule.name, (last["event_id"],)):
            continue
        trail = " -> ".join(f"{e['event_type']} ({e['date']})" for e in chain)
        findings.append(
            Finding(
                detector="sequence",
                level="dyad",
                key=key,
                event_types=tuple(steps),
                since=chain[0]["date"],
                observed=float(len(chain)),
                expected=0.0,
                score=float(len(chain)),
                message=(
                    f"{key}: {trail} within {(chain[-1]['date'] - chain[0]['date']).days} days "
                    f"(sequence {seq['name']})"
                ),
                event_ids=tuple(e["event_id"] for e in chain),
                marks=(last["event_id"],),
            )
        )
    return _one_per_key(findings)


def _chain(
    events: list[dict[str, Any]],
    last: dict[str, Any],
    steps: list[str],
    within: int,
    open_recipient: bool,
) -> list[dict[str, Any]] | None:
    """The latest events of the earlier steps, in date order, ending at `last` (or None)."""
    chain = [last]
    floor = last["date"] - within * DAY
    for step in reversed(steps[:-1]):
        after = chain[0]
        candidates = [
            e
            for e in events
            if e["event_type"] == step
            and floor <= e["date"] <= after["date"]
            and e["event_id"] != after["event_id"]
            and (
                e["recipient_country"] == last["recipient_country"]
                or (open_recipient and e["recipient_country"] is None)
            )
        ]
        if not candidates:
            return None
        chain.insert(0, candidates[-1])
    return chain


def _one_per_key(findings: list[Finding]) -> list[Finding]:
    """One finding per dyad and day: the one with the most recent chain."""
    best: dict[str, Finding] = {}
    for f in findings:
        kept = best.get(f.key)
        if kept is None or (f.since, f.marks) > (kept.since, kept.marks):
            best[f.key] = Finding(**{**f.__dict__, "marks": f.marks + (kept.marks if kept else ())})
        else:
            best[f.key] = Finding(**{**kept.__dict__, "marks": kept.marks + f.marks})
    return [best[k] for k in sorted(best)]


DETECTORS: dict[str, Callable[[Context, Rule, dt.date], list[Finding]]] = {
    "escalation": escalation,
    "conflict_share": conflict_share,
    "match": match,
    "new_dyad": new_dyad,
    "new_actor": new_actor,
    "sequence": sequence,
}
