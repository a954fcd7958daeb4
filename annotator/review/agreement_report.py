"""The whole agreement report: stance figures, relation figures and bootstrap intervals.

One function feeds the agreement page, ``annotator agreement`` and the API, so the three
report the same numbers. Relations are compared on the statements in the stance scope
(``review.agreement_scope``): the annotators whose stances count are the ones whose
relations count. The pure computations are in ``annotator.agreement``.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.agreement.bootstrap import RESAMPLES, relation_intervals_of, stance_intervals
from annotator.agreement.relations import (
    Compared,
    Link,
    Node,
    compare_statements,
    relation_figures,
)
from annotator.agreement.resampling import RelationParts
from annotator.agreement.stances import Unit, compute_agreement
from annotator.models import Label, Project, Relation, RelationType, Stance, Statement
from annotator.review.review import (
    NO_STATEMENT,
    agreement_scope,
    load_agreement_input,
    name_figures,
    name_result,
)


def agreement_report(
    session: Session,
    project: Project,
    names: dict[int, str],
    *,
    include_unfinished: bool = False,
    intervals: bool = False,
    resamples: int = RESAMPLES,
    compare=compare_statements,
    seen=None,
) -> dict:
    """Stance figures (as project_agreement), plus ``relations`` and, asked, ``intervals``.

    compare(units, nodes, links) gives the relation counts per statement: the stored result
    (``stored_agreement``) passes one that reuses the counts of unchanged statements, and
    seen(units, marks), called once the stances are loaded, to store each statement's own.
    """
    mark_units, marks = load_agreement_input(
        session, project, include_unfinished=include_unfinished
    )
    if seen is not None:
        seen(mark_units, marks)
    result = compute_agreement(mark_units, marks)
    if intervals:  # on ids, before names replace them
        stance_bounds = stance_intervals(mark_units, marks, result, resamples=resamples)
    if not mark_units:
        result["notes"].insert(0, NO_STATEMENT)
    labels = _keys(session, Label, project)
    result = name_result(result, names, labels)
    units, nodes, links = load_relation_input(session, project, include_unfinished, mark_units)
    types = _keys(session, RelationType, project)
    compared = compare(units, nodes, links)
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


def in_order(compared: Compared) -> Compared:
    """Statements in the bootstrap's fixed order (``bootstrap._sorted``), so draws agree."""
    keys = sorted(compared.pairs, key=repr)
    return Compared({k: compared.pairs[k] for k in keys}, compared.n_relations)


def _keys(session: Session, model, project: Project) -> dict[int, str]:
    """Id -> key of the project's labels or relation types."""
    rows = session.execute(select(model.id, model.key).where(model.project_id == project.id))
    return dict(rows.all())


def load_relation_input(
    session: Session, project: Project, include_unfinished: bool, units: list[Unit] | None = None
):
    """Units of the statements in scope, their live annotator stances as nodes, their relations.

    units: the stance units loaded already (same scope), so the text lengths are read once.
    """
    if units is None:
        scope = agreement_scope(session, project, include_unfinished=include_unfinished)
        lengths = session.execute(
            select(Statement.id, func.length(Statement.text)).where(
                Statement.project_id == project.id
            )
        )
        units = [Unit(sid, n, tuple(sorted(scope[sid]))) for sid, n in lengths if sid in scope]
    else:
        scope = {u.statement: set(u.annotators) for u in units}
    if not scope:
        return [], [], []
    live = (Stance.deleted_at.is_(None), Stance.is_gold.is_(False))
    stances = select(Stance.id, Stance.statement_id, Stance.annotator_id, Stance.start, Stance.end)
    stances = stances.join(Statement).where(Statement.project_id == project.id, *live)
    nodes = [Node(*row) for row in session.execute(stances) if row[1] in scope]
    ids = {n.id for n in nodes}
    rels = select(Relation.from_stance_id, Relation.to_stance_id, Relation.type_id).join(
        Statement, Relation.statement_id == Statement.id
    )
    rels = rels.where(
        Statement.project_id == project.id,
        Relation.deleted_at.is_(None),
        Relation.is_gold.is_(False),
    )
    links = [Link(*row) for row in session.execute(rels) if row[0] in ids and row[1] in ids]
    return units, nodes, links


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
