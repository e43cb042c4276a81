"""Tokens with character offsets, and cached lemmas.

Tokens are what the actor recognizer and the coder match against. Acronyms written with dots
("U.S.", "U.N.") stay one token; hyphens and possessives are tokens of their own so that
"Iran-backed" and "Baghdad's" expose the name inside them.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # U.S. U.N. U.K.
    r"|\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?"  # 4,500 3.5 1st
    r"|[’']s\b"  # possessive
    r"|n[’']t\b"  # negation clitic
    r"|\w+(?=n[’']t\b)"  # "did" of "didn't"
    r"|\w+"
    r"|[^\w\s]"
)


class Token(NamedTuple):
    text: str
    lower: str
    start: int
    end: int

    @property
    def is_title(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of `text[start:end]` with absolute offsets.

    The actor, place and event stages each ask for the tokens of the same sentence: they are
    computed once and shared through a small cache (the caller gets its own list)."""
    return list(_tokens(text, start, len(text) if end is None else end))


_new_token = tuple.__new__  # skips the namedtuple's Python-level __new__: tokens are hot


@functools.lru_cache(maxsize=4096)
def _tokens(text: str, start: int, stop: int) -> tuple[Token, ...]:
    # Every character but whitespace belongs to a token (the last alternative takes any
    # other), so a token starts at the first non-space after the one before: `find` gives
    # its offset without a match object per token.
    out = []
    pos, find = start, text.find
    for word in _TOKEN.findall(text, start, stop):
        begin = find(word, pos)
        pos = begin + len(word)
        lower = word.lower()
        if "’" in lower:
            lower = lower.replace("’", "'")
        out.append(_new_token(Token, (word, lower, begin, pos)))
    return tuple(out)


_FORMS: dict[str, frozenset[str]] = {}
_FORMS_MAX = 500_000  # bounds the cache on endless input; real vocabularies stay far below


def word_forms(lower: str) -> frozenset[str]:
    """A lowercase word with its verb and noun lemmas ("launched" -> launched, launch); other
    tokens stand for themselves. Cached per word: the coder asks for every token."""
    forms = _FORMS.get(lower)
    if forms is None:
        if lower.isalpha():
            forms = frozenset({lower, verb_lemma(lower), noun_lemma(lower)})
        else:
            forms = frozenset({lower})
        if len(_FORMS) < _FORMS_MAX:
            _FORMS[lower] = forms
    return forms


def word_forms_of(words: list[str]) -> list[frozenset[str]]:
    """`word_forms` of each lowercase word: one dictionary look-up per known word."""
    known = _FORMS.get
    return [known(w) or word_forms(w) for w in words]


def is_lowercase_text(text: str) -> bool:
    """True for text written without capitals (chat logs, some feeds): case cues are absent."""
    if text.isascii():  # the same answer, computed in C: ASCII letters are its cased characters
        return text.islower()
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and not any(c.isupper() for c in letters)


@functools.lru_cache(maxsize=65536)
def verb_lemma(word: str) -> str:
    """Lemma of a word read as a verb ("launched" -> "launch"); the word itself if unknown."""
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="VERB")
    return lemmas[0].lower() if lemmas else word


@functools.lru_cache(maxsize=65536)
def noun_lemma(word: str) -> str:
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="NOUN")
    return lemmas[0].lower() if lemmas else word


@functools.lru_cache(maxsize=65536)
def is_participle(word: str) -> bool:
    """True if `word` can be a past participle ("killed", "struck", "held")."""
    from lemminflect import getInflection

    lemma = verb_lemma(word)
    return word in getInflection(lemma, tag="VBN") or word in getInflection(lemma, tag="VBD")


@functools.lru_cache(maxsize=65536)
def is_modifier_word(word: str) -> bool:
    """True for words read as adjectives or adverbs, never verbs ("deadly", "larger", "more")."""
    from lemminflect import getAllLemmas

    kinds = set(getAllLemmas(word))
    return ("ADJ" in kinds or kinds == {"ADV"}) and "VERB" not in kinds


@functools.lru_cache(maxsize=65536)
def verb_only(word: str) -> bool:
    """True for words read only as verbs ("submitted", "said"): they end a noun phrase."""
    from lemminflect import getAllLemmas

    kinds = set(getAllLemmas(word))
    return bool(kinds) and kinds <= {"VERB", "AUX"}


@functools.lru_cache(maxsize=65536)
def can_be_noun(word: str) -> bool:
    """True for words that may be read as nouns ("hospital", "convoy")."""
    from lemminflect import getAllLemmas

    return "NOUN" in getAllLemmas(word) or "PROPN" in getAllLemmas(word)
