"""The in-process runner: read, code and store in batches, one writer.

Already stored articles are skipped before coding, so a rerun costs only reading. A stage that
fails on one document turns it into a recorded reject and the batch goes on. After each batch is
written, the dedup component (`flashpoint.dedup`) links the new articles to stories and their
events to canonical events, in a transaction of its own through the same writer; it also runs
once before the first batch, so whatever a killed run wrote but did not deduplicate is done.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import E_STAGE_FAILED
from ..model import Document, Reject
from ..pipeline import Config, Pipeline


@dataclass
class IngestReport:
    read: int = 0
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


def _batches(items: Iterable[Document | Reject], size: int) -> Iterator[list[Document | Reject]]:
    batch: list[Document | Reject] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(
    items: Iterable[Document | Reject],
    store_path: str | Path,
    config: Config,
    *,
    batch_size: int = 16,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Code and store every new document; record every reject. Safe to rerun."""
    from ..dedup import get_deduplicator
    from ..store import Store

    pipeline = Pipeline(config)
    dedup = get_deduplicator(config)
    version = data_version(config)
    report = IngestReport()
    with Store(store_path) as store:
        store.set_meta("data_version", version)
        dedup.update(store)  # catch up with a killed run, or with changed dedup settings
        for batch in _batches(items, batch_size):
            docs = [d for d in batch if isinstance(d, Document)]
            rejects = [r for r in batch if isinstance(r, Reject)]
            report.read += len(docs)
            known = store.known_articles([d.id for d in docs])
            fresh: dict[str, Document] = {}
            for d in docs:
                if d.id in known or d.id in fresh:
                    report.skipped += 1
                else:
                    fresh[d.id] = d
            coded = list(code_documents(fresh.values(), pipeline))
            ok = [d for d in coded if isinstance(d, Document)]
            rejects += [r for r in coded if isinstance(r, Reject)]
            report.events += store.write(ok, version)
            report.stored += len(ok)
            if ok:
                dedup.update(store)
            store.record_rejects(rejects)
            report.rejects += rejects
            if on_progress:
                on_progress(report)
        report.canonical_events = int(store.scalar("SELECT count(*) FROM canonical_events"))
    return report
