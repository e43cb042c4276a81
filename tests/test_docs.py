"""Documentation stays in step with the code: commands, error codes, knowledge files, contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.cli import main
from flashpoint.contract import event_to_contract
from flashpoint.errors import CATALOGUE
from flashpoint.model import Event, Modality, Span

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
DATA_DOC = (ROOT / "docs" / "data.md").read_text("utf-8")
ERRORS_DOC = (ROOT / "docs" / "errors.md").read_text("utf-8")
DATA = ROOT / "src" / "flashpoint" / "data"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"flashpoint {command}" in README


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_option_is_in_the_readme(command: str) -> None:
    for param in main.commands[command].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt not in ("--help",):
                assert opt in README, f"{command} {opt} is not documented"


@pytest.mark.parametrize("code", [c.code for c in CATALOGUE])
def test_every_error_code_is_documented(code: str) -> None:
    assert code in ERRORS_DOC


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yaml"))
)
def test_every_knowledge_file_is_documented(path: str) -> None:
    assert f"`{path}`" in DATA_DOC


def test_every_contract_field_is_in_the_readme() -> None:
    event = Event(
        event_id="e",
        article_id="a",
        sentence_index=0,
        sentence="s",
        trigger_text="t",
        trigger_span=Span(0, 1),
        event_type="ASSAULT",
        mode=None,
        context=(),
        cameo="190",
        quad_class=4,
        goldstein=-10.0,
        modality=Modality.ASSERTED,
        actor=None,
        recipient=None,
        date=None,
        date_precision=None,
        date_text=None,
        location=None,
        confidence=0.5,
        coder="c",
        pattern="p",
    )
    for field in event_to_contract(event):
        if field != "schema_version":
            assert f"`{field}`" in README, field


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:1500]
    assert "make demo" in head and "make test" in head
