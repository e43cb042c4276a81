"""The dedup components: one small interface, a persistent state in the store.

Like scrapy's dupefilter, a component answers one question for the engine — *bring the dedup
state up to date with what is stored* — and keeps its state where it survives the process: in
the DuckDB store. `update` processes every stored article it has not seen yet (an article is
seen once it has a row in `article_stories`) in one transaction; so an ingest killed between
writing a batch and deduplicating it is completed by the next run, and the result never
depends on how the articles were batched or ordered.

Cost: stories and mention keys are made chunk by chunk (of the new mentions only their ids and
buckets are kept); then every run (see `events.py`) that received a new mention is clustered
again, once per update. Runs are streamed from the store one at a time, so memory stays
bounded by the largest run, and only canonical events whose members changed are rewritten.
A run can grow with the store (a busy dyad reported every day), so the engines call `update`
at growing intervals, which keeps a whole ingest linear.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np
import pyarrow as pa

from ..pipeline import Config
from .config import DedupConfig, Signing, load_dedup_config
from .events import MentionKey, cluster_run, mention_key, repeats, representative, split_runs
from .stories import band_keys, has_signature, signature, signing, similarity

CHUNK = 2000  # articles whose stories and mention keys are made at a time
RUN_FETCH = 20_000  # mention rows read at a time while streaming runs
# canonical events rewritten per statement: one statement for all of them ran out of the local
# engine's 256 MB DuckDB memory when a 100,000-article store was deduplicated in one update
REFRESH_CHUNK = 50_000
# event_mentions columns in the order of `MentionKey`'s fields, then the current assignment
_RUN_COLUMNS = (
    "event_id", "article_id", "bucket", "lo", "hi", "explicit", "lat", "lon", "place_country",
    "block", "confidence", "published", "canonical_id", "repeat",
)  # fmt: skip
Run = tuple[list[MentionKey], dict[str, tuple[str, bool]]]
STATE_TABLES = (
    "canonical_events",
    "event_mentions",
    "article_stories",
    "dedup_signatures",
    "dedup_bands",
)
# The events columns `mention_key` reads (with the article's `published`).
_KEY_COLUMNS = (
    "event_id", "article_id", "event_type", "modality", "date", "date_text", "date_precision",
    "location_precision", "location_lat", "location_lon", "location_country", "block",
    "confidence", *(f"{p}_{c}" for p in ("actor", "recipient")
                    for c in ("code", "country", "name", "text")),
)  # fmt: skip
MENTION_COLUMNS = (
    "event_id", "canonical_id", "article_id", "bucket", "lo", "hi", "explicit", "lat", "lon",
    "place_country", "block", "confidence", "published", "repeat",
)  # fmt: skip


@dataclass
class DedupReport:
    articles: int = 0  # articles processed by this call
    mentions: int = 0  # event mentions processed
    story_links: int = 0  # near-duplicate pairs found
    reclustered: int = 0  # mentions whose runs were clustered again
    rebuilt: bool = False  # the state was cleared first (new settings or component)


@dataclass
class NewMentions:
    """The mentions an update adds: their event ids and the buckets they fall in."""

    ids: set[str] = field(default_factory=set)
    buckets: set[str] = field(default_factory=set)


class Deduplicator:
    """Base class of dedup components. Subclasses set `name` and may override the two hooks."""

    name: ClassVar[str] = ""

    def __init__(self, config: Config, settings: DedupConfig | None = None) -> None:
        self.config = config
        self.settings = settings or load_dedup_config(config)

    # ------------------------------------------------------------------ the interface
    def update(self, store: Any) -> DedupReport:
        """Process every stored article this component has not seen; safe to call any time."""
        report = DedupReport()
        con = store.con
        state = f"{self.name}:{self.settings.fingerprint()}"
        if store.scalar("SELECT value FROM meta WHERE key = 'dedup_state'") != state:
            report.rebuilt = bool(store.scalar("SELECT count(*) FROM article_stories"))
            self._clear(store, state)
        pending = [
            r[0]
            for r in con.execute(
                "SELECT article_id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM "
                "article_stories s WHERE s.article_id = a.article_id) ORDER BY article_id"
            ).fetchall()
        ]
        if not pending:
            return report
        _checkpoint(con)
        with store.transaction():
            self._process(store, pending, report)
        return report

    def rebuild(self, store: Any) -> DedupReport:
        """Forget the stored state and deduplicate every article again."""
        self._clear(store, "")
        report = self.update(store)
        report.rebuilt = True
        return report

    # ------------------------------------------------------------------ hooks
    def link_stories(self, store: Any, articles: Sequence[str], report: DedupReport) -> set[str]:
        """Give each new article a story; return the old articles whose story changed."""
        _insert(store, "article_stories", [{"article_id": a, "story_id": a} for a in articles])
        return set()

    def signing(self) -> Signing | None:
        """What the workers need to sign the articles they code (`stories.sign`), so that the
        writer does not; None: this component keeps no signatures."""
        return None

    def cluster(self, keys: Sequence[MentionKey]) -> dict[str, tuple[str, bool]]:
        """Canonical id and repeat flag for each mention of `keys` (here: each its own event)."""
        return {k.event_id: (k.event_id, False) for k in keys}

    def runs(self, store: Any, new: NewMentions) -> Iterator[Run]:
        """The groups of stored mentions to cluster again because of the new ones, each with
        the canonical id and repeat flag its mentions have now (here: none; a new mention
        stays its own canonical event). The store must not be written while the groups are
        read."""
        return iter(())

    # ------------------------------------------------------------------ machinery
    def _clear(self, store: Any, state: str) -> None:
        with store.transaction():
            for table in STATE_TABLES:
                store.con.execute(f"DELETE FROM {table}")
            store.set_meta("dedup_state", state)

    def _process(self, store: Any, articles: list[str], report: DedupReport) -> None:
        changed_articles: set[str] = set()
        for i in range(0, len(articles), CHUNK):
            chunk = articles[i : i + CHUNK]
            report.articles += len(chunk)
            changed_articles |= self.link_stories(store, chunk, report)
        new = self._new_mentions(store, articles)
        report.mentions += len(new.ids)
        fresh = new.ids
        # what changed, kept small (ids, not keys: a large store re-assigns many mentions)
        moved: dict[str, list[Any]] = {"event_id": [], "canonical_id": [], "repeat": []}
        # A new mention was stored as its own canonical event: whether it stays one or joins
        # another, that canonical event changes.
        touched: set[str] = set(fresh)
        for run, old in self.runs(store, new):
            report.reclustered += len(run)
            for eid, now in self.cluster(run).items():
                if old[eid] != now:
                    for column, value in zip(moved, (eid, *now), strict=True):
                        moved[column].append(value)
                    touched |= {old[eid][0], now[0]}
                elif eid in fresh:
                    touched.add(now[0])  # a new mention alone: its canonical event is new
        if moved["event_id"]:
            _move_mentions(store, pa.table(moved))
        if changed_articles:  # their stories changed: so did the story counts of their events
            touched |= {
                r[0]
                for r in store.con.execute(
                    "SELECT DISTINCT canonical_id FROM event_mentions "
                    "WHERE article_id IN (SELECT unnest(?))",
                    [sorted(changed_articles)],
                ).fetchall()
            }
        # A canonical event is a function of its members, their articles and stories: those
        # whose members did not change need no rewrite.
        _refresh_canonical(store, sorted(touched))

    def _new_mentions(self, store: Any, articles: list[str]) -> NewMentions:
        """Store the mention keys of the events of `articles` as their own canonical events;
        return their ids and buckets. One scan of the events for all of them (a scan per chunk
        of articles grew with the store), read as Arrow columns (the connection cannot stream
        while it writes), made into keys and written `RUN_FETCH` at a time: the keys of a
        large update are never all in memory at once."""
        cfg = self.settings.events
        rows = store.con.sql(
            f"SELECT {', '.join('e.' + c for c in _KEY_COLUMNS)}, a.published FROM events e "
            "JOIN articles a USING (article_id) WHERE e.article_id IN (SELECT unnest(?))",
            params=[articles],
        ).to_arrow_table()
        new = NewMentions()
        for part in rows.to_batches(max_chunksize=RUN_FETCH):
            keys = [mention_key(row, cfg) for row in part.to_pylist()]
            new.ids.update(k.event_id for k in keys)
            new.buckets.update(k.bucket for k in keys)
            _insert(store, "event_mentions", [_mention_row(k, k.event_id, False) for k in keys])
        return new


T = TypeVar("T", bound=type[Deduplicator])
_REGISTRY: dict[str, type[Deduplicator]] = {}


def register_deduplicator(cls: T) -> T:
    """Class decorator: make a dedup component available by its `name` (the YAML `component`)."""
    _REGISTRY[cls.name] = cls
    return cls


def get_deduplicator(config: Config) -> Deduplicator:
    from ..errors import DataSchemaError

    settings = load_dedup_config(config)
    cls = _REGISTRY.get(settings.component)
    if cls is None:
        known = ", ".join(sorted(_REGISTRY))
        raise DataSchemaError(f"dedup: unknown component {settings.component!r}; known: {known}")
    return cls(config, settings)


@register_deduplicator
class NoDeduplicator(Deduplicator):
    """Every article its own story, every mention its own canonical event (GDELT's counting)."""

    name = "none"


@register_deduplicator
class MinHashDeduplicator(Deduplicator):
    """Stories by MinHash + LSH over word shingles; events by complete-linkage clustering."""

    name = "minhash"

    def signing(self) -> Signing:
        return signing(self.settings.stories)

    def _signatures(self, store: Any, articles: Sequence[str]) -> dict[str, np.ndarray]:
        """The signatures of `articles`: those the workers made, stored with the articles, and
        those made here (articles stored without one, by `Store.write`), which are stored
        now (`stories.has_signature`)."""
        cfg = self.settings.stories
        con = store.con
        sigs = {
            a: np.frombuffer(blob, dtype=np.uint64)
            for a, blob in con.execute(
                "SELECT article_id, sig FROM dedup_signatures WHERE article_id IN "
                "(SELECT unnest(?))",
                [list(articles)],
            ).fetchall()
        }
        unsigned = [a for a in articles if a not in sigs]
        made: list[dict[str, Any]] = []
        if unsigned:
            for aid, text in con.execute(
                "SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
                [unsigned],
            ).fetchall():
                if has_signature(text):
                    sigs[aid] = signature(text, cfg)
                    made.append({"article_id": aid, "sig": sigs[aid].tobytes()})
        _insert(store, "dedup_signatures", made)
        return sigs

    def link_stories(self, store: Any, articles: Sequence[str], report: DedupReport) -> set[str]:
        cfg = self.settings.stories
        con = store.con
        sigs = self._signatures(store, articles)
        band_rows = [
            {"band": b, "key": k, "article_id": a} for a, sig in sigs.items()
            for b, k in band_keys(sig, cfg)
        ]  # fmt: skip
        _insert(store, "dedup_bands", band_rows)
        pairs = con.execute(
            "SELECT DISTINCT n.article_id, o.article_id FROM dedup_bands n JOIN dedup_bands o "
            "ON n.band = o.band AND n.key = o.key AND n.article_id <> o.article_id "
            "WHERE n.article_id IN (SELECT unnest(?))",
            [list(sigs)],
        ).fetchall()
        others = sorted({b for _, b in pairs} - set(sigs))
        if others:
            for aid, blob in con.execute(
                "SELECT article_id, sig FROM dedup_signatures WHERE article_id IN "
                "(SELECT unnest(?))",
                [others],
            ).fetchall():
                sigs[aid] = np.frombuffer(blob, dtype=np.uint64)
        story_of = {
            a: s
            for a, s in con.execute(
                "SELECT article_id, story_id FROM article_stories WHERE article_id IN "
                "(SELECT unnest(?))",
                [others],
            ).fetchall()
        }
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def union(x: str, y: str) -> None:
            rx, ry = find(x), find(y)
            if rx != ry:
                lo, hi = (rx, ry) if rx < ry else (ry, rx)
                parent[hi] = lo  # the smallest id names the component

        new = set(articles)
        for a, b in pairs:
            if a < b or b not in new:  # each new-new pair once
                if similarity(sigs[a], sigs[b]) >= cfg.threshold:
                    report.story_links += 1
                    union(a, story_of.get(b, b))
        for a in articles:
            find(a)
        _insert(
            store, "article_stories", [{"article_id": a, "story_id": find(a)} for a in articles]
        )
        renamed = sorted({s for s in story_of.values() if find(s) != s})
        if not renamed:
            return set()
        changed = {
            r[0]
            for r in con.execute(
                "SELECT article_id FROM article_stories WHERE story_id IN (SELECT unnest(?))",
                [renamed],
            ).fetchall()
        }
        _with_table(
            store,
            "dedup_renames",
            [{"old": s, "new": find(s)} for s in renamed],
            "UPDATE article_stories SET story_id = m.new FROM dedup_renames m "
            "WHERE article_stories.story_id = m.old",
        )
        return changed - new

    def runs(self, store: Any, new: NewMentions) -> Iterator[Run]:
        """Every run (a chain of overlapping intervals in one bucket) that holds a new
        mention: the mentions of the new mentions' buckets are streamed in run order, one run
        in memory at a time."""
        if not new.ids:
            return
        fresh = new.ids
        store.con.register("dedup_buckets", pa.table({"bucket": sorted(new.buckets)}))
        try:
            cur = store.con.execute(
                f"SELECT {', '.join('m.' + c for c in _RUN_COLUMNS)} FROM event_mentions m "
                "JOIN dedup_buckets b USING (bucket) ORDER BY m.bucket, m.lo, m.hi, m.event_id"
            )
            run: list[MentionKey] = []
            old: dict[str, tuple[str, bool]] = {}
            reach = 0
            while rows := cur.fetchmany(RUN_FETCH):
                for row in rows:
                    k = MentionKey(*row[:12])
                    if run and (k.bucket != run[0].bucket or k.lo > reach):
                        if any(m.event_id in fresh for m in run):
                            yield run, old
                        run, old = [], {}
                    reach = k.hi if not run else max(reach, k.hi)
                    run.append(k)
                    old[k.event_id] = (row[12], bool(row[13]))
            if run and any(m.event_id in fresh for m in run):
                yield run, old
        finally:
            store.con.unregister("dedup_buckets")

    def cluster(self, keys: Sequence[MentionKey]) -> dict[str, tuple[str, bool]]:
        cfg = self.settings.events
        out: dict[str, tuple[str, bool]] = {}
        for run in split_runs(keys):
            for members in cluster_run(run, cfg):
                rep = representative(members, cfg).event_id
                rept = repeats(members, cfg)
                for k in members:
                    out[k.event_id] = (rep, k.event_id in rept)
        return out


# ---------------------------------------------------------------------- store helpers


def _checkpoint(con: Any) -> None:
    """Move what was written since the last checkpoint to the database file, so that an update
    has DuckDB's memory to itself (the engines' writer checkpoints only here). Should DuckDB
    refuse (another transaction may be open), the update goes on without it."""
    import duckdb  # here: workers import this package (for `stories`), never DuckDB

    try:
        con.execute("CHECKPOINT")
    except duckdb.Error:
        pass


def _insert(store: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        store._insert(table, rows)


def _with_table(store: Any, name: str, rows: list[dict[str, Any]] | pa.Table, *sql: str) -> None:
    store.con.register(name, rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows))
    try:
        for statement in sql:
            store.con.execute(statement)
    finally:
        store.con.unregister(name)


def _move_mentions(store: Any, moved: pa.Table) -> None:
    """Give mentions their new canonical id and repeat flag (`moved`: event_id, canonical_id,
    repeat). The rows are written again whole rather than UPDATEd: DuckDB turns an UPDATE of an
    indexed column (canonical_id) into a delete and an insert of each row, which fetches every
    row one by one and costs 20 times more on a large store. The new rows are read as Arrow
    columns, far smaller than one Python object per row."""
    store.con.register("dedup_moved", moved)
    try:
        rows = store.con.sql(  # a relation, not a DB-API result: no extra copy of the rows
            "SELECT m.* REPLACE (u.canonical_id AS canonical_id, u.repeat AS repeat) "
            "FROM event_mentions m JOIN dedup_moved u USING (event_id)"
        ).to_arrow_table()
        store.con.execute(
            "DELETE FROM event_mentions WHERE event_id IN (SELECT event_id FROM dedup_moved)"
        )
    finally:
        store.con.unregister("dedup_moved")
    _with_table(
        store,
        "dedup_updates",
        rows,
        "INSERT INTO event_mentions BY NAME SELECT * FROM dedup_updates",
    )


def _mention_row(k: MentionKey, canonical_id: str, repeat: bool) -> dict[str, Any]:
    return {
        "event_id": k.event_id,
        "canonical_id": canonical_id,
        "article_id": k.article_id,
        "bucket": k.bucket,
        "lo": k.lo,
        "hi": k.hi,
        "explicit": k.explicit,
        "lat": k.lat,
        "lon": k.lon,
        "place_country": k.place_country,
        "block": k.block,
        "confidence": k.confidence,
        "published": k.published,
        "repeat": repeat,
    }


def _refresh_canonical(store: Any, ids: list[str]) -> None:
    """Rewrite the canonical events `ids` from their mentions (gone ones are deleted), at most
    `REFRESH_CHUNK` at a time, so that the memory it takes does not grow with the update."""
    for i in range(0, len(ids), REFRESH_CHUNK):
        _refresh_some(store.con, ids[i : i + REFRESH_CHUNK])


def _refresh_some(con: Any, ids: list[str]) -> None:
    con.execute("DELETE FROM canonical_events WHERE event_id IN (SELECT unnest(?))", [ids])
    con.execute(
        """INSERT INTO canonical_events BY NAME
        SELECT e.*, g.* EXCLUDE (canonical_id) FROM (
          SELECT m.canonical_id,
            count(DISTINCT coalesce(nullif(a.source, ''),
                  nullif(regexp_extract(a.url, '^[A-Za-z]+://(?:www[.])?([^/:]+)', 1), ''),
                  a.article_id))::INTEGER AS num_sources,
            count(DISTINCT m.article_id)::INTEGER AS num_articles,
            (count(*) FILTER (WHERE NOT m.repeat))::INTEGER AS num_mentions,
            count(DISTINCT st.story_id)::INTEGER AS num_stories,
            min(coalesce(a.published, me.date)) AS first_seen,
            max(coalesce(a.published, me.date)) AS last_seen
          FROM event_mentions m
          JOIN articles a USING (article_id)
          JOIN events me ON me.event_id = m.event_id
          LEFT JOIN article_stories st ON st.article_id = m.article_id
          WHERE m.canonical_id IN (SELECT unnest(?))
          GROUP BY m.canonical_id) g
        JOIN events e ON e.event_id = g.canonical_id""",
        [ids],
    )
