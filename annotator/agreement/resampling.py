"""Per-statement parts of the agreement figures, and the figures of weighted statements.

The bootstrap draws statements with replacement; a draw is a weight per statement (how often
it was drawn). Recomputing ``compute_agreement`` per draw costs its whole time per resample
(about 0.35 s on 200 statements with relations), so every figure that is a function of sums
over statements is taken apart once into per-statement sums, and a draw's figure is a matrix
product (``bench/intervals_bench.py``). Those figures are: the span, target and stance
shares (numerator and denominator sums), Cohen's kappa (a confusion table per pair) and
nominal alpha (per item agreement, pairable values, value totals), for stances and relations;
Fleiss' kappa over the items of the data's modal size (kept for every draw: a draw's own modal
size would rarely differ, and then its figure would count other items).

Unitized alpha (its expected disagreement sets every unit against every gap of the
continuum) is not a sum over statements: it gets no interval. The figures of a draw of every
statement once equal ``compute_agreement``'s (tests compare them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix

from annotator.agreement import stances as sa
from annotator.agreement.coefficients import confusion_kappas, tally
from annotator.agreement.relations import Compared, Link, Node, compare_statements

Figures = dict[tuple, np.ndarray]  # (part, name, metric) -> one value per draw (NaN: undefined)


def per_statement(st: np.ndarray, group: np.ndarray, weights, n_st: int, n_groups: int):
    """Dense statements x groups table of summed weights."""
    n_groups = max(n_groups, 1)
    flat = np.bincount(st * n_groups + group, weights=weights, minlength=n_st * n_groups)
    return flat[: n_st * n_groups].reshape(n_st, n_groups)


DENSE_CELLS = 4_000_000  # above this, a statements x groups table is kept sparse


class Sparse:
    """A statements x groups table of sums kept as its non-zero cells (scipy's CSR).

    Target alpha has one column per actor: dense, 100,000 statements x 5,000 actors would be
    4 GB, and ``w @ table`` 100 G multiplications; its cells are as many as the stances.
    ``w @ Sparse`` (numpy hands the product over: ``__array_ufunc__ = None``) gives the same
    draws x groups array as the dense product. The table is held transposed (groups x
    statements), so the product is scipy's sparse-times-dense loop over the draws'
    columns: with the draws in column-major order (``bootstrap.draws``) ``w.T`` is read in
    place. Gathering a row of draws per cell with numpy (and transposing the draws for each
    product) took 60 % of the agreement job at 100,000 statements.
    """

    __array_ufunc__ = None

    def __init__(self, st: np.ndarray, group: np.ndarray, weights, n_st: int, n_groups: int):
        self.shape = (n_st, max(n_groups, 1))
        w = np.ones(len(st)) if weights is None else np.asarray(weights, float)
        # Duplicate cells are summed by the conversion, as the dense bincount sums them.
        self.table = coo_matrix((w, (group, st)), shape=self.shape[::-1]).tocsr()

    def __rmatmul__(self, w: np.ndarray) -> np.ndarray:
        return np.asarray(self.table @ w.T).T


def sums(st: np.ndarray, group: np.ndarray, weights, n_st: int, n_groups: int):
    """``per_statement``, or its ``Sparse`` form when the dense table would be large."""
    if n_st * max(n_groups, 1) > DENSE_CELLS:
        return Sparse(st, group, weights, n_st, n_groups)
    return per_statement(st, group, weights, n_st, n_groups)


@dataclass
class Coding:
    """A coding of item values as sums per statement: a confusion table per pair and alpha's."""

    conf: np.ndarray  # statements x (pairs * v * v)
    agree: np.ndarray  # statements x 1: sum over items of sum_v c(c - 1) / (n_u - 1)
    pairable: np.ndarray  # statements x 1: values in items of two or more
    totals: np.ndarray  # statements x v: pairable values per value
    n_pairs: int
    v: int
    fleiss: FleissParts | None = None


def coding(st_pair, pair, va, vb, st_item, item, value, n_st: int, n_pairs: int) -> Coding:
    """Sums of a coding: matched pairs (st_pair, pair, va, vb), items (st_item, item, value)."""
    v = int(value.max(initial=0)) + 1
    if va is not None:
        v = max(v, int(va.max(initial=0)) + 1, int(vb.max(initial=0)) + 1)
    if va is None:  # alpha only (targets: a confusion table per pair would be huge)
        conf = np.zeros((n_st, 0))
    else:
        conf = sums(st_pair, (pair * v + va) * v + vb, None, n_st, n_pairs * v * v)
    key, c = tally(item * v + value)
    it, val = np.divmod(key, v)
    n_u = np.bincount(it, weights=c)[it]
    keep = n_u >= 2
    it, val, c, n_u = it[keep], val[keep], c[keep], n_u[keep]
    first = np.zeros(int(item.max(initial=-1)) + 1, np.int64)
    first[item] = st_item  # every member of an item lies in one statement
    s = first[it]
    agree = per_statement(s, np.zeros(len(s), np.int64), c * (c - 1) / (n_u - 1), n_st, 1)
    pairable = per_statement(s, np.zeros(len(s), np.int64), c, n_st, 1)
    totals = sums(s, val, c, n_st, v)
    return Coding(conf, agree, pairable, totals, n_pairs, v)


@dataclass
class FleissParts:
    """Fleiss' kappa as sums per statement, over the items of the estimate's modal size."""

    items: np.ndarray  # statements x 1: modal-size items
    agree: np.ndarray  # statements x 1: sum of P_i = (sum_v c^2 - n) / (n (n - 1))
    totals: np.ndarray  # statements x v: values per category in those items


def fleiss_parts(st_item, item, value, n_st: int) -> FleissParts:
    """The sums of Fleiss' kappa; items of the modal size (>= 2) of the data, as the estimate."""
    v = int(value.max(initial=0)) + 1
    key, c = tally(item * v + value)
    it, val = np.divmod(key, v)
    size = np.bincount(it, weights=c)
    sizes, freq = np.unique(size[size >= 2], return_counts=True)
    modal = sizes[freq == freq.max()].max() if len(sizes) else -1
    keep = size[it] == modal
    it, val, c = it[keep], val[keep], c[keep].astype(float)
    first = np.zeros(int(item.max(initial=-1)) + 1, np.int64)
    first[item] = st_item
    st, zero = first[it], np.zeros(len(it), np.int64)
    m = max(float(modal), 2.0)  # no modal items: every sum below is empty anyway
    p_i = (c * c - c) / (m * (m - 1))  # summed over an item's values: its P_i
    starts = np.concatenate([[True], it[1:] != it[:-1]])[: len(it)]
    n_items = per_statement(st, zero, starts * 1.0, n_st, 1)
    agree = per_statement(st, zero, p_i, n_st, 1)
    return FleissParts(n_items, agree, per_statement(st, val, c, n_st, v))


def fleiss(f: FleissParts, w: np.ndarray) -> np.ndarray:
    """Fleiss' kappa per draw, NaN where undefined (as ``coefficients.fleiss_kappa``)."""
    n, agree, totals = (w @ f.items)[:, 0], (w @ f.agree)[:, 0], w @ f.totals
    with np.errstate(divide="ignore", invalid="ignore"):
        share = totals / totals.sum(axis=1, keepdims=True)
        chance = (share**2).sum(axis=1)
        out = (agree / n - chance) / (1 - chance)
    out[(n == 0) | ~(chance < 1 - 1e-12)] = np.nan
    return out


def kappas(c: Coding, w: np.ndarray) -> np.ndarray:
    """Cohen's kappa per draw and pair (draws x pairs), NaN where undefined."""
    return confusion_kappas((w @ c.conf).reshape(len(w), c.n_pairs, c.v, c.v))


def mean_kappa(k: np.ndarray) -> np.ndarray:
    """The project's kappa per draw: the mean over pairs where defined."""
    defined = ~np.isnan(k)
    with np.errstate(invalid="ignore"):
        return np.where(defined, k, 0).sum(axis=1) / defined.sum(axis=1)


def alpha(c: Coding, w: np.ndarray) -> np.ndarray:
    """Nominal alpha per draw, NaN where undefined (as ``coefficients.sparse_alpha``)."""
    n, agree, totals = (w @ c.pairable)[:, 0], (w @ c.agree)[:, 0], w @ c.totals
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = 1 - (totals * (totals - 1)).sum(axis=1) / (n * (n - 1))
        out = 1 - (1 - agree / n) / expected
    out[(n <= 1) | ~(expected > 1e-12)] = np.nan
    return out


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den per draw, NaN where den is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


class Shares:
    """Numerator and denominator sums per statement and pair, for the share figures."""

    def __init__(self, n_st: int, n_pairs: int):
        self.n_st, self.n_pairs, self.parts = n_st, n_pairs, {}

    def add(self, name: str, st: np.ndarray, pair: np.ndarray, weights) -> None:
        """Sums of weights per statement and pair under name."""
        self.parts[name] = sums(st, pair, weights, self.n_st, self.n_pairs)

    def draw(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Each sum per draw and pair (draws x pairs)."""
        return {name: w @ part for name, part in self.parts.items()}


# --- stances ------------------------------------------------------------------------------


class StanceParts:
    """compute_agreement's additive figures, taken apart per statement."""

    def __init__(self, units: Iterable[sa.Unit], marks: Iterable):
        self.t = t = sa._prepare(units, marks)
        self.n_st, self.n_pairs = len(t.lengths), len(t.pair_keys)
        self.shared_st = t.member_st[t.shared[:, 0]] if len(t.shared) else np.zeros(0, np.int64)
        all_marks = np.arange(len(t.st))
        self.sp = sa._spans(t, all_marks)
        self.parts = {"": self._part(all_marks, self.sp, t.lab)}
        for k, name in enumerate(t.labels):
            own = sa._spans(t, np.flatnonzero(t.lab == k))
            self.parts[name] = self._part(np.flatnonzero(t.lab == k), own, (t.lab == k) * 1)

    def _part(self, idx: np.ndarray, own: sa._Spans, values: np.ndarray):
        """Shares of the marks idx (own matching) and codings of values (overall matching)."""
        t, sp = self.t, self.sp
        shares = Shares(self.n_st, self.n_pairs)
        shares.add("tot", self.shared_st, t.pairs, sa._shared_totals(t, idx))
        shares.add("exact", self.shared_st, t.pairs, sa._shared(t, idx, [t.st, t.s, t.e]))
        shares.add("same", self.shared_st, t.pairs, sa._shared(t, idx, sa._whole_stance(t)))
        own_pair = t.pair_of(t.an[own.ia], t.an[own.ib])
        shares.add("matched", t.st[own.ia], own_pair, None)
        shares.add("target", t.st[own.ia], own_pair, (t.tgt[own.ia] == t.tgt[own.ib]) * 1.0)
        pair = t.pair_of(t.an[sp.ia], t.an[sp.ib])
        args = (t.st[sp.ia], pair, values[sp.ia], values[sp.ib], t.st[sp.members], sp.item)
        label = coding(*args, values[sp.members], self.n_st, self.n_pairs)
        label.fleiss = fleiss_parts(t.st[sp.members], sp.item, values[sp.members], self.n_st)
        tgt = np.unique(t.tgt[own.members], return_inverse=True)[1].reshape(-1)
        targets = coding(
            t.st[own.ia], own_pair, None, None, t.st[own.members], own.item, tgt,
            self.n_st, self.n_pairs,
        )  # fmt: skip
        return shares, label, targets

    def figures(self, w: np.ndarray) -> Figures:
        """Every additive figure per draw, keyed like ``bootstrap.flatten``."""
        out: Figures = {}
        for name, (shares, label, targets) in self.parts.items():
            part = ("project", "") if not name else ("per_label", name)
            s = shares.draw(w)
            k = kappas(label, w)
            out |= _stance_shares(part, {x: y.sum(axis=1) for x, y in s.items()})
            out[(*part, "cohen_kappa")] = mean_kappa(k)
            out[(*part, "krippendorff_alpha")] = alpha(label, w)
            out[(*part, "fleiss_kappa")] = fleiss(label.fleiss, w)
            out[(*part, "target_alpha")] = alpha(targets, w)
            if not name:
                for p, key in enumerate(self.t.pair_keys):
                    a, b = divmod(int(key), len(self.t.annotators))
                    pair = ("pairs", (self.t.annotators[a], self.t.annotators[b]))
                    out |= _stance_shares(pair, {x: y[:, p] for x, y in s.items()})
                    out[(*pair, "cohen_kappa")] = k[:, p]
        return out


def _stance_shares(part: tuple, s: dict[str, np.ndarray]) -> Figures:
    return {
        (*part, "span_f1_exact"): ratio(2 * s["exact"], s["tot"]),
        (*part, "span_f1_overlap"): ratio(2 * s["matched"], s["tot"]),
        (*part, "target_agreement"): ratio(s["target"], s["matched"]),
        (*part, "stance_agreement"): ratio(2 * s["same"], s["tot"]),
    }


# --- relations ----------------------------------------------------------------------------


class RelationParts:
    """compute_relation_agreement's figures, taken apart per statement (all are additive)."""

    COUNTS = ("n", "exact", "overlap", "typed_exact", "typed_overlap")

    def __init__(self, units: Iterable[sa.Unit], nodes: Iterable[Node], links: Iterable[Link]):
        self._take(compare_statements(units, nodes, links))

    @classmethod
    def of(cls, compared: Compared) -> RelationParts:
        """The parts of counts compared already (stored per statement, or fresh)."""
        parts = cls.__new__(cls)
        parts._take(compared)
        return parts

    def _take(self, compared: Compared) -> None:
        self.statements = list(compared.pairs)
        self.pairs = sorted({(a, b) for rows in compared.pairs.values() for a, b, _ in rows})
        index = {p: k for k, p in enumerate(self.pairs)}
        rows, items = [], []
        for s, pair_rows in enumerate(compared.pairs.values()):
            for a, b, c in pair_rows:
                rows.append((s, index[a, b], c))
                items += [(s, index[a, b], ta, tb) for ta, tb in c.items]
        self.rows, self.items = rows, items
        self.types = sorted({t for *_, c in rows for t in c.n_type})
        self._counts = self._count_columns()

    def _count_columns(self) -> dict:
        """Each row's counts as columns, read once: of all relations, and of each type."""
        rows = self.rows
        plain = [(c.n, c.exact, c.overlap, c.typed_exact, c.typed_overlap) for *_, c in rows]
        columns = {
            None: dict(zip(self.COUNTS, np.array(plain, float).reshape(-1, 5).T, strict=True))
        }
        code = {t: k for k, t in enumerate(self.types)}
        typed = np.zeros((3, len(self.types), len(rows)))
        for r, (*_, c) in enumerate(rows):
            for part, counts in enumerate((c.n_type, c.typed_exact_by, c.typed_overlap_by)):
                for kind, n in counts.items():
                    typed[part, code[kind], r] = n
        for kind, k in code.items():
            columns[kind] = dict(
                zip(("n", "typed_exact", "typed_overlap"), typed[:, k], strict=True)
            )
        return columns

    def _shares(self, kind: str | None) -> Shares:
        """Count sums per statement and pair, of every relation or of one type's."""
        shares = Shares(len(self.statements), len(self.pairs))
        st = np.array([r[0] for r in self.rows], np.int64)
        pair = np.array([r[1] for r in self.rows], np.int64)
        for name, weights in self._counts[kind].items():
            shares.add(name, st, pair, weights)
        return shares

    def _coding(self, kind: str | None) -> Coding:
        """Types of the relations both linked: all types, or one type against the rest."""
        codes = {t: k for k, t in enumerate(self.types)}
        arr = np.array(self.items, dtype=object).reshape(-1, 4)
        st, pair = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
        if kind is None:
            va = np.array([codes[x] for x in arr[:, 2]], np.int64)
            vb = np.array([codes[x] for x in arr[:, 3]], np.int64)
        else:
            va, vb = (arr[:, 2] == kind).astype(np.int64), (arr[:, 3] == kind).astype(np.int64)
        item = np.repeat(np.arange(len(st)), 2)
        value = np.stack([va, vb], axis=1).reshape(-1)
        args = (st, pair, va, vb, np.repeat(st, 2), item, value)
        return coding(*args, len(self.statements), len(self.pairs))

    def figures(self, w: np.ndarray) -> Figures:
        """Every relation figure per draw, keyed like ``bootstrap.flatten``."""
        out: Figures = {}
        for kind in (None, *self.types):
            part = ("project", "") if kind is None else ("per_type", kind)
            s = {x: y.sum(axis=1) for x, y in self._shares(kind).draw(w).items()}
            c = self._coding(kind)
            out |= {
                (*part, f"{m}_{mode}"): ratio(2 * s[f"{prefix}{mode}"], s["n"])
                for m, prefix in (("relation_f1", ""), ("typed_f1", "typed_"))
                for mode in ("exact", "overlap")
                if kind is None or m == "typed_f1"
            }
            out[(*part, "type_kappa")] = mean_kappa(kappas(c, w))
            out[(*part, "type_alpha")] = alpha(c, w)
        return out | self._pair_figures(w)

    def _pair_figures(self, w: np.ndarray) -> Figures:
        """The figures of each annotator pair (pair alpha: its own items)."""
        s, c = self._shares(None).draw(w), self._coding(None)
        k = kappas(c, w)
        out: Figures = {}
        for p, pair in enumerate(self.pairs):
            key = ("pairs", pair)
            for m, prefix in (("relation_f1", ""), ("typed_f1", "typed_")):
                for mode in ("exact", "overlap"):
                    out[(*key, f"{m}_{mode}")] = ratio(2 * s[f"{prefix}{mode}"][:, p], s["n"][:, p])
            out[(*key, "type_kappa")] = k[:, p]
        return out
