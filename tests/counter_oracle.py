"""The oracle of the stored counters: every counter as the triggers left it, and counted afresh.

The tests compare the two after each kind of write (``test_counters.py``); no command of the
product recounts (a counter that drifted would be a trigger bug to fix, not to paper over).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.models import (
    Assignment,
    AssignmentCount,
    Stance,
    StanceCount,
    Statement,
    StatementCoverage,
)


@dataclass(frozen=True)
class Counters:
    """Every project's counters, non-zero ones only, for comparing stored with recounted."""

    stances: dict[tuple[int, int], int]  # (label, annotator) -> n
    assignments: dict[tuple[int, int, bool, str], int]  # (project, annotator, active, state)
    coverage: dict[tuple[int, int], int]  # (project, k) -> statements with >= k active


def stored_counters(session: Session) -> Counters:
    """The counters as the triggers left them."""
    return Counters(
        _nonzero(session, StanceCount.label_id, StanceCount.annotator_id, StanceCount.n),
        _nonzero(
            session,
            AssignmentCount.project_id,
            AssignmentCount.annotator_id,
            AssignmentCount.active,
            AssignmentCount.state,
            AssignmentCount.n,
        ),  # fmt: skip
        _nonzero(
            session,
            StatementCoverage.project_id,
            StatementCoverage.assignees,
            StatementCoverage.statements,
        ),
    )


def _nonzero(session: Session, *columns) -> dict:
    return {tuple(row[:-1]): row[-1] for row in session.execute(select(*columns)) if row[-1]}


def recount(session: Session) -> Counters:
    """The counters counted afresh from the stances, assignments and statements."""
    live = select(Stance.label_id, Stance.annotator_id, func.count()).where(
        Stance.deleted_at.is_(None), Stance.is_gold.is_(False)
    )
    states = select(
        Statement.project_id, Assignment.annotator_id, Assignment.active, Assignment.state,
        func.count(),
    ).join(Statement, Statement.id == Assignment.statement_id)  # fmt: skip
    per_statement = select(
        Statement.project_id,
        func.count(Assignment.id).label("c"),
    ).outerjoin(Assignment, (Assignment.statement_id == Statement.id) & Assignment.active)
    coverage: dict[tuple[int, int], int] = {}
    for project_id, c in session.execute(per_statement.group_by(Statement.id)):
        for k in range(c + 1):
            coverage[project_id, k] = coverage.get((project_id, k), 0) + 1
    return Counters(_grouped(session, live, 2), _grouped(session, states, 4), coverage)


def _grouped(session: Session, query, keys: int) -> dict:
    """Run a count query grouped by its first ``keys`` columns, as key tuple -> count."""
    rows = session.execute(query.group_by(*list(query.selected_columns)[:keys]))
    return {tuple(row[:keys]): row[keys] for row in rows}
