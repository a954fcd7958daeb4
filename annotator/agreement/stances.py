"""Inter-annotator agreement on stances: pure functions over plain data (no Flask, no database).

Input is one ``Unit`` per statement in scope and the ``Mark``s made on it.  Marks on statements
out of scope, or by annotators not listed on the statement's unit, are ignored.

Choices:

* Span matching per annotator pair and statement.  Exact: same (start, end), one-to-one.
  Overlap: at least one shared code point, one-to-one, greedily by largest overlap, ties by
  position (statement, start, end, label, target, holder).  Zero-length marks never overlap.
* Span F1 (b against a as reference) = 2 * matched / (n_a + n_b), symmetric; n_a counts a's marks
  on statements both work on.  Pooled over statements, and over pairs for the project (micro).
* Labels, targets and holders are compared on the overlap matching.  cohen_kappa: per pair over
  its matched marks; the project figure is the mean over pairs (with two annotators, theirs).
* Items for multi-rater figures: connected components of all pairwise overlap matchings (rarely,
  through a chain over three annotators, a component holds two marks of one; both count).
  fleiss_kappa needs a constant rater count, so only items of the modal size (>= 2) count.
  krippendorff_alpha and target_alpha are nominal alpha over the items; one-mark items are not
  pairable.  The coefficients themselves are in ``coefficients`` (tests compare alpha with the
  ``krippendorff`` package).
* target_agreement: share of matched pairs with the same target, no target counting as a value
  (in target_alpha too).  stance_agreement: Dice over whole stances, 2 * same / (n_a + n_b),
  same = one-to-one pairs with equal start, end, label, target and holder.
  ``stance_agreement_by_statement`` gives each statement's own figure for many statements in
  one pass (the review queue): the same per-(statement, pair) counts, summed per statement.
* per_label: span, target and stance figures use that label's marks alone (own matching);
  kappas and alpha are one-vs-rest on the overall matching, so null when the label never varies.
* unitized_alpha: Krippendorff's alpha_U (Sociological Methodology 1995; Content Analysis 2004)
  with its segment-length formula, not the per-position approximation.  Per label, each
  annotator's marks are units (overlapping ones merged, touching ones kept apart), the rest gaps.
  Statements form one continuum (L = sum of lengths) whose gaps end at statement ends; marks are
  clipped to the text.  For varying annotators per statement (m_s), a statement's observed
  disagreement is weighted 1 / (m_s - 1) and m * L becomes n = sum(m_s * L_s), as nominal alpha
  does with missing values; for a constant m this is the published formula.  Statements with one
  annotator drop out.  Project figure: 1 - sum(D_o) / sum(D_e) over labels, as Krippendorff pools.
* A figure that cannot be computed is None, with the reason in ``notes``; floats have 4 decimals.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, fields
from itertools import chain

import numpy as np

from annotator.agreement.codes import codes, columns, distinct, first_seen
from annotator.agreement.coefficients import fleiss_kappa, pair_kappas, sparse_alpha, tally
from annotator.agreement.intervals import expand, overlapping, packed, runs
from annotator.agreement.unitizing import alpha_u, disagreement

METRICS = (  # the figures of the project, of each label, in this order
    *("cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "span_f1_exact", "span_f1_overlap"),
    *("target_agreement", "target_alpha", "stance_agreement", "unitized_alpha"),
)
_NO_PAIR = "fewer than two annotators on any statement"
_NO_MARK = "no stances on statements with two or more annotators"
_NO_MATCH = "no overlapping stances between annotators"
_NO_VAR = "no variation in the values, so chance agreement is total"


@dataclass(frozen=True, slots=True)
class Mark:
    """One annotator's stance; offsets in code points, end-exclusive."""

    statement: str
    annotator: str
    start: int
    end: int
    label: str
    target: str | None
    holder: str | None


@dataclass(frozen=True, slots=True)
class Unit:
    """A statement in scope, with the annotators whose work counts there (even without marks)."""

    statement: str
    length: int
    annotators: tuple[str, ...]


