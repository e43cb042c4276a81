"""Engines: the local, processes and dask engines store the same thing; the writer's rules."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flashpoint.engine import backlog, code_stream, collector, ingest
from flashpoint.engine.runners import LocalRunner, in_order, make_runner
from flashpoint.engine.sources import count_inputs, list_inputs, read_items
from flashpoint.errors import FlashpointError
from flashpoint.ingest import read_path
from flashpoint.model import Document, Reject
from flashpoint.pipeline import Config

MAX = 20_000_000
# Columns that hold the time of writing, the only ones allowed to differ between runs.
CLOCK_COLUMNS = {"ingested_at", "first_seen", "last_seen"}
TABLES = ("articles", "events", "actor_mentions", "place_mentions", "sentences", "rejects",
          "canonical_events", "event_mentions", "article_stories", "dedup_signatures",
          "dedup_bands")  # fmt: skip


def store_digest(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of the main tables, clock columns left out."""
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    try:
        for table in TABLES:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if not (c in CLOCK_COLUMNS and table in ("articles", "rejects"))
            ]
            sel = ", ".join(f'"{c}"' for c in cols)
            out[table] = con.execute(
                f"SELECT count(*), md5(string_agg(CAST(r AS VARCHAR), chr(10) "
                f"ORDER BY CAST(r AS VARCHAR))) FROM (SELECT {sel} FROM {table}) r"
            ).fetchone()
    finally:
        con.close()
    return out


