"""Near-duplicate articles: MinHash signatures over word shingles, banded for LSH.

datasketch computes the signatures and picks the number of bands and rows that suits the
threshold; the band keys are stored in the event store (`dedup_bands`), so candidate pairs are
found with one indexed join and the index survives between runs. A candidate pair is kept when
its estimated Jaccard similarity reaches the threshold; stories are the connected components of
kept pairs, named by their smallest article id, so they do not depend on the order of arrival.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np
from datasketch import MinHash, MinHashLSH

from .config import StoryConfig

SCHEME = "affine32"  # datasketch's permutation scheme, named so stored signatures stay comparable
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int) -> set[bytes]:
    """Word shingles of the lower-cased text (the whole text when it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


@functools.lru_cache(maxsize=8)
def bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's LSH picks for this threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


@functools.lru_cache(maxsize=8)
def _template(num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)


def signature(text: str, cfg: StoryConfig) -> np.ndarray:
    """MinHash signature (uint64 array of `num_perm` values) of an article's cleaned text."""
    template = _template(cfg.num_perm, cfg.seed)
    m = MinHash(
        num_perm=cfg.num_perm, seed=cfg.seed, scheme=SCHEME, permutations=template.permutations
    )
    grams = shingles(text, cfg.shingle_words)
    if grams:
        m.update_batch(list(grams))
    return np.asarray(m.hashvalues, dtype=np.uint64)


def band_keys(sig: np.ndarray, cfg: StoryConfig) -> list[tuple[int, int]]:
    """(band, key) pairs: a signed 64-bit hash of each band's rows."""
    b, r = bands(cfg.threshold, cfg.num_perm)
    out = []
    for i in range(b):
        digest = hashlib.blake2b(sig[i * r : (i + 1) * r].tobytes(), digest_size=8).digest()
        out.append((i, int.from_bytes(digest, "little", signed=True)))
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / float(len(a))
