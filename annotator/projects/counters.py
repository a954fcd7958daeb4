"""The stored counters of a project (migration 0013): read here, kept by database triggers.

Progress, Assignments and the list of a project's annotators read these few rows instead of
counting every stance and assignment per request. The triggers update them in the
transaction of each write, whatever path makes it. The tests recount the rows afresh
(``tests/counter_oracle.py``), which is what the stored figures must always equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.models import (
    AssignmentCount,
    Label,
    Project,
    StanceCount,
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
