"""CI gate for issue 4: places and dates on the seed page (run only where ../shared exists).

On the page coded with publication date 2020-12-11 (a Friday):
- Najaf, Baghdad (via "Baghdad's airport"), Tehran, Iraq, Afghanistan, the Middle East and the
  Gulf resolve to places of the right country or region;
- the B-52 flight "on Thursday" is 2020-12-10 (the Thursday before publication), day precision;
- "by mid-January" is January 2021, month precision.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

from flashpoint.ingest import read_path
from flashpoint.model import Document
from flashpoint.pipeline import Config, Pipeline


def main(path: str) -> int:
    pipeline = Pipeline(Config())
    raw = next(d for d in read_path(Path(path)) if isinstance(d, Document))
    doc = pipeline(replace(raw, published=raw.published or dt.date(2020, 12, 11)))
    places = {(p.text.replace("’", "'"), p.country, p.precision) for p in doc.places}
    names = {p.name for p in doc.places}

    def place(text: str, country: str | None, precision: str) -> bool:
        return (text, country, precision) in places

    def time_in(sentence: str, text: str, date: dt.date, precision: str) -> bool:
        for t in doc.times:
            s = doc.sentences[t.sentence_index].span.text(doc.text)
            if sentence in s and t.text == text and t.date == date and t.precision == precision:
                return True
        return False

    checks = {
        "Najaf -> IRQ city": place("Najaf", "IRQ", "city"),
        "Baghdad's airport -> IRQ landmark": place("Baghdad's airport", "IRQ", "landmark"),
        "Tehran -> IRN city": place("Tehran", "IRN", "city"),
        "Iraq -> IRQ country": place("Iraq", "IRQ", "country"),
        "Afghanistan -> AFG country": place("Afghanistan", "AFG", "country"),
        "the Middle East -> region": "Middle East" in names,
        "the Gulf -> Persian Gulf region": "Persian Gulf" in names,
        "B-52 flight 'on Thursday' -> 2020-12-10 (day)": time_in(
            "flew over a swath of the Middle East", "Thursday", dt.date(2020, 12, 10), "day"
        ),
        "'by mid-January' -> 2021-01 (month)": time_in(
            "reduce troop levels", "mid-January", dt.date(2021, 1, 1), "month"
        ),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
