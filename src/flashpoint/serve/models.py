"""Response bodies of the API, so that the OpenAPI spec says what each endpoint returns.

Events follow the output contract (README "Output contract"); a canonical event adds its counts
and `sources`, the articles that reported it. Extra keys are allowed where the store may grow
columns, so an older client keeps working.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    code: str = Field(description="catalogue code, e.g. FP-E080 (docs/errors.md)")
    detail: str = Field(description="what is wrong and what to do")
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="one entry per invalid parameter"
    )


class Trigger(BaseModel):
    text: str | None
    span: list[int | None] | None


class Participant(Open):
    text: str | None = None
    span: list[int | None] | None = None
    code: str | None = None
    country: str | None = None
    sector: str | None = None
    name: str | None = None
    sponsor: str | None = None


class Location(Open):
    name: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None
    span: list[int | None] | None = None


class Source(BaseModel):
    mention_id: str
    article_id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    repeat: bool = False


class Event(Open):
    schema_version: str
    event_id: str
    article_id: str
    sentence_index: int
    sentence: str | None = None
    trigger: Trigger
    event_type: str
    mode: str | None = None
    context: list[str] = []
    cameo: str | None = None
    quad_class: int | None = None
    goldstein: float | None = None
    modality: str
    actor: Participant | None = None
    recipient: Participant | None = None
    date: str | None = None
    date_precision: str | None = None
    date_text: str | None = None
    location: Location | None = None
    confidence: float | None = None
    coder: str | None = None
    num_sources: int | None = None
    num_articles: int | None = None
    num_mentions: int | None = None
    num_stories: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    article_title: str | None = None
    article_url: str | None = None
    sources: list[Source] = []


class EventPage(BaseModel):
    events: list[Event]
    offset: int
    limit: int = Field(description="rows asked for, after the row cap")
    next_offset: int | None = Field(description="offset of the next page; null on the last")
    mentions: bool = Field(description="true: event mentions; false: canonical events")
    row_cap: int


class Mark(BaseModel):
    role: str = Field(description="trigger, actor, recipient, place or date")
    start: int = Field(description="offset into the sentence")
    end: int
    text: str


class Mention(BaseModel):
    event: Event
    sentence_start: int | None = Field(description="offset of the sentence in the article text")
    marks: list[Mark]
    article: Open


class EventDetail(BaseModel):
    event: Event
    requested: str = Field(description="the id asked for: the canonical id or one of its mentions")
    mentions: list[Mention]


class SentenceRef(BaseModel):
    index: int
    start: int
    end: int
    block: str | None = None


class ArticleEvent(Open):
    event_id: str
    canonical_id: str
    sentence_index: int
    event_type: str


class Article(BaseModel):
    article_id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    text: str
    origin: str | None = None
    fmt: str | None = None
    sentences: list[SentenceRef]
    events: list[ArticleEvent]


class SeriesRow(Open):
    period: str
    events: int
    conflict: int
    cooperation: int
    goldstein_sum: float | None = None


class Series(BaseModel):
    level: str
    key: str
    freq: str
    source: str = Field(description="monitor: the monitor's series; events: counted directly")
    rows: list[SeriesRow]


class Alert(Open):
    alert_id: str
    rule: str
    detector: str
    level: str
    key: str
    day: str
    message: str
    event_ids: list[str] = []


class Alerts(BaseModel):
    monitoring: str = Field(description='"ok", or "not installed"')
    alerts: list[Alert]


class Node(BaseModel):
    id: str
    events: int


class Edge(BaseModel):
    source: str
    target: str
    events: int
    conflict: int
    cooperation: int
    goldstein_sum: float | None = None


class Network(BaseModel):
    nodes: list[Node]
    edges: list[Edge]


class Place(BaseModel):
    name: str | None
    country: str | None
    lat: float
    lon: float
    precision: str | None
    events: int
    conflict: int
    cooperation: int
    last: str | None


class Places(BaseModel):
    places: list[Place]


class Watchlists(BaseModel):
    path: str
    version: int | str
    rules: list[dict[str, Any]]
    sinks: list[dict[str, Any]] = Field(description="sink types only; sinks are edited on disk")


class RulesBody(BaseModel):
    rules: list[dict[str, Any]] = Field(
        description="watchlist rules as in the YAML file (docs/monitor.md)", min_length=1
    )


class Health(BaseModel):
    status: str
    version: str
    store: str
    articles: int
    events: int
    canonical_events: int
    monitoring: bool
    dashboard_assets: bool
    time_limit_s: float
    max_rows: int
    max_export_rows: int


class Country(BaseModel):
    code: str
    name: str | None
    events: int


class Dyad(BaseModel):
    actor: str
    recipient: str
    events: int


class EventTypeInfo(BaseModel):
    name: str
    quad_class: int
    description: str


class Meta(BaseModel):
    event_types: list[EventTypeInfo]
    modalities: list[str]
    countries: list[Country]
    top_dyads: list[Dyad]
    first_date: str | None
    last_date: str | None
