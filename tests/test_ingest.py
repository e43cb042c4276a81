"""Bad input among good input: every problem is a named reject, the rest is stored."""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from conftest import CONTRACT_FIELDS
from flashpoint.cli import EXIT_REJECTS, main
from flashpoint.engine import ingest
from flashpoint.errors import (
    E_BAD_JSON,
    E_BINARY,
    E_EMPTY,
    E_TOO_LARGE,
    E_UNREADABLE,
)
from flashpoint.ingest import read_path
from flashpoint.pipeline import Config

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
MAX_BYTES = 20_000  # small cap so that a modest HTML page is "too large"

GOOD = {
    "good-1.txt": "Russian troops shelled Ukrainian positions near Kharkiv on Monday.\n",
    "good-2.txt": "Chinese coast guard ships fired water cannon at a Philippine boat on Tuesday.\n",
}
JSONL_GOOD = [
    {
        "id": "rec-1",
        "date": "2024-03-01",
        "text": "Iranian officials accused Israel of attacking a consulate in Damascus.",
    },
    {
        "id": "rec-3",
        "date": "2024-03-02",
        "text": "Turkish forces bombed Kurdish militants near Qamishli on Friday.",
    },
]


@dataclass(frozen=True)
class Bad:
    """What each bad file must become: origin (as the reject names it) and error code."""

    rejects: dict[str, str]  # origin -> FP-E code
    good_ids: int  # documents that must be stored


