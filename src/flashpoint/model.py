"""Records that flow through the pipeline.

One `Document` carries everything: its cleaned text, the blocks it was cut into, sentences, the
mentions found in them and the events coded from them. Every span is a pair of character offsets
into `Document.text`, so any result can be traced back to the exact characters it came from.
Records are frozen; a stage returns a new document with `dataclasses.replace`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class BlockKind(StrEnum):
    HEADLINE = "headline"
    SUBHEADLINE = "subheadline"
    BODY = "body"
    CAPTION = "caption"
    LIST_ITEM = "list_item"


class Modality(StrEnum):
    ASSERTED = "asserted"
    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    FUTURE = "future"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]

    def as_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-like unit of the cleaned text with its role on the page."""

    kind: BlockKind
    span: Span
    repeats: int = 1  # how often this block appeared in the raw page (captions repeat)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A line removed by cleaning, kept so that nothing disappears silently."""

    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    span: Span
    block: BlockKind = BlockKind.BODY


@dataclass(frozen=True, slots=True)
class ActorMention:
    sentence_index: int
    span: Span
    text: str
    code: str  # e.g. "USAMIL", "IRQREB"
    country: str | None  # ISO-3166 alpha-3
    sector: str | None  # GOV, MIL, REB, ...
    name: str  # canonical name of the entity
    sponsor: str | None = None  # "Iran-backed" -> IRN
    entry: str = ""  # dictionary entry id(s) that produced it
    locative: bool = False  # named after "in", "near", "from"...: a place more than an agent


@dataclass(frozen=True, slots=True)
class PlaceMention:
    sentence_index: int
    span: Span
    text: str
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    precision: str  # landmark | city | admin1 | country | region
    entry: str = ""


@dataclass(frozen=True, slots=True)
class TimeMention:
    sentence_index: int
    span: Span
    text: str
    date: dt.date
    precision: str  # day | week | month | year
    rule: str = ""
    # Without a publication date, a relative expression ("on Thursday") is resolved against the
    # latest explicit date in the text, a lower bound of the publication date: `inferred` is
    # then True and the event lies on or after `window_start` (`window_end` None: open).
    inferred: bool = False
    window_start: dt.date | None = None
    window_end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Location:
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    precision: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """Actor or recipient of an event as the output contract spells it."""

    text: str
    span: Span
    code: str
    country: str | None
    sector: str | None
    name: str
    sponsor: str | None = None
    entry: str = ""  # the dictionary entries that resolved it

    @classmethod
    def from_mention(cls, m: ActorMention) -> Participant:
        return cls(m.text, m.span, m.code, m.country, m.sector, m.name, m.sponsor, m.entry)


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    article_id: str
    sentence_index: int
    sentence: str
    trigger_text: str
    trigger_span: Span
    event_type: str
    mode: str | None
    context: tuple[str, ...]
    cameo: str
    quad_class: int
    goldstein: float
    modality: Modality
    actor: Participant | None
    recipient: Participant | None
    date: dt.date | None
    date_precision: str | None
    date_text: str | None
    location: Location | None
    confidence: float
    coder: str
    pattern: str  # the pattern id that fired
    block: BlockKind = BlockKind.BODY
    cues: tuple[str, ...] = ()  # modality cues that applied
    derivation: tuple[str, ...] = ()  # how the coder reached this event, step by step


@dataclass(frozen=True, slots=True)
class Document:
    """One article. `text` is the cleaned text every span refers to."""

    id: str
    text: str
    origin: str  # file path, "<stdin>" or URL the document was read from
    fmt: str  # text | html | jsonl
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: dt.date | None = None
    raw_sha256: str = ""
    cleaned: bool = False
    blocks: tuple[Block, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    actors: tuple[ActorMention, ...] = ()
    places: tuple[PlaceMention, ...] = ()
    times: tuple[TimeMention, ...] = ()
    events: tuple[Event, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def sentence_text(self, index: int) -> str:
        return self.sentences[index].span.text(self.text)


@dataclass(frozen=True, slots=True)
class Reject:
    """Input that could not become a document; recorded, never silently dropped."""

    origin: str
    code: str  # FP-Exxx
    message: str
    raw_sha256: str = ""
