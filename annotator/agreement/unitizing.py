"""Krippendorff's unitized alpha (alpha_U) for the spans of one label, with numpy.

Each statement is a continuum of code points; an annotator's marks of a label are units,
the rest gaps. Overlapping marks of one annotator are merged first; statements with different
numbers of annotators are weighted 1 / (m_s - 1) (see ``annotator.agreement`` for the choices).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from annotator.agreement.intervals import overlapping, packed

if TYPE_CHECKING:
    from annotator.agreement.stances import _Table


def disagreement(t: _Table, idx: np.ndarray) -> tuple[float, float]:
    """Observed and expected disagreement (D_o, D_e) of alpha_U for the marks idx of one label."""
    mem, s, e = _merge(t, idx[t.raters[t.st[idx]] >= 2])
    shared = t.raters >= 2
    length, n = float(t.lengths[shared].sum()), float((t.raters * t.lengths)[shared].sum())
    if not len(s) or not length:
        return 0.0, 0.0
    return _observed(t, mem, s, e) / (n * length), _expected(e - s, _gaps(t, mem, s, e), n) / length


def _merge(t: _Table, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units per annotator and statement: spans clipped to the text, overlapping ones merged."""
    mem, s, e = t.mem[idx], t.s[idx], np.minimum(t.e[idx], t.lengths[t.st[idx]])
    order = np.lexsort(packed([mem, s]))
    order = order[e[order] > s[order]]
    mem, s, e = mem[order], s[order], e[order]
    offset = mem * (int(e.max(initial=0)) + 1)  # keeps the running maximum inside a group
    reach = np.maximum.accumulate(offset + e) - offset
    at = np.flatnonzero(np.concatenate([[True], (mem[1:] != mem[:-1]) | (s[1:] >= reach[:-1])]))
    at = at[at < len(s)]
    return mem[at], s[at], np.maximum.reduceat(e, at) if len(at) else e


def _gaps(t: _Table, mem: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Sorted gap lengths between, before and after each annotator's units in each statement."""
    change = mem[1:] != mem[:-1]
    before = s - np.where(np.concatenate([[True], change]), 0, np.concatenate([[0], e[:-1]]))
    last = np.concatenate([change, [True]])
    after = t.lengths[t.member_st[mem[last]]] - e[last]
    idle = t.raters[t.member_st] >= 2
    idle[mem] = False  # annotators without a unit of the label see one gap per statement
    gaps = np.concatenate([before, after, t.lengths[t.member_st[idle]]]).astype(float)
    return np.sort(gaps[gaps > 0])


def _observed(t: _Table, mem: np.ndarray, s: np.ndarray, e: np.ndarray) -> float:
    """Sum of delta^2 over ordered annotator pairs, each statement weighted 1 / (m_s - 1)."""
    order = np.lexsort((s, t.member_st[mem]))
    mem, s, e = mem[order], s[order], e[order]
    st = t.member_st[mem]
    slot, weight = mem - t.first[st], 1.0 / (t.raters[st] - 1)
    i, j = overlapping(st, s, e)
    both = (((s[i] - s[j]) ** 2 + (e[i] - e[j]) ** 2) * weight[i]).sum()  # unit against unit
    covered = np.zeros((len(s), int(t.raters.max())), bool)
    covered[i, slot[j]] = covered[j, slot[i]] = True
    alone = ((e - s) ** 2 * (t.raters[st] - 1 - covered.sum(axis=1)) * weight).sum()  # in a gap
    return 2.0 * (both + alone)


def _expected(lengths: np.ndarray, gaps: np.ndarray, n: float) -> float:
    """Krippendorff's expected disagreement times L: each unit against all units and gaps."""
    ln = lengths.astype(float)
    pos = np.searchsorted(gaps, ln, side="left")
    tail = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])[pos]
    fits = tail - (len(gaps) - pos) * (ln - 1)  # placements of the unit inside gaps
    total = ((len(ln) - 1) * (2 * ln**3 - 3 * ln**2 + ln) / 3 + ln**2 * fits).sum()
    return 2 * total / (n * (n - 1) - (ln * (ln - 1)).sum())


def alpha_u(*parts: tuple[float, float]) -> float | None:
    """alpha_U over the labels given, 1 - sum(D_o) / sum(D_e), as Krippendorff pools categories."""
    observed = sum(d_o for d_o, d_e in parts if d_e > 0)
    expected = sum(d_e for _, d_e in parts if d_e > 0)
    return 1 - observed / expected if expected > 0 else None
