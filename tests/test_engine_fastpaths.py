"""The fast paths of the hot loop give exactly what the plain definitions give (issue 8).

Each compiled or cached shortcut is checked against a direct reading of what it replaces, on
generated input: compiled phrase matching against the trie walk, one-scan modality cues against
the phrase-by-phrase search, gated date rules against ungated ones, and so on.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.actors import load_actor_dictionary
from flashpoint.coding.coder import DocumentCoder, SentenceCoder
from flashpoint.coding.modality import ModalityCues, clause_start, load_modality, modality_of
from flashpoint.coding.patterns import GAPS, load_patterns
from flashpoint.model import BlockKind, Modality, Span
from flashpoint.pipeline import Config
from flashpoint.text.tokens import Token, is_lowercase_text, tokenize, word_forms
from flashpoint.when.resolve import _missing, _sentence_hits, load_lexicon

DICT = load_actor_dictionary()
PATTERNS = load_patterns()
CUES = load_modality()
LEX = load_lexicon()
PHRASE_WORDS = sorted({k for keys, _ in DICT._phrases() for k in keys})[:3000]
CUE_WORDS = sorted({w for ps in CUES.cues.values() for p in ps for w in p} | {"the", ",", "x"})
TIME_WORDS = [
    *LEX.months,
    *LEX.weekdays,
    *LEX.relative,
    *"ago in on by next last mid early".split(),
]
TIME_WORDS += ["3", "12", "2019", "2026-03-04", "three", "days", "weeks", ",", "."]
TRIGGER_WORDS = sorted({e for p in PATTERNS.patterns for e in p.elements if e not in GAPS})[:4000]

QUICK = settings(max_examples=100, deadline=None)  # the first call loads lemma tables


# ----------------------------------------------------------------------------- text
@QUICK
@given(st.text(alphabet="aZé É1 .'’\nßİ", max_size=30))
def test_lowercase_text_is_its_definition(text: str) -> None:
    letters = [c for c in text if c.isalpha()]
    assert is_lowercase_text(text) == (bool(letters) and not any(c.isupper() for c in letters))


@QUICK
@given(st.text(alphabet="aB’'. -U.S.n't4,5\n", max_size=40))
def test_tokens_are_fresh_lists_of_the_same_tokens(text: str) -> None:
    first = tokenize(text)
    first.append(Token("x", "x", 0, 0))
    again = tokenize(text)
    assert again == first[:-1]
    assert all(text[t.start : t.end] == t.text for t in again)


@QUICK
@given(st.sampled_from(PHRASE_WORDS + ["said", "the", "'s"]))
def test_word_forms_are_the_word_and_its_lemmas(word: str) -> None:
    forms = word_forms(word)
    assert word in forms and word_forms(word) is forms  # cached


# ----------------------------------------------------------------------------- actors
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PHRASE_WORDS + ["and", "of", "said"]), max_size=25))
def test_automaton_finds_what_the_trie_walk_finds(keys: list[str]) -> None:
    walked = {i: DICT.lookup(keys, i) for i in range(len(keys))}
    walked = {i: (n, e) for i, (n, e) in walked.items() if n}
    assert DICT.phrases_in(keys) == walked


# ----------------------------------------------------------------------------- coding
def _modality_by_definition(
    toks: list[Token], trigger: int, cues: ModalityCues
) -> tuple[Modality, tuple[str, ...]]:
    start = max(clause_start(toks, trigger, cues.clause_breaks), trigger - cues.window)
    words = [t.lower for t in toks[start:trigger]]
    text = " ".join(words)
    gap = rf"\S+(?: \S+){{0,{cues.gap - 1}}}"  # a "+" in a cue stands for 1 to `gap` words

    def occurs(p: tuple[str, ...]) -> bool:
        body = " ".join(gap if w == "+" else re.escape(w) for w in p)
        return re.search(rf"(?<!\S){body}(?!\S)", text) is not None

    found = {m: [" ".join(p) for p in ps if occurs(p)] for m, ps in cues.cues.items()}
    habitual = tuple("habitual: " + " ".join(p) for p in cues.habitual if occurs(p))
    for m in cues.precedence:
        if found.get(m):
            return m, (*found[m], *habitual)
    return Modality.ASSERTED, habitual


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CUE_WORDS), min_size=1, max_size=14))
def test_modality_cues_in_one_scan(words: list[str]) -> None:
    toks = tokenize(" ".join(words) + " attacked")
    trigger = len(toks) - 1
    assert modality_of(toks, trigger, CUES) == _modality_by_definition(toks, trigger, CUES)


@QUICK
@given(st.sets(st.sampled_from(TRIGGER_WORDS + ["'s", ","]), max_size=4))
def test_patterns_starting_with_some_forms(forms: set[str]) -> None:
    key = frozenset(forms)
    expected = {id(p) for f in key for p in PATTERNS.by_first.get(f, ())}
    found = PATTERNS.starting_with(key)
    assert {id(p) for p, _ in found} == expected
    assert all(rest == {e for e in p.elements[1:] if e not in GAPS} for p, rest in found)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TRIGGER_WORDS + ["the", "China", "troops", ","]), max_size=14))
def test_a_sentence_without_a_possible_pattern_has_no_trigger(words: list[str]) -> None:
    coder = DocumentCoder(Config())
    toks = tokenize(" ".join(words))
    sc = SentenceCoder(toks, [], PATTERNS, CUES, coder.grammar, BlockKind.BODY)
    if not coder._may_trigger(toks):
        assert sc.triggers() == []


@QUICK
@given(st.integers(0, 60), st.integers(0, 60))
def test_token_range_by_bisection(a: int, b: int) -> None:
    toks = tokenize("Iran-backed militias in Iraq's north fired 12 rockets at U.S. troops.")
    sc = SentenceCoder(toks, [], PATTERNS, CUES, DocumentCoder(Config()).grammar, BlockKind.BODY)
    span = Span(min(a, b), max(a, b))
    idx = [i for i, t in enumerate(toks) if t.start >= span.start and t.end <= span.end]
    assert sc._token_range(span) == ((idx[0], idx[-1] + 1) if idx else (0, 0))


# ----------------------------------------------------------------------------- dates
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(TIME_WORDS), max_size=12),
    st.sampled_from([None, dt.date(2026, 3, 8)]),
    st.booleans(),
)
def test_gated_date_rules_find_what_ungated_rules_find(
    words: list[str], published: dt.date | None, title: bool
) -> None:
    text = " ".join(w.title() if title else w for w in words)
    text = re.sub(r"\s+([,.])", r"\1", text)
    gated = _sentence_hits(text, 0, len(text), LEX, published, text.lower())
    assert gated == _sentence_hits(text, 0, len(text), LEX, published, None)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(TIME_WORDS), max_size=8),
    st.lists(st.sampled_from(TIME_WORDS), max_size=8),
    st.sampled_from([None, dt.date(2026, 3, 8)]),
)
def test_features_the_document_lacks_skip_its_sentences(
    before: list[str], words: list[str], published: dt.date | None
) -> None:
    # the second sentence, searched with what the whole document lacks, finds what an
    # ungated search of it finds
    head, sentence = " ".join(before) + ". ", " ".join(words) + "."
    text = head + sentence
    low = text.lower()
    absent = _missing(low, 0, len(text), LEX)
    start, end = len(head), len(text)
    assert _sentence_hits(text, start, end, LEX, published, low, absent) == _sentence_hits(
        text, start, end, LEX, published, None
    )


@QUICK
@given(st.text(alphabet="aB’'. -U.S.n't4,5\n\t\u00a0é", max_size=60), st.integers(0, 8))
def test_tokens_are_what_the_regex_finds(text: str, start: int) -> None:
    from flashpoint.text.tokens import _TOKEN

    direct = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, len(text))]
    assert [(t.text, t.start, t.end) for t in tokenize(text, start)] == direct


# ----------------------------------------------------------------------------- dedup
@QUICK
@given(st.text(alphabet="ab cd, EF.\n'é", max_size=200))
def test_minhash_signatures_are_datasketch_signatures(text: str) -> None:
    from datasketch import MinHash

    from flashpoint.dedup.config import load_dedup_config
    from flashpoint.dedup.stories import SCHEME, _template, shingles, signature

    cfg = load_dedup_config(Config()).stories
    m = MinHash(
        num_perm=cfg.num_perm,
        seed=cfg.seed,
        scheme=SCHEME,
        permutations=_template(cfg.num_perm, cfg.seed).permutations,
    )
    grams = shingles(text, cfg.shingle_words)
    if grams:
        m.update_batch(list(grams))
    expected = m.hashvalues.astype("uint64")
    assert signature(text, cfg).tolist() == expected.tolist()
