"""Cleaning: raw article text to blocks (headline, subheadline, body, captions, list items).

Scraped pages carry leftovers: navigation ("Search"), share bars, "Read more:", comment counters,
cookie notices, photo credits and captions that the scraper copied twice. `clean_text` cuts the
text into lines, drops the leftovers (patterns in `data/text/boilerplate.yaml`), records each drop
as a `Dropped(reason, text)` so nothing disappears silently, and labels what is left:

* HEADLINE: the first line, if it matches the document title or is short and has no final period;
* SUBHEADLINE: the next paragraph if it is one sentence under 300 characters without a final
  period (a "dek" or standfirst; a lead paragraph that ends in a period stays BODY);
* CAPTION: a paragraph that ended with a photo credit, starts with "Photo:"/"Pictured:" or was
  repeated verbatim; a repeated caption is kept once with `repeats=N`;
* LIST_ITEM: a line starting with "-", "*", "•" or "1." (the marker is removed);
* BODY: everything else. Lines of one paragraph that were hard-wrapped are joined with a space.

The cleaned text is the blocks joined by blank lines; every block span is an offset into it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..knowledge import load_yaml, require
from ..model import Block, BlockKind, Document, Dropped, Span
from ..pipeline import Config, Stage, data_path, register_stage

BOILERPLATE_FILE = "text/boilerplate.yaml"
SUBHEADLINE_MAX_CHARS = 300
HEADLINE_MAX_CHARS = 200
_WRAP_MIN_CHARS = 50
_LIST = re.compile(r"^(?:[-*•‣▪◦]|\d{1,3}[.)])\s+(?P<body>\S.*)$")
_TERMINAL = re.compile(r"[.!?…:;)\]]['\"’”»)]*$")
_SENTENCE_END = re.compile(r"[.!?…:;]['\"’”»)]*$")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—:-]{1,2}\s+|\s+::\s+")


@dataclass(frozen=True)
class LineRule:
    id: str
    reason: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class CleanRules:
    """Compiled boilerplate knowledge (see `data/text/boilerplate.yaml`)."""

    lines: tuple[LineRule, ...]
    photo_credits: tuple[re.Pattern[str], ...]
    credit_lines: tuple[re.Pattern[str], ...]
    caption_prefixes: tuple[str, ...]
    max_line_chars: int
    source: str = ""


def _compile(where: Path, ident: str, pattern: object, flags: int) -> re.Pattern[str]:
    require(isinstance(pattern, str) and bool(pattern), where, f"{ident}: pattern must be a string")
    assert isinstance(pattern, str)
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        require(False, where, f"{ident}: bad regular expression {pattern!r}: {exc}")
        raise  # pragma: no cover - require raised


def _check_html_prune(where: Path, xpaths: object) -> None:
    """`html_prune` (read by the HTML reader) must be a list of XPath expressions that compile."""
    from lxml.etree import XPath, XPathSyntaxError

    require(isinstance(xpaths, list), where, "'html_prune' must be a list")
    assert isinstance(xpaths, list)
    for i, xpath in enumerate(xpaths):
        require(isinstance(xpath, str) and bool(xpath), where, f"html_prune[{i}] must be a string")
        try:
            XPath(xpath)
        except XPathSyntaxError as exc:
            require(False, where, f"html_prune[{i}]: bad XPath {xpath!r}: {exc}")


@functools.lru_cache(maxsize=8)
def _load_rules(path: str, mtime: float) -> CleanRules:
    where = Path(path)
    data = load_yaml(where)
    require(isinstance(data, dict), where, "top level must be a mapping")
    require(isinstance(data.get("version"), int), where, "needs an integer 'version'")
    entries = data.get("lines")
    require(isinstance(entries, list) and bool(entries), where, "'lines' must be a non-empty list")
    seen: set[str] = set()
    rules: list[LineRule] = []
    for i, entry in enumerate(entries):
        require(isinstance(entry, dict), where, f"lines[{i}] must be a mapping")
        ident = entry.get("id")
        require(isinstance(ident, str) and bool(ident), where, f"lines[{i}] needs an 'id'")
        require(ident not in seen, where, f"duplicate id {ident!r}")
        seen.add(ident)
        reason = entry.get("reason")
        require(isinstance(reason, str) and bool(reason), where, f"{ident}: needs a 'reason'")
        unknown = set(entry) - {"id", "reason", "pattern", "case_sensitive"}
        require(not unknown, where, f"{ident}: unknown keys {sorted(unknown)}")
        flags = 0 if entry.get("case_sensitive") else re.IGNORECASE
        rules.append(LineRule(ident, reason, _compile(where, ident, entry.get("pattern"), flags)))

    def patterns(key: str, suffix: str) -> tuple[re.Pattern[str], ...]:
        items = data.get(key, [])
        require(isinstance(items, list), where, f"'{key}' must be a list")
        return tuple(
            _compile(
                where, f"{key}[{i}]", f"(?:{p}){suffix}" if isinstance(p, str) else p, re.IGNORECASE
            )
            for i, p in enumerate(items)
        )

    credits = patterns("photo_credits", r"\s*$")
    for i, rx in enumerate(credits):
        require(
            "credit" in rx.groupindex, where, f"photo_credits[{i}] needs a (?P<credit>...) group"
        )
    prefixes = data.get("caption_prefixes", [])
    require(
        isinstance(prefixes, list) and all(isinstance(p, str) for p in prefixes),
        where,
        "'caption_prefixes' must be a list of strings",
    )
    _check_html_prune(where, data.get("html_prune", []))
    max_chars = data.get("max_line_chars", 300)
    require(isinstance(max_chars, int) and max_chars > 0, where, "'max_line_chars' must be > 0")
    return CleanRules(
        lines=tuple(rules),
        photo_credits=credits,
        credit_lines=patterns("credit_lines", ""),
        caption_prefixes=tuple(p.lower() for p in prefixes),
        max_line_chars=max_chars,
        source=path,
    )


def load_clean_rules(path: Path | None = None) -> CleanRules:
    """Load (and validate) a boilerplate file; the shipped one by default."""
    p = path if path is not None else data_path(Config(), BOILERPLATE_FILE)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0  # load_yaml reports the missing file
    return _load_rules(str(p), mtime)


# --------------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    text: str
    kind: BlockKind = BlockKind.BODY
    caption: bool = False
    repeats: int = 1


def _norm(s: str) -> str:
    return " ".join(s.split())


def _key(s: str) -> str:
    return _norm(s).casefold()


def _boilerplate(line: str, rules: CleanRules) -> str | None:
    if len(line) > rules.max_line_chars:
        return None
    for rule in rules.lines:
        if rule.regex.fullmatch(line):
            return rule.reason
    return None


def _is_credit_line(line: str, rules: CleanRules) -> bool:
    return len(line) <= rules.max_line_chars and any(
        rx.fullmatch(line) for rx in rules.credit_lines
    )


def _strip_credit(text: str, rules: CleanRules) -> tuple[str, str | None]:
    for rx in rules.photo_credits:
        m = rx.search(text)
        if m is not None and m.start() > 0:
            return text[: m.start()].rstrip(), m.group("credit").strip()
    return text, None


def _title_matches(title: str, line: str) -> bool:
    t, f = _key(title), _key(line)
    if not t or not f:
        return False
    if t == f or (t.startswith(f) and len(f) >= 0.5 * len(t)):
        return True
    return any(_key(part) == f for part in _TITLE_SEPARATORS.split(title))


def _one_sentence(text: str) -> bool:
    from ..text.splitter import split_sentences

    return len(split_sentences(text)) <= 1


def _units(text: str, rules: CleanRules, dropped: list[Dropped]) -> list[_Unit]:
    units: list[_Unit] = []
    for para in re.split(r"\n[ \t\u00a0]*\n", text):
        open_unit: _Unit | None = None  # a body unit that the next line may continue
        for raw_line in para.split("\n"):
            line = _norm(raw_line)
            if not line:
                continue
            reason = _boilerplate(line, rules)
            if reason is not None:
                dropped.append(Dropped(reason, line))
                open_unit = None
                continue
            if _is_credit_line(line, rules):
                dropped.append(Dropped("photo credit", line))
                open_unit = None
                continue
            m = _LIST.match(line)
            if m is not None:
                units.append(_Unit(m.group("body"), BlockKind.LIST_ITEM))
                open_unit = None
                continue
            if (
                open_unit is not None
                and not _TERMINAL.search(open_unit.text)
                and (line[0].islower() or len(open_unit.text) >= _WRAP_MIN_CHARS)
            ):
                open_unit.text = f"{open_unit.text} {line}"  # a hard-wrapped line
            else:
                open_unit = _Unit(line)
                units.append(open_unit)
            if len(units) == 1 and open_unit is units[0]:
                open_unit = None  # the first line (a headline candidate) is never continued
    for unit in units:
        if unit.kind is BlockKind.LIST_ITEM:
            continue
        stripped, credit = _strip_credit(unit.text, rules)
        if credit is not None:
            dropped.append(Dropped("photo credit", credit))
            unit.text = stripped
            unit.caption = True
        elif any(unit.text.lower().startswith(p) for p in rules.caption_prefixes):
            unit.caption = True
    return [u for u in units if u.text]


def _merge_repeats(units: list[_Unit], dropped: list[Dropped]) -> list[_Unit]:
    counts = Counter(_key(u.text) for u in units if u.kind is not BlockKind.LIST_ITEM)
    kept: list[_Unit] = []
    first: dict[str, _Unit] = {}
    for unit in units:
        key = _key(unit.text)
        if unit.kind is BlockKind.LIST_ITEM or counts[key] < 2:
            kept.append(unit)
            continue
        if key in first:
            label = "repeated headline" if first[key] is kept[0] else "repeated caption"
            dropped.append(Dropped(label, unit.text))
            continue
        first[key] = unit
        unit.repeats = counts[key]
        if kept:  # a repeat at the very top is the headline, handled below
            unit.caption = True
        kept.append(unit)
    return kept


def _label(units: list[_Unit], title: str | None) -> None:
    if not units:
        return
    head = units[0]
    is_headline = (
        head.kind is BlockKind.BODY
        and not head.caption
        and (
            (title is not None and _title_matches(title, head.text))
            or (len(head.text) <= HEADLINE_MAX_CHARS and not head.text.endswith("."))
        )
    )
    for unit in units:
        if unit.caption and unit.kind is BlockKind.BODY:
            unit.kind = BlockKind.CAPTION
    if not is_headline:
        return
    head.kind = BlockKind.HEADLINE
    for unit in units[1:]:
        if unit.kind is BlockKind.CAPTION:
            continue
        if (
            unit.kind is BlockKind.BODY
            and len(unit.text) <= SUBHEADLINE_MAX_CHARS
            and not _SENTENCE_END.search(unit.text)
            and _one_sentence(unit.text)
        ):
            unit.kind = BlockKind.SUBHEADLINE
        break


def clean_text(
    text: str, title: str | None = None, *, rules: CleanRules | None = None
) -> tuple[str, tuple[Block, ...], tuple[Dropped, ...]]:
    """Clean raw article text; returns (cleaned text, blocks with spans into it, dropped lines)."""
    rules = rules or load_clean_rules()
    dropped: list[Dropped] = []
    units = _merge_repeats(_units(text, rules, dropped), dropped)
    _label(units, title)
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for unit in units:
        if parts:
            pos += 2
        blocks.append(Block(unit.kind, Span(pos, pos + len(unit.text)), unit.repeats))
        parts.append(unit.text)
        pos += len(unit.text)
    return "\n\n".join(parts), tuple(blocks), tuple(dropped)


@register_stage
class CleanStage(Stage):
    """Drop page leftovers and cut the text into labelled blocks."""

    name = "clean"
    requires = ("text",)
    assigns = ("blocks", "dropped")

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.rules = load_clean_rules(data_path(config, BOILERPLATE_FILE))

    def __call__(self, doc: Document) -> Document:
        if doc.cleaned:
            return doc
        text, blocks, dropped = clean_text(doc.text, doc.title, rules=self.rules)
        title = doc.title
        if title is None and blocks and blocks[0].kind is BlockKind.HEADLINE:
            title = blocks[0].span.text(text)
        return dataclasses.replace(
            doc, text=text, blocks=blocks, dropped=dropped, cleaned=True, title=title
        )
