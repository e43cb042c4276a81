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
    """Tokens of `text[start:end]` with absolute offsets."""
    stop = len(text) if end is None else end
    out: list[Token] = []
    for m in _TOKEN.finditer(text, start, stop):
        word = m.group()
        lower = word.lower().replace("’", "'")
        out.append(Token(word, lower, m.start(), m.end()))
    return out


def is_lowercase_text(text: str) -> bool:
    """True for text written without capitals (chat logs, some feeds): case cues are absent."""
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
