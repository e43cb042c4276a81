"""How much the `places` and `times` stages add per sentence (issue 4: under 2 ms on 2 cores).

Documents: the sample corpus (examples/corpus), the seed page when ../shared/seed exists, and
the sentences of tests/gold/places.jsonl and tests/gold/dates.jsonl, each as a document. They
are cleaned, split and their actors found first (not timed); then `places` and `times` run over
every document, in W worker processes (default 2, one per core), REPEAT times. The figure is
wall time divided by sentences processed (and, per core, times the workers). The gazetteer is
loaded before timing (from its disk cache; forked workers inherit it); that one-off cost is not
per sentence.

    .venv/bin/python benchmarks/where_when.py [--workers 2] [--repeat 5] [--out benchmarks/results]

Writes where_when.json and where_when.md under --out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from flashpoint.ingest import read_path
from flashpoint.model import Block, BlockKind, Document, Span
from flashpoint.pipeline import Config, Pipeline
from flashpoint.when import TimesStage
from flashpoint.where import PlacesStage, load_gazetteer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed"


def _gold_docs() -> list[Document]:
    docs = []
    for name in ("places.jsonl", "dates.jsonl"):
        for line in (ROOT / "tests" / "gold" / name).read_text("utf-8").splitlines():
            row = json.loads(line)
            day = row.get("date") or row.get("published")
            docs.append(
                Document(
                    id=row["id"],
                    text=row["text"],
                    origin=name,
                    fmt="text",
                    published=dt.date.fromisoformat(day) if day else None,
                    blocks=(Block(BlockKind.BODY, Span(0, len(row["text"]))),),
                    cleaned=True,
                )
            )
    return docs


def prepared() -> list[Document]:
    """Documents cleaned, split and with actors: what `places` and `times` receive."""
    raw = [d for d in read_path(ROOT / "examples" / "corpus") if isinstance(d, Document)]
    if SEED.is_dir():
        raw += [d for d in read_path(SEED) if isinstance(d, Document)]
    pre = Pipeline(Config(stages=("clean", "split", "actors")))
    gold_pre = Pipeline(Config(stages=("split", "actors"), provided=("blocks",)))
    docs = [pre(replace(d, published=d.published or dt.date(2020, 12, 11))) for d in raw]
    return docs + [gold_pre(d) for d in _gold_docs()]


def _work(args: tuple[list[Document], int]) -> tuple[float, float, int]:
    docs, repeat = args
    t0 = time.perf_counter()
    load_gazetteer()
    load_s = time.perf_counter() - t0
    places, times = PlacesStage(Config()), TimesStage(Config())
    for d in docs[:5]:  # warm the lookup caches a little, as a long run would
        times(places(d))
    t0 = time.perf_counter()
    n = 0
    for _ in range(repeat):
        for d in docs:
            times(places(d))
            n += len(d.sentences)
    return load_s, time.perf_counter() - t0, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    load_gazetteer()  # make sure the disk cache exists before the workers start
    docs = prepared()
    sentences = sum(len(d.sentences) for d in docs)
    shards = [docs[i :: args.workers] for i in range(args.workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(_work, [(s, args.repeat) for s in shards]))
    wall = time.perf_counter() - t0
    load = max(r[0] for r in results)
    busy = max(r[1] for r in results)
    done = sum(r[2] for r in results)
    report = {
        "benchmark": "places + times stages",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "documents": len(docs),
        "sentences": sentences,
        "repeat": args.repeat,
        "sentences_processed": done,
        "gazetteer_load_s": round(load, 3),
        "timed_wall_s": round(busy, 3),
        "ms_per_sentence": round(1000 * busy / max(done, 1), 4),
        "ms_per_sentence_per_core": round(1000 * busy * args.workers / max(done, 1), 4),
        "total_wall_s_with_startup": round(wall, 3),
        "target_ms_per_sentence": 2.0,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "where_when.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    md = [
        "# places + times: time per sentence",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in report.items()),
        "",
        f"**{report['ms_per_sentence']} ms per sentence** on {args.workers} worker processes "
        f"(target: under 2 ms).",
        "",
    ]
    (args.out / "where_when.md").write_text("\n".join(md), "utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
