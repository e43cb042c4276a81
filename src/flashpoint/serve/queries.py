"""The API's reads: pages of events with their sources, one event with its sentences, an
article, the dyad network, map points and country facts.

Filters are the store's own `EventFilter` (the same as `flashpoint events`). Pages are cut in
two steps so that a store of millions of events answers in milliseconds: the filter and the
order run over the event table alone and give a page of row ids, and only that page is read in
full; its sentences, mentions and articles are then fetched by key (indexed `IN` lists) instead
of joining whole tables. Events of one day come in the order they were stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..contract import row_to_contract
from ..store import EventFilter, Store
from ..store.schema import CANONICAL_COLUMNS

CONFLICT_QUADS = (3, 4)  # PLOVER quad classes: verbal and material conflict
COOPERATION_QUADS = (1, 2)
# Roles marked in a sentence, in the order the dashboard draws them.
MARK_ROLES = ("trigger", "actor", "recipient", "place", "date")


def _table(mentions: bool) -> str:
    return "events" if mentions else "canonical_events"


def _in(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """`column IN (?, ?...)`: a list of placeholders lets DuckDB use the column's index."""
    items = list(dict.fromkeys(values))
    if not items:
        return "false", []
    return f"{column} IN ({', '.join('?' * len(items))})", items


def _and(where: str, clause: str) -> str:
    return f"{where} AND {clause}" if where else f" WHERE {clause}"


