"""The whole agreement report: stance figures, relation figures and bootstrap intervals.

One function feeds the agreement page, ``annotator agreement`` and the API, so the three
report the same numbers. Relations are compared on the statements in the stance scope
(``review.agreement_scope``): the annotators whose stances count are the ones whose
relations count. The pure computations are in ``annotator.agreement``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.agreement.bootstrap import RESAMPLES, relation_intervals_of, stance_intervals
from annotator.agreement.relations import Compared, compare_statements, relation_figures
from annotator.agreement.resampling import RelationParts
from annotator.agreement.stances import compute_agreement
from annotator.models import Label, Project, RelationType
from annotator.projects.counters import stance_counts
from annotator.review.agreement_input import AgreementInput, load_input
from annotator.review.review import NO_STATEMENT, name_figures, name_result

INLINE_STANCES = 10_000  # computed inside a request up to this many stances (about 0.15 s)


def too_big_to_compute_now(session: Session, project: Project) -> int | None:
    """The project's stance count when it is too big to compute in a request, else None.

    Without a stored result the page and the API used to compute the report themselves: at
    1,000,000 stances that took over a minute and 1.1 GB in the web worker (measured with
    bench/scale.py --scale 1). Above ``INLINE_STANCES`` they show how to store a run instead.
    The count is read from the stored counters (a few hundred rows), never from stances.
    """
    n = sum(stance_counts(session, project).values())
    return n if n > INLINE_STANCES else None


def agreement_report(
    session: Session,
    project: Project,
    names: dict[int, str],
    *,
    include_unfinished: bool = False,
    intervals: bool = False,
    resamples: int = RESAMPLES,
    compare=None,
    seen=None,
) -> dict:
    """Stance figures (as project_agreement), plus ``relations`` and, asked, ``intervals``.

    The stances are read once (``agreement_input``) for the stance figures and as relation
    ends. compare(data) gives the relation counts per statement (by default every
    statement compared afresh): the stored result (``stored_agreement``) passes one that
    reuses the counts of unchanged statements, and seen(data), called once the input is
    loaded, to store each statement's own.
    """
    data = load_input(session, project, include_unfinished)
    if seen is not None:
        seen(data)
    result = compute_agreement(data.units, data.stances)
    if intervals:  # on ids, before names replace them
        stance_bounds = stance_intervals(data.units, data.stances, result, resamples=resamples)
    if not data.units:
        result["notes"].insert(0, NO_STATEMENT)
    labels = _keys(session, Label, project)
    result = name_result(result, names, labels)
    types = _keys(session, RelationType, project)
    compared = (compare or compare_all)(data)
    relations = relation_figures(compared)
    if intervals:
        parts = RelationParts.of(in_order(compared))
        bounds = relation_intervals_of(parts, relations, resamples=resamples)
        result["intervals"] = _named(stance_bounds, names, labels, "per_label")
    result["relations"] = _name_relations(relations, names, types)
    if intervals:
        result["relations"]["intervals"] = _named(bounds, names, types, "per_type")
        result["resamples"] = resamples
    return result


def compare_all(data: AgreementInput) -> Compared:
    """The relation counts of every statement in scope, compared afresh."""
    nodes = data.nodes()
    return compare_statements(data.units, nodes, data.links_between(nodes))


def in_order(compared: Compared) -> Compared:
    """Statements in the bootstrap's fixed order (``bootstrap._sorted``), so draws agree."""
    keys = sorted(compared.pairs, key=repr)
    return Compared({k: compared.pairs[k] for k in keys}, compared.n_relations)


def _keys(session: Session, model, project: Project) -> dict[int, str]:
    """Id -> key of the project's labels or relation types."""
    rows = session.execute(select(model.id, model.key).where(model.project_id == project.id))
    return dict(rows.all())


def _name_relations(result: dict, names: dict[int, str], types: dict[int, str]) -> dict:
    """Relation figures with type keys and annotator names instead of ids."""
    if not result["n_statements"]:
        result["notes"].insert(0, NO_STATEMENT)
    return name_figures(result, names, types, "per_type")


def _named(bounds: dict, names: dict[int, str], keys: dict[int, str], section: str) -> dict:
    """Intervals as JSON: section keyed by label or type key, pairs as a list with names."""
    pairs = [
        {"a": names.get(a, "?"), "b": names.get(b, "?")} | figures
        for (a, b), figures in sorted(bounds.get("pairs", {}).items())
    ]
    per = {keys.get(k, str(k)): v for k, v in bounds.get(section, {}).items()}
    return {"project": bounds["project"], section: per, "pairs": pairs}
