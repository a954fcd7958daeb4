"""Unanimous stances into gold: one statement from the side-by-side page, or a whole project.

A stance is unanimous when every annotator in scope (see review.agreement_scope) gave one with
the same span, label, target and holder. Already-gold content and versions an earlier decision
used (a rejection, say) are left alone, so running it again adds nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.rows import content_key
from annotator.errors import Invalid
from annotator.models import GoldDecision, Project, Stance, Statement, User
from annotator.review.adjudication import (
    claim_statement,
    claim_statements,
    copy_to_gold,
    record_decision,
)
from annotator.review.relation_adjudication import (
    accept_unanimous_relations,
    auto_relations,
    unanimous_relations,
)
from annotator.review.relation_groups import GoldIndex
from annotator.review.review import agreement_scope
from annotator.review.side_by_side import SideBySide


def unanimous_sources(stances: list[Stance], annotators: set[int]) -> list[list[Stance]]:
    """Stances every annotator gave identically (span, label, target, holder): one list each."""
    if len(annotators) < 2:
        return []
    by_key: dict[tuple, dict[int, list[Stance]]] = defaultdict(lambda: defaultdict(list))
    for s in sorted(stances, key=lambda s: s.id):
        if s.annotator_id in annotators:
            by_key[content_key(s)][s.annotator_id].append(s)
    out = []
    for lanes in by_key.values():
        copies = min(len(lanes.get(a, [])) for a in annotators)
        out.extend([lanes[a][k] for a in sorted(annotators)] for k in range(copies))
    return out


def _pending(stances: list[Stance], annotators: set[int], decided: set[int]) -> list[list[Stance]]:
    """Unanimous groups that are neither in gold already nor used by an earlier decision."""
    gold_keys = Counter(content_key(s) for s in stances if s.is_gold)
    out = []
    for group in unanimous_sources([s for s in stances if not s.is_gold], annotators):
        key = content_key(group[0])
        if gold_keys[key] > 0:
            gold_keys[key] -= 1
        elif not decided & {s.id for s in group}:
            out.append(group)
    return out


def _accept_all(session, project, reviewer, todo: dict[Statement, list[list[Stance]]]) -> int:
    """Gold copies and decisions for the groups of each statement, flushed as two batches."""
    made = [
        (st, group, copy_to_gold(st, group[0])) for st, groups in todo.items() for group in groups
    ]
    session.add_all([gold for _, _, gold in made])
    session.flush()  # the decisions need the gold ids
    for statement, group, gold in made:
        record_decision(session, project, statement, reviewer, "auto", group, gold)
    session.flush()
    return len(made)


def _statement_stances(session: Session, statement_ids) -> dict[int, list[Stance]]:
    out: dict[int, list[Stance]] = defaultdict(list)
    for s in session.scalars(
        select(Stance).where(Stance.statement_id.in_(statement_ids), Stance.deleted_at.is_(None))
    ):
        out[s.statement_id].append(s)
    return out


def decided_ids(session: Session, statement_ids) -> dict[int, set[int]]:
    """Statement id -> annotator stance ids that earlier decisions used, in one query.

    Also the review queue's page (``queue_page``): which groups are still open.
    """
    rows = session.execute(
        select(GoldDecision.statement_id, GoldDecision.source_stance_ids).where(
            GoldDecision.statement_id.in_(statement_ids)
        )
    )
    out: dict[int, set[int]] = defaultdict(set)
    for statement_id, ids in rows:
        out[statement_id].update(ids or [])
    return out


def pending_unanimous(
    session: Session, project: Project, statement: Statement, *, include_unfinished: bool = False
) -> list[list[Stance]]:
    """The unanimous groups "accept all unanimous" would take: the board shows this count."""
    scope = agreement_scope(session, project, include_unfinished=include_unfinished)
    return _pending_on(session, statement, scope.get(statement.id, set()))


def _pending_on(session: Session, statement: Statement, annotators: set[int]):
    """pending_unanimous for a statement whose annotators in scope are known."""
    if len(annotators) < 2:
        return []
    stances = _statement_stances(session, [statement.id])[statement.id]
    return _pending(stances, annotators, decided_ids(session, [statement.id])[statement.id])


def accept_unanimous(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User | None,
    review_version: int | None,
    *,
    include_unfinished: bool = False,
) -> int:
    """Accept every unanimous stance of one statement, then every unanimous relation whose
    ends are in gold; returns how many gold stances and relations it made."""
    scope = agreement_scope(session, project, include_unfinished=include_unfinished)
    annotators = scope.get(statement.id, set())
    if len(annotators) < 2:
        raise Invalid(
            "Unanimity needs two or more annotators who marked this statement done.",
            field="review_version",
        )
    groups = _pending_on(session, statement, annotators)
    coming = {content_key(g[0]) for g in groups}
    if not groups and not unanimous_relations(session, statement, annotators, coming):
        raise Invalid("Nothing unanimous is left to accept on this statement.")
    claim_statement(session, statement, reviewer, review_version)
    made = _accept_all(session, project, reviewer, {statement: groups})
    return made + accept_unanimous_relations(session, project, statement, reviewer, annotators)


def pending_count(
    session: Session, view: SideBySide, index_of: Callable[[], GoldIndex] | None = None
) -> tuple[int, int]:
    """(stances, relations) the "accept all unanimous" button would take.

    From what the board already read (its statement's scope, live stances as rows, the
    stance ids decisions used; the gold index, built when relations need it), not the
    project's whole scope and the stances again: the page's cost stays its statement's.
    """
    annotators = view.scope
    groups = _pending(view.stances, annotators, view.decided) if len(annotators) >= 2 else []
    coming = {content_key(g[0]) for g in groups}
    relations = unanimous_relations(session, view.statement, annotators, coming, index_of)
    return len(groups), len(relations)


@dataclass
class AutoReport:
    statements: int = 0
    created: int = 0
    relations: int = 0


# Statement ids per IN (...) list: well under SQLite's oldest limit of 999 bound parameters.
BATCH = 500


def adjudicate_auto(
    session: Session, project: Project, *, include_unfinished: bool = False, user=None
) -> AutoReport:
    """Accept the unanimous stances of every statement in scope; running it twice adds nothing."""
    scope = agreement_scope(session, project, include_unfinished=include_unfinished)
    report = AutoReport(statements=len(scope))
    ids = sorted(scope)
    for k in range(0, len(ids), BATCH):
        batch = {sid: scope[sid] for sid in ids[k : k + BATCH]}
        report.created += _auto_batch(session, project, user, batch)
    report.relations = auto_relations(session, project, scope, user)
    return report


def _auto_batch(session, project, user, scope: dict[int, set[int]]) -> int:
    """One batch of statements in three reads, one UPDATE and batched INSERTs, not per statement."""
    stances = _statement_stances(session, list(scope))
    decided = decided_ids(session, list(scope))
    todo = {}
    for sid, annotators in scope.items():
        if groups := _pending(stances[sid], annotators, decided[sid]):
            todo[sid] = groups
    if not todo:
        return 0
    query = select(Statement).where(Statement.id.in_(todo), Statement.reviewed_at.is_(None))
    statements = list(session.scalars(query.order_by(Statement.id)))  # finished ones are locked
    if not statements:
        return 0
    claim_statements(session, statements, user)
    return _accept_all(session, project, user, {st: todo[st.id] for st in statements})
