"""Throughput and peak memory of flashpoint, per stage and end to end (issue 8).

    .venv/bin/python benchmarks/throughput.py --sizes 1000 10000 100000 \\
        --engines local processes dask [--workers 2] [--sample 400] [--dict-scales 1 2 4] \\
        [--workdir /tmp/flashpoint-bench] [--out benchmarks/results]

For each size a synthetic corpus of HTML pages is generated (`flashpoint generate-corpus`, seed
7; kept in --workdir and reused). Then:

* stages: the first --sample articles of the smallest corpus, read and coded in this process,
  CPU time per stage (read = file to Document, HTML extraction included; write = the store's
  write and dedup), as articles/s and sentences/s; the same stages with the sample split
  between --workers processes side by side (one per core: all sentences over the slower
  process's CPU time, the rate on that many cores); and on a Dask LocalCluster with --workers
  workers (CPU time measured inside the workers, summed);
* end to end: `flashpoint ingest CORPUS --engine E --workers W` as a subprocess into a new store,
  wall time, CPU time and peak memory of its whole process tree (psutil samples every 0.2 s:
  summed RSS, and summed PSS, which counts shared pages once); the events table is hashed so
  engines can be compared; `--python .venv-fast/bin/python` runs them with the compiled build
  (`make fast`), whose rows are kept apart (`processes-compiled:10000`);
* dictionary size: the actors and code stages on the sample with the actor dictionary grown
  x1, x2, x4 by synthetic people and groups (a --data-dir override);
* growth: the time of each size over the time of the size ten times smaller.

Results are merged into --out/throughput.json (keyed by engine, build and size, so sizes can
be run at different times) and the whole file is rendered as --out/throughput.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

from flashpoint.engine import collector
from flashpoint.engine.local import data_version
from flashpoint.engine.runners import code_batch, stage_seconds
from flashpoint.ingest import read_path
from flashpoint.model import Document
from flashpoint.pipeline import Config, Pipeline
from flashpoint.synth import write_corpus
from flashpoint.text.tokens import _tokens

sys.path.insert(0, str(Path(__file__).resolve().parent))
from treewatch import run_watched  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "flashpoint" / "data"
SEED = 7
REPEAT = 3  # stage timings: the least of this many runs
TARGETS = {
    "actors_code_sentences_per_s": 5000,
    "end_to_end_articles_per_s": 100,
    # proportional set size summed over the process tree: shared pages (the knowledge the
    # `processes` engine's workers share with their forkserver) counted once, not per process
    "peak_pss_mib_at_100k": 1024,
    "dask_share_of_local": 0.8,
    "growth_100k_over_10k": 11,
}


# ----------------------------------------------------------------------------- corpora
def corpus(size: int, workdir: Path) -> tuple[Path, dict[str, Any]]:
    folder = workdir / f"corpus-{size}-seed{SEED}"
    marker = folder / ".corpus.json"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    report = write_corpus(size, folder, seed=SEED)
    info = {
        "articles": report.articles,
        "files": report.files,
        "bytes": report.bytes,
        "rewrites": report.copies,
        "generate_s": round(time.perf_counter() - start, 1),
    }
    marker.write_text(json.dumps(info))
    return folder, info


# ----------------------------------------------------------------------------- stages
def _read_sample(folder: Path, n: int) -> tuple[list[Document], float]:
    start = time.process_time()
    docs: list[Document] = []
    for item in read_path(folder):
        if isinstance(item, Document):
            docs.append(item)
            if len(docs) >= n:
                break
    return docs, time.process_time() - start


def _rates(seconds: dict[str, float], articles: int, sentences: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, s in seconds.items():
        out[name] = {
            "cpu_s": round(s, 3),
            "articles_per_s": round(articles / s, 1) if s else None,
            "sentences_per_s": round(sentences / s) if s else None,
            "ms_per_article": round(1000 * s / articles, 3),
        }
    return out


def _write_cost(coded: list[Document], config: Config) -> float:
    from flashpoint.dedup import get_deduplicator
    from flashpoint.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "stage.duckdb") as store:
            dedup = get_deduplicator(config)
            start = time.process_time()
            store.write(coded, data_version(config))
            dedup.update(store)
            return time.process_time() - start


def _stage_seconds(
    pipeline: Pipeline, docs: list[Document], repeat: int = REPEAT
) -> tuple[dict[str, float], list[Document]]:
    """CPU seconds per stage over `docs`, the least of `repeat` runs (the machine is shared:
    the least is the one least disturbed), and the coded documents."""
    best: dict[str, float] = {}
    coded: list[Document] = []
    for _ in range(repeat):
        _tokens.cache_clear()  # each run tokenizes afresh, as a run over new articles does
        seconds: dict[str, float] = {}
        coded = []
        for doc in docs:
            for stage in pipeline.stages:
                start = time.process_time()
                doc = stage(doc)
                seconds[stage.name] = seconds.get(stage.name, 0.0) + time.process_time() - start
            coded.append(doc)
        best = {k: min(v, best.get(k, v)) for k, v in seconds.items()}
    return best, coded


def _warm_pipeline(config: Config, docs: list[Document]) -> Pipeline:
    """A pipeline with its knowledge loaded and caches warm, the garbage collector tuned as an
    engine's and the knowledge frozen as the `processes` engine's forkserver does
    (`flashpoint.engine.collector`)."""
    collector.tune()
    pipeline = Pipeline(config)
    for d in docs[:20]:
        pipeline(d)
    collector.freeze_loaded()
    return pipeline


def local_stages(folder: Path, n: int, config: Config) -> dict[str, Any]:
    """CPU time per stage in this process over the first `n` articles of `folder`."""
    _read_sample(folder, 5)  # imports and caches, not timed
    docs, read_s = _read_sample(folder, n)
    read_s = min(read_s, _read_sample(folder, n)[1])
    pipeline = _warm_pipeline(config, docs)
    seconds, coded = _stage_seconds(pipeline, docs)
    seconds = {"read": read_s, **seconds}
    seconds["write"] = min(_write_cost(coded, config) for _ in range(REPEAT))
    sentences = sum(len(d.sentences) for d in coded)
    seconds["actors+code"] = seconds["actors"] + seconds["code"]
    seconds["all stages"] = sum(seconds[s.name] for s in pipeline.stages)
    seconds["end to end (sum)"] = seconds["read"] + seconds["all stages"] + seconds["write"]
    return {
        "articles": len(coded),
        "sentences": sentences,
        "events": sum(len(d.events) for d in coded),
        "repeat": REPEAT,
        "stages": _rates(seconds, len(coded), sentences),
    }


def _half_stages(docs: list[Document]) -> tuple[dict[str, float], int]:
    """One worker of `parallel_stages`: CPU seconds per stage over its share."""
    pipeline = _warm_pipeline(Config(), docs)
    seconds, coded = _stage_seconds(pipeline, docs)
    return seconds, sum(len(d.sentences) for d in coded)


def parallel_stages(folder: Path, n: int, workers: int) -> dict[str, Any]:
    """The stages on `workers` cores at once: the sample split between as many processes,
    each timed in CPU seconds; a stage's rate is all sentences over the slowest worker's time
    for it (the workers run side by side, one per core)."""
    from concurrent.futures import ProcessPoolExecutor

    docs, _ = _read_sample(folder, n)
    shares = [docs[i::workers] for i in range(workers)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_half_stages, shares))
    wall = time.perf_counter() - start
    slowest: dict[str, float] = {}
    for seconds, _ in results:
        for k, v in seconds.items():
            slowest[k] = max(v, slowest.get(k, 0.0))
    sentences = sum(s for _, s in results)
    slowest["actors+code"] = max(r[0]["actors"] + r[0]["code"] for r in results)
    slowest["all stages"] = max(sum(r[0].values()) for r in results)
    return {
        "workers": workers,
        "articles": len(docs),
        "sentences": sentences,
        "wall_s": round(wall, 1),
        "stages": _rates(slowest, len(docs), sentences),
    }


def dask_stages(folder: Path, n: int, workers: int) -> dict[str, Any]:
    """The same stages on a Dask LocalCluster, timed inside the workers."""
    from flashpoint.engine.dask import DaskRunner

    docs, _ = _read_sample(folder, n)
    config = Config(options={"stage_timings": True})
    runner = DaskRunner(config, workers=workers)
    try:
        runner.client.run(code_batch, config, docs[:20])  # every worker loads and warms up
        runner.client.run(stage_seconds, True)  # forget the warm-up
        handles = [
            runner.submit(code_batch, config, docs[i : i + 16]) for i in range(0, len(docs), 16)
        ]
        for h in handles:
            runner.result(h)
        per_worker = runner.client.run(stage_seconds)
    finally:
        runner.close()
    total: dict[str, float] = {}
    for timings in per_worker.values():
        for k, v in timings.items():
            total[k] = total.get(k, 0.0) + v
    articles, sentences = int(total.pop("documents", 0)), int(total.pop("sentences", 0))
    total["actors+code"] = total.get("actors", 0.0) + total.get("code", 0.0)
    total["all stages"] = sum(v for k, v in total.items() if k != "actors+code")
    return {
        "workers": workers,
        "articles": articles,
        "sentences": sentences,
        "stages": _rates(total, articles, sentences),
    }


# ----------------------------------------------------------------------------- end to end
def _events_digest(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        n, digest = con.execute(
            "SELECT count(*), md5(string_agg(CAST(e AS VARCHAR), chr(10) ORDER BY event_id)) "
            "FROM events e"
        ).fetchone()
        articles, sentences = con.execute(
            "SELECT count(*), sum(n_sentences) FROM articles"
        ).fetchone()
        canonical = con.execute("SELECT count(*) FROM canonical_events").fetchone()[0]
    finally:
        con.close()
    return {
        "events": n,
        "events_md5": digest,
        "stored": articles,
        "sentences": int(sentences or 0),
        "canonical_events": canonical,
    }


def build_of(python: str) -> str:
    """The build of `python`'s flashpoint: "compiled" (`make fast`) or "pure"."""
    probe = "import flashpoint; print(flashpoint.build())"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    return found.stdout.strip()


