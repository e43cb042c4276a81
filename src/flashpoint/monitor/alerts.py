"""Alerts, their identity, and the state that deduplicates them and applies cool-downs.

A detector's finding becomes an `Alert` with a stable id (a hash of rule, detector, key and day):
running a cycle twice for one day stores and delivers nothing new. Two more gates:

* **cool-down** per (rule, key): within `cooldown_days` of the last alert of that rule and key, a
  new finding is counted as suppressed, not raised, unless its score beats the last alert's by
  `reraise_margin` (a false alarm the day before must not hide the real escalation);
* **marks**: event detectors tag a finding with what makes it news (a match with its events, a
  new dyad with the dyad); a finding whose marks were all seen before by that rule is dropped,
  so a late report of an old event or a dyad already announced never fires again.

The state lives in the store (`alert_state`, `alert_marks`, `alerts`) for live cycles, or in
memory for a backtest, behind one small interface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from .tables import ensure_tables, has_table


@dataclass(frozen=True)
class Alert:
    alert_id: str
    rule: str
    detector: str
    level: str
    key: str
    event_types: tuple[str, ...]
    day: dt.date
    since: dt.date
    observed: float
    expected: float
    score: float
    message: str
    event_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "rule": self.rule,
            "detector": self.detector,
            "level": self.level,
            "key": self.key,
            "event_types": list(self.event_types),
            "day": self.day.isoformat(),
            "since": self.since.isoformat(),
            "observed": self.observed,
            "expected": self.expected,
            "score": self.score,
            "message": self.message,
            "event_ids": list(self.event_ids),
        }


@dataclass(frozen=True)
class Finding:
    """What a detector saw, before dedup and cool-down turn it into an alert (or not)."""

    detector: str
    level: str
    key: str
    event_types: tuple[str, ...]
    since: dt.date
    observed: float
    expected: float
    score: float
    message: str
    event_ids: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()  # empty: gated by cool-down and id only


def alert_id(rule: str, detector: str, key: str, day: dt.date) -> str:
    blob = f"{rule}|{detector}|{key}|{day.isoformat()}"
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def make_alert(rule: str, finding: Finding, day: dt.date) -> Alert:
    return Alert(
        alert_id=alert_id(rule, finding.detector, finding.key, day),
        rule=rule,
        detector=finding.detector,
        level=finding.level,
        key=finding.key,
        event_types=finding.event_types,
        day=day,
        since=finding.since,
        observed=round(float(finding.observed), 3),
        expected=round(float(finding.expected), 3),
        score=round(float(finding.score), 2),
        message=finding.message,
        event_ids=finding.event_ids,
    )


class AlertState(Protocol):
    def known(self, alert_id: str) -> bool: ...

    def last(self, rule: str, key: str) -> tuple[dt.date, float] | None: ...

    def unseen_marks(self, rule: str, marks: tuple[str, ...]) -> list[str]: ...

    def record(self, alert: Alert, marks: tuple[str, ...], suppressed: bool) -> None: ...


def admit(
    state: AlertState,
    rule: str,
    finding: Finding,
    day: dt.date,
    cooldown_days: int,
    reraise_margin: float | None = None,
) -> Alert | None:
    """The alert to raise for a finding, or None (already raised, marks seen, cooling down)."""
    alert = make_alert(rule, finding, day)
    if state.known(alert.alert_id):
        return None
    if finding.marks and not state.unseen_marks(rule, finding.marks):
        return None
    last = state.last(rule, finding.key)
    cooling = last is not None and abs((day - last[0]).days) < cooldown_days
    if cooling and last is not None and reraise_margin is not None:
        cooling = finding.score < last[1] + reraise_margin
    state.record(alert, finding.marks, suppressed=cooling)
    return None if cooling else alert


@dataclass
class MemoryState:
    """Alert state of a backtest: nothing is written to the store."""

    ids: set[str] = field(default_factory=set)
    latest: dict[tuple[str, str], tuple[dt.date, float]] = field(default_factory=dict)
    marks: set[tuple[str, str]] = field(default_factory=set)
    suppressed: int = 0

    def known(self, alert_id: str) -> bool:
        return alert_id in self.ids

    def last(self, rule: str, key: str) -> tuple[dt.date, float] | None:
        return self.latest.get((rule, key))

    def unseen_marks(self, rule: str, marks: tuple[str, ...]) -> list[str]:
        return [m for m in marks if (rule, m) not in self.marks]

    def record(self, alert: Alert, marks: tuple[str, ...], suppressed: bool) -> None:
        self.marks |= {(alert.rule, m) for m in marks}
        if suppressed:
            self.suppressed += 1
            return
        self.ids.add(alert.alert_id)
        self.latest[(alert.rule, alert.key)] = (alert.day, alert.score)


class StoreState:
    """Alert state in the store: `alerts`, `alert_state`, `alert_marks`."""

    def __init__(self, store: Any) -> None:
        self.store = store
        ensure_tables(store)

    def known(self, alert_id: str) -> bool:
        return bool(self.store.scalar("SELECT count(*) FROM alerts WHERE alert_id = ?", [alert_id]))

    def last(self, rule: str, key: str) -> tuple[dt.date, float] | None:
        row = self.store.con.execute(
            "SELECT last_day, last_score FROM alert_state WHERE rule = ? AND key = ?", [rule, key]
        ).fetchone()
        return (row[0], float(row[1])) if row and row[0] is not None else None

    def unseen_marks(self, rule: str, marks: tuple[str, ...]) -> list[str]:
        seen = {
            r[0]
            for r in self.store.con.execute(
                "SELECT mark FROM alert_marks WHERE rule = ? AND mark IN (SELECT unnest(?))",
                [rule, list(marks)],
            ).fetchall()
        }
        return [m for m in marks if m not in seen]

    def record(self, alert: Alert, marks: tuple[str, ...], suppressed: bool) -> None:
        con = self.store.con
        for mark in marks:
            con.execute(
                "INSERT INTO alert_marks VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [alert.rule, mark, alert.alert_id],
            )
        if suppressed:
            con.execute(
                """INSERT INTO alert_state VALUES (?, ?, NULL, NULL, NULL, 0, 1)
                   ON CONFLICT (rule, key) DO UPDATE SET
                   suppressed = alert_state.suppressed + 1""",
                [alert.rule, alert.key],
            )
            return
        a = alert.to_json()
        con.execute(
            "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                a["alert_id"],
                a["rule"],
                a["detector"],
                a["level"],
                a["key"],
                a["event_types"],
                alert.day,
                alert.since,
                a["observed"],
                a["expected"],
                a["score"],
                a["message"],
                a["event_ids"],
                _now(),
            ],  # fmt: skip
        )
        con.execute(
            """INSERT INTO alert_state VALUES (?, ?, ?, ?, ?, 1, 0)
               ON CONFLICT (rule, key) DO UPDATE SET last_day = excluded.last_day,
               last_alert_id = excluded.last_alert_id, last_score = excluded.last_score,
               fired = alert_state.fired + 1""",
            [alert.rule, alert.key, alert.day, alert.alert_id, alert.score],
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def list_alerts(store: Any, since: dt.date | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Stored alerts, newest first; each is `Alert.to_json()` plus `created_at`."""
    if not has_table(store, "alerts"):
        return []
    where, params = ("WHERE day >= ?", [since]) if since else ("", [])
    rows = store.query(
        f"SELECT * FROM alerts {where} ORDER BY day DESC, created_at DESC, alert_id "
        f"LIMIT {int(limit)}",
        params,
    )
    out = []
    for r in rows:
        out.append(
            {
                **{k: r[k] for k in ("alert_id", "rule", "detector", "level", "key")},
                "event_types": list(r["event_types"] or []),
                "day": r["day"].isoformat(),
                "since": r["since"].isoformat(),
                **{k: r[k] for k in ("observed", "expected", "score", "message")},
                "event_ids": list(r["event_ids"] or []),
                "created_at": r["created_at"].isoformat(),
            }
        )
    return out
