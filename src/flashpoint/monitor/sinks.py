"""Alert sinks: plugins that subscribe to alerts (terminal, JSON Lines file, webhook).

A sink is a class with a `name` and `deliver(alert)`, registered with `@register_sink` or exposed
under the entry point group `flashpoint.sinks` (the entry point's name is the `type` a watchlist
uses). `deliver` raises `SinkError` when it gives up; `deliver_all` turns that into a logged,
recorded failure (FP-E062), so one broken sink never stops a cycle or the other sinks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import httpx

from ..errors import E_SINK_FAILED, E_SINK_UNKNOWN, E_WATCHLIST, FlashpointError
from .alerts import Alert

log = logging.getLogger("flashpoint.monitor")
ENTRY_POINT_GROUP = "flashpoint.sinks"


class SinkError(Exception):
    def __init__(self, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class Sink:
    """Base class: subclasses set `name` and implement `deliver`, returning the attempts made."""

    name: ClassVar[str] = ""

    def deliver(self, alert: Alert) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Release what the sink holds (a connection pool); called once after a cycle."""


S = TypeVar("S", bound=type[Sink])
_REGISTRY: dict[str, type[Sink]] = {}


def register_sink(cls: S) -> S:
    """Class decorator: make a sink available under its `name` (the watchlist's `type`)."""
    _REGISTRY[cls.name] = cls
    return cls


def sink_class(kind: str) -> type[Sink]:
    if kind not in _REGISTRY:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == kind:
                _REGISTRY[kind] = ep.load()
    if kind not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise FlashpointError(E_SINK_UNKNOWN, f"sink type {kind!r}; known: {known}")
    return _REGISTRY[kind]


def make_sinks(specs: Iterable[Mapping[str, Any]], base_dir: Path | None = None) -> list[Sink]:
    """Sinks from watchlist specs ({type: ..., options}); relative paths are under `base_dir`."""
    sinks = []
    for spec in specs:
        options = {k: v for k, v in spec.items() if k != "type"}
        cls = sink_class(str(spec["type"]))
        if base_dir is not None and "path" in options:
            options["path"] = str(Path(base_dir) / Path(str(options["path"])).expanduser())
        try:
            sinks.append(cls(**options))
        except TypeError as exc:
            raise FlashpointError(E_WATCHLIST, f"sink {spec['type']!r}: {exc}") from exc
    return sinks


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    sink: str
    ok: bool
    attempts: int
    error: str | None


def deliver_all(alerts: Iterable[Alert], sinks: Iterable[Sink]) -> list[Delivery]:
    """Give every alert to every sink; failures are logged and returned, never raised."""
    records = []
    sinks = list(sinks)
    for alert in alerts:
        for sink in sinks:
            try:
                attempts = sink.deliver(alert)
                records.append(Delivery(alert.alert_id, sink.name, True, attempts, None))
            except Exception as exc:  # a sink must never break the cycle
                attempts = exc.attempts if isinstance(exc, SinkError) else 1
                message = f"{E_SINK_FAILED.code} {sink.name}: {type(exc).__name__}: {exc}"
                log.warning("%s (alert %s)", message, alert.alert_id)
                records.append(Delivery(alert.alert_id, sink.name, False, attempts, message))
    return records


@register_sink
class TerminalSink(Sink):
    """One line per alert on the terminal (stderr by default, so stdout stays for data)."""

    name = "terminal"

    def __init__(self, stream: str = "stderr", width: int | None = None) -> None:
        from rich.console import Console

        if stream not in ("stdout", "stderr"):
            raise TypeError("stream must be stdout or stderr")
        self.console = Console(stderr=stream == "stderr", width=width, highlight=False)

    def deliver(self, alert: Alert) -> int:
        from rich.markup import escape

        self.console.print(
            f"[bold red]ALERT[/bold red] {alert.day} [bold]{escape(alert.rule)}[/bold] "
            f"({alert.detector}, {escape(alert.key)}, score {alert.score:g}): "
            f"{escape(alert.message)}",
            soft_wrap=True,
        )
        return 1


@register_sink
class JsonlSink(Sink):
    """Appends each alert as one JSON line to a file (created with its folders)."""

    name = "jsonl"

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def deliver(self, alert: Alert) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(alert.to_json(), ensure_ascii=False) + "\n")
        return 1


@register_sink
class WebhookSink(Sink):
    """POSTs each alert as JSON; retries timeouts, connection errors, 429 and 5xx with backoff."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not str(url).startswith(("http://", "https://")):
            raise TypeError(f"url must be http(s), not {url!r}")
        self.url = str(url)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.sleep = sleep
        self.client = httpx.Client(timeout=float(timeout), headers=dict(headers or {}))

    def deliver(self, alert: Alert) -> int:
        error = ""
        for attempt in range(1, self.retries + 2):
            try:
                response = self.client.post(self.url, json=alert.to_json())
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return attempt
                error = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    raise SinkError(error, attempt)  # the receiver refuses: retrying won't help
            if attempt <= self.retries:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise SinkError(f"{error} after {self.retries + 1} attempts", self.retries + 1)

    def close(self) -> None:
        self.client.close()
