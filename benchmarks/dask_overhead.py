"""Dask's cost per worker: the same pages coded in turn in a plain pool worker and in Dask workers.

    .venv/bin/python benchmarks/dask_overhead.py [--rounds 10] [--pages 200] [--workdir DIR]

One process starts a `processes`-style pool worker (forkserver, no preloaded knowledge) and
two one-worker `LocalCluster`s: one with Dask's default settings, one with the settings the
`dask` engine gives the cluster it starts (`flashpoint.engine.dask.QUIET`). Each warms up on
400 pages, then each round codes the same `--pages` pages (`code_work`, batches of 16) in each
of them, one after the other, and each reports the CPU time of its whole process (every thread:
the coding and Dask's own). Rounds alternate within seconds, so a shared machine's changing
speed touches all of them alike; the table gives each one's median CPU and its median ratio
to the pool worker's, round by round. Corpus: seed 7 from `flashpoint generate-corpus`, kept
in --workdir. Not a test.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from flashpoint.engine.dask import QUIET, local_cluster
from flashpoint.engine.local import data_version
from flashpoint.engine.runners import code_work
from flashpoint.pipeline import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import corpus  # noqa: E402  (the corpora throughput.py makes and keeps)

WARM = 400
BATCH = 16


def _code(config: Config, files: list[str]) -> float:
    """CPU seconds of this whole process while coding `files`, batch by batch."""
    version = data_version(config)
    start = time.process_time()
    for i in range(0, len(files), BATCH):
        code_work(config, files[i : i + BATCH], version, config.max_bytes)
    return time.process_time() - start


def _pages(workdir: Path, count: int) -> list[str]:
    folder, _ = corpus(1000, workdir)
    return sorted(str(p) for p in folder.rglob("*.html"))[:count]


def _dask(settings: dict[str, Any]) -> Any:
    from distributed import Client

    return Client(local_cluster(1, settings))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/flashpoint-bench"))
    args = ap.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the clusters' closing chatter
    files = _pages(args.workdir, WARM + args.pages)
    warm, timed = files[:WARM], files[WARM:]
    config = Config()
    pool = ProcessPoolExecutor(1, mp_context=mp.get_context("forkserver"))
    clients = {"dask, default settings": _dask({}), "dask, QUIET": _dask(QUIET)}
    runners: dict[str, Callable[[list[str]], float]] = {
        "pool worker": lambda f: pool.submit(_code, config, f).result()
    }
    for name, client in clients.items():
        runners[name] = lambda f, c=client: c.submit(_code, config, f, pure=False).result()
    try:
        for run in runners.values():
            run(warm)
        cpu: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(args.rounds):
            for name, run in runners.items():
                cpu[name].append(run(timed))
    finally:
        for client in clients.values():
            cluster = client.cluster
            client.close()
            cluster.close()
        pool.shutdown()
    base = cpu["pool worker"]
    print(f"{args.pages} pages, {args.rounds} rounds\n")
    print("| where | median CPU s | median ratio to the pool worker |\n|---|---:|---:|")
    for name, seconds in cpu.items():
        ratio = statistics.median(s / b for s, b in zip(seconds, base, strict=True))
        print(f"| {name} | {statistics.median(seconds):.2f} | {ratio:.3f} |")


if __name__ == "__main__":
    main()