@dataclass
class _Table:
    """Counted marks as columns, sorted by statement, span, label, target, holder, annotator."""

    annotators: list[str]
    labels: list[str]
    statements: list[Hashable]  # in the order of their codes in st
    st: np.ndarray  # statement
    an: np.ndarray  # annotator
    s: np.ndarray  # start
    e: np.ndarray  # end
    lab: np.ndarray
    tgt: np.ndarray
    hol: np.ndarray
    mem: np.ndarray  # membership row: one per (statement, annotator), statement-major
    lengths: np.ndarray  # per statement
    raters: np.ndarray  # annotators per statement
    first: np.ndarray  # first membership row of each statement
    member_st: np.ndarray
    member_an: np.ndarray
    shared: np.ndarray  # membership rows (a, b) of the annotator pairs on each statement
    pairs: np.ndarray  # pair of each shared row, as an index into pair_keys
    pair_keys: np.ndarray  # sorted a * K + b, a < b, of the pairs sharing a statement

    @property
    def slot(self) -> np.ndarray:
        """Rank of each mark's annotator among its statement's annotators."""
        return self.mem - self.first[self.st]

    def pair_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Index into pair_keys of the annotator pairs (a, b), a < b."""
        return np.searchsorted(self.pair_keys, a * len(self.annotators) + b)

    def per_pair(self, a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Sum weights per annotator pair (a, b), a < b."""
        return np.bincount(self.pair_of(a, b), weights=weights, minlength=len(self.pair_keys))

    def per_shared(self, a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Sum weights per shared row, from membership rows a < b of one statement."""
        m = max(len(self.member_an), 1)
        row = np.searchsorted(self.shared @ [m, 1], a * m + b)  # shared is sorted
        return np.bincount(row, weights=weights, minlength=len(self.shared))

    def by_pair(self, rows: np.ndarray) -> np.ndarray:
        """Sum per-shared-row counts per annotator pair, as the project and pair figures do."""
        return np.bincount(self.pairs, weights=rows, minlength=len(self.pair_keys))

    def by_statement(self, rows: np.ndarray) -> np.ndarray:
        """Sum per-shared-row counts per statement, for each statement's own figure."""
        st = self.member_st[self.shared[:, 0]]
        return np.bincount(st, weights=rows, minlength=len(self.lengths))


@dataclass
class _Spans:
    """Pair counts, overlap matching and items of one set of marks."""

    tot: np.ndarray  # n_a + n_b per pair
    exact: np.ndarray
    matched: np.ndarray
    same_target: np.ndarray
    same_stance: np.ndarray
    ia: np.ndarray  # matched marks of the lower annotator ...
    ib: np.ndarray  # ... and of the higher one
    members: np.ndarray  # matched marks ...
    item: np.ndarray  # ... and their item


def compute_agreement(units: Iterable[Unit], marks: Iterable[Mark]) -> dict:
    """All agreement figures as one JSON-able dict, so views, CLI and exports report the same."""
    t, notes = _prepare(units, marks), []
    sp = _spans(t, np.arange(len(t.st)))
    kappas, coding = _coding(t, sp, t.lab, len(t.labels))
    parts = [disagreement(t, np.flatnonzero(t.lab == k)) for k in range(len(t.labels))]
    spans = _span_figures(t, sp) | {"unitized_alpha": alpha_u(*parts)}
    out = _finish(coding, sp, spans, sp, "", notes)
    out["n_items"] = _sizes(t, sp, sp, np.arange(len(t.st)))
    out["n_items_per_label"] = {
        name: _sizes(t, sp, _spans(t, np.flatnonzero(t.lab == k)), np.flatnonzero(t.lab == k))
        for k, name in enumerate(t.labels)
    }
    out["per_label"] = {
        name: _label_metrics(t, sp, k, parts[k], notes) for k, name in enumerate(t.labels)
    }
    out["pairs"] = [_pair_row(t, sp, kappas, p) for p in range(len(t.pair_keys))]
    return out | {"n_statements": len(t.lengths), "n_stances": len(t.st), "notes": notes}


def stance_agreement_by_statement(
    units: Iterable[Unit], marks: Iterable[Mark]
) -> dict[Hashable, float | None]:
    """Each statement's stance_agreement as compute_agreement([its unit], marks) gives it.

    One pass for all statements: compute_agreement costs about 2 ms per call whatever the
    size, too much for a review queue of thousands. The counts are the very arrays
    compute_agreement pools over pairs (tests also compare the two on random cases).
    """
    t = _prepare(units, marks)
    idx = np.arange(len(t.st))
    same = t.by_statement(_shared(t, idx, _whole_stance(t))).tolist()
    tot = t.by_statement(_shared_totals(t, idx)).tolist()
    return {st: _num(_ratio(2 * n, d)) for st, n, d in zip(t.statements, same, tot, strict=True)}


def _prepare(units: Iterable[Unit], marks: Iterable[Mark] | np.ndarray) -> _Table:
    """Intern names to integer codes and keep the marks whose work counts, as sorted columns.

    marks: Mark-like objects, or an integer array with a column per Mark field in its order
    (no target or holder as -1; further columns ignored), which a million stances read from
    the database become without a Python object per stance. Both give the same codes.
    """
    scope: dict[str, tuple[int, set[str]]] = {}
    for u in units:  # a statement listed twice keeps the last length and all annotators
        scope[u.statement] = (u.length, scope.get(u.statement, (0, set()))[1] | set(u.annotators))
    names = sorted({a for _, anns in scope.values() for a in anns})
    layout = _layout(scope, names)
    col = columns(marks, [f.name for f in fields(Mark)])
    st, an = codes(col["statement"], scope), codes(col["annotator"], names)
    mem, keep = _membership(layout, st, an, len(names))
    s = np.maximum(np.array(col["start"], np.int64), 0)
    e = np.maximum(np.array(col["end"], np.int64), s)
    cols = {"st": st, "an": an, "mem": mem, "s": s, "e": e}
    all_labels = distinct(col["label"])
    cols["lab"] = codes(col["label"], all_labels)
    cols["tgt"] = codes(col["target"], first_seen(col["target"]))
    cols["hol"] = codes(col["holder"], first_seen(col["holder"]))
    cols = {name: c[keep] for name, c in cols.items()}
    present = np.flatnonzero(np.bincount(cols["lab"], minlength=len(all_labels)))
    rank = np.zeros(len(all_labels), np.int64)
    rank[present] = np.arange(len(present))
    cols["lab"] = rank[cols["lab"]]
    order = np.lexsort(packed([cols[c] for c in ("st", "s", "e", "lab", "tgt", "hol", "an")]))
    labels = [all_labels[k] for k in present]
    cols = {name: c[order] for name, c in cols.items()}
    return _Table(names, labels, list(scope), **cols, **layout)


def _membership(layout: dict, st: np.ndarray, an: np.ndarray, k: int):
    """Membership row of each mark, and whether its annotator's work counts on its statement."""
    member_key = layout["member_st"] * k + layout["member_an"]
    mem = np.minimum(np.searchsorted(member_key, st * k + an), max(len(member_key) - 1, 0))
    if not len(member_key):
        return mem, np.zeros(len(st), bool)
    return mem, (st >= 0) & (an >= 0) & (member_key[mem] == st * k + an)


def _layout(scope: dict[str, tuple[int, set[str]]], names: list[str]) -> dict[str, np.ndarray]:
    """Statement lengths, who works on which statement, and which annotator pairs share one.

    Vectorised: a sorted list and the pairs per statement in Python took 4.5 s at 100,000
    statements.
    """
    code = {a: k for k, a in enumerate(names)}
    raters = np.fromiter((len(anns) for _, anns in scope.values()), np.int64, len(scope))
    member_st = np.repeat(np.arange(len(scope)), raters)
    member_codes = chain.from_iterable(map(code.__getitem__, anns) for _, anns in scope.values())
    member_an = np.fromiter(member_codes, np.int64, int(raters.sum()))
    member_an = member_an[np.lexsort((member_an, member_st))]  # by code within a statement
    first = np.cumsum(raters) - raters
    shared = _pairs_within(raters, first, member_st)
    keys, pairs = np.unique(member_an[shared] @ [len(names), 1], return_inverse=True)
    return {
        "lengths": np.fromiter((max(n, 0) for n, _ in scope.values()), np.int64, len(scope)),
        "raters": raters,
        "first": first,
        "member_st": member_st,
        "member_an": member_an,
        "shared": shared,
        "pairs": pairs.reshape(-1),
        "pair_keys": keys,
    }


def _pairs_within(raters: np.ndarray, first: np.ndarray, member_st: np.ndarray) -> np.ndarray:
    """Membership rows (i, j), i < j, of each statement, in the order of combinations()."""
    rows = np.arange(len(member_st))
    partners = raters[member_st] - 1 - (rows - first[member_st])  # later rows of its statement
    i = np.repeat(rows, partners)
    step = np.arange(len(i)) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    return np.stack([i, i + step], axis=1).reshape(-1, 2)


def _greedy(u: np.ndarray, v: np.ndarray, n_nodes: int) -> np.ndarray:
    """Greedy matching of edges sorted best first, found as rounds of locally best edges."""
    alive, taken, won = np.arange(len(u)), np.zeros(n_nodes, bool), []
    while alive.size:  # an edge best at both its ends is taken by greedy too (Preis 1999)
        uu, vv = u[alive], v[alive]
        best = np.full(n_nodes, len(u))
        np.minimum.at(best, uu, alive)
        np.minimum.at(best, vv, alive)
        top = (best[uu] == alive) & (best[vv] == alive)
        won.append(alive[top])
        taken[uu[top]] = taken[vv[top]] = True
        alive = alive[~(taken[uu] | taken[vv])]
    return np.sort(np.concatenate(won)) if won else alive


def _match(t: _Table, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one overlap matching per annotator pair: largest overlap first, then position."""
    i, j = overlapping(t.st[idx], t.s[idx], t.e[idx])
    i, j = idx[i], idx[j]
    other = t.an[i] != t.an[j]
    i, j = i[other], j[other]
    shortfall = t.e.max(initial=0) - (np.minimum(t.e[i], t.e[j]) - t.s[j])  # 0 = widest
    order = np.lexsort(packed([shortfall, i, j]))
    i, j = i[order], j[order]
    r, slot = int(t.raters.max(initial=0)), t.slot
    nodes = np.concatenate([i * r + slot[j], j * r + slot[i]])  # node: (mark, partner)
    if len(t.st) * r > 4 * len(nodes):  # sparse: number the nodes in use instead
        nodes = np.unique(nodes, return_inverse=True)[1]
    won = _greedy(nodes[: len(i)], nodes[len(i) :], int(nodes.max(initial=-1)) + 1)
    return i[won], j[won]


def _spans(t: _Table, idx: np.ndarray) -> _Spans:
    """Pair counts, matching and items of the marks idx."""
    i, j = _match(t, idx)
    ia, ib = np.where(t.an[i] < t.an[j], i, j), np.where(t.an[i] < t.an[j], j, i)
    members, item = _items(len(t.st), ia, ib)
    return _Spans(
        tot=t.by_pair(_shared_totals(t, idx)),
        exact=t.by_pair(_shared(t, idx, [t.st, t.s, t.e])),
        matched=t.per_pair(t.an[ia], t.an[ib], np.ones(len(ia))),
        same_target=t.per_pair(t.an[ia], t.an[ib], t.tgt[ia] == t.tgt[ib]),
        same_stance=t.by_pair(_shared(t, idx, _whole_stance(t))),
        ia=ia,
        ib=ib,
        members=members,
        item=item,
    )


def _whole_stance(t: _Table) -> list[np.ndarray]:
    """What stance_agreement compares: statement, span, label, target and holder."""
    return [t.st, t.s, t.e, t.lab, t.tgt, t.hol]


def _shared_totals(t: _Table, idx: np.ndarray) -> np.ndarray:
    """n_a + n_b of the marks idx per shared row (a statement and a pair of its annotators)."""
    count = np.bincount(t.mem[idx], minlength=len(t.member_an))
    return count[t.shared].sum(axis=1)


def _shared(t: _Table, idx: np.ndarray, cols: list[np.ndarray]) -> np.ndarray:
    """Per shared row, marks both annotators made with equal cols (multiset intersection).

    cols start with the statement, so each run of equal values lies within one statement.
    """
    m = max(len(t.member_an), 1)
    key, cnt = tally(runs([c[idx] for c in cols]) * m + t.mem[idx])
    group, mem = np.divmod(key, m)
    i, j = expand(np.searchsorted(group, group, side="right"))
    return t.per_shared(mem[i], mem[j], np.minimum(cnt[i], cnt[j]))


def _items(n: int, ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the matchings: the marks in them and each one's item number."""
    comp = np.arange(n)
    while True:  # label propagation with pointer jumping; rounds ~ component diameter
        low = np.minimum(comp[ia], comp[ib])
        new = comp.copy()
        np.minimum.at(new, ia, low)
        np.minimum.at(new, ib, low)
        new = new[new]
        if np.array_equal(new, comp):
            break
        comp = new
    matched = np.zeros(n, bool)
    matched[ia] = matched[ib] = True
    members, root = np.flatnonzero(matched), np.zeros(n, bool)
    root[comp[members]] = True
    return members, (np.cumsum(root) - 1)[comp[members]]


def _coding(t: _Table, sp: _Spans, values: np.ndarray, n_values: int):
    """Per-pair kappas, and project kappas and alpha, of one coding of the matched marks."""
    pidx = t.pair_of(t.an[sp.ia], t.an[sp.ib])
    kappas = pair_kappas(pidx, values[sp.ia], values[sp.ib], len(t.pair_keys), n_values)
    defined = kappas[~np.isnan(kappas)]
    v, n_items = max(n_values, 1), int(sp.item.max(initial=-1)) + 1
    counts = np.bincount(sp.item * v + values[sp.members], minlength=n_items * v).reshape(-1, v)
    return kappas, {
        "cohen_kappa": defined.mean() if len(defined) else None,
        "fleiss_kappa": fleiss_kappa(_modal_items(counts)),
        "krippendorff_alpha": sparse_alpha(sp.item, values[sp.members]),
    }


def _modal_items(counts: np.ndarray) -> np.ndarray:
    """The items marked by the most common number (>= 2) of raters, as Fleiss' kappa needs."""
    size = counts.sum(axis=1)
    sizes, freq = np.unique(size[size >= 2], return_counts=True)
    return counts[size == sizes[freq == freq.max()].max()] if len(sizes) else counts[:0]


def _ratio(num: float, den: float) -> float | None:
    """num / den, or None when there is nothing to divide by."""
    return float(num / den) if den else None


def _span_figures(t: _Table, sp: _Spans, p: int | slice = slice(None)) -> dict:
    """Span, target and stance figures of pair p, or pooled over all pairs (micro)."""
    tot, matched = sp.tot[p].sum(), sp.matched[p].sum()
    return {
        "span_f1_exact": _ratio(2 * sp.exact[p].sum(), tot),
        "span_f1_overlap": _ratio(2 * matched, tot),
        "target_agreement": _ratio(sp.same_target[p].sum(), matched),
        "target_alpha": sparse_alpha(sp.item, t.tgt[sp.members]) if p == slice(None) else None,
        "stance_agreement": _ratio(2 * sp.same_stance[p].sum(), tot),
    }


def _label_metrics(t: _Table, sp: _Spans, k: int, part: tuple[float, float], notes: list) -> dict:
    """Figures for one label: one-vs-rest codings, and spans of its own marks."""
    _, coding = _coding(t, sp, (t.lab == k).astype(np.int64), 2)
    own = _spans(t, np.flatnonzero(t.lab == k))
    figures = _span_figures(t, own) | {"unitized_alpha": alpha_u(part)}
    return _finish(coding, sp, figures, own, f"per_label.{t.labels[k]}.", notes)


def _sizes(t: _Table, sp: _Spans, own: _Spans, idx: np.ndarray) -> dict[str, int]:
    """How many things each figure rests on (reading.READINGS names what they are).

    Stances in scope for the span and stance figures, matched pairs for the kappas and target
    agreement, items (sets of matched stances) for the alphas and Fleiss' kappa (its modal
    items), statements for unitized alpha. sp is the overall matching, own that of idx alone.
    """
    n_items = int(sp.item.max(initial=-1)) + 1
    size = np.bincount(sp.item, minlength=n_items)
    sizes, freq = np.unique(size[size >= 2], return_counts=True)
    modal = int((size == sizes[freq == freq.max()].max()).sum()) if len(sizes) else 0
    stances, matched = len(idx), int(sp.matched.sum())
    return {
        "cohen_kappa": matched,
        "fleiss_kappa": modal,
        "krippendorff_alpha": n_items,
        "span_f1_exact": stances,
        "span_f1_overlap": stances,
        "target_agreement": int(own.matched.sum()),
        "target_alpha": n_items,
        "stance_agreement": stances,
        "unitized_alpha": len(t.lengths),
    }


def _pair_row(t: _Table, sp: _Spans, kappas: np.ndarray, p: int) -> dict:
    """The figures of one annotator pair."""
    a, b = divmod(int(t.pair_keys[p]), len(t.annotators))
    figures = {"cohen_kappa": kappas[p]} | _span_figures(t, sp, p)
    del figures["target_alpha"]
    row = {"a": t.annotators[a], "b": t.annotators[b]} | {k: _num(v) for k, v in figures.items()}
    return row | {"n_matched": int(sp.matched[p])}


def _num(x: float | None) -> float | None:
    """A JSON-safe rounded float, None for missing or NaN."""
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def _finish(coding: dict, sp: _Spans, spans: dict, own: _Spans, prefix: str, notes: list) -> dict:
    """Round the figures, in the documented order, and note why any is missing."""
    figures, why = coding | spans, dict.fromkeys(coding, sp) | dict.fromkeys(spans, own)
    out = {key: _num(figures[key]) for key in METRICS}
    notes.extend(f"{prefix}{key}: {_reason(why[key])}" for key in METRICS if out[key] is None)
    return out


def _reason(sp: _Spans) -> str:
    """Why a figure on these marks is missing, from the most basic cause up."""
    if not len(sp.tot):
        return _NO_PAIR
    if not sp.tot.sum():
        return _NO_MARK
    return _NO_MATCH if not sp.matched.sum() else _NO_VAR
