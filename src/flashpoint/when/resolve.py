"""Find time expressions and resolve them against the publication date.

Rules, tried in this order; where two overlap the earlier-starting, then longer one wins:

* `iso` "2020-01-08"; `mdy` "January 8, 2020", "Jan. 8 2020"; `dmy` "8 January 2020" (day);
* `range` "between March 1 and March 3", "from March 1 to 3": the start (day);
* `month_year` "January 2020" (month); `year` "in 2019", "since 2014" (year);
* `month_day` "November 30", "the January 3 anniversary": the year that puts the date nearest the
  publication date, past preferred (a later date wins only within 60 days and at under half the
  distance of the earlier one); with a future cue the first one on or after it;
* `month_part` "mid-January", "by early March", "the end of June" and `month` "in May" (month):
  the nearest such month; with a future cue, the next one on or after the publication month;
* `weekday` "on Thursday", "Thursday night", "last Friday": the latest such day before
  publication, the publication day itself when it is that weekday (news style); with
  "next"/"coming" or a future cue, the first one from it on ("next" skips the day itself),
  "last" skips it backwards;
* `holiday` "on Christmas Day": the nearest such day, like `month_day`;
* `relative` phrases listed in data/time/expressions.yaml ("yesterday", "last week",
  "earlier this month", "by the end of the year"), and `ago` "three days ago".

Week precision dates are the Monday of the week; month precision the first of the month; year
precision the first of January. Without a publication date the absolute dates resolve (iso, mdy,
dmy, range with a year, month_year, year); the latest of them bounds the publication date from
below, and the other expressions are resolved against it and marked `inferred` (see `find_times`).

A future cue ("will", "is to", "by", "until", ... in expressions.yaml) counts when it stands in
the same sentence within 50 characters before the expression, or inside it ("by mid-January").
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..knowledge import load_yaml, require
from ..model import Document, Sentence, Span, TimeMention
from ..pipeline import Config, Stage, data_path, register_stage

EXPRESSIONS_FILE = "time/expressions.yaml"
UNITS = ("day", "week", "month", "year", "year_end", "month_end")


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    items = sorted({w for w in words}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in items)


@dataclass(frozen=True)
class Lexicon:
    months: dict[str, int]
    ambiguous_months: frozenset[str]
    weekdays: dict[str, int]
    weekday_past: frozenset[str]
    weekday_future: frozenset[str]
    numbers: dict[str, int]
    relative: dict[str, tuple[str, int]]
    holidays: dict[str, tuple[int, int]]
    patterns: dict[str, re.Pattern[str]]
    future: re.Pattern[str]
    future_prefix: re.Pattern[str]
    # Cheap tests on the lowercased text of an ASCII document that a rule needs to pass
    # before its pattern runs (see `_gates`): the same hits, a fraction of the regex work.
    features: dict[str, re.Pattern[str]] = field(default_factory=dict)
    gates: dict[str, re.Pattern[str]] = field(default_factory=dict)
    # the rules left for each set of missing features (`_rules_without`), filled as met
    rules_by_missing: dict[frozenset[str], tuple[_GatedRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )


def _words(data: dict[str, Any], key: str, where: str) -> list[str]:
    items = data.get(key)
    require(isinstance(items, list) and bool(items), where, f"{key} must be a non-empty list")
    return [str(w).lower() for w in items or ()]


def _mapping(data: dict[str, Any], key: str, where: str) -> dict[str, int]:
    items = data.get(key)
    require(isinstance(items, dict) and bool(items), where, f"{key} must be a non-empty mapping")
    out = {str(k).lower(): v for k, v in (items or {}).items()}
    for k, v in out.items():
        require(isinstance(v, int), where, f"{key}.{k} must be an integer")
    return out


@functools.lru_cache(maxsize=8)
def _lexicon(path: str) -> Lexicon:
    data = load_yaml(Path(path))
    require(isinstance(data, dict) and data.get("version") == 1, path, "expected version: 1")
    months = _mapping(data, "months", path)
    for k, v in months.items():
        require(1 <= v <= 12, path, f"month {k!r} out of range")
    weekdays = _mapping(data, "weekdays", path)
    numbers = _mapping(data, "numbers", path)
    relative: dict[str, tuple[str, int]] = {}
    for phrase, spec in (data.get("relative") or {}).items():
        require(
            isinstance(spec, dict) and spec.get("unit") in UNITS,
            path,
            f"relative {phrase!r}: unit must be one of {', '.join(UNITS)}",
        )
        relative[str(phrase).lower()] = (str(spec["unit"]), int(spec.get("offset", 0)))

    holidays: dict[str, tuple[int, int]] = {}
    for phrase, md in (data.get("holidays") or {}).items():
        require(
            isinstance(md, list) and len(md) == 2 and _safe_date(2000, md[0], md[1]) is not None,
            path,
            f"holiday {phrase!r}: expected [month, day]",
        )
        holidays[str(phrase).lower()] = (int(md[0]), int(md[1]))

    mon = rf"(?P<mon>{_alt(months)})\.?"
    day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
    year = r"(?P<year>(?:1[89]|20|21)\d\d)"
    wd = _alt(weekdays)
    parts = _alt(_words(data, "day_parts", path))
    directions = _words(data, "weekday_past", path) + _words(data, "weekday_future", path)
    wd_pre = _alt(directions)
    mparts = _alt(_words(data, "month_parts", path))
    mpre = _alt(_words(data, "month_prepositions", path))
    ypre = _alt(_words(data, "year_prepositions", path))
    nums = _alt(numbers)
    flags = re.IGNORECASE
    patterns = {
        "iso": re.compile(r"\b(?P<year>\d{4})-(?P<m>[01]\d)-(?P<day>[0-3]\d)\b"),
        "range": re.compile(
            rf"\b(?:between|from)\s+(?P<core>{mon}\s+{day})(?:,?\s+{year})?"
            rf"\s+(?:and|to|-|–|until|through)\s+(?:(?:{_alt(months)})\.?\s+)?[0-3]?\d"
            rf"(?:st|nd|rd|th)?\b(?:,?\s+(?P<year2>(?:19|20)\d\d))?",
            flags,
        ),
        "mdy": re.compile(rf"\b{mon}\s+{day},?\s+{year}\b", flags),
        "dmy": re.compile(rf"\b{day}\s+(?:of\s+)?{mon},?\s+{year}\b", flags),
        "month_year": re.compile(rf"\b{mon},?\s+{year}\b", flags),
        "month_part": re.compile(
            rf"\b(?:(?P<pre>{mpre})\s+)?(?P<core>(?:{mparts})(?:\s*-\s*|\s+)(?:{mon}))"
            rf"(?:,?\s+{year})?\b",
            flags,
        ),
        "month_day": re.compile(rf"\b{mon}\s+{day}\b(?!\s*[:.]\d)", flags),
        "day_month": re.compile(rf"\b{day}\s+(?:of\s+)?{mon}\b", flags),
        "year": re.compile(rf"\b(?P<pre>{ypre})\s+(?P<core>{year})\b(?![-/]\d)", flags),
        "month": re.compile(rf"\b(?P<pre>{mpre})\s+(?P<core>{mon})\b(?!\s+[0-3]?\d\b)", flags),
        "weekday": re.compile(
            rf"\b(?:(?P<dir>{wd_pre})\s+)?(?P<wd>{wd})(?:\s+(?:{parts}))?\b", flags
        ),
        "ago": re.compile(rf"\b(?P<n>\d+|{nums})\s+(?P<unit>day|week|month|year)s?\s+ago\b", flags),
        "relative": re.compile(rf"\b(?P<core>{_alt(relative)})\b", flags),
    }
    if holidays:
        patterns["holiday"] = re.compile(rf"\b(?P<core>{_alt(holidays)})(?!\w)", flags)
    future = re.compile(rf"(?<!\w)(?:{_alt(_words(data, 'future_cues', path))})(?!\w)", flags)
    prefixes = _alt(_words(data, "future_prefixes", path))
    future_prefix = re.compile(rf"(?<!\w)(?:{prefixes})\s+(?:the\s+)?$", flags)
    features, gates = _gates(patterns, months, weekdays)
    return Lexicon(
        features=features,
        gates=gates,
        months=months,
        ambiguous_months=frozenset(_words(data, "ambiguous_months", path)),
        weekdays=weekdays,
        weekday_past=frozenset(_words(data, "weekday_past", path)),
        weekday_future=frozenset(_words(data, "weekday_future", path)),
        numbers=numbers,
        relative=relative,
        holidays=holidays,
        patterns=patterns,
        future=future,
        future_prefix=future_prefix,
    )


# What each rule's pattern cannot match without: a digit ({day}, {year}, ISO dates), a month
# name, a weekday name, the word "ago".
_NEEDS: dict[str, tuple[str, ...]] = {
    "iso": ("digit",),
    "range": ("month", "digit"),
    "mdy": ("month", "digit"),
    "dmy": ("month", "digit"),
    "month_year": ("month", "digit"),
    "month_part": ("month",),
    "month_day": ("month", "digit"),
    "day_month": ("month", "digit"),
    "year": ("digit",),
    "month": ("month",),
    "weekday": ("weekday",),
    "ago": ("ago",),
}


def _lowercase_only(source: str) -> bool:
    """True when every letter a pattern matches literally is lowercase (group names aside)."""
    return re.sub(r"\(\?P<\w+>", "(", source).islower()


def _caseless(source: str) -> bool:
    """No letter outside ASCII (a dash is fine): none can fold onto an ASCII letter."""
    return all(c.isascii() or not c.isalpha() for c in source)


def _gates(
    patterns: dict[str, re.Pattern[str]], months: dict[str, int], weekdays: dict[str, int]
) -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    """Tests run on lowercased ASCII text. A case-insensitive pattern whose literals are all
    lowercase matches ASCII text exactly where, compiled case-sensitively, it matches the
    lowercased text; such searches are several times faster, and the features (a digit, a
    month, a weekday, "ago") let a sentence skip the rules it cannot match at all."""
    words = {"month": months, "weekday": weekdays}
    features = {"digit": re.compile(r"\d"), "ago": re.compile("ago")}
    for name, table in words.items():
        firsts = {w.split()[0] for w in table if w.split()}
        if firsts and all(w.isascii() and w.islower() for w in firsts):
            features[name] = re.compile("|".join(map(re.escape, sorted(firsts))))
    gates = {
        name: re.compile(p.pattern)
        for name, p in patterns.items()
        if p.flags & re.IGNORECASE and _lowercase_only(p.pattern) and _caseless(p.pattern)
    }
    return features, gates


def load_lexicon(config: Config | None = None) -> Lexicon:
    return _lexicon(str(data_path(config or Config(), EXPRESSIONS_FILE)))


# ---------------------------------------------------------------------------------------------
# date arithmetic


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    if not (1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]):
        return None
    return dt.date(y, m, d)


_CUE_WINDOW = 50  # characters before an expression searched for a future cue
_AHEAD_DAYS = 60  # without a future cue, a date later than publication only when this close


def _nearest_year(month: int, day: int, pub: dt.date, future: bool) -> dt.date | None:
    """The date with this month and day nearest `pub`; past preferred, forwards if `future`."""
    years = (pub.year - 1, pub.year, pub.year + 1)
    options = [d for y in years if (d := _safe_date(y, month, day))]
    if not options:
        return None
    if future:
        return min((d for d in options if d >= pub), default=None)
    past = max((d for d in options if d <= pub), default=None)
    ahead = min((d for d in options if d > pub), default=None)
    if past is None:
        return ahead
    if (
        ahead is not None
        and (ahead - pub).days <= _AHEAD_DAYS
        and (ahead - pub).days * 2 < (pub - past).days
    ):
        return ahead
    return past


def _nearest_month(month: int, pub: dt.date, future: bool) -> dt.date:
    """The first of the month of this name nearest `pub`'s month; same preferences as days."""
    here = dt.date(pub.year, pub.month, 1)
    found = _nearest_year(month, 1, here, future)
    return found or here


