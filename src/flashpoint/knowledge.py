"""Loading of the YAML knowledge files under `flashpoint/data/`.

Files are parsed once per process and cached by path and modification time, so stages can ask for
them freely. Schema checks live next to the code that uses each file and raise `DataSchemaError`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import DataSchemaError

try:  # the C loader is several times faster on the big files
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Base  # type: ignore[assignment]


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """YAML 1.2 booleans: only true/false. Word lists hold "on", "no" and "off" as words."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@functools.lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def load_yaml(path: Path) -> Any:
    """Parse a YAML knowledge file; the result is shared, so callers must not mutate it."""
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError as exc:
        raise DataSchemaError(f"{path}: knowledge file not found") from exc
    except yaml.YAMLError as exc:
        raise DataSchemaError(f"{path}: not valid YAML: {exc}") from exc


def require(cond: bool, where: Path | str, message: str) -> None:
    """Raise a schema error naming the file when `cond` is false."""
    if not cond:
        raise DataSchemaError(f"{where}: {message}")
