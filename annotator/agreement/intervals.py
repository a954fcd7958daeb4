"""Pure numpy helpers over sorted end-exclusive spans, shared by the agreement metrics."""

from __future__ import annotations

import numpy as np


def packed(cols: list[np.ndarray]) -> list[np.ndarray]:
    """np.lexsort keys for non-negative columns, most significant first, packed into few int64s."""
    keys: list[np.ndarray] = []
    span = 2**62
    for c in cols:
        size = int(c.max()) + 1 if len(c) else 1
        if span * size < 2**62:
            keys[-1], span = keys[-1] * size + c, span * size
        else:
            keys.append(c.astype(np.int64))
            span = size
    return keys[::-1]


def expand(hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i, j) with i < j < hi[i], without a Python loop."""
    nxt = np.arange(1, len(hi) + 1)
    cnt = np.maximum(hi - nxt, 0)
    i = np.repeat(np.arange(len(hi)), cnt)
    return i, np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt) + nxt[i]


def overlapping(st: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs i < j of spans in one statement sharing a code point; rows sorted by (st, s)."""
    width = int(e.max()) + 1 if len(e) else 1
    i, j = expand(np.searchsorted(st * width + s, st * width + e, side="left"))
    keep = np.minimum(e[i], e[j]) > s[j]
    return i[keep], j[keep]


def runs(cols: list[np.ndarray]) -> np.ndarray:
    """Id of each row's run of equal values in sorted columns."""
    change = np.zeros(max(len(cols[0]) - 1, 0), bool)
    for c in cols:
        change |= c[1:] != c[:-1]
    return np.concatenate([[0], np.cumsum(change)])[: len(cols[0])]
