"""Bootstrap confidence intervals of the agreement figures, resampling statements. Pure.

Stances and relations on one statement depend on each other (one annotator's marks share a
text, matching is per statement), so the statement is the unit drawn: each resample draws
as many statements as the scope holds, with replacement (a statement drawn twice counts
twice). The figures of a draw come from per-statement sums (``resampling``), not from a
recomputation, which would cost the whole computation per resample. Unitized alpha is not
a sum over statements and gets no interval (see ``resampling``).

Choices (docs/review.md):

* Percentile interval at 95 %: the 2.5th and 97.5th percentiles of the resampled figures
  (numpy's linear interpolation). Resamples in which a figure is undefined (a pair that shares
  no drawn statement, a label that never varies) are left out of that figure's percentiles.
* The interval always holds the estimate: a percentile interval can miss it when the
  resampled figures are skewed and the statements few, and an interval beside a figure it
  does not contain only confuses; it is then widened to the estimate (conservative).
* Seeded (``numpy.random.default_rng(seed)``) over the statements sorted by id, so the same
  data give the same interval whatever order the database returns them in.
* ``RESAMPLES`` = 200: the README's Performance section has the timings that chose it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import numpy as np

from annotator.agreement import relations
from annotator.agreement.relations import Link, Node, compute_relation_agreement
from annotator.agreement.resampling import Figures, RelationParts, StanceParts
from annotator.agreement.stances import METRICS, Unit, compute_agreement

RESAMPLES = 200
LEVEL = 0.95
Flat = dict[tuple, float | None]


@lru_cache(maxsize=1)
def draws(n_statements: int, resamples: int, seed: int) -> np.ndarray:
    """Resamples x statements: how often each statement is drawn (n draws with replacement).

    Kept for the next call (read-only): stance and relation intervals draw the same
    statements, and at 100,000 statements a draw of 200 resamples costs seconds.
    """
    w = _draws(n_statements, resamples, seed)
    w.flags.writeable = False
    return w


def _draws(n_statements: int, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if not n_statements:
        return np.zeros((0, 0))
    w = rng.multinomial(n_statements, np.full(n_statements, 1 / n_statements), resamples) * 1.0
    return np.asfortranarray(w)  # column-major: a statement's draws lie together (Sparse)


def intervals(
    estimate: Flat,
    figures_of: Callable[[np.ndarray], Figures],
    n_statements: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
) -> dict[tuple, list[float]]:
    """[low, high] of every estimated figure that a resample can compute."""
    w = draws(n_statements, resamples, seed)
    if not len(w):
        return {}
    drawn = figures_of(w)
    out = {}
    for key, value in estimate.items():
        values = drawn.get(key)
        if value is None or values is None or np.isnan(values).all():
            continue
        out[key] = bounds(value, values[~np.isnan(values)], level)
    return out


def bounds(estimate: float, values: Sequence[float], level: float = LEVEL) -> list[float]:
    """The percentile interval of values, widened to hold the estimate, to 4 decimals."""
    tail = (1 - level) / 2
    low, high = np.quantile(np.asarray(values, float), [tail, 1 - tail])
    return [round(float(min(low, estimate)), 4), round(float(max(high, estimate)), 4)]


def _sorted(units: Iterable[Unit]) -> list[Unit]:
    """Units in a fixed order, whatever order the database returned them in."""
    return sorted(units, key=lambda u: repr(u.statement))


def stance_intervals(
    units: Iterable[Unit],
    marks: Iterable,
    result: dict | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict:
    """Intervals of compute_agreement's figures (its result, if computed already), nested."""
    units = _sorted(units)
    marks = marks if isinstance(marks, np.ndarray) else list(marks)
    result = result or compute_agreement(units, marks)
    parts = StanceParts(units, marks)
    estimate = flatten(result, METRICS, "per_label")
    found = intervals(estimate, parts.figures, parts.n_st, resamples=resamples, seed=seed)
    return nest(found)


def relation_intervals(
    units: Iterable[Unit],
    nodes: Iterable[Node],
    links: Iterable[Link],
    result: dict | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict:
    """Intervals of compute_relation_agreement's figures (its result, if computed), nested."""
    units, nodes, links = _sorted(units), list(nodes), list(links)
    result = result or compute_relation_agreement(units, nodes, links)
    return relation_intervals_of(
        RelationParts(units, nodes, links), result, resamples=resamples, seed=seed
    )


def relation_intervals_of(
    parts: RelationParts, result: dict, *, resamples: int = RESAMPLES, seed: int = 0
) -> dict:
    """Intervals of relation figures from their parts (built from stored counts, or fresh)."""
    estimate = flatten(result, relations.METRICS, "per_type")
    n = len(parts.statements)
    return nest(intervals(estimate, parts.figures, n, resamples=resamples, seed=seed))


def flatten(result: dict, metrics: Sequence[str], section: str) -> Flat:
    """The figures of an agreement result keyed (part, name, metric), part project/section/pair."""
    flat: Flat = {("project", "", m): result[m] for m in metrics}
    for name, figures in result[section].items():
        flat |= {(section, name, m): v for m, v in figures.items() if m in metrics}
    for pair in result["pairs"]:
        flat |= {("pairs", (pair["a"], pair["b"]), m): pair.get(m) for m in metrics}
    return flat


def nest(flat: dict[tuple, list[float]]) -> dict:
    """{"project": {metric: [lo, hi]}, section: {name: {...}}, "pairs": {(a, b): {...}}}."""
    out: dict = {"project": {}}
    for (part, name, metric), interval in flat.items():
        if part == "project":
            out["project"][metric] = interval
        else:
            out.setdefault(part, {}).setdefault(name, {})[metric] = interval
    return out
