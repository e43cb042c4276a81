"""Printing evaluation reports and checking them against recorded floors."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..knowledge import load_yaml, require


def _table(title: str, columns: list[str]) -> Table:
    t = Table(title=title, header_style="bold", title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    return t


def print_report(report: dict[str, Any], out: Console) -> None:
    out.print(
        f"[bold]{report['gold']}[/bold] ({report['format']}, {report['sentences']} "
        f"sentences, {report['seconds']} s)",
        highlight=False,
    )
    if "events" in report:
        _print_events(report["events"], out)
    if "cameo_root" in report:
        conventions = report.get("conventions", "plover")
        other = "plover" if conventions == "cameo" else "cameo"
        for key, name in (("cameo_root", conventions), (f"cameo_root_{other}", other)):
            if key in report:
                r = report[key]
                out.print(
                    f"CAMEO root codes ({name} conventions): precision {r['precision']:.3f}, "
                    f"recall {r['recall']:.3f}, F1 {r['f1']:.3f} "
                    f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']})"
                )
    if "quad" in report:
        q = report["quad"]
        out.print(f"Quad class: accuracy {q['accuracy']:.3f}, macro-F1 {q['macro_f1']:.3f}")
        _print_confusion(q["confusion"], out, "Quad confusion (rows gold, columns predicted)")
    if "roles" in report:
        r = report["roles"]
        out.print(
            f"Roles: source found in {r['source_found']:.3f} of {r['source_total']} "
            f"sentences; target found in {r['target_found']:.3f} of {r['target_total']}"
        )
    if "places" in report:
        _print_where_when(report, "places", out)
    if "dates" in report:
        _print_where_when(report, "dates", out)
    out.print()


_WHERE_WHEN = {
    "places": ("found", "precision", "country_accuracy", "city_within_161km", "precision_accuracy"),
    "dates": ("found", "exact", "day_exact", "precision_accuracy"),
}


def _print_where_when(report: dict[str, Any], key: str, out: Console) -> None:
    """Places or dates: ours beside the baseline, one metric per row."""
    ours, base = report[key], report.get("baseline") or {}
    counts = (
        f"{ours['mentions']} mentions from {ours['gold_countries']} countries, "
        f"{ours['city_mentions']} cities"
        if key == "places"
        else f"{ours['expressions']} expressions, {ours['dated']} dated, "
        f"{ours['day_precision']} of day precision"
    )
    out.print(f"{key.capitalize()}: {counts}", highlight=False)
    unavailable = base.get("unavailable")
    t = _table(key.capitalize(), ["metric", "flashpoint", "baseline"])
    for name in _WHERE_WHEN[key]:
        mine = ours.get(name)
        theirs = "unavailable" if unavailable else base.get(name)
        t.add_row(
            name.replace("_", " "),
            "-" if mine is None else f"{mine:.3f}",
            theirs if isinstance(theirs, str) else "-" if theirs is None else f"{theirs:.3f}",
        )
    out.print(t)
    if unavailable:
        out.print(f"baseline unavailable: {unavailable}", highlight=False)
    elif base.get("method"):
        out.print(f"baseline: {base['method']}", highlight=False)


def _print_events(e: dict[str, Any], out: Console) -> None:
    t = _table("Event types", ["type", "gold", "predicted", "P", "R", "F1"])
    for name, p in e["per_type"].items():
        t.add_row(
            name,
            str(p["tp"] + p["fn"]),
            str(p["tp"] + p["fp"]),
            f"{p['precision']:.2f}",
            f"{p['recall']:.2f}",
            f"{p['f1']:.2f}",
        )
    out.print(t)
    m = e["micro"]
    out.print(
        f"macro-F1 {e['macro_f1']:.3f}; micro P {m['precision']:.3f} R {m['recall']:.3f} "
        f"F1 {m['f1']:.3f}"
    )
    for key in ("actor_accuracy", "recipient_accuracy", "modality_accuracy"):
        value = e[key]
        out.print(f"{key.replace('_', ' ')}: {'-' if value is None else f'{value:.3f}'}")
    _print_confusion(e["confusion"], out, "Type confusion (rows gold, columns predicted)")


def _print_confusion(cells: list[list[Any]], out: Console, title: str) -> None:
    rows = sorted({str(g) for g, _, _ in cells})
    cols = sorted({str(p) for _, p, _ in cells})
    counts = {(str(g), str(p)): n for g, p, n in cells}
    t = _table(title, ["gold \\ predicted", *cols])
    for r in rows:
        t.add_row(r, *[str(counts.get((r, c), "")) for c in cols])
    out.print(t)


def metric(report: dict[str, Any], dotted: str) -> float | None:
    value: Any = report
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) else None


def check_floors(reports: list[dict[str, Any]], floors_path: Path) -> list[str]:
    """Failures as text: every metric named for a gold file must reach its floor.

    The floors file maps a gold-file glob to metrics: {"*quad_train.tsv": {"quad.accuracy": 0.7}}.
    """
    floors = load_yaml(floors_path)
    require(
        isinstance(floors, dict) and isinstance(floors.get("floors"), dict),
        floors_path,
        "needs a 'floors' mapping of gold-file patterns to metrics",
    )
    failures = []
    for report in reports:
        for pattern, metrics in floors["floors"].items():
            if not fnmatch.fnmatch(report["gold"], pattern):
                continue
            for name, floor in metrics.items():
                value = metric(report, name)
                if value is None or value < float(floor):
                    failures.append(f"{report['gold']}: {name} = {value} < {floor}")
    return failures
