"""CI gate: the compiled build (`make fast`) stores exactly what the pure build stores.

    .venv/bin/python .ci/gates/compiled_same.py .venv-fast/bin/python [--articles 1000]

Generates a synthetic corpus (seed 7) and adds the sample corpus to it, ingests it with this
interpreter's flashpoint (pure Python) and with the one given (compiled with mypyc), both with
the `processes` engine, and compares every table of the two stores row for row (all columns
but the ingest timestamps). Exits 1 on any difference, naming the tables.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]


def build_of(python: str) -> str:
    """The build of `python`'s flashpoint: "compiled" (`make fast`) or "pure"."""
    probe = "import flashpoint; print(flashpoint.build())"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    return found.stdout.strip()


def ingest(python: str, corpus: Path, db: Path) -> None:
    cmd = [python, "-m", "flashpoint.cli", "ingest", str(corpus), "--db", str(db)]
    cmd += ["--engine", "processes", "--workers", "2", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 3):  # 3: some input was rejected, and recorded
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")


def digests(db: Path) -> dict[str, tuple[int, str]]:
    """Rows and a hash of the sorted rows of every table, timestamps left out."""
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
    ).fetchall():
        columns = [
            f'"{name}"'
            for name, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            if not kind.startswith("TIMESTAMP")
        ]
        rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16])
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("compiled_python")
    ap.add_argument("--articles", type=int, default=1000)
    args = ap.parse_args()
    if build_of(args.compiled_python) != "compiled":
        sys.exit(f"{args.compiled_python} does not run the compiled build (make fast)")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        subprocess.run(
            [sys.executable, "-m", "flashpoint.cli", "generate-corpus", str(args.articles),
             str(corpus), "--seed", "7"],
            check=True, capture_output=True,
        )  # fmt: skip
        shutil.copytree(ROOT / "examples" / "corpus", corpus / "sample")
        stores = {}
        for name, python in (("pure", sys.executable), ("compiled", args.compiled_python)):
            db = Path(tmp) / f"{name}.duckdb"
            ingest(python, corpus, db)
            stores[name] = digests(db)
    pure, compiled = stores["pure"], stores["compiled"]
    differ = sorted(t for t in pure.keys() | compiled.keys() if pure.get(t) != compiled.get(t))
    for table in sorted(pure):
        print(f"{table}: {pure[table][0]} rows, {'same' if table not in differ else 'DIFFERENT'}")
    if differ:
        sys.exit(f"the compiled build stored something else in: {', '.join(differ)}")
    print(f"compiled build: the same store ({sum(n for n, _ in pure.values())} rows)")


if __name__ == "__main__":
    main()
