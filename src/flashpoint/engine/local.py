"""Ingest: read, code and store in batches, through any engine, with one writer.

Documents already stored are not coded again, so a rerun costs only reading. A stage that
fails on one document turns it into a recorded reject and the batch goes on. The writer (this
process) stores coded batches in input order, every `WRITE_EVERY` articles in one transaction,
and the dedup component (`flashpoint.dedup`) links the new articles to stories and their
events to canonical events at growing intervals (`DEDUP_EVERY`, `DEDUP_GROWTH`) and at the
end, through the same writer; it also runs once before the first batch, so whatever a killed
run wrote but did not deduplicate is done.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import E_STAGE_FAILED
from ..model import Document, Reject
from ..pipeline import Config, Pipeline

T = TypeVar("T")


@dataclass
class IngestReport:
    read: int = 0
    taken: int = 0  # input items taken: documents read and inputs the readers rejected
    stored: int = 0
    skipped: int = 0
    events: int = 0
    rejects: list[Reject] = field(default_factory=list)
    canonical_events: int = 0  # canonical events in the store at the end

    @property
    def rejected(self) -> int:
        return len(self.rejects)


@functools.lru_cache(maxsize=4)
def _hash_dir(root: str, override: str | None) -> str:
    h = hashlib.sha256()
    for base in filter(None, (root, override)):
        for path in sorted(Path(base).rglob("*.yaml")):
            h.update(path.relative_to(base).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def data_version(config: Config) -> str:
    """A short hash of every knowledge file in use: stored with each article for traceability."""
    root = Path(__file__).resolve().parent.parent / "data"
    return _hash_dir(str(root), str(config.data_dir) if config.data_dir else None)


def with_default_date(doc: Document, config: Config) -> Document:
    if doc.published is None and config.default_date:
        return replace(doc, published=dt.date.fromisoformat(config.default_date))
    return doc


def code_documents(
    items: Iterable[Document | Reject], pipeline: Pipeline
) -> Iterator[Document | Reject]:
    """Run the pipeline over documents; pass rejects through; a failing stage becomes a reject."""
    for item in items:
        if isinstance(item, Reject):
            yield item
            continue
        try:
            yield pipeline(with_default_date(item, pipeline.config))
        except Exception as exc:  # one bad document must not stop the batch
            yield Reject(
                item.origin,
                E_STAGE_FAILED.code,
                f"{item.origin}: {E_STAGE_FAILED.title}: {type(exc).__name__}: {exc}",
                item.raw_sha256,
            )


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# Items per coded batch (`--batch-size`). Each batch has fixed costs: the writer's query for
# ids already stored, its Arrow tables, a task to and from a worker. From 16 to 64 the writer's
# CPU on 10,000 articles fell from 34.3 to 29.8 s and the run took 7% less (docs/scale.md).
BATCH_SIZE = 64
WRITE_EVERY = 256  # articles per write transaction: each INSERT has a fixed cost
# Dedup runs after DEDUP_EVERY new articles, or after DEDUP_GROWTH times the articles stored
# if that is more: an update re-clusters every run that got a new mention, and runs grow with
# the store, so updates at growing intervals keep the whole ingest linear.
DEDUP_EVERY = 1000
DEDUP_GROWTH = 0.25
# DuckDB's cache may take most of the machine's memory by default; the writer's working set
# is small (inserts, dedup joins), and DuckDB spills to disk beyond the limit. (A fixed 256 MB,
# most of it taken by indexes at 100,000 articles, still left dedup enough.)
STORE_MEMORY_MB = 192
# But DuckDB cannot evict the nodes of an index that a write has touched, and new keys fall all
# over each index, so a writer soon holds nearly all of the store's indexes: about 1 KiB per
# stored article (`store.schema`; docs/scale.md, "The writer's memory"). The limit is the working
# memory plus that, raised as the store grows: a fixed 256 MB ran out past 100,000 articles.
INDEX_KIB_PER_ARTICLE = 1.25
# DuckDB checkpoints whenever its write-ahead log passes 16 MB, and those checkpoints grew more
# costly with the store (writes took 18 times as long for 10 times the articles). The writer's
# connection checkpoints instead before each dedup update (`Deduplicator.update`), where the
# cost is paid once per growing interval; this threshold only bounds the log in between.
STORE_CHECKPOINT = "1GB"


# With worker processes the writer deduplicates in a thread while it keeps taking coded
# batches, so the workers never wait for dedup; batches wait (unwritten) up to this many, the
# first 16 MiB of them in memory and the rest on disk (`backlog.Backlog`).
BACKLOG_BATCHES = 512

KNOWN_LIMIT = 1_000_000  # stored ids handed to workers so they skip them; above: they code all


def ingest(
    items: Iterable[Document | Reject | str],
    store_path: str | Path,
    config: Config,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[IngestReport], None] | None = None,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    max_bytes: int | None = None,
) -> IngestReport:
    """Code and store every new document; record every reject. Safe to rerun.

    `items` are documents and rejects (from the readers) or paths of single files to read
    where the batch is coded (`sources.list_inputs`). `engine` says where batches are read and
    coded (`local`, `processes`, `dask`; see `flashpoint.engine.runners`); whichever it is,
    this process is the one writer and takes the batches in input order, so the store ends up
    the same. Documents already stored when the run starts are read but not coded.
    """
    from .runners import make_runner

    with make_runner(engine, config, workers=workers, scheduler=scheduler) as runner:
        # made first: worker processes load their knowledge while this one opens the store
        return _ingest_with(runner, items, store_path, config, batch_size, on_progress, max_bytes)


def _ingest_with(
    runner: Any,
    items: Iterable[Document | Reject | str],
    store_path: str | Path,
    config: Config,
    batch_size: int,
    on_progress: Callable[[IngestReport], None] | None,
    max_bytes: int | None,
) -> IngestReport:
    from ..dedup import get_deduplicator
    from ..store import Store
    from . import collector
    from .runners import code_work, in_order

    collector.tune()  # the writer's heap holds the dedup state: see collector
    dedup = get_deduplicator(config)
    report = IngestReport()
    version = data_version(config)
    cap = config.max_bytes if max_bytes is None else max_bytes
    run = uuid.uuid4().hex
    with Store(store_path) as store:
        prepare_store(store)
        folder = Path(store_path).parent if str(store_path) != ":memory:" else None
        writer = _Writer(store, dedup, report, background=runner.name != "local", folder=folder)
        store.set_meta("data_version", version)
        dedup.update(store)  # catch up with a killed run, or with changed dedup settings
        try:
            try:
                runner.share(run, _stored_ids(store))
                signing = dedup.signing()  # the workers sign what they code, not the writer
                work = (
                    (None, (config, b, version, cap, run, signing))
                    for b in batches(items, batch_size)
                )
                for _, coded in in_order(runner, code_work, work):
                    writer.add(coded)
                    if on_progress:
                        on_progress(report)
            finally:
                runner.close()  # the workers' memory goes before the last dedup update
        except BaseException:
            writer.abandon()  # the store closes next: let a running dedup update end first
            raise
        writer.finish()
        report.canonical_events = int(store.scalar("SELECT count(*) FROM canonical_events"))
    return report


def prepare_store(store: Any) -> None:
    """Settings of the writer's connection (also used by benchmarks/writer_growth.py); its
    memory limit is set by the writer, from the articles it stores (`set_memory_limit`)."""
    store.con.execute(f"SET checkpoint_threshold = '{STORE_CHECKPOINT}'")


def memory_limit_mb(articles: int) -> int:
    """The writer's DuckDB memory limit for a store of `articles`: working memory and indexes."""
    return STORE_MEMORY_MB + math.ceil(articles * INDEX_KIB_PER_ARTICLE / 1024)


