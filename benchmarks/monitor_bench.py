"""Monitoring benchmark: planted escalations in a synthetic event stream (issue 6).

    .venv/bin/python benchmarks/monitor_bench.py [--dyads 120] [--days 456] [--seeds 7,11,23]
        [--thresholds 1.5,1.75,2.0,2.5,3.0]

For each seed, `flashpoint.monitor.synthetic` writes a year and a quarter of daily events for
`--dyads` dyads into a DuckDB store, as ingest and dedup would (articles, event mentions, canonical
events): per-dyad negative-binomial noise around a drifting rate with a weekday profile, planted
one-day noise bursts, media bursts (one event reported by dozens of articles, which must count
once), and planted escalations with known onset days (the conflict rate times 3 to 6, at least 3
more events a day, for 4 to 14 days). The detectors then run day by day over every day after the
warm-up through `flashpoint.monitor.backtest` (the same code as `flashpoint backtest`), with one
rule: `escalation` over every dyad, default settings.

Measured: recall (a planted escalation counts as found when its dyad alerts on the onset day or the
two days after), false alerts per dyad per 90 days (an alert on a dyad outside every planted
escalation, from its onset to two days after its end), both per seed and pooled, and the same over
a sweep of thresholds; the time to generate, to refresh the series from scratch, to replay, and
one live cycle. Writes `benchmarks/results/monitor_bench.json` and `.md`. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from flashpoint.monitor import backtest, load_settings, parse_watchlists, refresh_series, run_cycle
from flashpoint.monitor.synthetic import (
    DetectionScore,
    SyntheticSpec,
    SyntheticTruth,
    generate,
    score_alerts,
)
from flashpoint.store import Store

RESULTS = Path(__file__).resolve().parent / "results"


def rules(threshold: float | None = None) -> Any:
    rule: dict[str, Any] = {"name": "dyad-escalation", "detector": "escalation", "level": "dyad"}
    if threshold is not None:
        rule["threshold"] = threshold
    return parse_watchlists({"version": 1, "rules": [rule]})


def noise_share(alerts: list[Any], truth: SyntheticTruth) -> int:
    """False alerts within two days after a planted one-day noise burst of their dyad."""
    bursts = set(truth.noise_days)
    count = 0
    for a in alerts:
        true = any(
            p.key == a.key and p.onset <= a.day <= p.end + dt.timedelta(days=2)
            for p in truth.escalations
        )
        near = any((a.key, a.day - dt.timedelta(days=k)) in bursts for k in range(3))
        count += int(near and not true)
    return count


def dedup_rewrite(store: Any) -> tuple[float, int]:
    """Time an incremental refresh after 1% of canonical events changed (as when dedup merges
    new mentions into them and picks another representative), then undo the change."""
    con = store.con
    con.execute(
        "CREATE TEMP TABLE moved AS SELECT event_id, date FROM canonical_events "
        "USING SAMPLE 1 PERCENT (reservoir, 1)"
    )
    con.execute(
        "UPDATE canonical_events SET date = canonical_events.date + 1 FROM moved "
        "WHERE canonical_events.event_id = moved.event_id"
    )
    t0 = time.perf_counter()
    touched = refresh_series(store)
    seconds = round(time.perf_counter() - t0, 3)
    con.execute(
        "UPDATE canonical_events SET date = moved.date FROM moved "
        "WHERE canonical_events.event_id = moved.event_id"
    )
    refresh_series(store)
    con.execute("DROP TABLE moved")
    return seconds, touched


def run_seed(seed: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    spec = SyntheticSpec(dyads=args.dyads, days=args.days, seed=seed)
    first = spec.start + dt.timedelta(days=spec.warmup_days)
    last = spec.start + dt.timedelta(days=spec.days - 1)
    out: dict[str, Any] = {"seed": seed}
    with Store(folder / f"synthetic-{seed}.duckdb") as store:
        t0 = time.perf_counter()
        truth = generate(store, spec)
        out["generate_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        out["series_rows"] = refresh_series(store)
        out["refresh_full_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        refresh_series(store)
        out["refresh_nothing_new_s"] = round(time.perf_counter() - t0, 3)
        out["refresh_one_percent_s"], out["refresh_one_percent_rows"] = dedup_rewrite(store)
        t0 = time.perf_counter()
        result = backtest(store, rules(), first, last)
        out["backtest_s"] = round(time.perf_counter() - t0, 2)
        out["replayed_days"] = (last - first).days + 1
        score = score_alerts(result.alerts, truth, first)
        out["default"] = score.to_json() | {"after_noise_burst": noise_share(result.alerts, truth)}
        sweep = {}
        for threshold in args.thresholds:
            swept = backtest(store, rules(threshold), first, last)
            sweep[str(threshold)] = score_alerts(swept.alerts, truth, first)
        out["sweep"] = {k: v.to_json() for k, v in sweep.items()}
        out["_sweep_scores"] = sweep
        t0 = time.perf_counter()
        run_cycle(store, rules(), last, sinks=[])
        out["live_cycle_s"] = round(time.perf_counter() - t0, 3)
    out["truth"] = {
        "canonical_events": truth.canonical_events,
        "mentions": truth.mentions,
        "escalations": len(truth.escalations),
        "noise_bursts": len(truth.noise_days),
    }
    out["_score"] = score
    return out


def pooled(scores: list[DetectionScore]) -> dict[str, Any]:
    total = DetectionScore(
        escalations=sum(s.escalations for s in scores),
        detected=sum(s.detected for s in scores),
        delays=tuple(d for s in scores for d in s.delays),
        alerts=sum(s.alerts for s in scores),
        false_alerts=sum(s.false_alerts for s in scores),
        dyad_days=sum(s.dyad_days for s in scores),
    )
    return total.to_json()


def markdown(report: dict[str, Any]) -> str:
    a = report["args"]
    lines = [
        "# Monitoring benchmark: planted escalations",
        "",
        f"`benchmarks/monitor_bench.py --dyads {a['dyads']} --days {a['days']} "
        f"--seeds {','.join(map(str, a['seeds']))}`: per seed, {a['dyads']} dyads over "
        f"{a['days']} days of synthetic events (the first 60 are warm-up), replayed day by day "
        "with one rule, `escalation` over every dyad, default settings "
        f"(threshold {report['default_threshold']}).",
        "",
        "Targets: recall >= 0.90 within 2 days of onset; <= 1 false alert per dyad per 90 days.",
        "",
        "| seed | escalations | found | recall | mean delay (days) | alerts | false | "
        "false / dyad / 90 days | false after a noise burst |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["seeds"]:
        d = r["default"]
        lines.append(
            f"| {r['seed']} | {d['escalations']} | {d['detected']} | {d['recall']} | "
            f"{d['mean_delay_days']} | {d['alerts']} | {d['false_alerts']} | "
            f"{d['false_alerts_per_dyad_per_90_days']} | {d['after_noise_burst']} |"
        )
    p = report["pooled"]
    lines += [
        f"| **all** | {p['escalations']} | {p['detected']} | **{p['recall']}** | "
        f"{p['mean_delay_days']} | {p['alerts']} | {p['false_alerts']} | "
        f"**{p['false_alerts_per_dyad_per_90_days']}** | |",
        "",
        "Threshold sweep (all seeds pooled; the score is -log10 p, p already multiplied by the",
        "3 windows tried):",
        "",
        "| threshold | recall | false / dyad / 90 days | alerts |",
        "|---|---|---|---|",
    ]
    for threshold, s in report["sweep"].items():
        lines.append(
            f"| {threshold} | {s['recall']} | {s['false_alerts_per_dyad_per_90_days']} | "
            f"{s['alerts']} |"
        )
    lines += ["", "| timing (mean over seeds) | seconds |", "|---|---|"]
    for key, label in (
        ("generate_s", "generate the stream into DuckDB"),
        ("refresh_full_s", "refresh the series from scratch"),
        ("refresh_nothing_new_s", "refresh again, nothing new"),
        ("refresh_one_percent_s", "refresh after dedup moved 1% of the events by a day"),
        ("backtest_s", "replay every day (backtest)"),
        ("live_cycle_s", "one live cycle (run_cycle, store state)"),
    ):
        lines.append(f"| {label} | {report['timing'][key]} |")
    t = report["seeds"][0]["truth"]
    lines += [
        "",
        f"One seed's stream: {t['canonical_events']} canonical events from {t['mentions']} "
        f"mentions, {t['escalations']} planted escalations, {t['noise_bursts']} noise bursts; "
        f"{report['seeds'][0]['series_rows']} series rows; {report['seeds'][0]['replayed_days']} "
        "days replayed.",
        "",
        f"Machine: {report['machine']}. The two cores were shared with other work while this "
        "ran, so timings are pessimistic.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dyads", type=int, default=120)
    parser.add_argument("--days", type=int, default=456)
    parser.add_argument(
        "--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[7, 11, 23]
    )
    parser.add_argument(
        "--thresholds",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[1.5, 1.75, 2.0, 2.5, 3.0],
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = []
        for seed in args.seeds:
            seeds.append(run_seed(seed, args, Path(tmp)))
            print(f"seed {seed}: {seeds[-1]['default']}", flush=True)
    sweep = {
        str(th): pooled([s["_sweep_scores"][str(th)] for s in seeds]) for th in args.thresholds
    }
    report = {
        "args": {"dyads": args.dyads, "days": args.days, "seeds": args.seeds},
        "default_threshold": load_settings().detectors["escalation"]["threshold"],
        "seeds": [{k: v for k, v in s.items() if not k.startswith("_")} for s in seeds],
        "pooled": pooled([s["_score"] for s in seeds]),
        "sweep": sweep,
        "timing": {
            key: round(sum(s[key] for s in seeds) / len(seeds), 3)
            for key in (
                "generate_s",
                "refresh_full_s",
                "refresh_nothing_new_s",
                "refresh_one_percent_s",
                "backtest_s",
                "live_cycle_s",
            )
        },  # fmt: skip
        "machine": f"{platform.machine()}, {platform.python_version()}, 2 shared cores",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "monitor_bench.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "monitor_bench.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