# ---------------------------------------------------------------------------------------------
# rules


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    date: dt.date
    precision: str
    rule: str


_Rule = Callable[[re.Match[str], "Lexicon", "dt.date | None", bool], "tuple[dt.date, str] | None"]


def _month(lex: Lexicon, m: re.Match[str]) -> int | None:
    word = m.group("mon").lower()
    if word in lex.ambiguous_months and not m.group("mon")[:1].isupper():
        return None
    return lex.months.get(word)


def _r_iso(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    d = _safe_date(int(m.group("year")), int(m.group("m")), int(m.group("day")))
    return (d, "day") if d else None


def _r_full(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    month = _month(lex, m)
    d = _safe_date(int(m.group("year")), month, int(m.group("day"))) if month else None
    return (d, "day") if d else None


def _r_range(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    month = _month(lex, m)
    if not month:
        return None
    y = m.group("year") or m.group("year2")
    if y:
        d = _safe_date(int(y), month, int(m.group("day")))
    elif pub:
        d = _nearest_year(month, int(m.group("day")), pub, fut)
    else:
        return None
    return (d, "day") if d else None


def _r_month_year(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    month = _month(lex, m)
    return (dt.date(int(m.group("year")), month, 1), "month") if month else None


def _r_month_day(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    month = _month(lex, m)
    if not month or pub is None:
        return None
    d = _nearest_year(month, int(m.group("day")), pub, fut)
    return (d, "day") if d else None


def _r_month_part(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    month = _month(lex, m)
    if not month:
        return None
    if "year" in m.re.groupindex and m.group("year"):
        return dt.date(int(m.group("year")), month, 1), "month"
    if pub is None:
        return None
    pre = (m.group("pre") or "").lower()
    if pre in ("last",):
        d = _nearest_month(month, pub, False)
        return (d if d < dt.date(pub.year, pub.month, 1) else _add_months(d, -12)), "month"
    return _nearest_month(month, pub, fut or pre in ("by", "until", "till", "next")), "month"


def _r_year(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    return dt.date(int(m.group("year")), 1, 1), "year"


def _r_weekday(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    if pub is None:
        return None
    wd = lex.weekdays[m.group("wd").lower()]
    direction = (m.group("dir") or "").lower()
    forward = direction in lex.weekday_future or (fut and direction not in lex.weekday_past)
    # the publication's own weekday is the publication day (news style: "on Thursday" in a
    # Thursday paper), unless "last" or "next" says otherwise
    if forward:
        delta = (wd - pub.weekday()) % 7
        if delta == 0 and direction in lex.weekday_future:
            delta = 7
        return pub + dt.timedelta(days=delta), "day"
    delta = (pub.weekday() - wd) % 7
    if delta == 0 and direction in lex.weekday_past:
        delta = 7
    return pub - dt.timedelta(days=delta), "day"


def _shift(pub: dt.date, unit: str, n: int) -> tuple[dt.date, str]:
    if unit == "day":
        return pub + dt.timedelta(days=n), "day"
    if unit == "week":
        return _monday(pub) + dt.timedelta(weeks=n), "week"
    if unit == "month":
        return _add_months(dt.date(pub.year, pub.month, 1), n), "month"
    if unit == "year":
        return dt.date(pub.year + n, 1, 1), "year"
    if unit == "year_end":
        return dt.date(pub.year + n, 12, 1), "month"
    return _add_months(dt.date(pub.year, pub.month, 1), n), "month"  # month_end


def _r_relative(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    if pub is None:
        return None
    unit, offset = lex.relative[" ".join(m.group("core").lower().split())]
    return _shift(pub, unit, offset)


def _r_ago(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    if pub is None:
        return None
    word = " ".join(m.group("n").lower().split())
    n = int(word) if word.isdigit() else lex.numbers.get(word)
    if n is None:
        return None
    return _shift(pub, m.group("unit").lower(), -n)


def _r_holiday(m: re.Match[str], lex: Lexicon, pub: dt.date | None, fut: bool) -> Any:
    if pub is None:
        return None
    month, day = lex.holidays[" ".join(m.group("core").lower().split())]
    d = _nearest_year(month, day, pub, fut)
    return (d, "day") if d else None


_RULES: tuple[tuple[str, _Rule], ...] = (
    ("iso", _r_iso),
    ("range", _r_range),
    ("mdy", _r_full),
    ("dmy", _r_full),
    ("month_year", _r_month_year),
    ("month_part", _r_month_part),
    ("month_day", _r_month_day),
    ("day_month", _r_month_day),
    ("year", _r_year),
    ("month", _r_month_part),
    ("weekday", _r_weekday),
    ("ago", _r_ago),
    ("relative", _r_relative),
    ("holiday", _r_holiday),
)
# Rules that need no publication date: they give the lower bound of an undated text's window.
ABSOLUTE_RULES = frozenset({"iso", "range", "mdy", "dmy", "month_year", "year"})


def _core_start(m: re.Match[str]) -> int:
    return m.start("core") if "core" in m.re.groupindex and m.group("core") else m.start()


_GatedRule = tuple[str, _Rule, "re.Pattern[str] | None"]  # name, resolver, gate


def _rules_without(lex: Lexicon, missing: frozenset[str]) -> tuple[_GatedRule, ...]:
    """The lexicon's rules that can match a sentence lacking the `missing` features, each
    with its gate (None: no gate applies); worked out once per set of missing features."""
    found = lex.rules_by_missing.get(missing)
    if found is None:
        found = lex.rules_by_missing[missing] = tuple(
            (name, rule, lex.gates.get(name))
            for name, rule in _RULES
            if name in lex.patterns and missing.isdisjoint(_NEEDS.get(name, ()))
        )
    return found


def _missing(
    low: str | None, start: int, end: int, lex: Lexicon, absent: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The features (see `_gates`) the sentence lacks: searched once, not once per rule.
    `absent`: features the whole text lacks, not searched again."""
    if low is None:
        return frozenset()
    search = [(f, t) for f, t in lex.features.items() if f not in absent]
    return absent | {f for f, test in search if test.search(low, start, end) is None}


def _sentence_hits(
    text: str,
    start: int,
    end: int,
    lex: Lexicon,
    pub: dt.date | None,
    low: str | None = None,
    absent: frozenset[str] = frozenset(),
) -> list[_Hit]:
    hits: list[_Hit] = []
    for name, rule, gate in _rules_without(lex, _missing(low, start, end, lex, absent)):
        if low is not None and gate is not None and gate.search(low, start, end) is None:
            continue
        for m in lex.patterns[name].finditer(text, start, end):
            # a future cue counts only shortly before (or inside) the expression
            fut = bool(
                lex.future.search(text, max(start, m.start() - _CUE_WINDOW), m.end())
                or lex.future_prefix.search(text, max(start, m.start() - 24), _core_start(m))
                or lex.future_prefix.search(text, max(start, m.start() - 24), m.start())
            )
            try:
                found = rule(m, lex, pub, fut)
            except (ValueError, OverflowError):
                found = None
            if found and found[0] is not None:
                hits.append(_Hit(_core_start(m), m.end(), found[0], found[1], name))
    # keep the earliest-starting, then longest, non-overlapping hits; ties go to earlier rules
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[_Hit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return out


def find_times(
    text: str,
    sentences: Sequence[Sentence] = (),
    published: dt.date | None = None,
    lexicon: Lexicon | None = None,
) -> list[TimeMention]:
    """Time mentions in `text`, resolved against `published`, with absolute spans.

    Without a publication date the explicit dates resolve as they are; the latest of them is a
    lower bound of the publication date, and relative expressions are resolved against it and
    marked `inferred`, with `window_start` (the earliest date they can mean) and an open end.
    """
    lex = lexicon or load_lexicon()
    sents = list(sentences) or [Sentence(0, Span(0, len(text)))]
    low = text.lower() if text.isascii() else None  # same offsets: ASCII lowercases 1:1
    # a feature (a digit, a month name...) missing from the whole text is missing from every
    # sentence: most documents lack some, and their sentences skip the search
    absent = _missing(low, 0, len(text), lex)
    anchor: dt.date | None = published
    inferred = False
    if published is None:
        explicit = [
            h.date
            for s in sents
            for h in _sentence_hits(text, s.span.start, s.span.end, lex, None, low, absent)
            if h.rule in ABSOLUTE_RULES
        ]
        anchor = max(explicit, default=None)
        inferred = anchor is not None
    out: list[TimeMention] = []
    for s in sents:
        for h in _sentence_hits(text, s.span.start, s.span.end, lex, anchor, low, absent):
            guess = inferred and h.rule not in ABSOLUTE_RULES
            out.append(
                TimeMention(
                    sentence_index=s.index,
                    span=Span(h.start, h.end),
                    text=text[h.start : h.end],
                    date=h.date,
                    precision=h.precision,
                    rule=h.rule,
                    inferred=guess,
                    window_start=h.date if guess else None,
                )
            )
    return out


def sentence_of(sentences: Sequence[Sentence], offset: int) -> int:
    """Index of the sentence holding `offset` (0 when there are no sentences)."""
    starts = [s.span.start for s in sentences]
    i = bisect.bisect_right(starts, offset) - 1
    return sentences[max(i, 0)].index if sentences else 0


@register_stage
class TimesStage(Stage):
    """Finds and resolves time expressions: assigns `Document.times`."""

    name = "times"
    requires = ("sentences",)
    assigns = ("times",)

    def __call__(self, doc: Document) -> Document:
        published = doc.published
        if published is None and self.config.default_date:
            published = dt.date.fromisoformat(self.config.default_date)
        lex = load_lexicon(self.config)
        times = find_times(doc.text, doc.sentences, published, lexicon=lex)
        return replace(doc, times=tuple(times))
