"""The statistics of the detectors, vectorised over the keys of a level (pure numpy/scipy).

Counts of a series are modelled as negative binomial: mean from a rolling baseline times a
weekday factor, size (dispersion) from the series' longer history. The surprise of a window is
the upper tail probability of its total, reported as -log10 p.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, gammainc

TINY = 1e-300


def weekday_factors(history: np.ndarray, weekdays: np.ndarray, shrink: float) -> np.ndarray:
    """Per-key weekday factors (keys x 7) averaging 1, shrunk towards 1 for short or sparse
    histories. `weekdays` gives the weekday (0 = Monday) of each history column."""
    n_keys = history.shape[0]
    mean = history.mean(axis=1) if history.shape[1] else np.zeros(n_keys)
    factors = np.ones((n_keys, 7))
    for w in range(7):
        cols = weekdays == w
        n_w = int(cols.sum())
        sums = history[:, cols].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (sums + shrink * mean) / ((n_w + shrink) * mean)
        factors[:, w] = np.where(mean > 0, f, 1.0)
    norm = factors.mean(axis=1, keepdims=True)
    return np.asarray(factors / np.where(norm > 0, norm, 1.0))


def nb_size(deseasonalized: np.ndarray, block: int, min_size: float) -> np.ndarray:
    """Negative binomial size per key (inf where there is no overdispersion).

    The history is cut into blocks of `block` days, ending at its last day; each block gives a
    method-of-moments overdispersion (var - mean) / mean^2 around its own mean, and the median
    over blocks is used. A past escalation or a change of level then spoils one block, not the
    estimate, which would otherwise make every later day look ordinary."""
    n_keys, n_days = deseasonalized.shape
    n_blocks = n_days // block if block >= 2 else 0
    if n_blocks == 0:
        blocks = deseasonalized[:, None, :] if n_days >= 2 else None
    else:
        tail = deseasonalized[:, n_days - n_blocks * block :]
        blocks = tail.reshape(n_keys, n_blocks, block)
    if blocks is None:
        return np.full(n_keys, np.inf)
    mean = blocks.mean(axis=2)
    var = blocks.var(axis=2, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(mean > 0, (var - mean) / mean**2, np.nan)
    all_nan = np.asarray(np.isnan(phi).all(axis=1))
    phi = np.nanmedian(np.where(all_nan[:, None], 0.0, phi), axis=1)
    with np.errstate(divide="ignore"):
        size = np.where(phi > 0, 1.0 / np.where(phi > 0, phi, 1.0), np.inf)
    return np.maximum(size, min_size)


def nb_tail(count: np.ndarray, mean: np.ndarray, size: np.ndarray) -> np.ndarray:
    """P(X >= count) for X negative binomial with this mean and size (Poisson where size is inf).

    Uses P(X >= c) = I_{1-p}(c, size) with p = size / (size + mean), and for the Poisson limit
    the regularized lower incomplete gamma P(c, mean)."""
    count = np.asarray(count, dtype=float)
    mean = np.maximum(np.asarray(mean, dtype=float), TINY)
    size = np.asarray(size, dtype=float)
    c = np.maximum(count, 1.0)
    poisson = gammainc(c, mean)
    finite = np.isfinite(size)
    safe_size = np.where(finite, size, 1.0)
    q = mean / (safe_size + mean)
    negbin = betainc(c, safe_size, q)
    p = np.where(finite, negbin, poisson)
    return np.asarray(np.where(count <= 0, 1.0, p))


def binomial_tail(successes: np.ndarray, trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X >= successes) for X ~ Binomial(trials, p): I_p(k, n - k + 1)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), TINY, 1 - 1e-12)
    k_safe = np.clip(k, 1.0, np.maximum(n, 1.0))
    tail = betainc(k_safe, np.maximum(n - k_safe + 1.0, TINY), p)
    return np.asarray(np.where(k <= 0, 1.0, np.where(k > n, 0.0, tail)))


def surprise(p: np.ndarray) -> np.ndarray:
    """-log10 p, capped at 300."""
    return np.asarray(-np.log10(np.maximum(p, TINY)))
