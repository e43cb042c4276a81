"""Rule-based sentence splitting with character spans.

A sentence ends at ".", "!", "?" or "…" (with any closing quotes or brackets after it) followed by
whitespace, unless the word before the period is an abbreviation that the next word makes
unlikely to end a sentence. The abbreviation lists live in `data/text/abbreviations.yaml`; the
file's comments explain each list. Line breaks matter too: a blank line always ends a sentence,
and a line that ends without punctuation ends a sentence unless the next line starts with a
lowercase letter (a hard-wrapped line). All-lowercase text is split at ". x" when the word
before the period is not an abbreviation.

`split_sentences` returns absolute spans into the text it was given, whitespace trimmed, ordered
and non-overlapping. `SplitStage` runs it over each block of a cleaned document, so sentences
never cross block boundaries; a headline is always one sentence (headlines are often written in
Title Case, where "U.S. In Talks" is no sentence end).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..knowledge import load_yaml, require
from ..model import BlockKind, Document, Sentence, Span
from ..pipeline import Config, Stage, data_path, register_stage

ABBREVIATIONS_FILE = "text/abbreviations.yaml"
_CATEGORIES = ("titles", "prefixes", "before_number", "enders")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«([¡¿"
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?")
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_LIST_MARKER = re.compile(r"(?:[-*•‣▪◦]|\d{1,3}[.)])\s")
_LINE_END_PUNCT = re.compile(r"[.!?…][\"'”’»)\]]*$")


@dataclass(frozen=True)
class SplitRules:
    """Compiled abbreviation knowledge: lowercase word (no final period) -> category."""

    kinds: dict[str, str]
    starters: frozenset[str]
    source: str = ""


@functools.lru_cache(maxsize=8)
def _load_rules(path: str, mtime: float) -> SplitRules:
    where = Path(path)
    data = load_yaml(where)
    require(isinstance(data, dict), where, "top level must be a mapping")
    require(isinstance(data.get("version"), int), where, "needs an integer 'version'")
    kinds: dict[str, str] = {}
    for cat in _CATEGORIES:
        items = data.get(cat)
        require(isinstance(items, list) and bool(items), where, f"'{cat}' must be a non-empty list")
        for item in items:
            require(isinstance(item, str) and bool(item), where, f"{cat}: {item!r} is not a word")
            require(item == item.lower(), where, f"{cat}: {item!r} must be lowercase")
            require(
                not item.endswith("."),
                where,
                f"{cat}: write {item.rstrip('.')!r} without the final period",
            )
            require(
                item not in kinds, where, f"{item!r} is listed twice ({kinds.get(item)} and {cat})"
            )
            kinds[item] = cat
    starters = data.get("sentence_starters")
    require(
        isinstance(starters, list) and all(isinstance(s, str) for s in starters),
        where,
        "'sentence_starters' must be a list of words",
    )
    unknown = set(data) - {"version", "sentence_starters", *_CATEGORIES}
    require(not unknown, where, f"unknown keys {sorted(unknown)}")
    return SplitRules(kinds, frozenset(starters), source=path)


def load_split_rules(path: Path | None = None) -> SplitRules:
    """Load (and validate) an abbreviations file; the shipped one by default."""
    p = path if path is not None else data_path(Config(), ABBREVIATIONS_FILE)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0  # load_yaml reports the missing file
    return _load_rules(str(p), mtime)


def _token_kind(text: str, lo: int, dot: int, rules: SplitRules) -> str | None:
    """Category of the word that ends at `dot` (the period), None for an ordinary word."""
    p = dot
    while p > lo and not text[p - 1].isspace():
        p -= 1
    at_line_start = p == lo or text[p - 1] == "\n"
    while p < dot and text[p] in _OPENERS:
        p += 1
    tok = text[p:dot]
    if not tok:
        return None
    kind = rules.kinds.get(tok.lower())
    if kind is not None:
        return kind
    if _ACRONYM.fullmatch(tok):
        return "acronym"
    if len(tok) == 1 and tok.isalpha():
        return "initial"
    if tok.isdigit() and len(tok) <= 3 and at_line_start:
        return "marker"  # "1. Troops ..." at the start of a line is a list marker
    return None


def _ends_here(text: str, m: re.Match[str], lo: int, hi: int, rules: SplitRules) -> bool:
    run = m.group()
    closers = run.lstrip(".!?…")
    punct = run[: len(run) - len(closers)]
    j = m.end()
    while j < hi and text[j].isspace():
        j += 1
    if j >= hi:
        return True
    gap = text[m.end() : j]
    if gap.count("\n") >= 2:
        return True
    k = j
    while k < hi and text[k] in _OPENERS:
        k += 1
    nc = text[k] if k < hi else ""
    quoted = any(c in "\"'”’»" for c in closers)
    if not nc:
        return True
    if quoted and nc.islower():
        return False  # “Is it over?” he asked.
    if punct != ".":
        if "!" in punct or "?" in punct:
            return True
        return not nc.islower() and not nc.isdigit()  # an ellipsis ends only before a capital
    kind = _token_kind(text, lo, m.start(), rules)
    if quoted:
        return True
    if nc.isdigit():
        return kind is None
    if nc.islower():
        return kind in (None, "before_number")
    if nc.isupper():
        if kind in ("titles", "prefixes", "initial", "marker"):
            return False
        if kind == "acronym":
            w = _WORD.match(text, k)
            word = w.group() if w else ""
            return "\n" in gap or word in rules.starters or word.capitalize() in rules.starters
        return True
    return kind in (None, "before_number", "enders")


def split_sentences(
    text: str, start: int = 0, end: int | None = None, *, rules: SplitRules | None = None
) -> list[Span]:
    """Sentence spans (absolute offsets, whitespace trimmed) of `text[start:end]`."""
    rules = rules or load_split_rules()
    lo = max(0, start)
    hi = len(text) if end is None else max(lo, min(end, len(text)))
    if lo >= hi:
        return []
    cuts: set[int] = set()
    for m in _CANDIDATE.finditer(text, lo, hi):
        if _ends_here(text, m, lo, hi, rules):
            cuts.add(m.end())
    # line breaks after a line that does not end in sentence punctuation
    line_start = lo
    nl = text.find("\n", lo, hi)
    while nl != -1:
        line = text[line_start:nl].rstrip()
        if line.strip() and not _LINE_END_PUNCT.search(line):
            j = nl + 1
            while j < hi and text[j].isspace() and text[j] != "\n":
                j += 1
            blank_follows = j < hi and text[j] == "\n"
            continued = (
                j < hi
                and text[j].islower()
                and not line.endswith(":")
                and not _LIST_MARKER.match(text, j)
            )
            if blank_follows or not continued:
                cuts.add(nl)
        line_start = nl + 1
        nl = text.find("\n", line_start, hi)
    spans: list[Span] = []
    prev = lo
    for cut in sorted(cuts) + [hi]:
        if cut <= prev:
            continue
        s, e = prev, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append(Span(s, e))
        prev = cut
    return spans


@register_stage
class SplitStage(Stage):
    """Cut each block of a cleaned document into sentences."""

    name = "split"
    requires = ("blocks",)
    assigns = ("sentences",)

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.rules = load_split_rules(data_path(config, ABBREVIATIONS_FILE))

    def __call__(self, doc: Document) -> Document:
        sentences: list[Sentence] = []
        for block in doc.blocks:
            if block.kind is BlockKind.HEADLINE:
                spans = split_sentences(
                    doc.text, block.span.start, block.span.end, rules=self.rules
                )
                if spans:
                    spans = [Span(spans[0].start, spans[-1].end)]
            else:
                spans = split_sentences(
                    doc.text, block.span.start, block.span.end, rules=self.rules
                )
            base = len(sentences)
            sentences.extend(Sentence(base + i, sp, block.kind) for i, sp in enumerate(spans))
        return dataclasses.replace(doc, sentences=tuple(sentences))