def run_label(engine: str, build: str) -> str:
    """The engine, with "-compiled" for that build: names rows, stores and logs."""
    return engine if build == "pure" else f"{engine}-{build}"


def row_key(engine: str, build: str, size: int) -> str:
    return f"{run_label(engine, build)}:{size}"


def end_to_end(
    folder: Path, size: int, engine: str, workers: int, workdir: Path, python: str
) -> dict[str, Any]:
    build = build_of(python)
    label = run_label(engine, build)
    db = workdir / f"store-{label}-{size}.duckdb"
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    cmd = [python, "-m", "flashpoint.cli", "ingest", str(folder), "--db", str(db)]
    cmd += ["--engine", engine, "--quiet"]
    if engine != "local":
        cmd += ["--workers", str(workers)]
    log = workdir / f"ingest-{label}-{size}.log"
    with log.open("w") as out:
        code, wall, stats = run_watched(cmd, stdout=out, stderr=out)
    if code not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed with {code}; see {log}")
    found = _events_digest(db)
    return {
        "engine": engine,
        "build": build,
        "workers": workers if engine != "local" else 1,
        "articles": size,
        "wall_s": round(wall, 1),
        "articles_per_s": round(size / wall, 1),
        "sentences_per_s": round(found["sentences"] / wall),
        "cpu_s": round(stats.cpu_seconds, 1),
        "cpu_ms_per_article": round(1000 * stats.cpu_seconds / size, 2),
        "peak_rss_mib": round(stats.peak_rss_mib),
        "peak_pss_mib": round(stats.peak_pss_mib),
        "processes": stats.peak_processes,
        **found,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": _commit(),
    }


