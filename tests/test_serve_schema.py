"""Schemathesis against the API's own OpenAPI spec, over the sample store, in process.

Schemathesis's engine (what `schemathesis run` drives) runs its coverage phase (boundary and
wrong-type values for every parameter) and its fuzzing phase on every operation, with its
default checks on each answer: no 5xx, status codes, content types, headers and bodies as the
spec says, invalid input rejected with a 4xx, valid input accepted. Writes go without the token,
so they must answer 401 (the `ignored_auth` check); valid writes are tested in test_serve.py.
Examples are bounded and generation deterministic so the run takes seconds; the full
command-line run, with the stateful phase, is in docs/api.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status

from flashpoint.serve import create_app

CONFIG = {
    "seed": 7,
    "generation": {"max-examples": 10, "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
}


@pytest.fixture(scope="module")
def api_schema(served_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    watchlists = tmp_path_factory.mktemp("schema") / "watchlists.yaml"
    watchlists.write_text("version: 1\nrules:\n  - {name: new-dyads, detector: new_dyad}\n")
    app = create_app(served_store, token="schemathesis-never-sends-it", watchlists=watchlists)
    config = SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


def run(schema: Any) -> tuple[set[str], int, list[str]]:
    """Operations tested, requests made, and every failed check or error, as text."""
    tested: set[str] = set()
    requests = 0
    problems: list[str] = []
    for event in engine.from_schema(schema).execute():
        kind = type(event).__name__
        if kind == "NonFatalError":
            problems.append(f"error: {event.info}")
        if kind != "ScenarioFinished":
            continue
        recorder = event.recorder
        requests += len(recorder.interactions)
        if recorder.cases:
            tested.add(recorder.label)
        if event.status == Status.ERROR:
            problems.append(f"{recorder.label}: error ({event.skip_reason or 'see the log'})")
        for checks in recorder.checks.values():
            problems += [
                f"{recorder.label}: {c.name}: {c.failure_info.failure}"
                for c in checks
                if c.status == Status.FAILURE and c.failure_info is not None
            ]
    return tested, requests, problems


def test_the_api_keeps_its_spec(api_schema: Any) -> None:
    tested, requests, problems = run(api_schema)
    assert not problems, "\n\n".join(sorted(set(problems)))
    assert len(tested) == 13, sorted(tested)  # every operation, the writes included
    assert requests > 500