def make_mixed_folder(root: Path, *, huge: bool = False) -> Bad:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in GOOD.items():
        (root / name).write_text(text, encoding="utf-8")
    rejects: dict[str, str] = {}

    empty = root / "empty.txt"
    empty.write_bytes(b"")
    rejects[str(empty)] = E_EMPTY.code

    binary = root / "binary.txt"
    rng = random.Random(1)
    binary.write_bytes(bytes(rng.randrange(256) for _ in range(4096)) + b"\x00" * 64)
    rejects[str(binary)] = E_BINARY.code

    big = root / "big.html"
    paragraph = "<p>Russian troops shelled Ukrainian positions near Kharkiv on Monday.</p>\n"
    big.write_text(
        "<html><body>" + paragraph * (2 * MAX_BYTES // len(paragraph)) + "</body></html>",
        encoding="utf-8",
    )
    rejects[str(big)] = E_TOO_LARGE.code

    records = root / "records.jsonl"
    lines = [
        json.dumps(JSONL_GOOD[0]),
        '{"id": "rec-2", "text": "unterminated',
        json.dumps(JSONL_GOOD[1]),
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejects[f"{records}:2"] = E_BAD_JSON.code

    link = root / "broken-link.txt"
    link.symlink_to(root / "does-not-exist.txt")
    rejects[str(link)] = E_UNREADABLE.code

    if not IS_ROOT:
        locked = root / "locked.txt"
        locked.write_text("Russian troops shelled Kharkiv.\n", encoding="utf-8")
        locked.chmod(0)
        rejects[str(locked)] = E_UNREADABLE.code

    if huge:
        page = root / "huge.html"
        chunk = (paragraph * 1000).encode()
        with open(page, "wb") as fh:
            fh.write(b"<html><body>")
            written = 0
            while written < 50_000_000:
                fh.write(chunk)
                written += len(chunk)
            fh.write(b"</body></html>")
        assert page.stat().st_size > 50_000_000
        rejects[str(page)] = E_TOO_LARGE.code
    return Bad(rejects=rejects, good_ids=len(GOOD) + len(JSONL_GOOD))


def reject_rows(db: Path) -> list[tuple[str, str, str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT origin, code, message, times FROM rejects ORDER BY origin, code"
        ).fetchall()


def article_count(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]


def article_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()}


# ------------------------------------------------------------------------------------ engine


def test_engine_records_each_bad_file_and_stores_the_good(tmp_path: Path) -> None:
    bad = make_mixed_folder(tmp_path / "in")
    db = tmp_path / "engine.duckdb"
    config = Config(max_bytes=MAX_BYTES, default_date="2024-03-04")
    report = ingest(read_path(tmp_path / "in", max_bytes=MAX_BYTES), db, config)
    assert {r.origin: r.code for r in report.rejects} == bad.rejects
    for r in report.rejects:
        assert r.code in r.message and r.origin in r.message
    assert report.stored == bad.good_ids == article_count(db)
    assert {"rec-1", "rec-3"} <= article_ids(db)
    rows = reject_rows(db)
    assert {(o, c) for o, c, _, _ in rows} == set(bad.rejects.items())
    assert all(times == 1 for *_, times in rows)

    again = ingest(read_path(tmp_path / "in", max_bytes=MAX_BYTES), db, config)
    assert again.stored == 0 and again.skipped == bad.good_ids
    assert {r.origin: r.code for r in again.rejects} == bad.rejects
    rows = reject_rows(db)
    assert len(rows) == len(bad.rejects)  # keyed by origin + code: no duplicates
    assert all(times == 2 for *_, times in rows)
    assert article_count(db) == bad.good_ids


def test_reader_rejects_a_50mb_html_by_its_size_without_reading_it(tmp_path: Path) -> None:
    bad = make_mixed_folder(tmp_path / "in", huge=True)
    huge = str(tmp_path / "in" / "huge.html")
    start = time.perf_counter()
    items = list(read_path(tmp_path / "in" / "huge.html"))  # default cap: 20 MB
    elapsed = time.perf_counter() - start
    assert len(items) == 1
    assert items[0].code == E_TOO_LARGE.code and items[0].origin == huge
    assert elapsed < 1.0, f"took {elapsed:.2f}s: the size check should come before reading"
    db = tmp_path / "huge.duckdb"
    report = ingest(
        read_path(tmp_path / "in", max_bytes=MAX_BYTES),
        db,
        Config(max_bytes=MAX_BYTES, default_date="2024-03-04"),
    )
    assert {r.origin: r.code for r in report.rejects} == bad.rejects
    assert report.stored == bad.good_ids


# ------------------------------------------------------------------------------------ CLI


def cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_ingest_reports_rejects_on_stderr_and_exits_3(tmp_path: Path) -> None:
    bad = make_mixed_folder(tmp_path / "in", huge=True)
    db = tmp_path / "cli.duckdb"
    args = (
        "ingest",
        str(tmp_path / "in"),
        "--db",
        str(db),
        "--max-bytes",
        str(MAX_BYTES),
        "--date",
        "2024-03-04",
        "--quiet",
    )
    start = time.perf_counter()
    code, _, stderr = cli(*args)
    assert time.perf_counter() - start < 30
    assert code == EXIT_REJECTS == 3
    lines = stderr.splitlines()
    for origin, err_code in bad.rejects.items():
        assert any(origin in line and err_code in line for line in lines), (origin, stderr)
    assert article_count(db) == bad.good_ids
    rows = reject_rows(db)
    assert {(o, c) for o, c, _, _ in rows} == set(bad.rejects.items())

    code, _, stderr = cli(*args)
    assert code == EXIT_REJECTS
    assert len(reject_rows(db)) == len(bad.rejects)
    assert article_count(db) == bad.good_ids


def test_cli_ingest_of_good_files_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "good.duckdb"
    code, _, stderr = cli("ingest", str(folder), "--db", str(db), "--date", "2024-03-04", "--quiet")
    assert code == 0, stderr
    assert "0 rejected" in stderr
    assert article_count(db) == len(GOOD)
    assert reject_rows(db) == []
    code, _, stderr = cli("ingest", str(folder), "--db", str(db), "--quiet")
    assert code == 0
    assert f"{len(GOOD)} already in the store" in stderr


@pytest.mark.parametrize("kind", ["empty", "binary", "too_large", "bad_jsonl", "broken_link"])
def test_cli_code_names_each_bad_file(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good-1.txt").write_text(GOOD["good-1.txt"], encoding="utf-8")
    if kind == "empty":
        bad, expected = folder / "empty.txt", E_EMPTY.code
        bad.write_bytes(b"")
    elif kind == "binary":
        bad, expected = folder / "binary.txt", E_BINARY.code
        bad.write_bytes(b"\x00\x01\x02\xff\xfe" * 200)
    elif kind == "too_large":
        bad, expected = folder / "page.html", E_TOO_LARGE.code
        bad.write_text("<html><body><p>" + "word " * 400 + "</p></body></html>", "utf-8")
    elif kind == "bad_jsonl":
        bad, expected = folder / "records.jsonl", E_BAD_JSON.code
        bad.write_text(json.dumps(JSONL_GOOD[0]) + "\n{not json\n", encoding="utf-8")
    else:
        bad, expected = folder / "link.txt", E_UNREADABLE.code
        bad.symlink_to(folder / "missing.txt")
    code, stdout, stderr = cli(
        "code", str(folder), "--format", "jsonl", "--max-bytes", "1000", "--date", "2024-03-04"
    )
    assert code == EXIT_REJECTS
    assert any(str(bad) in line and expected in line for line in stderr.splitlines()), stderr
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events, "the good file is still coded"
    assert all(e["event_type"] for e in events)


@pytest.mark.skipif(IS_ROOT, reason="root can read a chmod 000 file")
def test_cli_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good-1.txt").write_text(GOOD["good-1.txt"], encoding="utf-8")
    locked = folder / "locked.txt"
    locked.write_text(GOOD["good-2.txt"], encoding="utf-8")
    locked.chmod(0)
    try:
        code, _, stderr = cli("code", str(folder), "--format", "jsonl")
    finally:
        locked.chmod(0o644)
    assert code == EXIT_REJECTS
    assert any(str(locked) in line and E_UNREADABLE.code in line for line in stderr.splitlines())


def test_missing_input_path_is_a_reject(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    missing = tmp_path / "nope.txt"
    code, _, stderr = cli("ingest", str(missing), "--db", str(db), "--quiet")
    assert code == EXIT_REJECTS
    assert str(missing) in stderr and E_UNREADABLE.code in stderr
    assert [(o, c) for o, c, _, _ in reject_rows(db)] == [(str(missing), E_UNREADABLE.code)]


# ------------------------------------------------------------------------------------ stdin


def test_code_reads_stdin() -> None:
    text = "Russian troops shelled Ukrainian positions near Kharkiv.\n"
    code, stdout, stderr = cli("code", "-", "--date", "2024-03-04", input=text)
    assert code == 0
    assert "events" in stderr  # the table's footer, e.g. "1 events"
    code, stdout, _ = cli("code", "-", "--date", "2024-03-04", "--format", "csv", input=text)
    assert code == 0
    rows = stdout.splitlines()
    assert rows[0].startswith("event_id,")
    assert any(",ASSAULT," in row and ",RUS" in row for row in rows[1:])


def test_code_stdin_jsonl_follows_the_contract() -> None:
    text = (
        "Russian troops shelled Ukrainian positions near Kharkiv on Monday.\n\n"
        "Iran threatened to retaliate against Israel, officials said.\n"
    )
    code, stdout, _ = cli("code", "-", "--date", "2024-03-04", "--format", "jsonl", input=text)
    assert code == 0
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events
    for e in events:
        assert set(CONTRACT_FIELDS) <= set(e)
        assert e["trigger"]["text"] in e["sentence"]
        assert text[e["trigger"]["span"][0] : e["trigger"]["span"][1]] == e["trigger"]["text"]
    assert any(
        e["event_type"] == "ASSAULT" and e["actor"] and e["actor"]["country"] == "RUS"
        for e in events
    )


def test_code_stdin_empty_is_rejected() -> None:
    code, stdout, stderr = cli("code", "-", "--format", "jsonl", input="")
    assert code == EXIT_REJECTS
    assert "<stdin>" in stderr and E_EMPTY.code in stderr
    assert stdout == ""


def test_code_stdin_jsonl_records() -> None:
    data = "\n".join(json.dumps(r) for r in JSONL_GOOD) + "\nnot json at all\n"
    code, stdout, stderr = cli("code", "-", "--format", "jsonl", input=data)
    assert code == EXIT_REJECTS
    assert "<stdin>:3" in stderr and E_BAD_JSON.code in stderr
    ids = {json.loads(line)["article_id"] for line in stdout.splitlines()}
    assert ids <= {"rec-1", "rec-3"} and ids
