"""Runners: where batches are read and coded.

A runner calls a function on a batch somewhere (`submit`) and hands its result back
(`result`): in this process, in a worker process, on a Dask worker. The engines only chunk the
stream and move batches; stages never know where they run. `in_order` keeps up to `window`
batches in flight (back-pressure: the reader never runs far ahead) and yields results in
submission order, so the single writer stores exactly what the local engine stores. The
functions that run on a batch are here too: `code_batch` (documents in, coded documents out,
for `flashpoint code`) and `code_work` (files or documents in, store rows out, for ingest).

* `local`: in this process, one batch at a time (window 0).
* `processes`: a pool of worker processes (`flashpoint.engine.processes`).
* `dask`: a Dask cluster, a `LocalCluster` or one at `--scheduler` (`flashpoint.engine.dask`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..errors import E_ENGINE, FlashpointError
from ..model import Document, Reject
from ..pipeline import Config, Pipeline
from . import collector
from .local import batches, code_documents
from .sources import Work, read_items

if TYPE_CHECKING:
    import pyarrow as pa

    from ..dedup.config import Signing

ENGINES = ("local", "processes", "dask")
T = TypeVar("T")
R = TypeVar("R")
Coded = list[Document | Reject]


class Runner(Protocol):
    name: str
    window: int  # batches in flight beyond the one being waited for

    def share(self, run: str, known: frozenset[str]) -> None:
        """Tell every worker the article ids stored at the start of ingest run `run`."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def result(self, handle: Any) -> Any: ...

    def close(self) -> None:
        """Stop the workers; a second call does nothing."""


# One pipeline per configuration per worker process, built on first use: stages load their
# knowledge files where they run.
_PIPELINES: dict[str, Pipeline] = {}
# CPU seconds and documents per stage in this process, kept when the configuration asks for
# them (`Config.options["stage_timings"]`, used by benchmarks/throughput.py).
STAGE_SECONDS: dict[str, float] = {}


class TimedPipeline(Pipeline):
    """The pipeline, adding each stage's CPU time to `STAGE_SECONDS`."""

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            start = time.process_time()
            doc = stage(doc)
            STAGE_SECONDS[stage.name] = STAGE_SECONDS.get(stage.name, 0.0) + (
                time.process_time() - start
            )
            if not isinstance(doc, Document):
                raise TypeError(f"stage {stage.name!r} returned {type(doc).__name__}")
        STAGE_SECONDS["documents"] = STAGE_SECONDS.get("documents", 0.0) + 1
        STAGE_SECONDS["sentences"] = STAGE_SECONDS.get("sentences", 0.0) + len(doc.sentences)
        return doc


def stage_seconds(reset: bool = False) -> dict[str, float]:
    """What `TimedPipeline` measured in this process (a worker, when asked through Dask);
    with `reset`, start counting again."""
    measured = dict(STAGE_SECONDS)
    if reset:
        STAGE_SECONDS.clear()
    return measured


def _pipeline(config: Config) -> Pipeline:
    key = repr(config)
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        collector.tune()
        timed = config.options.get("stage_timings")
        pipeline = _PIPELINES[key] = (TimedPipeline if timed else Pipeline)(config)
    return pipeline


def code_batch(config: Config, docs: list[Document]) -> Coded:
    """Run the pipeline over one batch where this is called (a worker); never raises for a
    failing document (it becomes a reject)."""
    return list(code_documents(docs, _pipeline(config)))


# Article ids stored when an ingest run started, per run, in each worker: documents with these
# ids are read but not coded (a rerun costs reading only). Kept for the latest run only.
_KNOWN: dict[str, frozenset[str]] = {}


def set_known(run: str, ids: frozenset[str]) -> None:
    _KNOWN.clear()
    _KNOWN[run] = ids


@dataclass
class CodedBatch:
    """What a worker sends the writer for one batch: what the batch held once read (document
    ids and reading rejects, in input order), the ids it coded, the rejects of documents a
    stage failed on, and the store rows of the others as Arrow tables (which travel between
    processes far faster than the documents themselves)."""

    order: list[str | Reject]
    coded: set[str]
    rejects: dict[str, Reject]
    tables: dict[str, pa.Table]