def set_memory_limit(store: Any, articles: int) -> None:
    store.con.execute(f"SET memory_limit = '{memory_limit_mb(articles)}MB'")


def _stored_ids(store: Any) -> frozenset[str]:
    if int(store.scalar("SELECT count(*) FROM articles")) > KNOWN_LIMIT:
        return frozenset()
    return frozenset(r[0] for r in store.con.execute("SELECT article_id FROM articles").fetchall())


class _Writer:
    """The single writer. It takes coded batches in input order and decides what is new as
    the in-process runner always did (stored already, or earlier in the run: skipped), then
    writes every `WRITE_EVERY` articles in one transaction and deduplicates at growing
    intervals (dedup does not depend on how articles are batched) and at the end."""

    def __init__(
        self,
        store: Any,
        dedup: Any,
        report: IngestReport,
        *,
        background: bool = False,
        folder: Path | None = None,
    ) -> None:
        from .backlog import Backlog

        self.store, self.dedup, self.report = store, dedup, report
        self.stored = int(store.scalar("SELECT count(*) FROM articles"))
        set_memory_limit(store, self.stored)
        self.pending: set[str] = set()  # ids coded and kept, not written yet
        self.parts: list[dict[str, Any]] = []  # their rows, batch by batch
        self.rejects: list[Reject] = []
        self.undeduplicated = 0
        self.background = background
        self.backlog = Backlog(folder)  # batches taken while dedup runs in its thread
        self.dedup_run: _DedupThread | None = None

    def add(self, coded: Any) -> None:
        """`coded` is a `runners.CodedBatch`. While a dedup update runs in its thread the
        store is left alone: batches wait in the backlog, in order."""
        self.backlog.append(coded)
        self._drain()

    def _drain(self, *, wait: bool = False) -> None:
        """Take the backlog in order until a dedup thread runs (or to the end, waiting for
        it, when `wait` or when the backlog is full)."""
        while self.backlog:
            busy = self.dedup_run is not None and self.dedup_run.is_alive()
            if busy and not wait and len(self.backlog) < BACKLOG_BATCHES:
                return
            self._join_dedup()
            self._take(self.backlog.popleft())

    def _take(self, coded: Any) -> None:
        ids = [i for i in coded.order if isinstance(i, str)]
        self.report.read += len(ids)
        self.report.taken += len(coded.order)
        known = self.store.known_articles(ids)
        fresh: list[str] = []
        for i in ids:
            if i in known or i in self.pending or i in fresh:
                self.report.skipped += 1
            else:
                fresh.append(i)  # neither stored nor coded earlier: this batch coded it
        rejects = [r for r in coded.order if isinstance(r, Reject)]
        rejects += [coded.rejects[i] for i in fresh if i in coded.rejects]
        kept = {i for i in fresh if i not in coded.rejects}
        tables = _only(coded.tables, kept) if len(kept) < len(coded.coded) else coded.tables
        self.parts.append(tables)
        self.pending |= kept
        self.report.stored += len(kept)
        self.report.events += tables["events"].num_rows if "events" in tables else 0
        self.rejects += rejects
        self.report.rejects += rejects
        if len(self.pending) >= WRITE_EVERY:
            self.flush()

    def flush(self) -> None:
        from .rows import concat_tables

        self._join_dedup()  # the store is never written while dedup reads it
        set_memory_limit(self.store, self.stored + len(self.pending))  # indexes grow with it
        if self.parts:
            self.store.write_tables(concat_tables(self.parts))
        self.undeduplicated += len(self.pending)
        self.stored += len(self.pending)
        self.pending, self.parts = set(), []
        self.store.record_rejects(self.rejects)
        self.rejects = []
        if self.undeduplicated >= max(DEDUP_EVERY, DEDUP_GROWTH * self.stored):
            self.undeduplicated = 0
            if self.background:
                self.dedup_run = _DedupThread(self.dedup, self.store)
                self.dedup_run.start()
            else:
                self.dedup.update(self.store)

    def _join_dedup(self) -> None:
        if self.dedup_run is not None:
            self.dedup_run.join()
            error, self.dedup_run = self.dedup_run.error, None
            if error is not None:
                raise error

    def abandon(self) -> None:
        """Wait for a running dedup update, keeping quiet about its error (another one is on
        its way); what was not written is coded again by the next run."""
        if self.dedup_run is not None:
            self.dedup_run.join()
            self.dedup_run = None
        self.backlog.close()

    def finish(self) -> None:
        try:
            self._drain(wait=True)
        finally:
            self.backlog.close()  # its files go even when a dedup error stops the run
        self.flush()
        self._join_dedup()
        if self.undeduplicated:
            self.dedup.update(self.store)
            self.undeduplicated = 0


class _DedupThread(threading.Thread):
    """One dedup update off the writer's path; its error is raised by the writer on join."""

    def __init__(self, dedup: Any, store: Any) -> None:
        super().__init__(name="flashpoint-dedup", daemon=True)
        self.dedup, self.store = dedup, store
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.dedup.update(self.store)
        except BaseException as exc:  # handed to the writer, which raises it
            self.error = exc


def _only(tables: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """The rows of the articles `ids` (a batch's rows keep only what is stored)."""
    import pyarrow.compute as pc

    keep = sorted(ids)
    out = {}
    for name, table in tables.items():
        rows = table.filter(pc.is_in(table["article_id"], value_set=_strings(keep)))
        if rows.num_rows:
            out[name] = rows
    return out


def _strings(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, type=pa.string())
