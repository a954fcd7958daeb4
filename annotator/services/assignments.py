"""Assignments: which annotator works which statement, and in what state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import Assignment, Project, Statement, User
from .audit import record_event
from .projects import role_of


def assign_statement(
    session: Session, project: Project, statement: Statement, annotator: User, *, user=None
) -> Assignment:
    """Assign a statement to a project member; assigning twice changes nothing."""
    if role_of(session, project, annotator) is None:
        raise Invalid(f"'{annotator.username}' is not a member of this project.", field="annotator")
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.statement_id == statement.id, Assignment.annotator_id == annotator.id
        )
    )
    if assignment is None:
        assignment = Assignment(statement_id=statement.id, annotator_id=annotator.id, state="new")
        session.add(assignment)
        session.flush()
        record_event(
            session,
            user=user,
            action="assign",
            entity="assignment",
            entity_id=assignment.id,
            project_id=project.id,
            statement_id=statement.id,
            data={"annotator": annotator.username},
        )
    elif not assignment.active:
        assignment.active = True
    return assignment


TRANSITIONS = {"done": "done", "reopen": "in_progress", "skip": "skipped"}


def set_assignment_state(
    session: Session, project: Project, statement: Statement, user: User, action: str
) -> Assignment:
    """Mark the user's statement done, reopen it or skip it."""
    from .stances import require_assignment

    if action not in TRANSITIONS:
        raise Invalid(f"Unknown action '{action}'.", field="action")
    assignment = require_assignment(session, statement, user, editable=False)
    before, assignment.state = assignment.state, TRANSITIONS[action]
    session.flush()
    record_event(
        session,
        user=user,
        action=action,
        entity="assignment",
        entity_id=assignment.id,
        project_id=project.id,
        statement_id=statement.id,
        data={"from": before, "to": assignment.state},
    )
    return assignment