def code_work(
    config: Config,
    items: list[Work],
    data_version: str,
    max_bytes: int,
    run: str = "",
    signing: Signing | None = None,
) -> CodedBatch:
    """Read a batch of work items, code each new document once, turn the documents into
    store rows (with their dedup signatures, given the dedup component's `signing`); where
    this is called (a worker)."""
    from .rows import document_tables

    read = list(read_items(items, max_bytes))
    known = _KNOWN.get(run, frozenset())
    todo: dict[str, Document] = {}
    for d in read:
        if isinstance(d, Document) and d.id not in known:
            todo.setdefault(d.id, d)
    rejects: dict[str, Reject] = {}

    def coded() -> Iterator[Document]:
        # a document's rows are made as soon as it is coded and the document dropped: a coded
        # document takes about 160 KiB, its rows a few, so a batch never holds more than one
        pipeline = _pipeline(config)
        for doc_id, out in zip(todo, code_documents(todo.values(), pipeline), strict=True):
            if isinstance(out, Reject):
                rejects[doc_id] = out
            else:
                yield out

    tables = document_tables(coded(), data_version, signing=signing)
    order = [d.id if isinstance(d, Document) else d for d in read]
    return CodedBatch(order, set(todo), rejects, tables)


class LocalRunner:
    """In this process: a batch is coded when its result is asked for."""

    name = "local"
    window = 0

    def __init__(self, config: Config) -> None:
        self.config = config

    def share(self, run: str, known: frozenset[str]) -> None:
        set_known(run, known)

    def submit(self, fn: Callable[..., Any], *args: Any) -> tuple[Callable[..., Any], tuple]:
        return fn, args

    def result(self, handle: tuple[Callable[..., Any], tuple]) -> Any:
        fn, args = handle
        return fn(*args)

    def close(self) -> None:
        _KNOWN.clear()


class _Closing(Generic[T]):
    """Context manager that closes a runner."""

    def __init__(self, runner: T) -> None:
        self.runner = runner

    def __enter__(self) -> T:
        return self.runner

    def __exit__(self, *exc: object) -> None:
        self.runner.close()  # type: ignore[attr-defined]


def make_runner(
    engine: str, config: Config, *, workers: int | None = None, scheduler: str | None = None
) -> _Closing[Runner]:
    """The runner for `engine`, as a context manager that shuts it down."""
    runner: Runner
    if engine == "local":
        runner = LocalRunner(config)
    elif engine == "processes":
        from .processes import ProcessRunner

        runner = ProcessRunner(config, workers=workers)
    elif engine == "dask":
        from .dask import DaskRunner

        runner = DaskRunner(config, workers=workers, scheduler=scheduler)
    else:
        raise FlashpointError(E_ENGINE, f"unknown engine {engine!r}; use {', '.join(ENGINES)}")
    return _Closing(runner)


def in_order(
    runner: Runner, fn: Callable[..., R], work: Iterable[tuple[T, tuple[Any, ...]]]
) -> Iterator[tuple[T, R]]:
    """Call `fn(*args)` through the runner for each (tag, args), keeping `runner.window` more
    calls in flight, and yield (tag, result) in the order of `work`."""
    pending: deque[tuple[T, Any]] = deque()
    for tag, args in work:
        pending.append((tag, runner.submit(fn, *args)))
        while len(pending) > runner.window:
            done_tag, handle = pending.popleft()
            yield done_tag, runner.result(handle)
    while pending:
        done_tag, handle = pending.popleft()
        yield done_tag, runner.result(handle)


def code_stream(
    items: Iterable[Document | Reject],
    config: Config,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int = 16,
) -> Iterator[Document | Reject]:
    """Coded documents and rejects in input order, coded by `engine` (nothing is stored)."""

    def work() -> Iterator[tuple[list[Document | Reject], tuple[Config, list[Document]]]]:
        for batch in batches(items, batch_size):
            yield batch, (config, [d for d in batch if isinstance(d, Document)])

    with make_runner(engine, config, workers=workers, scheduler=scheduler) as runner:
        for batch, coded in in_order(runner, code_batch, work()):
            done = iter(coded)
            for item in batch:
                yield item if isinstance(item, Reject) else next(done)
