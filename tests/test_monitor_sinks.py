"""Alert sinks against real local servers and files: delivery, retries, recorded failures, and
plugins found through the `flashpoint.sinks` entry point group."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from flashpoint.errors import FlashpointError
from flashpoint.monitor import Alert, make_sinks, parse_watchlists, run_cycle
from flashpoint.monitor.sinks import JsonlSink, WebhookSink, deliver_all
from flashpoint.store import Store

Serve = Callable[[type[BaseHTTPRequestHandler]], str]
ALERT = Alert(
    alert_id="a1", rule="r", detector="match", level="dyad", key="IRQ>USA",
    event_types=("ASSAULT",), day=dt.date(2026, 10, 10), since=dt.date(2026, 10, 10),
    observed=1.0, expected=0.0, score=1.0, message="IRQ>USA: 1 ASSAULT event", event_ids=("e1",),
)  # fmt: skip


def receiver(statuses: list[int], delay: float = 0.0) -> type[BaseHTTPRequestHandler]:
    """A handler answering POSTs with `statuses` in turn (the last one repeats), keeping bodies."""

    class Handler(BaseHTTPRequestHandler):
        bodies: ClassVar[list[dict[str, Any]]] = []
        answers: ClassVar[list[int]] = list(statuses)

        def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            Handler.bodies.append(json.loads(body))
            time.sleep(delay)
            status = Handler.answers.pop(0) if len(Handler.answers) > 1 else Handler.answers[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def no_sleep(seconds: float) -> None:
    pass


@pytest.mark.parametrize(
    ("statuses", "ok", "attempts"),
    [
        ([200], True, 1),
        ([503, 500, 204], True, 3),  # server errors are retried with backoff
        ([429, 200], True, 2),
        ([500], False, 4),  # 1 try + 3 retries, then a recorded failure
        ([404], False, 1),  # the receiver refuses: no retry
    ],
)
def test_webhook_delivery_and_retries(
    local_http: Serve, statuses: list[int], ok: bool, attempts: int
) -> None:
    handler = receiver(statuses)
    sink = WebhookSink(local_http(handler) + "/hook", retries=3, sleep=no_sleep)
    (record,) = deliver_all([ALERT], [sink])
    assert (record.ok, record.attempts) == (ok, attempts)
    assert len(handler.bodies) == attempts  # type: ignore[attr-defined]
    assert handler.bodies[0] == ALERT.to_json()  # type: ignore[attr-defined]
    if not ok:
        assert record.error is not None and record.error.startswith("FP-E062 webhook")


def test_webhook_timeout_is_retried_then_recorded(local_http: Serve) -> None:
    sink = WebhookSink(
        local_http(receiver([200], delay=1.0)), timeout=0.2, retries=1, sleep=no_sleep
    )
    (record,) = deliver_all([ALERT], [sink])
    assert not record.ok and record.attempts == 2 and "Timeout" in (record.error or "")


def test_an_unreachable_webhook_never_breaks_the_cycle(
    tmp_path: Path, put_events: Callable[..., list[str]]
) -> None:
    rules = parse_watchlists(
        {"rules": [{"name": "any", "detector": "match", "event_types": ["ASSAULT"]}]}
    )
    out = tmp_path / "alerts.jsonl"
    with Store(tmp_path / "s.duckdb") as store:
        put_events(store, {"date": dt.date(2026, 1, 5)})
        sinks = [
            WebhookSink(
                "http://127.0.0.1:9/nothing-listens", timeout=0.5, retries=1, sleep=no_sleep
            ),
            JsonlSink(str(out)),
        ]
        (alert,) = run_cycle(store, rules, dt.date(2026, 1, 5), sinks=sinks)
        rows = store.query("SELECT sink, ok, attempts FROM alert_deliveries ORDER BY sink")
    assert rows == [
        {"sink": "jsonl", "ok": True, "attempts": 1},
        {"sink": "webhook", "ok": False, "attempts": 2},
    ]
    assert [json.loads(line) for line in out.read_text().splitlines()] == [alert.to_json()]


def test_watchlist_sinks_are_built_and_delivered(
    tmp_path: Path, local_http: Serve, put_events: Callable[..., list[str]]
) -> None:
    handler = receiver([200])
    path = tmp_path / "watch.yaml"
    path.write_text(
        "version: 1\n"
        f"sinks:\n  - {{type: webhook, url: '{local_http(handler)}', retries: 0}}\n"
        "  - {type: jsonl, path: out/alerts.jsonl}\n  - {type: terminal}\n"
        "rules:\n  - {name: any, detector: match}\n"
    )
    from flashpoint.monitor import load_watchlists

    with Store(tmp_path / "s.duckdb") as store:
        put_events(store, {"date": dt.date(2026, 1, 5)})
        new = run_cycle(store, load_watchlists(path), dt.date(2026, 1, 5))
    assert len(new) == 1 and handler.bodies == [new[0].to_json()]  # type: ignore[attr-defined]
    assert (tmp_path / "out" / "alerts.jsonl").exists()  # relative to the watchlist's folder


def test_terminal_sink_prints_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    (sink,) = make_sinks([{"type": "terminal", "width": 200}])
    deliver_all([ALERT], [sink])
    err = capsys.readouterr().err
    assert "ALERT 2026-10-10 r (match, IRQ>USA, score 1): IRQ>USA: 1 ASSAULT event" in err


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"type": "pager"}, "FP-E061"),
        ({"type": "webhook", "url": "ftp://x"}, "FP-E060"),
        ({"type": "jsonl", "file": "x"}, "FP-E060"),
    ],
)
def test_bad_sink_specs(spec: dict[str, Any], code: str) -> None:
    with pytest.raises(FlashpointError, match=code):
        make_sinks([spec])


def test_a_plugin_sink_comes_from_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fp_memo_sink.py").write_text(
        "from flashpoint.monitor.sinks import Sink\n"
        "class MemoSink(Sink):\n"
        "    name = 'memo'\n"
        "    seen = []\n"
        "    def deliver(self, alert):\n"
        "        MemoSink.seen.append(alert.alert_id)\n"
        "        return 1\n"
    )
    info = tmp_path / "fp_memo_sink-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fp-memo-sink\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[flashpoint.sinks]\nmemo = fp_memo_sink:MemoSink\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (sink,) = make_sinks([{"type": "memo"}])
    deliver_all([ALERT], [sink])
    assert type(sink).seen == ["a1"]  # type: ignore[attr-defined]
