"""Near-duplicate articles: MinHash signatures over word shingles, banded for LSH.

Signatures are datasketch's (its "affine32" scheme), computed here for all of an article's
shingles at once; datasketch picks the number of bands and rows that suits the threshold. It is
imported only where it is used: workers sign the articles they code from a `Signing` the writer
made, without it (loading it takes over a second and about 50 MiB). The band keys are stored
in the event store (`dedup_bands`), so candidate pairs are found with one indexed join and the
index survives between runs. A candidate pair is kept when
its estimated Jaccard similarity reaches the threshold; stories are the connected components of
kept pairs, named by their smallest article id, so they do not depend on the order of arrival.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import TYPE_CHECKING

import numpy as np

from .config import Signing, StoryConfig

if TYPE_CHECKING:
    from datasketch import MinHash

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
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


@functools.lru_cache(maxsize=8)
def _template(num_perm: int, seed: int) -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)


# The 32-bit MurmurHash3 finalizer, which datasketch's affine32 scheme applies to each
# input hash before its permutations (tests/test_engine_fastpaths.py checks the equality).
_FMIX32 = (
    np.uint32(16),
    np.uint32(0x85EBCA6B),
    np.uint32(13),
    np.uint32(0xC2B2AE35),
    np.uint32(16),
)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


@functools.lru_cache(maxsize=8)
def signing(cfg: StoryConfig) -> Signing:
    """The permutations of `cfg`'s signatures, for `sign` (a worker gets them with its batches)."""
    template = _template(cfg.num_perm, cfg.seed)
    a, b = template.permutations
    return Signing(cfg.shingle_words, a, b, np.asarray(template.hashvalues))


def has_signature(text: str | None) -> bool:
    """An empty text gets no signature: it is like no other."""
    return bool(text and text.strip())


def signature(text: str, cfg: StoryConfig) -> np.ndarray:
    """MinHash signature (uint64 array of `num_perm` values) of an article's cleaned text."""
    return sign(text, signing(cfg))


def sign(text: str, how: Signing) -> np.ndarray:
    """The signature of `text`: the same values as datasketch's
    `MinHash(scheme="affine32").update_batch` (its SHA1 32-bit hash of each shingle, mixed,
    permuted, the least per permutation), computed for all shingles at once: the per-shingle
    Python calls were most of the cost of dedup."""
    grams = shingles(text, how.shingle_words)
    if not grams:
        return np.asarray(how.empty, dtype=np.uint64)
    digests = b"".join(hashlib.sha1(g).digest()[:4] for g in grams)
    hv = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1))
    values = np.minimum(how.empty, (hv * how.a + how.b).min(axis=0))
    return np.asarray(values, dtype=np.uint64)


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
