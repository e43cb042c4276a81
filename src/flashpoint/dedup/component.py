"""The dedup components: one small interface, a persistent state in the store.

Like scrapy's dupefilter, a component answers one question for the engine — *bring the dedup
state up to date with what is stored* — and keeps its state where it survives the process: in
the DuckDB store. `update` processes every stored article it has not seen yet (an article is
seen once it has a row in `article_stories`), each chunk in one transaction; so an ingest killed
between writing a batch and deduplicating it is completed by the next run, and the result never
depends on how the articles were batched or ordered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
import pyarrow as pa

from ..pipeline import Config
from .config import DedupConfig, load_dedup_config
from .events import MentionKey, cluster_run, mention_key, repeats, representative, split_runs
from .stories import band_keys, signature, similarity

CHUNK = 2000  # articles per transaction when catching up (e.g. a rebuild)
STATE_TABLES = (
    "canonical_events",
    "event_mentions",
    "article_stories",
    "dedup_signatures",
    "dedup_bands",
)
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
        while True:
            pending = [
                r[0]
                for r in con.execute(
                    "SELECT article_id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM "
                    "article_stories s WHERE s.article_id = a.article_id) "
                    f"ORDER BY article_id LIMIT {CHUNK}"
                ).fetchall()
            ]
            if not pending:
                return report
            con.execute("BEGIN TRANSACTION")
            try:
                self._process(store, pending, report)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

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

    def cluster(self, keys: Sequence[MentionKey]) -> dict[str, tuple[str, bool]]:
        """Canonical id and repeat flag for each mention of `keys` (here: each its own event)."""
        return {k.event_id: (k.event_id, False) for k in keys}

    def reach(self, store: Any, new: Sequence[MentionKey]) -> list[MentionKey]:
        """The stored mentions to cluster again with the new ones (here: the new ones only)."""
        return list(new)

    # ------------------------------------------------------------------ machinery
    def _clear(self, store: Any, state: str) -> None:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        try:
            for table in STATE_TABLES:
                con.execute(f"DELETE FROM {table}")
            store.set_meta("dedup_state", state)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def _process(self, store: Any, articles: list[str], report: DedupReport) -> None:
        report.articles += len(articles)
        changed_articles = self.link_stories(store, articles, report)
        rows = store.query(
            "SELECT e.*, a.published FROM events e JOIN articles a USING (article_id) "
            "WHERE e.article_id IN (SELECT unnest(?))",
            [articles],
        )
        cfg = self.settings.events
        new = [mention_key(r, cfg) for r in rows]
        report.mentions += len(new)
        _insert(store, "event_mentions", [_mention_row(k, k.event_id, False) for k in new])
        everything = self.reach(store, new)
        report.reclustered += len(everything)
        old = {
            r["event_id"]: (r["canonical_id"], r["repeat"])
            for r in _mentions_of(store, [k.event_id for k in everything])
        }
        assigned = self.cluster(everything)
        updates = [
            {"event_id": eid, "canonical_id": cid, "repeat": rep}
            for eid, (cid, rep) in assigned.items()
            if old.get(eid) != (cid, rep)
        ]
        if updates:
            _with_table(
                store,
                "dedup_updates",
                updates,
                "UPDATE event_mentions SET canonical_id = t.canonical_id, repeat = t.repeat "
                "FROM dedup_updates t WHERE event_mentions.event_id = t.event_id",
            )
        touched = {cid for cid, _ in old.values()} | {cid for cid, _ in assigned.values()}
        if changed_articles:
            touched |= {
                r[0]
                for r in store.con.execute(
                    "SELECT DISTINCT canonical_id FROM event_mentions "
                    "WHERE article_id IN (SELECT unnest(?))",
                    [sorted(changed_articles)],
                ).fetchall()
            }
        _refresh_canonical(store, sorted(touched))


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

    def link_stories(self, store: Any, articles: Sequence[str], report: DedupReport) -> set[str]:
        cfg = self.settings.stories
        con = store.con
        texts = store.query(
            "SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest(?))",
            [list(articles)],
        )
        sigs: dict[str, np.ndarray] = {}
        band_rows: list[dict[str, Any]] = []
        for r in texts:
            sig = signature(r["text"] or "", cfg)
            if not (r["text"] or "").strip():
                continue  # an empty text is like no other
            sigs[r["article_id"]] = sig
            band_rows += [
                {"band": b, "key": k, "article_id": r["article_id"]} for b, k in band_keys(sig, cfg)
            ]
        _insert(
            store,
            "dedup_signatures",
            [{"article_id": a, "sig": s.tobytes()} for a, s in sigs.items()],
        )
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

    def reach(self, store: Any, new: Sequence[MentionKey]) -> list[MentionKey]:
        """Every stored mention that a chain of overlapping intervals links to a new one."""
        if not new:
            return []
        ranges: dict[str, tuple[int, int]] = {}
        for k in new:
            lo, hi = ranges.get(k.bucket, (k.lo, k.hi))
            ranges[k.bucket] = (min(lo, k.lo), max(hi, k.hi))
        while True:
            rng = pa.Table.from_pylist(
                [{"bucket": b, "lo": lo, "hi": hi} for b, (lo, hi) in ranges.items()]
            )
            store.con.register("dedup_ranges", rng)
            try:
                rows = store.query(
                    "SELECT m.* FROM event_mentions m JOIN dedup_ranges r ON m.bucket = r.bucket "
                    "AND m.hi >= r.lo AND m.lo <= r.hi"
                )
            finally:
                store.con.unregister("dedup_ranges")
            grown = dict(ranges)
            for r in rows:
                lo, hi = grown[r["bucket"]]
                grown[r["bucket"]] = (min(lo, r["lo"]), max(hi, r["hi"]))
            if grown == ranges:
                break
            ranges = grown
        keys = [_key_of(r) for r in rows]
        fresh = {k.event_id for k in new}
        # Only the runs that hold a new mention can change.
        return [k for run in split_runs(keys) if any(m.event_id in fresh for m in run) for k in run]

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


def _insert(store: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        store._insert(table, rows)


def _with_table(store: Any, name: str, rows: list[dict[str, Any]], sql: str) -> None:
    store.con.register(name, pa.Table.from_pylist(rows))
    try:
        store.con.execute(sql)
    finally:
        store.con.unregister(name)


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


def _key_of(r: dict[str, Any]) -> MentionKey:
    return MentionKey(
        event_id=r["event_id"],
        article_id=r["article_id"],
        bucket=r["bucket"],
        lo=int(r["lo"]),
        hi=int(r["hi"]),
        explicit=bool(r["explicit"]),
        lat=r["lat"],
        lon=r["lon"],
        place_country=r["place_country"],
        block=r["block"],
        confidence=float(r["confidence"]),
        published=r["published"],
    )


def _mentions_of(store: Any, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    result: list[dict[str, Any]] = store.query(
        "SELECT event_id, canonical_id, repeat FROM event_mentions "
        "WHERE event_id IN (SELECT unnest(?))",
        [ids],
    )
    return result


def _refresh_canonical(store: Any, ids: list[str]) -> None:
    """Rewrite the canonical events `ids` from their mentions (gone ones are deleted)."""
    if not ids:
        return
    con = store.con
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
