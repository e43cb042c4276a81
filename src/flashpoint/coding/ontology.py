"""The event ontology: PLOVER types, modes and contexts, and CAMEO codes with their scores.

Two knowledge files feed it: `ontology/plover.yaml` (event types with quad class and modes, plus the
general contexts) and `ontology/cameo.yaml` (every CAMEO code with a label, Goldstein score, quad
class and PLOVER equivalent). Both are checked when loaded; any break raises `DataSchemaError`
(FP-E020) naming the file. A user's `Config.data_dir` may hold replacements for either file.

CAMEO codes are strings ("0211", not 211). Lookups fall back to the nearest listed parent code, so a
finer code than the table knows ("1951") is read as its parent ("195", then "19").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..knowledge import load_yaml, require
from ..pipeline import Config, data_path

PLOVER_FILE = "ontology/plover.yaml"
CAMEO_FILE = "ontology/cameo.yaml"

PloverTriple = tuple[str, str | None, tuple[str, ...]]


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    quad_class: int  # 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict
    modes: tuple[str, ...]


@dataclass(frozen=True)
class CameoCode:
    code: str
    label: str
    goldstein: float
    quad_class: int  # 0 neutral (roots 01-02), else 1-4 as for PLOVER types
    plover_type: str | None  # None where PLOVER drops the code
    plover_mode: str | None
    plover_context: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Ontology:
    event_types: dict[str, EventType]
    contexts: frozenset[str]
    cameo: dict[str, CameoCode]

    def cameo_code(self, code: str) -> CameoCode:
        """The entry for `code`, or for its nearest listed parent; KeyError if there is none."""
        key = str(code).strip()
        if key.isdigit():
            while len(key) >= 2:
                entry = self.cameo.get(key)
                if entry is not None:
                    return entry
                key = key[:-1]
        raise KeyError(f"unknown CAMEO code {code!r}")

    def to_plover(self, cameo_code: str) -> PloverTriple | None:
        """(type, mode, context) for a CAMEO code, or None where PLOVER drops it (01, 02)."""
        entry = self.cameo_code(cameo_code)
        if entry.plover_type is None:
            return None
        return (entry.plover_type, entry.plover_mode, entry.plover_context)

    def goldstein(self, code: str) -> float:
        return self.cameo_code(code).goldstein

    def quad_class(self, code: str) -> int:
        return self.cameo_code(code).quad_class

    def root(self, code: str) -> str:
        """The two-digit cue category of a known code: "1951" -> "19"."""
        return self.cameo_code(code).code[:2]

    def has_mode(self, event_type: str, mode: str | None) -> bool:
        et = self.event_types.get(event_type)
        return et is not None and (mode is None or mode in et.modes)

    def validate_mode(self, event_type: str, mode: str | None) -> None:
        """Raise ValueError unless `event_type` is known and `mode` is None or one of its modes."""
        et = self.event_types.get(event_type)
        if et is None:
            raise ValueError(f"unknown PLOVER event type {event_type!r}")
        if mode is not None and mode not in et.modes:
            allowed = ", ".join(et.modes) or "none"
            raise ValueError(f"mode {mode!r} is not defined for {event_type} (allowed: {allowed})")


def load_ontology(config: Config | None = None) -> Ontology:
    """Load and check the ontology; cached per pair of files (and their modification times)."""
    cfg = config if config is not None else Config()
    plover = data_path(cfg, PLOVER_FILE).resolve()
    cameo = data_path(cfg, CAMEO_FILE).resolve()
    return _load_cached(str(plover), _mtime(plover), str(cameo), _mtime(cameo))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0  # load_yaml reports the missing file


@functools.lru_cache(maxsize=16)
def _load_cached(plover: str, _pm: float, cameo: str, _cm: float) -> Ontology:
    types, contexts = _parse_plover(Path(plover))
    codes = _parse_cameo(Path(cameo), types, contexts)
    return Ontology(event_types=types, contexts=contexts, cameo=codes)


# --- parsing and checks ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _named(item: Any, where: Path, what: str) -> str:
    """Accept `{name: x, description: ...}` or a bare `x`; return the name."""
    if isinstance(item, str):
        require(item.strip() != "", where, f"{what}: empty name")
        return item.strip()
    require(isinstance(item, dict), where, f"{what}: expected a mapping with 'name', got {item!r}")
    name = item.get("name")
    require(_text(name), where, f"{what}: missing or empty 'name' in {item!r}")
    desc = item.get("description", "")
    require(
        desc is None or isinstance(desc, str), where, f"{what} {name}: description must be text"
    )
    return str(name).strip()


def _top(path: Path, key: str) -> list[Any]:
    data = load_yaml(path)
    require(isinstance(data, dict), path, "top level must be a mapping")
    require(
        data.get("version") == 1, path, f"unsupported version {data.get('version')!r} (expected 1)"
    )
    items = data.get(key)
    require(isinstance(items, list) and len(items) > 0, path, f"'{key}' must be a non-empty list")
    return list(items)


def _parse_plover(path: Path) -> tuple[dict[str, EventType], frozenset[str]]:
    types: dict[str, EventType] = {}
    for i, item in enumerate(_top(path, "event_types")):
        where = f"event_types[{i}]"
        require(isinstance(item, dict), path, f"{where}: expected a mapping")
        name = item.get("name")
        require(_text(name), path, f"{where}: missing or empty 'name'")
        require(name not in types, path, f"duplicate event type {name}")
        desc = item.get("description")
        require(_text(desc), path, f"event type {name}: missing description")
        quad = item.get("quad_class")
        require(
            _is_int(quad) and 1 <= quad <= 4,
            path,
            f"event type {name}: quad_class must be an integer 1-4, got {quad!r}",
        )
        raw_modes = item.get("modes") if item.get("modes") is not None else []
        require(isinstance(raw_modes, list), path, f"event type {name}: 'modes' must be a list")
        modes = tuple(_named(m, path, f"event type {name} mode") for m in raw_modes)
        dup = sorted({m for m in modes if modes.count(m) > 1})
        require(not dup, path, f"event type {name}: duplicate mode(s) {', '.join(dup)}")
        types[name] = EventType(name, desc.strip(), quad, modes)

    data = load_yaml(path)
    raw_ctx = data.get("contexts")
    require(
        isinstance(raw_ctx, list) and len(raw_ctx) > 0, path, "'contexts' must be a non-empty list"
    )
    names = [_named(c, path, f"contexts[{i}]") for i, c in enumerate(raw_ctx)]
    dup = sorted({c for c in names if names.count(c) > 1})
    require(not dup, path, f"duplicate context(s) {', '.join(dup)}")
    return types, frozenset(names)


def _parse_cameo(
    path: Path, types: dict[str, EventType], contexts: frozenset[str]
) -> dict[str, CameoCode]:
    codes: dict[str, CameoCode] = {}
    for i, item in enumerate(_top(path, "codes")):
        require(isinstance(item, dict), path, f"codes[{i}]: expected a mapping")
        code = item.get("code")
        require(
            isinstance(code, str),
            path,
            f"codes[{i}]: code {code!r} must be a quoted string (leading zeros matter)",
        )
        require(
            code.isdigit() and 2 <= len(code) <= 4,
            path,
            f"codes[{i}]: code {code!r} must be 2 to 4 digits",
        )
        require(code not in codes, path, f"duplicate code {code}")
        label = item.get("label")
        require(_text(label), path, f"code {code}: missing label")
        gs = item.get("goldstein")
        require(
            _is_number(gs) and math.isfinite(gs) and -10.0 <= gs <= 10.0,
            path,
            f"code {code}: goldstein must be a number in [-10, 10], got {gs!r}",
        )
        quad = item.get("quad_class")
        require(
            _is_int(quad) and 0 <= quad <= 4,
            path,
            f"code {code}: quad_class must be an integer 0-4, got {quad!r}",
        )
        ptype, pmode, pctx = _parse_mapping(path, code, item.get("plover"), types, contexts)
        codes[code] = CameoCode(code, label.strip(), float(gs), quad, ptype, pmode, pctx)

    for code, entry in codes.items():
        root = codes.get(code[:2])
        require(root is not None, path, f"code {code}: its root {code[:2]} is not listed")
        assert root is not None
        require(
            entry.quad_class == root.quad_class,
            path,
            f"code {code}: quad_class {entry.quad_class} differs from its root's {root.quad_class}",
        )
    return codes


def _parse_mapping(
    path: Path, code: str, raw: Any, types: dict[str, EventType], contexts: frozenset[str]
) -> tuple[str | None, str | None, tuple[str, ...]]:
    if raw is None:
        return None, None, ()
    require(isinstance(raw, dict), path, f"code {code}: 'plover' must be a mapping or null")
    ptype = raw.get("type")
    mode = raw.get("mode")
    ctx = raw.get("context") if raw.get("context") is not None else []
    require(isinstance(ctx, list), path, f"code {code}: plover context must be a list")
    require(
        all(isinstance(c, str) for c in ctx), path, f"code {code}: plover contexts must be names"
    )
    if ptype is None:
        require(
            mode is None and not ctx,
            path,
            f"code {code}: a code with no PLOVER type cannot have a mode or context",
        )
        return None, None, ()
    require(
        isinstance(ptype, str) and ptype in types,
        path,
        f"code {code}: unknown PLOVER event type {ptype!r}",
    )
    require(
        mode is None or isinstance(mode, str), path, f"code {code}: mode must be a name or null"
    )
    require(
        mode is None or mode in types[ptype].modes,
        path,
        f"code {code}: mode {mode!r} is not defined for {ptype}",
    )
    unknown = [c for c in ctx if c not in contexts]
    require(not unknown, path, f"code {code}: unknown context(s) {', '.join(unknown)}")
    return ptype, mode, tuple(ctx)