# ------------------------------------------------------------------------------ event pages
def event_page(
    store: Store,
    flt: EventFilter,
    *,
    mentions: bool = False,
    offset: int = 0,
    limit: int = 50,
    newest_first: bool = False,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of events passing the filter, with sentence and sources; and whether more follow."""
    table = _table(mentions)
    where, params = flt.where(canonical=not mentions)
    way = "DESC" if newest_first else "ASC"
    order = f"date {way} NULLS LAST, rowid {way}"
    rows = store.query(
        f"""SELECT * FROM {table} WHERE rowid IN (
              SELECT rowid FROM {table}{where} ORDER BY {order}
              LIMIT {int(limit) + 1} OFFSET {int(offset)})
            ORDER BY {order}""",
        params,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    attach_sources(store, rows, mentions)
    return rows, more


def attach_sources(
    store: Store, rows: list[dict[str, Any]], mentions: bool, every_link: bool = False
) -> None:
    """Add `sentence`, the article fields and `sources` to each row.

    `sources` are the mentions that count, each with its article (a caption repeating its
    article's body is linked but not counted: README "One event, many reports"); with
    `every_link`, the repeats too.
    """
    links = _mention_links(store, rows, mentions, every_link)
    articles = _articles(store, [r["article_id"] for r in rows] + [m[2] for m in links])
    sentences = _sentences(store, [(r["article_id"], r["sentence_index"]) for r in rows])
    by_event: dict[str, list[dict[str, Any]]] = {}
    for canonical_id, mention_id, article_id, repeat in links:
        by_event.setdefault(canonical_id, []).append(
            _source(mention_id, articles.get(article_id, {"article_id": article_id}), repeat)
        )
    for row in rows:
        sentence = sentences.get((row["article_id"], row["sentence_index"]), {})
        row["sentence"] = sentence.get("text")
        article = articles.get(row["article_id"], {})
        for key in ("title", "url", "source", "published"):
            row[f"article_{key}"] = article.get(key)
        row["sources"] = by_event.get(row["event_id"], [])


def _source(mention_id: str, article: dict[str, Any], repeat: bool) -> dict[str, Any]:
    return {
        "mention_id": mention_id,
        "article_id": article["article_id"],
        "title": article.get("title"),
        "url": article.get("url"),
        "source": article.get("source"),
        "published": article.get("published"),
        "repeat": bool(repeat),
    }


def _mention_links(
    store: Store, rows: list[dict[str, Any]], mentions: bool, every_link: bool
) -> list[tuple[str, str, str, bool]]:
    """(event id, mention id, article id, repeat) for the mentions of the rows' events."""
    if mentions:  # a mention is its own single source
        return [(r["event_id"], r["event_id"], r["article_id"], False) for r in rows]
    # An event counted once is its representative mention (its id is that mention's): most
    # events on a page, and no lookup for them.
    single = {r["event_id"] for r in rows if not every_link and (r.get("num_mentions") or 1) == 1}
    links = [(r["event_id"], r["event_id"], r["article_id"], False) for r in rows
             if r["event_id"] in single]  # fmt: skip
    clause, params = _in(
        "canonical_id", [r["event_id"] for r in rows if r["event_id"] not in single]
    )
    if params:  # repeats are dropped here: another condition in SQL would skip the index
        found = store.con.execute(
            f"""SELECT canonical_id, event_id, article_id, coalesce(repeat, false)
                FROM event_mentions WHERE {clause} ORDER BY published, article_id, event_id""",
            params,
        ).fetchall()
        links += [(c, e, a, bool(r)) for c, e, a, r in found if every_link or not r]
    return links


def _articles(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    clause, params = _in("article_id", ids)
    if not params:
        return {}
    rows = store.query(
        f"SELECT article_id, title, url, source, published FROM articles WHERE {clause}", params
    )
    return {r["article_id"]: r for r in rows}


def _sentences(
    store: Store, keys: Sequence[tuple[str, int]], columns: str = "text"
) -> dict[tuple[str, int], dict[str, Any]]:
    """The sentences at these keys; `columns` besides the keys: the fewer, the faster."""
    clause, params = _in("article_id", [k[0] for k in keys])
    if not params:
        return {}
    wanted = set(keys)
    rows = store.query(
        f"SELECT article_id, sentence_index, {columns} FROM sentences WHERE {clause}", params
    )
    return {
        (r["article_id"], r["sentence_index"]): r
        for r in rows
        if (r["article_id"], r["sentence_index"]) in wanted
    }


def to_json(row: dict[str, Any]) -> dict[str, Any]:
    """The output contract of one row, plus counts, article fields and sources when present."""
    out = row_to_contract(row)
    for key in (*CANONICAL_COLUMNS, "article_title", "article_url", "article_source",
                "article_published", "sources", "canonical_id"):  # fmt: skip
        if key in row:
            out[key] = _plain(row[key])
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------------------------ one event
def event_detail(store: Store, event_id: str) -> dict[str, Any] | None:
    """A canonical event (or the canonical event of a mention id) with every mention, each with
    its sentence, the marks to highlight in it and its article; None when the id is unknown.

    Event ids have no index (`store.schema.UNKEYED_TABLES`): each lookup by id reads the id
    column, so the canonical event is read once, and mentions are found through their
    articles."""
    canonical_id = event_id
    event = _by_id(store, "canonical_events", event_id)
    if event is None:
        linked = store.scalar(
            "SELECT canonical_id FROM event_mentions WHERE event_id = ?", [event_id]
        )
        if linked:
            canonical_id = str(linked)
            event = _by_id(store, "canonical_events", canonical_id)
    if event is not None:
        attach_sources(store, [event], mentions=False, every_link=True)
        mentions = [(s["mention_id"], s["article_id"]) for s in event["sources"]] or [
            (canonical_id, event["article_id"])
        ]
    else:  # dedup has not linked this mention yet: it stands for itself
        event = _by_id(store, "events", canonical_id)
        if event is None:
            return None
        attach_sources(store, [event], mentions=True)
        mentions = [(canonical_id, event["article_id"])]
    return {
        "event": to_json(event),
        "requested": event_id,
        "mentions": _mentions(store, mentions, event["sources"]),
    }


def _by_id(store: Store, table: str, event_id: str) -> dict[str, Any] | None:
    rows = store.query(f"SELECT * FROM {table} WHERE event_id = ? LIMIT 1", [event_id])
    return rows[0] if rows else None


def _mentions(
    store: Store, mentions: list[tuple[str, str]], sources: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The mention rows of (mention id, article id) pairs, in that order, each with its
    sentence, marks and article; read through the index on the articles' events (the
    mentions' own ids have none)."""
    mention_ids = [m[0] for m in mentions]
    clause, params = _in("article_id", [m[1] for m in mentions])
    wanted = set(mention_ids)
    rows = [
        r
        for r in store.query(f"SELECT * FROM events WHERE {clause}", params)
        if r["event_id"] in wanted
    ]
    keys = [(r["article_id"], r["sentence_index"]) for r in rows]
    sentences = _sentences(store, keys, columns='start, "end", text')
    by_id = {s["mention_id"]: s for s in sources}
    out = []
    for row in sorted(rows, key=lambda r: mention_ids.index(r["event_id"])):
        sentence = sentences.get((row["article_id"], row["sentence_index"]))
        row["sentence"] = sentence["text"] if sentence else None
        out.append(
            {
                "event": to_json(row),
                "sentence_start": sentence["start"] if sentence else None,
                "marks": sentence_marks(row, sentence) if sentence else [],
                "article": _plain(by_id.get(row["event_id"], {"article_id": row["article_id"]})),
            }
        )
    return out


def sentence_marks(row: dict[str, Any], sentence: dict[str, Any]) -> list[dict[str, Any]]:
    """Spans to highlight, as offsets into the sentence: trigger, actor, recipient, place, date.

    Spans are offsets into the article's text; a span outside this sentence (a place taken from
    the article's focus) is left out. The store keeps the date's words but not their span, so the
    date is found by its words, the occurrence nearest the trigger.
    """
    start, end, text = sentence["start"], sentence["end"], sentence["text"]
    marks = []
    for role, prefix in (("trigger", "trigger"), ("actor", "actor"),
                         ("recipient", "recipient"), ("place", "location")):  # fmt: skip
        a, b = row.get(f"{prefix}_start"), row.get(f"{prefix}_end")
        if a is not None and b is not None and start <= a < b <= end:
            marks.append({"role": role, "start": a - start, "end": b - start,
                          "text": text[a - start : b - start]})  # fmt: skip
    date_mark = _date_mark(row, text, start)
    if date_mark:
        marks.append(date_mark)
    return marks


def _date_mark(row: dict[str, Any], text: str, start: int) -> dict[str, Any] | None:
    words = row.get("date_text")
    if not words:
        return None
    hits = [m.start() for m in re.finditer(re.escape(words.lower()), text.lower())]
    if not hits:
        return None
    trigger = (row.get("trigger_start") or start) - start
    best = min(hits, key=lambda i: abs(i - trigger))
    return {"role": "date", "start": best, "end": best + len(words),
            "text": text[best : best + len(words)]}  # fmt: skip


# ------------------------------------------------------------------------------ articles
def article_detail(store: Store, article_id: str) -> dict[str, Any] | None:
    rows = store.query(
        """SELECT article_id, title, url, source, published, text, origin, fmt
           FROM articles WHERE article_id = ?""",
        [article_id],
    )
    if not rows:
        return None
    article = rows[0]
    article["sentences"] = store.query(
        """SELECT sentence_index AS index, start, "end", block FROM sentences
           WHERE article_id = ? ORDER BY sentence_index""",
        [article_id],
    )
    article["events"] = store.query(
        """SELECT e.event_id, coalesce(m.canonical_id, e.event_id) AS canonical_id,
                  e.sentence_index, e.event_type, e.modality, e.trigger_text,
                  e.actor_code, e.recipient_code, e.date
           FROM events e LEFT JOIN event_mentions m USING (event_id)
           WHERE e.article_id = ? ORDER BY e.sentence_index, e.trigger_start""",
        [article_id],
    )
    return _plain(article)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ aggregates
def _quad_counts() -> str:
    conflict = ", ".join(map(str, CONFLICT_QUADS))
    cooperation = ", ".join(map(str, COOPERATION_QUADS))
    return (
        f"count(*) FILTER (WHERE quad_class IN ({conflict}))::INTEGER AS conflict, "
        f"count(*) FILTER (WHERE quad_class IN ({cooperation}))::INTEGER AS cooperation"
    )


def dyad_network(store: Store, flt: EventFilter, limit: int) -> dict[str, Any]:
    """Edges: events from one country to another (canonical); nodes: the countries they join."""
    where, params = flt.where(canonical=True)
    where = _and(
        where,
        "actor_country IS NOT NULL AND recipient_country IS NOT NULL "
        "AND actor_country <> recipient_country",
    )
    edges = store.query(
        f"""SELECT actor_country AS source, recipient_country AS target,
                   count(*)::INTEGER AS events, {_quad_counts()},
                   round(sum(goldstein), 1) AS goldstein_sum
            FROM canonical_events{where} GROUP BY 1, 2
            ORDER BY events DESC, source, target LIMIT {int(limit)}""",
        params,
    )
    totals: dict[str, int] = {}
    for e in edges:
        for side in ("source", "target"):
            totals[e[side]] = totals.get(e[side], 0) + e["events"]
    nodes = [{"id": c, "events": n} for c, n in sorted(totals.items(), key=lambda x: (-x[1], x[0]))]
    return {"nodes": nodes, "edges": edges}


def map_points(store: Store, flt: EventFilter, limit: int) -> list[dict[str, Any]]:
    """Places with events (canonical, with coordinates), the busiest first."""
    where, params = flt.where(canonical=True)
    where = _and(where, "location_lat IS NOT NULL AND location_lon IS NOT NULL")
    rows = store.query(
        f"""SELECT location_name AS name, location_country AS country,
                   round(location_lat, 3) AS lat, round(location_lon, 3) AS lon,
                   any_value(location_precision) AS precision, count(*)::INTEGER AS events,
                   {_quad_counts()}, max(date) AS last
            FROM canonical_events{where} GROUP BY 1, 2, 3, 4
            ORDER BY events DESC, name LIMIT {int(limit)}""",
        params,
    )
    return _plain(rows)  # type: ignore[no-any-return]


def fallback_series(
    store: Store,
    level: str,
    key: str,
    freq: str,
    start: dt.date | None,
    end: dt.date | None,
    event_types: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Series rows shaped like the monitor's, counted from asserted canonical events directly;
    used where the monitor has not counted this store yet."""
    clauses, params = _series_key(level, key)
    # As the monitor counts: asserted events dated to the day, week or month (a year is too coarse).
    clauses += [
        "modality = 'asserted'",
        "date IS NOT NULL",
        "coalesce(date_precision, 'day') IN ('day', 'week', 'month')",
    ]
    for op, bound in ((">=", start), ("<=", end)):
        if bound is not None:
            clauses.append(f"date {op} ?")
            params.append(bound)
    if event_types:
        clause, types = _in("event_type", event_types)
        clauses.append(clause)
        params += types
    unit = {"day": "day", "week": "week", "month": "month"}[freq]
    rows = store.query(
        f"""SELECT CAST(date_trunc('{unit}', date) AS DATE) AS period,
                   count(*)::INTEGER AS events, {_quad_counts()},
                   CAST(sum(goldstein) AS DOUBLE) AS goldstein_sum
            FROM canonical_events WHERE {" AND ".join(clauses)}
            GROUP BY 1 ORDER BY 1""",
        params,
    )
    return _plain(rows)  # type: ignore[no-any-return]


def _series_key(level: str, key: str) -> tuple[list[str], list[Any]]:
    """The events of one series key, as the monitor keys them (README "Monitoring")."""
    if level == "dyad":
        actor, _, recipient = key.partition(">")
        return ["actor_country = ?", "recipient_country = ?"], [actor, recipient]
    if level == "sector":
        actor, _, recipient = key.partition(">")
        return [
            "coalesce(actor_sector, '-') = ?",
            "coalesce(recipient_sector, '-') = ?",
        ], [actor, recipient]
    if level == "type":
        return ["event_type = ?"], [key]
    return ["? IN (actor_country, recipient_country)"], [key]


def countries(store: Store) -> list[dict[str, Any]]:
    """Countries that take part in events, as actor or recipient, with their counts."""
    return store.query(
        """SELECT country AS code, count(*)::INTEGER AS events FROM (
             SELECT actor_country AS country FROM canonical_events
             UNION ALL SELECT recipient_country FROM canonical_events
               WHERE recipient_country IS DISTINCT FROM actor_country)
           WHERE country IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"""
    )


def top_dyads(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    return store.query(
        f"""SELECT actor_country AS actor, recipient_country AS recipient,
                   count(*)::INTEGER AS events
            FROM canonical_events
            WHERE actor_country IS NOT NULL AND recipient_country IS NOT NULL
              AND actor_country <> recipient_country
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT {int(limit)}"""
    )


def date_range(store: Store) -> dict[str, Any]:
    row = store.query("SELECT min(date) AS first, max(date) AS last FROM canonical_events")[0]
    return _plain(row)  # type: ignore[no-any-return]


def counts(store: Store) -> dict[str, int]:
    return {
        table: int(store.scalar(f"SELECT count(*) FROM {table}") or 0)
        for table in ("articles", "events", "canonical_events")
    }
