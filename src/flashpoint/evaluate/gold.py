"""Readers for gold files: our JSON Lines, PETRARCH XML records, quad-class TSV and role CoNLL.

Each reader yields `GoldItem`s: a sentence with what a coder should find in it. Only the text of
PETRARCH records is read, never their parse trees.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import E_BAD_JSON, FlashpointError

FORMATS = ("jsonl", "petrarch", "quad", "conll")


@dataclass(frozen=True)
class GoldEvent:
    event_type: str | None  # PLOVER type (mapped from CAMEO for PETRARCH gold)
    actor: str | None
    recipient: str | None
    modality: str = "asserted"
    mode: str | None = None
    cameo: str | None = None


@dataclass
class GoldItem:
    id: str
    text: str
    date: dt.date | None = None
    events: list[GoldEvent] = field(default_factory=list)
    quad: int | None = None
    roles: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # S/T/R char spans
    tags: tuple[str, ...] = ()


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".xml"):
        return "petrarch"
    if name.endswith(".tsv"):
        return "quad"
    if name.endswith(".conll"):
        return "conll"
    return "jsonl"


def read_gold(path: Path, fmt: str | None = None) -> Iterator[GoldItem]:
    fmt = fmt or detect_format(path)
    readers = {
        "jsonl": read_jsonl,
        "petrarch": read_petrarch,
        "quad": read_quad,
        "conll": read_conll,
    }
    if fmt not in readers:
        raise ValueError(f"unknown gold format {fmt!r}; known: {', '.join(FORMATS)}")
    if path.is_dir():
        for child in sorted(path.glob("*.jsonl")):
            yield from readers[fmt](child)
    else:
        yield from readers[fmt](path)


def _participant(value: object) -> str | None:
    return str(value).upper() if value else None


def jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(default id, record) for each non-blank line of a gold JSON Lines file."""
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FlashpointError(E_BAD_JSON, f"{path}:{n}: {exc}") from exc
        yield f"{path.name}:{n}", row


def read_jsonl(path: Path) -> Iterator[GoldItem]:
    """Our gold: {"id", "text", "date", "events": [{type, actor, recipient, modality, mode}]}."""
    for default_id, row in jsonl_rows(path):
        yield GoldItem(
            id=str(row.get("id", default_id)),
            text=row["text"],
            date=dt.date.fromisoformat(row["date"]) if row.get("date") else None,
            events=[
                GoldEvent(
                    e.get("type"),
                    _participant(e.get("actor")),
                    _participant(e.get("recipient")),
                    e.get("modality", "asserted"),
                    e.get("mode"),
                )
                for e in row.get("events", [])
            ],
            tags=tuple(row.get("tags", ())),
        )


_RECORD = re.compile(r"<Sentence\b([^>]*)>(.*?)(?=<Sentence\b|</Sentences>|\Z)", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_CODING = re.compile(r"<EventCoding\b([^>]*)/?>")
_TEXT = re.compile(r"<Text>(.*?)</Text>", re.S)


def read_petrarch(path: Path) -> Iterator[GoldItem]:
    """PETRARCH validation records: the text and its <EventCoding> lines, never the <Parse>."""
    from ..coding.ontology import load_ontology

    ontology = load_ontology()
    raw = path.read_text("utf-8", errors="replace")
    for m in _RECORD.finditer(raw):
        attrs = dict(_ATTR.findall(m.group(1)))
        text_m = _TEXT.search(m.group(2))
        if not text_m:
            continue
        text = " ".join(html.unescape(text_m.group(1)).split())
        events = []
        for coding in _CODING.finditer(m.group(2)):
            c = dict(_ATTR.findall(coding.group(1)))
            if "eventcode" not in c:
                continue
            cameo = c["eventcode"]
            try:
                mapped = ontology.to_plover(cameo)
            except KeyError:
                mapped = None
            events.append(
                GoldEvent(
                    mapped[0] if mapped else None,
                    c.get("sourcecode"),
                    c.get("targetcode"),
                    "asserted",
                    mapped[1] if mapped else None,
                    cameo,
                )
            )
        yield GoldItem(
            id=attrs.get("id", f"{path.name}:{m.start()}"),
            text=text,
            date=_record_date(attrs.get("date", "")),
            events=events,
        )


def _record_date(value: str) -> dt.date | None:
    """PETRARCH dates are YYYYMMDD, some YYMMDD."""
    for fmt in ("%Y%m%d", "%y%m%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def read_quad(path: Path) -> Iterator[GoldItem]:
    """`sentence<TAB>quad` lines; quad 0 neutral, 1 verbal coop ... 4 material conflict."""
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if "\t" not in line:
            continue
        text, label = line.rsplit("\t", 1)
        yield GoldItem(id=f"{path.name}:{n}", text=text.strip(), quad=int(label))


def read_conll(path: Path) -> Iterator[GoldItem]:
    """`token TAG` lines, blank line between sentences; B-/I-S source, T target, R reciprocal."""
    tokens: list[tuple[str, str]] = []
    n = 0
    for line in [*path.read_text("utf-8").splitlines(), ""]:
        if line.strip():
            parts = line.split()
            tokens.append((parts[0], parts[-1] if len(parts) > 1 else "O"))
            continue
        if tokens:
            n += 1
            yield _conll_item(f"{path.name}:{n}", tokens)
            tokens = []


def _conll_item(item_id: str, tokens: list[tuple[str, str]]) -> GoldItem:
    text = ""
    roles: dict[str, list[tuple[int, int]]] = {"S": [], "T": [], "R": []}
    current: tuple[str, int, int] | None = None
    for word, tag in tokens:
        start = len(text) + (1 if text else 0)
        text = f"{text} {word}" if text else word
        end = len(text)
        kind = tag[2:] if tag[:2] in ("B-", "I-") else None
        if current and (tag.startswith("B-") or kind != current[0]):
            roles[current[0]].append((current[1], current[2]))
            current = None
        if kind in roles:
            current = (kind, current[1], end) if current else (kind, start, end)
    if current:
        roles[current[0]].append((current[1], current[2]))
    return GoldItem(id=item_id, text=text, roles=roles)
