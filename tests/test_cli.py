"""The `flashpoint` command line: help, stage listing, data check and option errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashpoint.cli import EXIT_REJECTS, main
from flashpoint.errors import E_EMPTY

SUBCOMMANDS = ("code", "ingest", "events", "export", "summary", "stages", "check-data")
STAGES = ("clean", "split", "actors", "places", "times", "code")
ARTICLE = "Russian troops shelled Ukrainian positions near Kharkiv on Monday.\n"


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_main_help() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for name in SUBCOMMANDS:
        assert name in out
    assert invoke("-h")[0] == 0


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help(name: str) -> None:
    code, out, _ = invoke(name, "--help")
    assert code == 0
    assert out.startswith(f"Usage: main {name}") or f"{name} [OPTIONS]" in out


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.startswith("flashpoint")


def test_the_version_names_the_build() -> None:
    from flashpoint import build

    code, out, _ = invoke("--version")
    assert code == 0
    assert f"({build()} build)" in out
    assert build() in {"pure", "compiled"}


def test_console_script_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flashpoint.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "ingest" in result.stdout
    script = Path(sys.executable).parent / "flashpoint"
    if script.exists():
        result = subprocess.run([str(script), "stages"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0
        assert "clean" in result.stdout


def test_stages_lists_the_default_stages() -> None:
    code, out, _ = invoke("stages")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(STAGES) <= listed
    code_line = next(line for line in out.splitlines() if line.split()[0] == "code")
    assert "requires" in code_line and "events" in code_line


def test_check_data_ok() -> None:
    code, out, _ = invoke("check-data")
    assert code == 0
    assert out.startswith("ok: 16 event types")
    assert "data version" in out


def test_check_data_reports_a_broken_override(tmp_path: Path) -> None:
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "cameo.yaml").write_text("event_types: 5\n", encoding="utf-8")
    code, _, stderr = invoke("check-data", "--data-dir", str(tmp_path))
    assert code == 1
    assert "FP-E020" in stderr and "cameo.yaml" in stderr


@pytest.mark.parametrize("command", ["code", "ingest"])
def test_stage_order_broken_is_fp_e030(tmp_path: Path, command: str) -> None:
    text = tmp_path / "a.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    db = tmp_path / "x.duckdb"
    extra = ["--db", str(db)] if command == "ingest" else []
    code, _, stderr = invoke(command, str(text), *extra, "--stages", "code")
    assert code == 1
    assert "FP-E030" in stderr
    assert "'code'" in stderr and "sentences" in stderr
    if command == "ingest":
        assert not db.exists(), "a bad stage list must fail before the store is created"


def test_unknown_stage_is_fp_e031(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    code, _, stderr = invoke("code", str(text), "--stages", "clean,split,frobnicate")
    assert code == 1
    assert "FP-E031" in stderr and "frobnicate" in stderr


def test_partial_stage_list_runs(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    code, out, _ = invoke("code", str(text), "--stages", "clean, split", "--format", "jsonl")
    assert code == 0
    assert out == ""  # no coding stage: no events, but no error either


@pytest.mark.parametrize(
    "command",
    [
        ["code", "-", "--date", "2020-13-45"],
        ["ingest", "-", "--date", "2020-13-45"],
        ["events", "--since", "2020-13-45"],
        ["events", "--until", "yesterday"],
    ],
)
def test_bad_date_is_a_usage_error(command: list[str]) -> None:
    code, _, stderr = invoke(*command, input=ARTICLE)
    assert code == 2
    bad = command[-1]
    assert f"'{bad}' is not a date like" in stderr
    assert "Invalid value for" in stderr


def test_bad_format_choice_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = invoke(
        "export", "--db", str(tmp_path / "x.duckdb"), "--format", "xml", "--out", str(tmp_path)
    )
    assert code == 2
    assert "xml" in stderr


def test_code_requires_an_input() -> None:
    code, _, stderr = invoke("code")
    assert code == 2
    assert "INPUTS" in stderr


def test_code_json_format_is_one_array(tmp_path: Path) -> None:
    import json

    text = tmp_path / "a.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    code, out, _ = invoke("code", str(text), "--date", "2024-01-02", "--format", "json")
    assert code == 0
    events = json.loads(out)
    assert isinstance(events, list) and events
    assert events[0]["date"] == "2024-01-01"  # "on Monday" before Tuesday 2024-01-02


def test_asserted_only_drops_other_modalities(tmp_path: Path) -> None:
    import json

    text = tmp_path / "a.txt"
    text.write_text(
        "Russia did not attack Ukraine on Monday.\n"
        "Russian troops shelled Ukrainian positions near Kharkiv on Monday.\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("code", str(text), "--date", "2024-01-02", "--format", "jsonl")
    assert code == 0
    everything = [json.loads(line) for line in out.splitlines()]
    code, out, _ = invoke(
        "code", str(text), "--date", "2024-01-02", "--format", "jsonl", "--asserted-only"
    )
    assert code == 0
    asserted = [json.loads(line) for line in out.splitlines()]
    assert asserted == [e for e in everything if e["modality"] == "asserted"]
    assert asserted


def test_code_exit_code_is_3_only_when_something_was_rejected(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert invoke("code", str(good), "--format", "jsonl")[0] == 0
    code, out, stderr = invoke("code", str(good), str(empty), "--format", "jsonl")
    assert code == EXIT_REJECTS
    assert out.strip(), "the good file is still coded"
    assert str(empty) in stderr and E_EMPTY.code in stderr


def test_reject_message_names_a_file_with_brackets(tmp_path: Path) -> None:
    empty = tmp_path / "empty[bold].txt"
    empty.write_bytes(b"")
    code, _, stderr = invoke("code", str(empty), "--format", "jsonl")
    assert code == EXIT_REJECTS
    assert str(empty) in stderr
    assert stderr.count(E_EMPTY.code) == 1, "the code is printed once"