# ----------------------------------------------------------------------------- dictionary
_SYLLABLES = "ka lo mir ven tas ori bel du nak sel vo rin zaf ta quel mo har ist eb lun".split()


def _invented(rng: random.Random, words: int) -> str:
    return " ".join(
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(words)
    )


def _grown_dictionary(scale: int, folder: Path) -> int:
    """Write people.yaml and groups.yaml under folder/actors with (scale - 1) times as many
    extra synthetic entries as shipped; return the number of entries in all."""
    rng = random.Random(scale)
    people = yaml.safe_load((DATA / "actors" / "people.yaml").read_text("utf-8"))
    groups = yaml.safe_load((DATA / "actors" / "groups.yaml").read_text("utf-8"))
    n_people, n_groups = len(people["people"]), len(groups["groups"])
    for i in range((scale - 1) * n_people):
        name = f"{_invented(rng, 2)} {i}"
        role = {"country": "USA", "sector": "GOV", "title": "Official", "start": "2000-01-01"}
        people["people"].append({"name": name, "aliases": [], "roles": [role]})
    for i in range((scale - 1) * n_groups):
        name = f"{_invented(rng, 3)} Front {i}"
        groups["groups"].append(
            {"code": f"SYN{i:05d}", "name": name, "aliases": [], "sector": "REB",
             "country": None, "sponsor": None}
        )  # fmt: skip
    (folder / "actors").mkdir(parents=True, exist_ok=True)
    (folder / "actors" / "people.yaml").write_text(yaml.safe_dump(people), "utf-8")
    (folder / "actors" / "groups.yaml").write_text(yaml.safe_dump(groups), "utf-8")
    return len(people["people"]) + len(groups["groups"])


