"""Monitoring: series kept incrementally, detectors, alert gating, a cycle and a backtest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashpoint.monitor import (
    backtest,
    list_alerts,
    parse_watchlists,
    refresh_series,
    run_cycle,
    series_keys,
    series_rows,
)
from flashpoint.monitor.alerts import Finding, MemoryState, StoreState, admit
from flashpoint.store import Store

D0 = dt.date(2026, 1, 1)
Put = Callable[..., list[str]]


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store(tmp_path / "m.duckdb") as s:
        yield s


def rules(*items: dict[str, Any]) -> Any:
    return parse_watchlists({"version": 1, "rules": list(items)})


def background(put: Put, store: Any, days: int, per_day: int = 1, ad: str = "AAA>BBB") -> None:
    """A quiet history: `per_day` conflict events a day on one dyad, so the store has a past."""
    put(store, *({"ad": ad, "date": day(d)} for d in range(days) for _ in range(per_day)))


# ------------------------------------------------------------------------------------ series
def test_series_count_each_level_and_sum_scores(store: Any, put_events: Put) -> None:
    put_events(
        store,
        {"ad": "IRN:GOV>USA:MIL", "event_type": "THREATEN", "goldstein": -4.4, "date": day(0)},
        {"ad": "IRN:GOV>USA:MIL", "event_type": "ASSAULT", "date": day(0)},
        {"ad": "USA>IRN", "event_type": "CONSULT", "goldstein": 1.0, "date": day(1)},
        {"ad": "IRN>IRN", "event_type": "COERCE", "date": day(1)},  # one country, counted once
    )
    assert refresh_series(store) > 0
    dyad = series_rows(store, "dyad", "IRN>USA")
    assert dyad == [
        {
            "period": "2026-01-01",
            "events": 2,
            "conflict": 2,
            "cooperation": 0,
            "goldstein_sum": -14.4,
            "plover_score_sum": -3.0,  # THREATEN verbal conflict -1, ASSAULT material -2
        }
    ]
    assert [r["events"] for r in series_rows(store, "country", "IRN")] == [2, 2]
    assert series_rows(store, "sector", "GOV>MIL")[0]["events"] == 2
    assert series_rows(store, "type", "CONSULT")[0]["cooperation"] == 1
    assert series_rows(store, "dyad", "IRN>USA", event_types=["THREATEN"])[0]["events"] == 1
    keys = {r["key"]: r["events"] for r in series_keys(store, "dyad")}
    assert keys == {"IRN>USA": 2, "USA>IRN": 1, "IRN>IRN": 1}


@pytest.mark.parametrize(
    ("precision", "modality", "freqs"),
    [
        ("day", "asserted", {"day", "week", "month"}),
        ("week", "asserted", {"week", "month"}),
        ("month", "asserted", {"month"}),
        ("year", "asserted", set()),  # too coarse to count anywhere
        ("day", "hypothetical", set()),  # talk about an event is not an event
        ("day", "negated", set()),
    ],
)
def test_a_date_counts_at_the_frequencies_its_precision_allows(
    store: Any, put_events: Put, precision: str, modality: str, freqs: set[str]
) -> None:
    put_events(store, {"date": day(14), "date_precision": precision, "modality": modality})
    refresh_series(store)
    counted = {f for f in ("day", "week", "month") if series_rows(store, "dyad", "IRN>USA", f)}
    assert counted == freqs


def test_weeks_start_on_monday_and_months_on_the_first(store: Any, put_events: Put) -> None:
    put_events(store, {"date": dt.date(2026, 1, 15)})  # a Thursday
    refresh_series(store)
    assert series_rows(store, "dyad", "IRN>USA", "week")[0]["period"] == "2026-01-12"
    assert series_rows(store, "dyad", "IRN>USA", "month")[0]["period"] == "2026-01-01"


def test_refresh_after_nothing_new_touches_nothing(store: Any, put_events: Put) -> None:
    put_events(store, {"date": day(0)})
    assert refresh_series(store) > 0
    assert refresh_series(store) == 0


def _snapshot(store: Any) -> list[tuple[Any, ...]]:
    return store.con.execute("SELECT * FROM monitor_series ORDER BY ALL").fetchall()


def _rebuilt(store: Any) -> list[tuple[Any, ...]]:
    store.con.execute("DELETE FROM monitor_series")
    store.con.execute("DELETE FROM monitor_counted")
    refresh_series(store)
    return _snapshot(store)


_change = st.tuples(
    st.sampled_from(["add", "retype", "redate", "drop"]),
    st.integers(0, 40),
    st.sampled_from(["ASSAULT", "THREATEN", "CONSULT"]),
    st.sampled_from(["IRN>USA", "USA>IRN", ":REB>USA"]),
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(_change, min_size=1, max_size=6), min_size=1, max_size=4))
def test_incremental_refresh_equals_a_full_rebuild(
    tmp_path: Path, put_events: Put, batches: list[list[tuple[str, int, str, str]]]
) -> None:
    """Dedup adds, rewrites and removes canonical events between refreshes; the series follow."""
    path = tmp_path / f"inc{abs(hash(str(batches)))}.duckdb"
    with Store(path) as store:
        for batch in batches:
            for action, n, etype, ad in batch:
                rows = store.con.execute("SELECT event_id FROM canonical_events ORDER BY 1")
                ids = [r[0] for r in rows.fetchall()]
                target = ids[n % len(ids)] if ids else None
                if action == "add" or target is None:
                    put_events(store, {"ad": ad, "event_type": etype, "date": day(n)})
                elif action == "retype":
                    store.con.execute(
                        "UPDATE canonical_events SET event_type = ? WHERE event_id = ?",
                        [etype, target],
                    )
                elif action == "redate":
                    store.con.execute(
                        "UPDATE canonical_events SET date = ? WHERE event_id = ?", [day(n), target]
                    )
                else:
                    store.con.execute("DELETE FROM canonical_events WHERE event_id = ?", [target])
            refresh_series(store)
        incremental = _snapshot(store)
        assert incremental == _rebuilt(store)
    path.unlink()


def test_changed_series_settings_rebuild_the_series(tmp_path: Path, put_events: Put) -> None:
    from flashpoint.monitor.settings import SeriesSettings, load_settings

    with Store(tmp_path / "s.duckdb") as store:
        put_events(store, {"date": day(0)}, {"date": day(0), "modality": "future"})
        refresh_series(store)
        assert series_rows(store, "dyad", "IRN>USA")[0]["events"] == 1
        shipped = load_settings()
        wider = type(shipped)(
            series=SeriesSettings(
                ("asserted", "future"),
                shipped.series.conflict_quads,
                shipped.series.cooperation_quads,
                shipped.series.plover_scores,
            ),
            detectors=shipped.detectors,
        )
        refresh_series(store, wider)
        assert series_rows(store, "dyad", "IRN>USA")[0]["events"] == 2


def test_reads_on_a_store_without_monitor_tables_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "plain.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as store:
        assert series_rows(store, "dyad", "IRN>USA") == []
        assert series_keys(store, "country") == []
        assert list_alerts(store) == []
        with pytest.raises(ValueError, match="unknown level"):
            series_rows(store, "planet", "X")


# ------------------------------------------------------------------------------------ escalation
def test_escalation_fires_on_a_jump_with_its_events_and_onset(store: Any, put_events: Put) -> None:
    background(put_events, store, 60, ad="IRN>USA")
    burst = put_events(store, *({"ad": "IRN>USA", "date": day(60)} for _ in range(9)))
    new = run_cycle(store, rules({"name": "esc", "detector": "escalation"}), day(60), sinks=[])
    assert len(new) == 1
    alert = new[0]
    assert (alert.key, alert.detector, alert.since) == ("IRN>USA", "escalation", day(60))
    assert alert.observed == 9 and alert.expected == pytest.approx(1.0, abs=0.2)
    assert alert.score >= 2.0
    assert list(alert.event_ids) == burst
    assert "9 conflict events in the 1 day to 2026-03-02" in alert.message


@pytest.mark.parametrize(
    ("history", "today", "fires"),
    [
        (60, 1, False),  # an ordinary day
        (60, 3, False),  # a little above the baseline of 1 a day
        (60, 10, True),
        (10, 10, False),  # too little history to have a baseline
    ],
)
def test_escalation_needs_a_baseline_and_a_real_jump(
    store: Any, put_events: Put, history: int, today: int, fires: bool
) -> None:
    background(put_events, store, history, ad="IRN>USA")
    put_events(store, *({"ad": "IRN>USA", "date": day(history)} for _ in range(today)))
    new = run_cycle(store, rules({"name": "esc", "detector": "escalation"}), day(history), [])
    assert bool(new) is fires


def test_escalation_knows_the_weekday_pattern(store: Any, put_events: Put) -> None:
    """Ten events every Monday and one on other days: the next Monday is ordinary."""
    events = []
    for d in range(120):
        n = 10 if day(d).weekday() == 0 else 1
        events += [{"ad": "IRN>USA", "date": day(d)}] * n
    put_events(store, *events)
    monday = next(day(d) for d in range(120, 127) if day(d).weekday() == 0)
    put_events(store, *([{"ad": "IRN>USA", "date": monday}] * 10))
    rule = rules({"name": "esc", "detector": "escalation"})
    assert run_cycle(store, rule, monday, []) == []


def test_escalation_rule_on_one_dyad_and_types(store: Any, put_events: Put) -> None:
    background(put_events, store, 60, ad="AAA>BBB")
    put_events(
        store,
        *([{"ad": "IRN>USA", "event_type": "THREATEN", "date": day(60)}] * 3),
        *([{"ad": "IRN>USA", "event_type": "COERCE", "date": day(60)}] * 5),
    )
    rule = rules(
        {
            "name": "irn-usa",
            "detector": "escalation",
            "dyad": "IRN>USA",
            "event_types": ["THREATEN", "ASSAULT"],
            "measure": "events",
        }
    )
    (alert,) = run_cycle(store, rule, day(60), [])
    assert alert.observed == 3 and alert.event_types == ("THREATEN", "ASSAULT")
    assert "THREATEN/ASSAULT events" in alert.message


def test_conflict_share_shift(store: Any, put_events: Put) -> None:
    calm = [{"ad": "PHL>CHN", "event_type": "CONSULT", "date": day(d)} for d in range(77)]
    rare = [{"ad": "PHL>CHN", "event_type": "ACCUSE", "date": day(d)} for d in range(0, 70, 7)]
    hot = [{"ad": "CHN>PHL", "event_type": "COERCE", "date": day(d)} for d in range(70, 77)]
    put_events(store, *calm, *rare, *hot)
    rule = rules({"name": "share", "detector": "conflict_share", "level": "country"})
    new = run_cycle(store, rule, day(76), [])
    assert {a.key for a in new} == {"PHL", "CHN"}
    phl = next(a for a in new if a.key == "PHL")
    assert phl.observed == pytest.approx(0.5, abs=0.01) and phl.expected < 0.25
    assert "conflict was 50% of 14 events" in phl.message


# ------------------------------------------------------------------------------------ event rules
MATCH = {
    "name": "militia",
    "detector": "match",
    "event_types": ["ASSAULT"],
    "location": "IRQ",
    "actor_sector": "REB",
    "recipient": "USA",
}


@pytest.mark.parametrize(
    ("event", "fires"),
    [
        ({"ad": "IRQ:REB>USA:MIL", "location_country": "IRQ"}, True),
        ({"ad": ":REB>USA", "location_country": "IRQ"}, True),
        ({"ad": "IRQ:REB>USA:MIL", "location_country": "SYR"}, False),  # not in Iraq
        ({"ad": "IRQ:GOV>USA:MIL", "location_country": "IRQ"}, False),  # not an armed group
        ({"ad": "IRQ:REB>GBR", "location_country": "IRQ"}, False),
        ({"ad": "IRQ:REB>USA", "location_country": "IRQ", "event_type": "THREATEN"}, False),
        ({"ad": "IRQ:REB>USA", "location_country": "IRQ", "modality": "hypothetical"}, False),
        ({"ad": "IRQ:REB>USA", "location_country": "IRQ", "date_precision": "month"}, False),
    ],
)
def test_match_rule_filters(
    store: Any, put_events: Put, event: dict[str, Any], fires: bool
) -> None:
    put_events(store, {"date": day(5), **event})
    assert bool(run_cycle(store, rules(MATCH), day(5), [])) is fires


def test_match_reports_an_event_once_and_late_reports_too(store: Any, put_events: Put) -> None:
    first = put_events(store, {"ad": "IRQ:REB>USA", "location_country": "IRQ", "date": day(5)})
    (alert,) = run_cycle(store, rules(MATCH), day(5), [])
    assert list(alert.event_ids) == first and alert.since == day(5)
    assert run_cycle(store, rules(MATCH), day(6), []) == []  # same event, next day: nothing
    late = put_events(store, {"ad": "IRQ:REB>USA", "location_country": "IRQ", "date": day(5)})
    (again,) = run_cycle(store, rules(MATCH), day(7), [])  # reported late, still in lookback
    assert list(again.event_ids) == late


def test_new_dyad_and_new_actor_fire_once(store: Any, put_events: Put) -> None:
    background(put_events, store, 20)
    put_events(
        store,
        {"ad": "ARM>AZE", "date": day(20)},
        {"ad": "XYZ>AZE", "actor_code": "ARMFOO", "actor_name": "Foo Brigade", "date": day(20)},
    )
    watch = rules(
        {"name": "dyads", "detector": "new_dyad"}, {"name": "actors", "detector": "new_actor"}
    )
    new = run_cycle(store, watch, day(20), [])
    assert {(a.rule, a.key) for a in new} == {
        ("dyads", "ARM>AZE"),
        ("dyads", "XYZ>AZE"),
        ("actors", "ARMFOO"),  # ARM, AZE and XYZ are bare countries, not named actors
    }
    put_events(store, {"ad": "ARM>AZE", "date": day(21)})
    assert run_cycle(store, watch, day(21), []) == []


def test_new_dyad_waits_for_a_history(store: Any, put_events: Put) -> None:
    put_events(store, {"ad": "ARM>AZE", "date": day(3)})
    assert run_cycle(store, rules({"name": "d", "detector": "new_dyad"}), day(3), []) == []


@pytest.mark.parametrize(
    ("steps", "fires"),
    [
        ([("THREATEN", 0, "IRN>USA"), ("MOBILIZE", 5, "IRN>USA"), ("ASSAULT", 9, "IRN>USA")], True),
        ([("THREATEN", 0, "IRN>USA"), ("MOBILIZE", 5, "IRN>"), ("ASSAULT", 9, "IRN>USA")], True),
        (
            [("MOBILIZE", 0, "IRN>USA"), ("THREATEN", 5, "IRN>USA"), ("ASSAULT", 9, "IRN>USA")],
            False,
        ),
        (
            [("THREATEN", 0, "IRN>USA"), ("MOBILIZE", 5, "IRN>GBR"), ("ASSAULT", 9, "IRN>USA")],
            False,
        ),
        (
            [("THREATEN", 0, "IRN>USA"), ("MOBILIZE", 25, "IRN>USA"), ("ASSAULT", 40, "IRN>USA")],
            False,
        ),
    ],
)
def test_threat_mobilize_assault_sequence(
    store: Any, put_events: Put, steps: list[tuple[str, int, str]], fires: bool
) -> None:
    ids = put_events(store, *({"event_type": t, "date": day(d), "ad": ad} for t, d, ad in steps))
    last = day(steps[-1][1])
    new = run_cycle(store, rules({"name": "tma", "detector": "sequence"}), last, [])
    assert bool(new) is fires
    if fires:
        assert list(new[0].event_ids) == ids and new[0].since == day(0)
        assert new[0].message.startswith("IRN>USA: THREATEN (2026-01-01) -> MOBILIZE")


# ------------------------------------------------------------------------------------ gating
def _finding(score: float = 3.0, marks: tuple[str, ...] = ()) -> Finding:
    return Finding("escalation", "dyad", "IRN>USA", (), day(0), 5, 1, score, "m", (), marks)


@pytest.mark.parametrize("kind", ["memory", "store"])
def test_cooldown_dedup_and_reraise(store: Any, kind: str) -> None:
    state = MemoryState() if kind == "memory" else StoreState(store)
    assert admit(state, "r", _finding(), day(0), 7, 1.0) is not None
    assert admit(state, "r", _finding(), day(0), 7, 1.0) is None  # same rule, key and day
    assert admit(state, "r", _finding(3.5), day(2), 7, 1.0) is None  # cooling down
    assert admit(state, "r", _finding(4.5), day(3), 7, 1.0) is not None  # much stronger
    assert admit(state, "r", _finding(), day(11), 7, 1.0) is not None  # cool-down over
    assert admit(state, "other", _finding(), day(11), 7, 1.0) is not None  # rules are apart
    assert admit(state, "m", _finding(marks=("e1",)), day(12), 0) is not None
    assert admit(state, "m", _finding(marks=("e1",)), day(13), 0) is None  # seen event


def test_a_cycle_stores_alerts_once(store: Any, put_events: Put) -> None:
    put_events(store, {"ad": "IRQ:REB>USA", "location_country": "IRQ", "date": day(5)})
    assert len(run_cycle(store, rules(MATCH), day(5), [])) == 1
    assert run_cycle(store, rules(MATCH), day(5), []) == []
    (stored,) = list_alerts(store)
    assert stored["rule"] == "militia" and stored["day"] == "2026-01-06"
    assert set(stored) >= {"alert_id", "since", "observed", "expected", "score", "event_ids"}
    assert list_alerts(store, since=day(6)) == []


def test_backtest_replays_without_storing_alerts(store: Any, put_events: Put) -> None:
    background(put_events, store, 60, ad="IRN>USA")
    put_events(store, *([{"ad": "IRN>USA", "date": day(45)}] * 9))
    put_events(store, {"ad": "IRQ:REB>USA", "location_country": "IRQ", "date": day(50)})
    watch = rules({"name": "esc", "detector": "escalation"}, MATCH)
    result = backtest(store, watch, day(30), day(59))
    assert [(a.day, a.rule) for a in result.alerts] == [(day(45), "esc"), (day(50), "militia")]
    assert result.by_rule() == {"esc": 1, "militia": 1}
    assert list_alerts(store) == []
    assert result.to_json()["days"] == 30
