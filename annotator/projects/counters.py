"""The stored counters of a project (migration 0013): read here, kept by database triggers.

Progress, Assignments and the list of a project's annotators read these few rows instead of
counting every stance and assignment per request. The triggers update them in the
transaction of each write, whatever path makes it; ``recount`` counts the rows afresh, which
is what the stored figures must always equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.models import (
    Assignment,
    AssignmentCount,
    Label,
    Project,
    Stance,
    StanceCount,
    Statement,
    StatementCoverage,
)


@dataclass(frozen=True)
class AssignmentStates:
    """One annotator's active assignments of a project, by state."""

    assigned: int = 0
    done: int = 0
    skipped: int = 0
    in_progress: int = 0


def stance_counts(session: Session, project: Project) -> dict[tuple[int, int], int]:
    """(annotator id, label id) -> live annotator stances (gold and deleted ones excluded)."""
    query = select(StanceCount.annotator_id, StanceCount.label_id, StanceCount.n).where(
        StanceCount.label_id.in_(select(Label.id).where(Label.project_id == project.id)),
        StanceCount.n > 0,
    )
    return {(aid, lid): n for aid, lid, n in session.execute(query)}


def assignment_states(session: Session, project: Project) -> dict[int, AssignmentStates]:
    """Annotator id -> their active assignments by state (annotators with none left out)."""
    per: dict[int, dict[str, int]] = {}
    query = select(AssignmentCount.annotator_id, AssignmentCount.state, AssignmentCount.n).where(
        AssignmentCount.project_id == project.id, AssignmentCount.active, AssignmentCount.n > 0
    )
    for uid, state, n in session.execute(query):
        per.setdefault(uid, {})[state] = n
    return {
        uid: AssignmentStates(
            sum(s.values()), s.get("done", 0), s.get("skipped", 0), s.get("in_progress", 0)
        )
        for uid, s in per.items()
    }


def statement_coverage(session: Session, project: Project) -> dict[int, int]:
    """k -> statements with at least k active assignees; 0 -> all the project's statements."""
    query = select(StatementCoverage.assignees, StatementCoverage.statements).where(
        StatementCoverage.project_id == project.id
    )
    return {k: n for k, n in session.execute(query)}


def counted_annotators(session: Session, project: Project):
    """A select of the ids of users with an assignment (of any state) or a live stance here."""
    assigned = select(AssignmentCount.annotator_id).where(
        AssignmentCount.project_id == project.id, AssignmentCount.n > 0
    )
    stanced = select(StanceCount.annotator_id).where(
        StanceCount.label_id.in_(select(Label.id).where(Label.project_id == project.id)),
        StanceCount.n > 0,
    )
    return assigned.union(stanced)


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