def dictionary_scan(folder: Path, n: int, scales: list[int]) -> list[dict[str, Any]]:
    """The stages with the actor dictionary grown; runs of the scales are interleaved, so
    that a busy moment of the machine does not fall on one scale only."""
    from flashpoint.actors import load_actor_dictionary

    docs, _ = _read_sample(folder, n)
    with tempfile.TemporaryDirectory() as tmp:
        setups = []
        for scale in scales:
            entries = _grown_dictionary(scale, Path(tmp) / f"x{scale}")
            config = Config(data_dir=Path(tmp) / f"x{scale}")
            start = time.process_time()
            pipeline = Pipeline(config)
            pipeline(docs[0])
            load_s = time.process_time() - start
            phrases = len(load_actor_dictionary(config)._phrases())
            setups.append((scale, entries, phrases, load_s, pipeline))
        best: dict[int, dict[str, float]] = {}
        sentences = 0
        for _ in range(REPEAT):
            for scale, *_, pipeline in setups:
                seconds, coded = _stage_seconds(pipeline, docs, repeat=1)
                sentences = sum(len(d.sentences) for d in coded)
                old = best.get(scale, seconds)
                best[scale] = {k: min(v, old[k]) for k, v in seconds.items()}
    rows = []
    for scale, entries, phrases, load_s, _ in setups:
        seconds = best[scale]
        rows.append(
            {
                "scale": scale,
                "people_and_groups": entries,
                "phrases": phrases,
                "load_s": round(load_s, 2),
                "actors_sentences_per_s": round(sentences / seconds["actors"]),
                "actors_code_sentences_per_s": round(
                    sentences / (seconds["actors"] + seconds["code"])
                ),
            }
        )
    return rows


