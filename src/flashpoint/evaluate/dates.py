"""Date gold (`tests/gold/dates.jsonl`): read it, resolve it, score it, and score a baseline.

A gold line is `{"id", "text", "published": "2020-12-11" or null, "times": [{"text", "start",
"end", "date", "precision"}]}`; `date` is the first day of the period (the Monday of a week, the
first of a month, the first of January of a year), `precision` is day, week, month or year. A
vague expression ("in the coming days") has `date: null`: it counts towards detection only.

A resolved time matches a gold one when their spans overlap. Scores:

* `found`: share of gold expressions matched by a resolved one;
* `exact`: share of dated gold expressions whose match has the same date and precision;
* `day_exact`: the same over gold expressions of day precision;
* `precision_accuracy`: share of dated gold expressions whose match has the gold precision.

The baseline is plain dateparser (`languages=['en']`, relative to the publication date,
preferring past dates, returning the period as precision), given each gold span's words; when
it returns nothing for the words it is tried once more without the leading preposition. It is
an optional development dependency: without it the report says "baseline unavailable".
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import TimeMention
from ..pipeline import Config
from ..when.resolve import find_times, load_lexicon
from .gold import jsonl_rows


@dataclass(frozen=True)
class GoldTime:
    text: str
    start: int
    end: int
    date: dt.date | None
    precision: str | None


@dataclass
class DateItem:
    id: str
    text: str
    published: dt.date | None
    times: list[GoldTime] = field(default_factory=list)


def read_dates(path: Path) -> Iterator[DateItem]:
    for default_id, row in jsonl_rows(path):
        yield DateItem(
            id=str(row.get("id", default_id)),
            text=row["text"],
            published=dt.date.fromisoformat(row["published"]) if row.get("published") else None,
            times=[
                GoldTime(
                    t["text"],
                    int(t["start"]),
                    int(t["end"]),
                    dt.date.fromisoformat(t["date"]) if t.get("date") else None,
                    t.get("precision"),
                )
                for t in row.get("times", [])
            ],
        )


@dataclass
class DateScores:
    gold: int = 0
    found: int = 0
    dated: int = 0
    exact: int = 0
    days: int = 0
    day_exact: int = 0
    precision_ok: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, item_id: str, gold: GoldTime, guess: tuple[dt.date, str] | None) -> None:
        self.gold += 1
        if guess is not None:
            self.found += 1
        if gold.date is None:
            return
        self.dated += 1
        if gold.precision == "day":
            self.days += 1
        if guess is None:
            self.errors.append(f"{item_id}: {gold.text!r} not resolved")
            return
        date, precision = guess
        if precision == gold.precision:
            self.precision_ok += 1
        if date == gold.date and precision == gold.precision:
            self.exact += 1
            if gold.precision == "day":
                self.day_exact += 1
        else:
            self.errors.append(
                f"{item_id}: {gold.text!r} -> {date} ({precision}); gold {gold.date} "
                f"({gold.precision})"
            )

    def as_dict(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float:
            return round(a / b, 4) if b else 0.0

        return {
            "expressions": self.gold,
            "dated": self.dated,
            "day_precision": self.days,
            "found": share(self.found, self.gold),
            "exact": share(self.exact, self.dated),
            "day_exact": share(self.day_exact, self.days),
            "precision_accuracy": share(self.precision_ok, self.dated),
            "errors": self.errors[:50],
        }


def _overlap(t: TimeMention, g: GoldTime) -> int:
    return min(t.span.end, g.end) - max(t.span.start, g.start)


def _normalise(day: dt.date, period: str) -> tuple[dt.date, str]:
    if period == "month":
        return day.replace(day=1), "month"
    if period == "year":
        return dt.date(day.year, 1, 1), "year"
    if period == "week":
        return day - dt.timedelta(days=day.weekday()), "week"
    return day, "day"


_PREPOSITIONS = ("on ", "in ", "by ", "since ", "until ", "before ", "after ", "from ", "at ")


def dateparser_baseline() -> Callable[[str, dt.date | None], tuple[dt.date, str] | None] | None:
    """A resolver backed by plain dateparser, or None when dateparser is not installed."""
    try:
        from dateparser.date import DateDataParser
    except ImportError:
        return None
    parsers: dict[dt.date | None, Any] = {}

    def parse(text: str, published: dt.date | None) -> tuple[dt.date, str] | None:
        if published not in parsers:
            settings: dict[str, Any] = {
                "PREFER_DATES_FROM": "past",
                "RETURN_TIME_AS_PERIOD": True,
            }
            if published is not None:
                settings["RELATIVE_BASE"] = dt.datetime(
                    published.year, published.month, published.day, 12
                )
            parsers[published] = DateDataParser(languages=["en"], settings=settings)
        parser = parsers[published]
        tries = [text]
        low = text.lower()
        for p in _PREPOSITIONS:
            if low.startswith(p):
                tries.append(text[len(p) :])
        for words in tries:
            try:
                data = parser.get_date_data(words)
            except Exception:  # noqa: BLE001 - a baseline failure is a miss, not a crash
                continue
            if data and data.date_obj is not None:
                period = data.period if data.period in ("day", "week", "month", "year") else "day"
                return _normalise(data.date_obj.date(), period)
        return None

    return parse


def evaluate_dates(
    path: Path, config: Config | None = None, limit: int | None = None
) -> dict[str, Any]:
    config = config or Config()
    lex = load_lexicon(config)
    items = list(read_dates(path))[:limit]
    ours = DateScores()
    started = time.perf_counter()
    for item in items:
        found = find_times(item.text, (), item.published, lexicon=lex)
        for g in item.times:
            hits = [t for t in found if _overlap(t, g) > 0]
            best = max(hits, key=lambda t: _overlap(t, g), default=None)
            ours.add(item.id, g, (best.date, best.precision) if best else None)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "gold": str(path),
        "format": "dates",
        "sentences": len(items),
        "seconds": round(seconds, 2),
        "dates": ours.as_dict(),
    }
    parse = dateparser_baseline()
    if parse is None:
        report["baseline"] = {"unavailable": "dateparser is not installed (pip install dateparser)"}
        return report
    base = DateScores()
    for item in items:
        for g in item.times:
            base.add(item.id, g, parse(g.text, item.published))
    baseline = base.as_dict()
    baseline["method"] = "plain dateparser (languages=['en']), given the gold spans"
    report["baseline"] = baseline
    return report
