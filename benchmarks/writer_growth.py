"""Writer growth: the single writer's cost (writes and dedup) as the store grows (issue 8).

    .venv/bin/python benchmarks/writer_growth.py --source STORE.duckdb --store NEW.duckdb \\
        [--cache DIR] [--articles N] [--marks 10240 100000] [--json OUT.json] \\
        [--checkpoint-threshold 16MB] [--rounds 1]

Replays the coded rows of an existing store (every table the engines write, `WRITE_TABLES`)
into a new store, article by article in the order they were first stored (row order of
`articles`), in coded batches of 256 articles through the engines' own writer
(`engine.local._Writer`, so writes happen every `WRITE_EVERY` articles and dedup updates on
the `DEDUP_EVERY` / `DEDUP_GROWTH` schedule, with the final update) on a store opened as
`engine.local.ingest` opens it. Coding is left out: only `Store.write_tables` and
`dedup.update` are timed (wall seconds), cumulatively at each --marks article count, with the
peak RSS of this process. The rows are first exported from --source into --cache (Arrow IPC
files, one per batch and table, made once and reused), so reading the source costs nothing in
the replay. With --rounds R the rows are replayed R times, the article and event ids of
round r > 0 suffixed with `~r`, so the store grows past the source (how the writer's memory
fared past 100,000 articles: docs/scale.md "The writer's memory and the store's indexes").
The renamed articles are copies of the first round's, so dedup merges them with those: a
denser store than new news would make.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from flashpoint.dedup import get_deduplicator
from flashpoint.engine import local
from flashpoint.engine.rows import WRITE_TABLES
from flashpoint.engine.runners import CodedBatch
from flashpoint.pipeline import Config
from flashpoint.store import Store

BATCH = 256


def export(source: str, cache: Path) -> int:
    """Write the rows of `source` as cache/NNNNN/<table>.arrow, 256 articles per folder, in the
    order they were stored; returns the number of batches."""
    done = cache / "done"
    if done.exists():
        return int(done.read_text())
    con = duckdb.connect(source, read_only=True)
    con.execute("SET memory_limit = '2GB'")
    con.execute(
        "CREATE TEMP TABLE ord AS SELECT article_id, "
        "((row_number() OVER (ORDER BY rowid)) - 1) // 256 AS batch FROM articles"
    )
    n = int(con.execute("SELECT max(batch) + 1 FROM ord").fetchone()[0])  # type: ignore[index]
    for name in WRITE_TABLES:
        cur = con.execute(
            f"SELECT o.batch, t.* FROM {name} t JOIN ord o USING (article_id) ORDER BY t.rowid"
        )
        reader = cur.to_arrow_reader(50_000)
        parts: dict[int, list[pa.RecordBatch]] = {}
        schema = None
        for rb in reader:
            table = pa.Table.from_batches([rb])
            schema = table.schema.remove(0)
            batches = table.column(0).to_pylist()
            start = 0
            while start < len(batches):
                b = batches[start]
                end = start
                while end < len(batches) and batches[end] == b:
                    end += 1
                parts.setdefault(b, []).append(table.slice(start, end - start).drop(["batch"]))
                start = end
            for b in [b for b in parts if b < batches[-1]]:
                _write(cache / f"{b:05d}" / f"{name}.arrow", parts.pop(b))
        for b, tables in parts.items():
            _write(cache / f"{b:05d}" / f"{name}.arrow", tables)
        print(f"exported {name} ({schema and len(schema)} columns)", file=sys.stderr)
    con.close()
    done.write_text(str(n))
    return n


def _write(path: Path, tables: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.concat_tables(tables)
    with ipc.new_file(path, table.schema) as out:
        out.write_table(table)


def load(cache: Path, batch: int) -> dict[str, pa.Table]:
    out = {}
    for name in WRITE_TABLES:
        path = cache / f"{batch:05d}" / f"{name}.arrow"
        if path.exists():
            out[name] = ipc.open_file(path).read_all()
    return out


def renamed(tables: dict[str, pa.Table], round_: int) -> dict[str, pa.Table]:
    """The rows of a batch as new articles for replay round `round_` (ids suffixed)."""
    if not round_:
        return tables
    out = {}
    for name, table in tables.items():
        for column in ("article_id", "event_id"):
            if column in table.column_names:
                ids = pc.binary_join_element_wise(table[column], pa.scalar(f"~{round_}"), "")
                table = table.set_column(table.column_names.index(column), column, ids)
        out[name] = table
    return out


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def replay(
    cache: Path,
    n_batches: int,
    store_path: str,
    articles: int,
    marks: list[int],
    checkpoint: str | None = None,
    rounds: int = 1,
) -> dict:
    config = Config()
    dedup = get_deduplicator(config)
    timing = {"write": 0.0, "dedup": 0.0}
    flushes: list[dict[str, Any]] = []
    result: dict[str, Any] = {"marks": {}}
    with Store(store_path) as store:
        local.prepare_store(store)
        if checkpoint:
            store.con.execute(f"SET checkpoint_threshold = '{checkpoint}'")
        write_tables, update = store.write_tables, dedup.update

        def timed(fn: Any, phase: str, digits: int) -> Any:
            def run(*args: Any) -> Any:
                t0 = time.perf_counter()
                out = fn(*args)
                dt = time.perf_counter() - t0
                timing[phase] += dt
                flushes.append({"articles": writer.stored, f"{phase}_s": round(dt, digits)})
                return out

            return run

        timed_write, timed_update = timed(write_tables, "write", 4), timed(update, "dedup", 3)

        store.write_tables = timed_write  # type: ignore[method-assign]
        dedup.update = timed_update  # type: ignore[method-assign]
        report = local.IngestReport()
        writer = local._Writer(store, dedup, report)
        dedup.update(store)
        todo = list(marks)
        for n, (r, b) in enumerate((r, b) for r in range(rounds) for b in range(n_batches)):
            if n * BATCH >= articles:
                break
            tables = renamed(load(cache, b), r)
            ids = tables["articles"].column("article_id").to_pylist()[: articles - n * BATCH]
            if len(ids) < tables["articles"].num_rows:
                tables = local._only(tables, set(ids))
            writer.add(CodedBatch(list(ids), set(ids), {}, tables))
            while todo and writer.stored >= todo[0]:
                mark = todo.pop(0)
                result["marks"][mark] = _snapshot(timing, writer.stored)
                print(f"{mark}: {result['marks'][mark]}", file=sys.stderr, flush=True)
        writer.finish()
        result["final"] = _snapshot(timing, writer.stored)
        for mark in todo:  # reached only with the last batch and the final update
            result["marks"][mark] = result["final"]
        print(f"final: {result['final']}", file=sys.stderr, flush=True)
        result["counts"] = {
            t: int(store.scalar(f"SELECT count(*) FROM {t}"))
            for t in ("articles", "events", "event_mentions", "canonical_events")
        }
    result["flushes"] = flushes
    return result


def _snapshot(timing: dict[str, float], stored: int) -> dict[str, float]:
    return {
        "articles": stored,
        "write_s": round(timing["write"], 2),
        "dedup_s": round(timing["dedup"], 2),
        "writer_s": round(timing["write"] + timing["dedup"], 2),
        "peak_rss_mib": round(rss_mib()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default="/tmp/flashpoint-bench/store-dask-100000.duckdb")
    ap.add_argument("--cache", default="/tmp/wgrow/replay-cache")
    ap.add_argument("--store", required=True, help="the new store (must not exist)")
    ap.add_argument("--articles", type=int, default=10**9)
    ap.add_argument("--marks", type=int, nargs="*", default=[10_240, 100_000])
    ap.add_argument("--json", help="write the result here")
    ap.add_argument("--checkpoint-threshold", help="e.g. 64MB (default: the engines')")
    ap.add_argument("--rounds", type=int, default=1, help="replay the rows this many times")
    args = ap.parse_args()
    if Path(args.store).exists():
        sys.exit(f"{args.store} exists")
    cache = Path(args.cache)
    n = export(args.source, cache)
    result = replay(
        cache,
        n,
        args.store,
        args.articles,
        sorted(args.marks),
        args.checkpoint_threshold,
        args.rounds,
    )
    marks = result["marks"]
    if len(marks) >= 2:
        lo, hi = (marks[m] for m in sorted(marks)[:: len(marks) - 1])
        result["growth"] = {
            k: round(hi[k] / lo[k], 2) for k in ("write_s", "dedup_s", "writer_s") if lo[k]
        }
        print(f"growth: {result['growth']}", file=sys.stderr)
    result["final_peak_rss_mib"] = round(rss_mib())
    result["checkpoint_threshold"] = args.checkpoint_threshold or local.STORE_CHECKPOINT
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
