"""Classic agreement coefficients over plain values: Cohen's and Fleiss' kappa, nominal alpha.

Vectorised with numpy and tested against published examples; ``agreement`` applies them to
matched stances. Alpha works from sparse value counts: the ``krippendorff`` package builds
items x values x values arrays, too big for an actor registry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters, from (value_a, value_b) per item; None if undefined."""
    codes: dict[Hashable, int] = {}
    rows = [(codes.setdefault(a, len(codes)), codes.setdefault(b, len(codes))) for a, b in pairs]
    if not rows:
        return None
    a, b = np.array(rows).T
    kappa = pair_kappas(np.zeros(len(rows), np.int64), a, b, 1, len(codes))[0]
    return None if np.isnan(kappa) else float(kappa)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa of an items x categories table of rater counts, same rater count per item."""
    a = np.asarray(counts, dtype=float)
    if a.ndim != 2 or not a.size or a.sum() == 0:
        return None
    n = a.sum(axis=1)
    chance = float(((a.sum(axis=0) / a.sum()) ** 2).sum())
    if n[0] < 2 or np.any(n != n[0]) or chance >= 1 - 1e-12:
        return None
    observed = (((a * a).sum(axis=1) - n) / (n * (n - 1))).mean()
    return float((observed - chance) / (1 - chance))


def nominal_alpha(items: Iterable[Iterable[Hashable]]) -> float | None:
    """Krippendorff's nominal alpha; each item lists the values coders gave it, missing omitted."""
    codes: dict[Hashable, int] = {}
    rows = [(k, codes.setdefault(v, len(codes))) for k, values in enumerate(items) for v in values]
    if not rows:
        return None
    item, value = np.array(rows).T
    return sparse_alpha(item, value)


def tally(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, sorted, and how often each occurs (np.unique hashes: slower here)."""
    keys = np.sort(keys, kind="stable")  # timsort: quick on the nearly sorted keys we pass
    at = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])[: len(keys)])
    return keys[at], np.diff(np.append(at, len(keys)))


def pair_kappas(pidx: np.ndarray, va: np.ndarray, vb: np.ndarray, n_pairs: int, n_values: int):
    """Cohen's kappa per pair from its matched values; NaN where undefined."""
    v = n_values
    conf = np.bincount((pidx * v + va) * v + vb, minlength=n_pairs * v * v)
    return confusion_kappas(conf[: n_pairs * v * v].reshape(n_pairs, v, v).astype(float))


def confusion_kappas(conf: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each confusion table on the last two axes (``... x v x v``); NaN where
    undefined. One formula for a pair's table and for a bootstrap draw's stack of them."""
    n = conf.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.trace(conf, axis1=-2, axis2=-1) / n
        chance = (conf.sum(axis=-1) * conf.sum(axis=-2)).sum(axis=-1) / (n * n)
        kappa = (observed - chance) / (1 - chance)
    kappa[(n == 0) | (chance >= 1 - 1e-12)] = np.nan
    return kappa


def sparse_alpha(item: np.ndarray, value: np.ndarray) -> float | None:
    """Nominal alpha from one (item, value) row per coded value (sparse value counts)."""
    if not len(item):
        return None
    key, c = tally(item * (int(value.max()) + 1) + value)
    it, val = np.divmod(key, int(value.max()) + 1)
    n_u = np.bincount(it, weights=c)[it]
    c, val, n_u = c[n_u >= 2], val[n_u >= 2], n_u[n_u >= 2]
    n = float(c.sum())
    n_v = np.bincount(val, weights=c)
    expected = 1 - (n_v * (n_v - 1)).sum() / (n * (n - 1)) if n > 1 else 0.0
    if expected <= 1e-12:
        return None
    return float(1 - (1 - (c * (c - 1) / (n_u - 1)).sum() / n) / expected)
