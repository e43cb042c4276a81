"""CI gate for issue 2: what the seed page must give (run only where ../shared exists).

Checks, on the page coded with publication date 2020-12-11:
- the repeated photo caption is kept once, and its events appear once;
- no event comes from the "read more:" / "comments" leftovers;
- the B-52 flight: MOBILIZE, USA -> IRN;
- the troop cuts: RETREAT, USA -> IRQ and USA -> AFG;
- Iran blaming Israel: ACCUSE, IRN -> ISR;
- the airstrike that killed Soleimani: ASSAULT, USA -> IRN;
- "no specific indications that a decision has been made to attack": no asserted ASSAULT.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

from flashpoint.ingest import read_path
from flashpoint.model import BlockKind, Document, Event
from flashpoint.pipeline import Config, Pipeline


def has(events: list[Event], etype: str, actor: str, recipient: str, *, sentence: str) -> bool:
    return any(
        e.event_type == etype
        and e.actor is not None
        and e.recipient is not None
        and e.actor.country == actor
        and e.recipient.country == recipient
        and e.modality != "negated"
        and sentence in e.sentence
        for e in events
    )


def main(path: str) -> int:
    pipeline = Pipeline(Config())
    raw = next(d for d in read_path(Path(path)) if isinstance(d, Document))
    doc = pipeline(replace(raw, published=raw.published or dt.date(2020, 12, 11)))
    events = list(doc.events)
    captions = [b for b in doc.blocks if b.kind == BlockKind.CAPTION]
    caption_texts = [b.span.text(doc.text) for b in captions]
    checks = {
        "repeated caption kept once": len(caption_texts) == len(set(caption_texts))
        and any(b.repeats == 2 for b in captions),
        "caption events appear once": len(
            {
                (e.event_type, e.trigger_text, e.sentence)
                for e in events
                if e.block == BlockKind.CAPTION
            }
        )
        == len([e for e in events if e.block == BlockKind.CAPTION]),
        "no event from page leftovers": not any(
            w in e.sentence.lower() for e in events for w in ("read more", "comments")
        ),
        "B-52 flight: MOBILIZE USA->IRN": has(
            events, "MOBILIZE", "USA", "IRN", sentence="bomber aircraft took off"
        ),
        "troop cuts: RETREAT USA->IRQ": has(
            events, "RETREAT", "USA", "IRQ", sentence="reduce troop levels"
        ),
        "troop cuts: RETREAT USA->AFG": has(
            events, "RETREAT", "USA", "AFG", sentence="reduce troop levels"
        ),
        "Iran blames Israel: ACCUSE IRN->ISR": has(
            events, "ACCUSE", "IRN", "ISR", sentence="has blamed Israel"
        ),
        "airstrike killing Soleimani: ASSAULT USA->IRN": has(
            events, "ASSAULT", "USA", "IRN", sentence="airstrike that killed"
        ),
        "no asserted attack from 'no specific indications'": not any(
            e.event_type == "ASSAULT"
            and e.modality == "asserted"
            and "no specific indications" in e.sentence
            for e in events
        ),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