@pytest.fixture(scope="module")
def mixed_corpus(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus plus what a writer must handle: a copy of a file (same id, skipped),
    an empty file and a file of an unknown type (rejects), a hidden file (ignored)."""
    root = tmp_path_factory.mktemp("mixed")
    shutil.copytree(corpus_dir, root / "a")
    extra = root / "b"
    extra.mkdir()
    first = sorted(corpus_dir.glob("*.html"))[0]
    shutil.copy(first, extra / first.name)
    (extra / "empty.txt").write_text("")
    (extra / "notes.pdf").write_bytes(b"%PDF-1.4")
    (extra / ".hidden.txt").write_text("Hidden files are skipped.")
    return root


@pytest.fixture(scope="module")
def local_store(mixed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("local") / "local.duckdb"
    ingest(list_inputs([str(mixed_corpus)], MAX), db, Config())
    return db


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_engine_stores_what_local_stores(
    engine: str, mixed_corpus: Path, local_store: Path, tmp_path: Path
) -> None:
    db = tmp_path / f"{engine}.duckdb"
    report = ingest(list_inputs([str(mixed_corpus)], MAX), db, Config(), engine=engine, workers=2)
    assert (report.skipped, report.rejected) == (1, 2)
    assert report.stored == report.read - 1 > 30
    assert store_digest(db) == store_digest(local_store)


def test_reading_documents_in_the_parent_stores_the_same(
    mixed_corpus: Path, local_store: Path, tmp_path: Path
) -> None:
    """Documents from the readers (as the `code` command and the API pass them) or paths
    read where they are coded: one store."""
    db = tmp_path / "docs.duckdb"
    ingest(read_path(mixed_corpus), db, Config())
    assert store_digest(db) == store_digest(local_store)


def test_a_rerun_reads_but_codes_nothing(mixed_corpus: Path, local_store: Path) -> None:
    before = store_digest(local_store)
    report = ingest(list_inputs([str(mixed_corpus)], MAX), local_store, Config())
    assert (report.stored, report.events, report.skipped) == (0, 0, report.read)
    assert store_digest(local_store)["events"] == before["events"]


def test_listing_inputs_reads_what_read_path_reads(mixed_corpus: Path) -> None:
    listed = list(list_inputs([str(mixed_corpus)], MAX))
    assert any(isinstance(x, str) for x in listed)  # files left for the workers to read
    assert [_key(x) for x in read_items(listed, MAX)] == [_key(x) for x in read_path(mixed_corpus)]


def test_counting_inputs_matches_the_listing(mixed_corpus: Path, tmp_path: Path) -> None:
    records = tmp_path / "wire.jsonl"
    lines = [json.dumps({"id": f"w{i}", "text": "Troops crossed the river."}) for i in range(3)]
    records.write_text("\n".join([*lines[:2], "", "not json", lines[2], ""]), "utf-8")
    inputs = [str(mixed_corpus), str(records)]
    assert count_inputs(inputs) == len(list(list_inputs(inputs, MAX)))
    assert count_inputs([str(records)]) == 4  # three records and a line that is none: a reject
    assert count_inputs([str(records), "-"]) is None  # stdin: not known before it is read


def _key(item: Document | Reject) -> tuple[str, ...]:
    if isinstance(item, Reject):
        return ("reject", item.origin, item.code, item.message)
    return ("doc", item.id, item.origin, item.text)


def test_code_stream_keeps_input_order_across_workers(corpus_dir: Path) -> None:
    items = list(read_path(corpus_dir))
    local = list(code_stream(items, Config(), batch_size=4))
    pooled = list(code_stream(items, Config(), engine="processes", workers=1, batch_size=4))
    assert [_events(x) for x in pooled] == [_events(x) for x in local]


def _events(item: Document | Reject) -> Any:
    return item.code if isinstance(item, Reject) else [e.event_id for e in item.events]


class FakeRunner(LocalRunner):
    """Runs nothing: records how many calls were submitted before each result was taken."""

    def __init__(self, window: int) -> None:
        super().__init__(Config())
        self.window = window
        self.submitted = 0
        self.ahead: list[int] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.submitted += 1
        return args[0]

    def result(self, handle: Any) -> Any:
        self.ahead.append(self.submitted - handle)
        return handle * 10


@pytest.mark.parametrize(
    ("window", "most_ahead"),
    [(0, 0), (1, 1), (4, 4)],
)
def test_in_order_keeps_a_bounded_window(window: int, most_ahead: int) -> None:
    runner = FakeRunner(window)
    work = ((n, (n,)) for n in range(1, 21))
    out = list(in_order(runner, print, work))
    assert out == [(n, n * 10) for n in range(1, 21)]  # in submission order
    assert max(runner.ahead) == most_ahead  # never more than the window in flight


def test_unknown_engine_is_a_catalogued_error() -> None:
    with pytest.raises(FlashpointError, match="FP-E091"):
        make_runner("threads", Config())


def test_unreachable_scheduler_is_a_catalogued_error() -> None:
    from flashpoint.engine.dask import DaskRunner

    with pytest.raises(FlashpointError, match="FP-E091"):
        DaskRunner(Config(), scheduler="tcp://127.0.0.1:9", connect_timeout="1s")


def _worker_settings(dask_worker: Any) -> tuple[bool, str]:
    import dask

    return "profile" in dask_worker.periodic_callbacks, dask.config.get(
        "distributed.admin.tick.interval"
    )


def test_a_cluster_started_here_runs_quiet() -> None:
    """No profiler and slow housekeeping timers on our own LocalCluster (they cost CPU); the
    settings stay with the cluster, not with this process."""
    import dask

    from flashpoint.engine.dask import DaskRunner

    before = dask.config.get("distributed.worker.profile.enabled")
    runner = DaskRunner(Config(), workers=1)
    try:
        assert set(runner.client.run(_worker_settings).values()) == {(False, "1s")}
        assert runner.client.direct_to_workers
    finally:
        runner.close()
    assert dask.config.get("distributed.worker.profile.enabled") == before


def test_an_existing_dask_cluster_is_used_by_its_address(corpus_dir: Path) -> None:
    """`--scheduler ADDRESS`: here a cluster of one thread in this process, quick to start."""
    from distributed import LocalCluster

    items = list(read_path(corpus_dir))[:6]
    local = list(code_stream(items, Config(), batch_size=2))
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = list(
            code_stream(
                items, Config(), engine="dask", scheduler=cluster.scheduler_address, batch_size=2
            )
        )
    assert [_events(x) for x in remote] == [_events(x) for x in local]


@pytest.fixture()
def frequent_dedup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write every 4 articles and deduplicate every 8, so that a small corpus runs dedup
    in the writer's thread many times while batches keep arriving."""
    import flashpoint.engine.local as local

    monkeypatch.setattr(local, "WRITE_EVERY", 4)
    monkeypatch.setattr(local, "DEDUP_EVERY", 8)
    monkeypatch.setattr(local, "BACKLOG_BATCHES", 3)
    monkeypatch.setattr(backlog, "MEMORY", 0)  # all but the first waiting batch go to disk


@pytest.mark.usefixtures("frequent_dedup")
def test_dedup_in_the_writers_thread_stores_what_local_stores(
    mixed_corpus: Path, tmp_path: Path
) -> None:
    # a fresh local store: the module's one has been read again (its rejects counted twice)
    inputs = [str(mixed_corpus)]
    ingest(list_inputs(inputs, MAX), tmp_path / "local.duckdb", Config())
    db = tmp_path / "threaded.duckdb"
    ingest(list_inputs(inputs, MAX), db, Config(), engine="processes", workers=2, batch_size=2)
    assert store_digest(db) == store_digest(tmp_path / "local.duckdb")
    assert not list(tmp_path.glob(".flashpoint-backlog-*"))  # the waiting batches' files


@pytest.mark.usefixtures("frequent_dedup")
def test_an_error_in_the_dedup_thread_stops_the_ingest(
    mixed_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashpoint.dedup import component

    calls = {"n": 0}
    real = component.Deduplicator.update

    def failing(self: Any, store: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # the first runs before any batch; fail one in the thread
            raise RuntimeError("dedup broke")
        return real(self, store)

    monkeypatch.setattr(component.Deduplicator, "update", failing)
    with pytest.raises(RuntimeError, match="dedup broke"):
        ingest(
            list_inputs([str(mixed_corpus)], MAX),
            tmp_path / "x.duckdb",
            Config(),
            engine="processes",
            workers=2,
            batch_size=2,
        )


@pytest.mark.parametrize(
    ("host", "after"),
    [
        (700, collector.YOUNG_EVERY),
        (10 * collector.YOUNG_EVERY, 10 * collector.YOUNG_EVERY),
        (0, 0),
    ],  # fmt: skip
)
def test_the_collector_is_loosened_once_and_a_hosts_choice_stays(
    host: int, after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = gc.get_threshold()
    monkeypatch.setattr(collector, "_state", {"tuned": False, "frozen": True})
    try:
        gc.set_threshold(host, saved[1], saved[2])
        collector.tune()
        assert gc.get_threshold() == (after, saved[1], saved[2])
        gc.set_threshold(700, saved[1], saved[2])
        collector.tune()  # once per process: a later call changes nothing
        assert gc.get_threshold()[0] == 700
    finally:
        gc.set_threshold(*saved)


def test_what_is_loaded_is_frozen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "_state", {"tuned": True, "frozen": False})
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    collector.freeze_loaded()
    collector.freeze_loaded()
    assert calls == ["freeze"]


PRELOAD_CHECK = """
import json
from flashpoint.engine import runners
from flashpoint.engine.processes import ProcessRunner
from flashpoint.pipeline import Config


def preloaded(key):
    return key in runners._PIPELINES


if __name__ == "__main__":
    config = Config()
    runner = ProcessRunner(config, workers=2)
    try:
        handles = [runner.submit(preloaded, repr(config)) for _ in range(6)]
        print(json.dumps([runner.result(h) for h in handles]))
    finally:
        runner.close()
"""


def run_in_fresh_process(tmp_path: Path, source: str, *args: str) -> Any:
    """Run `source` as a script in a new interpreter (its forkserver not started yet) and
    return the JSON it prints; skipped where there is no forkserver."""
    import multiprocessing as mp
    import subprocess
    import sys

    if "forkserver" not in mp.get_all_start_methods():
        pytest.skip("no forkserver on this platform: workers are spawned and load their own")
    script = tmp_path / "check.py"
    script.write_text(source)
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def test_workers_start_with_the_runs_pipeline_loaded(tmp_path: Path) -> None:
    """A fresh process (its forkserver not started yet): the workers it forks hold the run's
    pipeline before they code anything."""
    assert run_in_fresh_process(tmp_path, PRELOAD_CHECK) == [True] * 6


SIGNING_CHECK = """
import json, sys
from flashpoint.dedup import get_deduplicator
from flashpoint.engine.processes import ProcessRunner
from flashpoint.engine.runners import code_work
from flashpoint.ingest import read_path
from flashpoint.pipeline import Config


def signed(config, docs, signing):
    batch = code_work(config, docs, "v", 10**7, "", signing)
    loaded = [m for m in ("duckdb", "datasketch") if m in sys.modules]
    return batch.tables["dedup_signatures"].num_rows, len(batch.coded), loaded


if __name__ == "__main__":
    config = Config()
    docs = list(read_path(sys.argv[1]))[:3]
    runner = ProcessRunner(config, workers=1)
    try:
        handle = runner.submit(signed, config, docs, get_deduplicator(config).signing())
        print(json.dumps(runner.result(handle)))
    finally:
        runner.close()
"""


def test_workers_sign_articles_without_loading_duckdb_or_datasketch(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """Workers make the dedup signatures of what they code (the writer has the rest of dedup
    to do) from the permutations the writer hands them: DuckDB and datasketch stay out of
    their memory."""
    assert run_in_fresh_process(tmp_path, SIGNING_CHECK, str(corpus_dir)) == [3, 3, []]


def test_a_failed_preload_leaves_each_worker_to_load_its_own(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flashpoint.engine import preload, runners

    before = dict(runners._PIPELINES)
    monkeypatch.delenv(preload.ENV, raising=False)
    preload._preload_from_environment()  # not asked to: nothing happens
    assert capsys.readouterr().err == ""
    monkeypatch.setenv(preload.ENV, "not a pickled configuration")
    preload._preload_from_environment()
    assert "workers will load their own knowledge" in capsys.readouterr().err
    assert runners._PIPELINES == before


def test_the_backlog_keeps_order_in_memory_and_on_disk(tmp_path: Path) -> None:
    import pyarrow as pa

    from flashpoint.engine.runners import CodedBatch

    def batch(i: int) -> CodedBatch:
        return CodedBatch([f"a{i}"], {f"a{i}"}, {}, {"articles": pa.table({"n": [i] * 100})})

    queue = backlog.Backlog(tmp_path, memory=2 * backlog.rows_size(batch(0)))
    for i in range(6):
        queue.append(batch(i))
    assert queue.held == 2 * backlog.rows_size(batch(0)) and queue.spilled == 4
    assert len(list(tmp_path.glob(".flashpoint-backlog-*/*"))) == 4
    firsts = [queue.popleft() for _ in range(3)]
    assert [b.order for b in firsts] == [["a0"], ["a1"], ["a2"]]
    assert firsts[2].tables["articles"].equals(batch(2).tables["articles"])
    assert len(queue) == 3 and len(list(tmp_path.glob(".flashpoint-backlog-*/*"))) == 3
    queue.close()  # an abandoned run: what waits is coded again by the next one
    assert not queue and not list(tmp_path.glob(".flashpoint-backlog-*"))


def test_the_writers_memory_limit_grows_with_the_store(
    mixed_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB cannot evict what a write loaded of an index: the writer's limit makes room for it
    from flashpoint.engine import local

    seen: list[tuple[int, str]] = []
    real = local.set_memory_limit

    def recording(store: Any, articles: int) -> None:
        real(store, articles)
        seen.append((articles, store.scalar("SELECT current_setting('memory_limit')")))

    monkeypatch.setattr(local, "set_memory_limit", recording)
    monkeypatch.setattr(local, "WRITE_EVERY", 2)
    report = ingest(list_inputs([str(mixed_corpus)], MAX), tmp_path / "x.duckdb", Config())
    articles = [a for a, _ in seen]
    assert articles[0] == 0 and articles[-1] == report.stored > 2
    assert articles == sorted(articles)
    with duckdb.connect() as con:  # each setting is the one memory_limit_mb asked for
        for n, setting in seen:
            con.execute(f"SET memory_limit = '{local.memory_limit_mb(n)}MB'")
            assert setting == con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert local.memory_limit_mb(0) == local.STORE_MEMORY_MB
    assert local.memory_limit_mb(100_000) == local.STORE_MEMORY_MB + 123  # 1.25 KiB an article


def test_a_process_runner_can_be_closed_twice() -> None:
    """Ingest closes its runner before the last dedup update, and the runner's context
    manager closes it again."""
    from flashpoint.engine.processes import ProcessRunner

    runner = ProcessRunner(Config(), workers=1)
    assert runner.result(runner.submit(abs, -3)) == 3
    runner.close()
    runner.close()
    assert runner._pool is None


def test_the_compiled_build_names_modules_that_exist() -> None:
    """`setup.py` compiles these with FLASHPOINT_COMPILE=1 (make fast); the modules whose
    frozen dataclasses travel by pickle must stay out: a compiled one cannot be unpickled."""
    import ast

    root = Path(__file__).resolve().parents[1]
    tree = ast.parse((root / "setup.py").read_text())
    found = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets)
    )
    compiled = ast.literal_eval(found)
    assert len(compiled) >= 10
    assert all((root / path).is_file() for path in compiled)
    assert not {"src/flashpoint/model.py", "src/flashpoint/where/gazetteer.py"} & set(compiled)