# ----------------------------------------------------------------------------- report
def _commit() -> str:
    """The code measured: the checkout's commit, marked when files differ from it."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return f"{head}{'+changes' if dirty else ''}" if head else "unknown"


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _growth(e2e: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, row in e2e.items():
        engine, size = key.split(":")
        small = e2e.get(f"{engine}:{int(size) // 10}")
        # only sizes measured at one commit: the machine's speed drifts between sessions
        if small and small.get("commit") == row.get("commit"):
            out.append(
                {
                    "engine": engine,
                    "from": int(size) // 10,
                    "to": int(size),
                    "time_ratio": round(row["wall_s"] / small["wall_s"], 2),
                }
            )
    return sorted(out, key=lambda r: (r["engine"], r["to"]))


def markdown(results: dict[str, Any]) -> str:
    lines = ["# Throughput and memory (benchmarks/throughput.py)", ""]
    m = results.get("machine", {})
    lines += [
        f"Measured {results.get('updated')} on {m.get('cpus')} CPUs (x86_64, Python "
        f"{m.get('python')}), a machine shared with other work at the time (load average "
        f"{m.get('load_average_at_start')} at the start of the last run): figures are as "
        "measured, pessimistic. Rows measured at other times (see their commit) may come "
        "from another 2-CPU machine, faster or slower: compare engines within one commit, "
        "and read the CPU ms/article column as the machine's speed. Corpus: synthetic HTML "
        "pages from `flashpoint generate-corpus` (seed 7).",
        "",
    ]
    titles = {
        "local": "Stages, local engine (one process, CPU time)",
        "parallel": "Stages on 2 cores (the sample split between one process per core; rate = "
        "all sentences over the slower process's CPU time)",
        "dask": "Stages on Dask workers (CPU time summed over the workers)",
    }
    for key, title in titles.items():
        st = results.get("stages", {}).get(key)
        if not st:
            continue
        lines += [f"## {title}", "", f"{st['articles']} articles, {st['sentences']} sentences."]
        lines += ["", "| stage | ms/article | articles/s | sentences/s |", "|---|---:|---:|---:|"]
        for name, r in st["stages"].items():
            lines.append(
                f"| {name} | {r['ms_per_article']} | {r['articles_per_s']} | "
                f"{r['sentences_per_s']} |"
            )
        lines.append("")
    e2e = results.get("end_to_end", {})
    if e2e:
        lines += [
            "## End to end: HTML files to DuckDB (`flashpoint ingest`)",
            "",
            "| engine | build | workers | articles | wall s | articles/s | sentences/s "
            "| CPU ms/article | peak RSS MiB | peak PSS MiB | processes | events | events md5 "
            "| commit |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for key in sorted(e2e, key=lambda k: (int(k.split(":")[1]), k)):
            r = e2e[key]
            lines.append(
                f"| {r['engine']} | {r.get('build', 'pure')} | {r['workers']} | {r['articles']} "
                f"| {r['wall_s']} | "
                f"{r['articles_per_s']} | {r['sentences_per_s']} | {r['cpu_ms_per_article']} | "
                f"{r['peak_rss_mib']} | {r['peak_pss_mib']} | {r['processes']} | {r['events']} "
                f"| `{r['events_md5'][:12]}` | {r.get('commit', '')} |"
            )
        lines.append("")
    growth = results.get("growth", [])
    if growth:
        lines += ["## Growth with corpus size", "",
                  "Only sizes measured at the same commit are compared.", "",
                  "| engine | from | to | time ratio |", "|---|---:|---:|---:|"]  # fmt: skip
        lines += [
            f"| {g['engine']} | {g['from']} | {g['to']} | {g['time_ratio']} |" for g in growth
        ]
        lines.append("")
    rows = results.get("dictionary", [])
    if rows:
        lines += ["## Cost against actor dictionary size", ""]
        lines += ["| scale | people + groups | phrases | load s | actors sent/s "]
        lines[-1] += "| actors+code sent/s |"
        lines += ["|---:|---:|---:|---:|---:|---:|"]
        lines += [
            f"| x{r['scale']} | {r['people_and_groups']} | {r['phrases']} | {r['load_s']} | "
            f"{r['actors_sentences_per_s']} | {r['actors_code_sentences_per_s']} |"
            for r in rows
        ]
        lines.append("")
    lines += ["## Targets", ""]
    lines += [f"- {t}" for t in results.get("verdicts", [])]
    return "\n".join(lines) + "\n"


def verdicts(results: dict[str, Any]) -> list[str]:
    out = []
    local = results.get("stages", {}).get("local")
    if local:
        v = local["stages"]["actors+code"]["sentences_per_s"]
        ok = v >= TARGETS["actors_code_sentences_per_s"]
        out.append(f"actors+code in one process: {v} sentences/s (target 5,000): {_ok(ok)}")
    parallel = results.get("stages", {}).get("parallel")
    if parallel:
        v = parallel["stages"]["actors+code"]["sentences_per_s"]
        ok = v >= TARGETS["actors_code_sentences_per_s"]
        out.append(
            f"actors+code on {parallel['workers']} cores: {v} sentences/s (target 5,000 on 2 "
            f"cores): {_ok(ok)}"
        )
    e2e = results.get("end_to_end", {})
    for key, r in sorted(e2e.items()):
        name = key.split(":")[0]  # the engine, and "-compiled" for that build
        if r["engine"] != "dask" and r["articles"] >= 1000:
            ok = r["articles_per_s"] >= TARGETS["end_to_end_articles_per_s"]
            out.append(
                f"{name} ({r['workers']} worker(s)), {r['articles']} articles: "
                f"{r['articles_per_s']} articles/s end to end (target 100 on 2 cores): {_ok(ok)}"
            )
        if r["articles"] >= 100_000 and r["engine"] != "dask":
            ok = r["peak_pss_mib"] < TARGETS["peak_pss_mib_at_100k"]
            out.append(
                f"{name} at 100k: peak PSS {r['peak_pss_mib']} MiB (target < 1024; RSS "
                f"summed over its {r['processes']} process(es): {r['peak_rss_mib']} MiB): {_ok(ok)}"
            )
        if r["engine"] == "dask":
            for other in ("local", "processes"):
                base = e2e.get(row_key(other, r.get("build", "pure"), r["articles"]))
                if base:
                    share = r["articles_per_s"] / base["articles_per_s"]
                    same = _ok(r["events_md5"] == base["events_md5"])
                    if r.get("commit") != base.get("commit"):
                        same = f"not comparable (commits {r.get('commit')}, {base.get('commit')})"
                    out.append(
                        f"{name} vs {other} at {r['articles']}: {share:.0%} of its throughput "
                        f"(target 80%): {_ok(share >= 0.8)}; same events: {same}"
                    )
    for g in results.get("growth", []):
        if g["to"] >= 100_000:
            ok = g["time_ratio"] <= TARGETS["growth_100k_over_10k"]
            out.append(
                f"{g['engine']}: 100k took {g['time_ratio']}x the time of 10k "
                f"(target <= 11): {_ok(ok)}"
            )
    return out


def _ok(flag: bool) -> str:
    return "met" if flag else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--engines", nargs="+", default=["local", "processes", "dask"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=400, help="articles for the stage tables")
    ap.add_argument("--dict-scales", type=int, nargs="*", default=[1, 2, 4])
    ap.add_argument("--no-stages", action="store_true", help="skip the stage and dictionary runs")
    ap.add_argument("--stages-only", action="store_true", help="only the stage and dictionary runs")
    ap.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "flashpoint-bench"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter whose flashpoint runs the end-to-end ingests (.venv-fast/bin/python: "
        "the compiled build of `make fast`); rows are kept per engine, build and size",
    )
    ap.add_argument(
        "--render-only", action="store_true", help="rewrite the markdown from the JSON, run nothing"
    )
    args = ap.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "throughput.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("corpus", {})
    results.setdefault("end_to_end", {})

    def write() -> None:
        results["verdicts"] = verdicts(results)
        path.write_text(json.dumps(results, indent=2) + "\n")
        (args.out / "throughput.md").write_text(markdown(results))

    def save() -> None:
        results["updated"] = dt.datetime.now().isoformat(timespec="seconds")
        results["growth"] = _growth(results["end_to_end"])
        write()

    if args.render_only:  # the measured figures and their date stay as they are
        results["growth"] = _growth(results["end_to_end"])  # derived: made again
        write()
        return
    results["machine"] = _machine()
    folders = {}
    for size in sorted(args.sizes):
        folders[size], results["corpus"][str(size)] = corpus(size, args.workdir)
        print(f"corpus {size}: {results['corpus'][str(size)]}", flush=True)
    smallest = folders[min(folders)]
    if not args.no_stages:
        results.setdefault("stages", {})["local"] = local_stages(smallest, args.sample, Config())
        print("local stages done", flush=True)
        results["stages"]["parallel"] = parallel_stages(smallest, args.sample, args.workers)
        print("parallel stages done", flush=True)
        if "dask" in args.engines:
            results["stages"]["dask"] = dask_stages(smallest, args.sample, args.workers)
            print("dask stages done", flush=True)
        if args.dict_scales:
            results["dictionary"] = dictionary_scan(smallest, args.sample, args.dict_scales)
            print("dictionary scan done", flush=True)
        save()
    for size in sorted(args.sizes) if not args.stages_only else []:
        for engine in args.engines:
            row = end_to_end(folders[size], size, engine, args.workers, args.workdir, args.python)
            results["end_to_end"][row_key(engine, row["build"], size)] = row
            print(json.dumps(row), flush=True)
            save()
    save()
    print((args.out / "throughput.md").read_text())


if __name__ == "__main__":
    main()
