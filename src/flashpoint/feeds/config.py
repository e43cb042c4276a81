"""The feeds file of `flashpoint watch`: feeds, article pages, store, watchlists and limits.

Defaults come from `data/feeds/defaults.yaml`. A structural mistake (an unknown key, a wrong
type, a negative timeout) is an `FP-E070` error naming the key; a URL that is not absolute
http(s) is not an error of the file but a refused URL: it becomes an `FP-E071` reject recorded in
the store, and the other URLs are watched.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .. import __version__
from ..errors import E_FEEDS_CONFIG, E_URL_REFUSED, FlashpointError
from ..knowledge import load_yaml, require
from ..model import Reject
from ..pipeline import Config, data_path
from .urls import UrlRefused, check_url

DEFAULTS_FILE = "feeds/defaults.yaml"
TOP_KEYS = frozenset(
    {"version", "db", "watchlists", "interval", "user_agent", "feeds", "pages", "limits"}
)
FEED_KEYS = frozenset({"url", "name", "interval"})


@dataclass(frozen=True)
class Limits:
    """Politeness and safety limits of the fetcher (see `data/feeds/defaults.yaml`)."""

    min_interval: float
    connect_timeout: float
    read_timeout: float
    total_timeout: float
    max_bytes: int
    retries: int
    backoff: float
    max_backoff: float
    retry_after_cap: float
    max_redirects: int
    max_attempts: int
    max_articles_per_cycle: int
    max_entries_per_feed: int


# Lower bounds, and whether 0 is allowed: a timeout of 0 would fail every fetch.
_POSITIVE = frozenset(
    {
        "connect_timeout",
        "read_timeout",
        "total_timeout",
        "max_bytes",
        "max_attempts",
        "max_articles_per_cycle",
        "max_entries_per_feed",
    }
)
_INT_LIMITS = frozenset(f.name for f in fields(Limits) if f.type in ("int", int))


@dataclass(frozen=True)
class Feed:
    url: str
    name: str | None
    interval: float | None  # seconds between two polls of this feed; None: the cycle interval


@dataclass(frozen=True)
class WatchConfig:
    feeds: tuple[Feed, ...]
    pages: tuple[str, ...]
    limits: Limits
    interval: float  # seconds between two cycles
    user_agent: str
    db: Path | None = None
    watchlists: Path | None = None
    refused: tuple[Reject, ...] = ()  # URLs of the file that are not absolute http(s)
    source: str = "<feeds>"

    def every(self, feed: Feed) -> float:
        """Seconds between two polls of a feed."""
        return self.interval if feed.interval is None else feed.interval


@dataclass(frozen=True)
class Defaults:
    interval: float
    user_agent: str
    limits: dict[str, float | int]


def load_defaults(data_dir: Path | None = None) -> Defaults:
    """The shipped (or overridden) defaults, checked like every knowledge file (FP-E020)."""
    path = data_path(Config(data_dir=data_dir), DEFAULTS_FILE)
    data = load_yaml(path)
    require(isinstance(data, dict), path, "must be a mapping")
    require(data.get("version") == 1, path, "version must be 1")
    require(_number(data.get("interval")), path, "interval must be a number")
    require(isinstance(data.get("user_agent"), str), path, "user_agent must be a string")
    limits = data.get("limits")
    require(isinstance(limits, dict), path, "limits must be a mapping")
    names = {f.name for f in fields(Limits)}
    require(set(limits) == names, path, f"limits must have exactly the keys {sorted(names)}")
    for key, value in limits.items():
        require(not _limit_problem(key, value), path, f"limits.{key}: {_limit_problem(key, value)}")
    return Defaults(float(data["interval"]), data["user_agent"], dict(limits))


def load_watch_config(path: Path, data_dir: Path | None = None) -> WatchConfig:
    """Read and check a feeds file; relative paths in it are relative to its folder."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise FlashpointError(E_FEEDS_CONFIG, f"{path}: cannot be read ({exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FlashpointError(E_FEEDS_CONFIG, f"{path}: not valid YAML ({exc})") from exc
    return parse_watch_config(data, str(path), path.parent, load_defaults(data_dir))


def parse_watch_config(
    data: Any, source: str, base_dir: Path | None, defaults: Defaults
) -> WatchConfig:
    """Check a parsed feeds file; every problem is listed in one FP-E070 error."""
    problems: list[str] = []
    if not isinstance(data, dict):
        _fail(source, ["the file must hold a mapping with a `feeds` list"])
    problems += [f"unknown key {k!r}" for k in data if k not in TOP_KEYS]
    if data.get("version", 1) != 1:
        problems.append("version must be 1")
    interval = _seconds(data.get("interval", defaults.interval), "interval", problems)
    user_agent = data.get("user_agent", defaults.user_agent)
    if not isinstance(user_agent, str) or not user_agent.strip():
        problems.append("user_agent must be a non-empty string")
        user_agent = defaults.user_agent
    limits = _limits(data.get("limits", {}), defaults, problems)
    refused: list[Reject] = []
    feeds = _feeds(data.get("feeds", []), source, problems, refused)
    pages = _pages(data.get("pages", []), source, problems, refused)
    db = _path(data.get("db"), "db", base_dir, problems)
    watchlists = _path(data.get("watchlists"), "watchlists", base_dir, problems)
    if not problems and not feeds and not pages:
        problems.append(
            "nothing to watch: give at least one http(s) URL under `feeds` or `pages`"
            + "".join(f"; {r.message}" for r in refused)
        )
    if problems:
        _fail(source, problems)
    return WatchConfig(
        feeds=tuple(feeds),
        pages=tuple(pages),
        limits=limits,
        interval=interval,
        user_agent=user_agent.replace("{version}", __version__),
        db=db,
        watchlists=watchlists,
        refused=tuple(refused),
        source=source,
    )


def _fail(source: str, problems: list[str]) -> NoReturn:
    raise FlashpointError(E_FEEDS_CONFIG, f"{source}: " + "; ".join(problems))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(value: Any, where: str, problems: list[str]) -> float:
    if not _number(value) or value < 0 or value != value:
        problems.append(f"{where} must be a number of seconds >= 0, not {value!r}")
        return 0.0
    return float(value)


def _limit_problem(key: str, value: Any) -> str:
    if key in _INT_LIMITS:
        ok = isinstance(value, int) and not isinstance(value, bool)
        kind = "a whole number"
    else:
        ok = _number(value) and value == value and value != float("inf")
        kind = "a number"
    if not ok:
        return f"must be {kind}, not {value!r}"
    if key in _POSITIVE and value <= 0:
        return f"must be > 0, not {value!r}"
    if value < 0:
        return f"must be >= 0, not {value!r}"
    return ""


def _limits(raw: Any, defaults: Defaults, problems: list[str]) -> Limits:
    values = dict(defaults.limits)
    if not isinstance(raw, dict):
        problems.append("limits must be a mapping of limit names to numbers")
        raw = {}
    for key, value in raw.items():
        if key not in values:
            problems.append(f"limits: unknown key {key!r}; known: {', '.join(sorted(values))}")
        elif problem := _limit_problem(key, value):
            problems.append(f"limits.{key} {problem}")
        else:
            values[key] = value
    typed = {k: int(v) if k in _INT_LIMITS else float(v) for k, v in values.items()}
    return Limits(**typed)  # type: ignore[arg-type]


def _refuse(url: Any, where: str, source: str, reason: str) -> Reject:
    origin = str(url)
    return Reject(
        origin=origin,
        code=E_URL_REFUSED.code,
        message=f"{E_URL_REFUSED.code} {origin}: refused in {source} {where}: {reason}",
    )


def _url(
    value: Any, where: str, source: str, problems: list[str], refused: list[Reject]
) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where} must be a URL string, not {value!r}")
        return None
    try:
        return check_url(value)
    except UrlRefused as exc:
        refused.append(_refuse(value, where, source, str(exc)))
        return None


def _feeds(raw: Any, source: str, problems: list[str], refused: list[Reject]) -> list[Feed]:
    if not isinstance(raw, list):
        problems.append("feeds must be a list of URLs or {url, name, interval} mappings")
        return []
    feeds: dict[str, Feed] = {}
    for i, item in enumerate(raw):
        where = f"feeds[{i}]"
        entry = item if isinstance(item, dict) else {"url": item}
        unknown = [k for k in entry if k not in FEED_KEYS]
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            problems.append(f"{where}.name must be a string")
        every = entry.get("interval")
        if every is not None:
            every = _seconds(every, f"{where}.interval", problems)
        url = _url(entry.get("url"), f"{where}.url", source, problems, refused)
        if url is not None and url not in feeds:  # a feed listed twice is polled once
            feeds[url] = Feed(url, name if isinstance(name, str) else None, every)
    return list(feeds.values())


def _pages(raw: Any, source: str, problems: list[str], refused: list[Reject]) -> list[str]:
    if not isinstance(raw, list):
        problems.append("pages must be a list of article URLs")
        return []
    pages: dict[str, None] = {}
    for i, item in enumerate(raw):
        url = _url(item, f"pages[{i}]", source, problems, refused)
        if url is not None:
            pages[url] = None
    return list(pages)


def _path(value: Any, where: str, base_dir: Path | None, problems: list[str]) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} must be a file path")
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() or base_dir is None else base_dir / path
