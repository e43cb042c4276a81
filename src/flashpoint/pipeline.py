"""Stage registry and the pipeline that runs named stages over documents.

A stage is a class registered by name. It declares what it `requires` and `assigns` (document
fields such as "blocks", "sentences", "actors"), so a pipeline whose order cannot work fails when it
is built, not on document 10,000. A stage instance is created from the `Config`, is callable on one
`Document` and returns a new one. Instances pickle as their config only, so the same stage runs
in-process, in a process pool or on a Dask worker, loading its knowledge files where it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from .errors import E_PIPELINE_ORDER, E_UNKNOWN_STAGE, FlashpointError
from .model import Document

DEFAULT_STAGES: tuple[str, ...] = ("clean", "split", "actors", "places", "times", "code")
# Fields a freshly read document already has.
READER_ASSIGNS: frozenset[str] = frozenset({"text", "published", "title"})


@dataclass(frozen=True)
class Config:
    """Everything a stage may read. Plain data, so it pickles to any worker."""

    stages: tuple[str, ...] = DEFAULT_STAGES
    data_dir: Path | None = None  # a folder of YAML files that override the shipped ones
    default_date: str | None = None  # ISO date used when a document has no publication date
    max_bytes: int = 20_000_000
    provided: tuple[str, ...] = ()  # fields input documents already carry (e.g. "blocks")
    conventions: str = "plover"  # or "cameo": code as CAMEO data sets do (coding/conventions.py)
    options: dict[str, Any] = field(default_factory=dict)


class Stage:
    """Base class for stages; subclasses set the class attributes and `__call__`."""

    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]


_REGISTRY: dict[str, type[Stage]] = {}
S = TypeVar("S", bound=type[Stage])


def register_stage(cls: S) -> S:
    """Class decorator: make a stage available to pipelines by its `name`."""
    if not cls.name:
        raise ValueError(f"stage {cls.__qualname__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin_stages() -> None:
    # Importing the modules registers the built-in stages; plugins come through entry points.
    from . import actors, coding, ingest, text, when, where  # noqa: F401

    for ep in entry_points(group="flashpoint.stages"):
        ep.load()


def registered_stages() -> dict[str, type[Stage]]:
    _load_builtin_stages()
    return dict(_REGISTRY)


def check_order(
    names: Iterable[str], registry: dict[str, type[Stage]], provided: Iterable[str] = ()
) -> None:
    have = set(READER_ASSIGNS) | set(provided)
    for name in names:
        if name not in registry:
            known = ", ".join(sorted(registry))
            raise FlashpointError(E_UNKNOWN_STAGE, f"unknown stage {name!r}; known: {known}")
        missing = [r for r in registry[name].requires if r not in have]
        if missing:
            raise FlashpointError(
                E_PIPELINE_ORDER,
                f"stage {name!r} requires {', '.join(missing)}, which no earlier stage assigns",
            )
        have.update(registry[name].assigns)


class Pipeline:
    """An ordered list of stage instances, checked when built."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        registry = registered_stages()
        check_order(self.config.stages, registry, self.config.provided)
        self.stages: list[Stage] = [registry[n](self.config) for n in self.config.stages]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            doc = stage(doc)
            if not isinstance(doc, Document):
                raise TypeError(f"stage {stage.name!r} returned {type(doc).__name__}, not Document")
        return doc

    def pipe(self, docs: Iterable[Document], batch_size: int = 64) -> Iterator[Document]:
        for doc in docs:
            yield self(doc)

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]


def data_path(config: Config, relative: str) -> Path:
    """The knowledge file to load: the user's override if present, else the shipped one."""
    if config.data_dir is not None:
        candidate = Path(config.data_dir) / relative
        if candidate.exists():
            return candidate
    return Path(__file__).parent / "data" / relative


StageFn = Callable[[Document], Document]
