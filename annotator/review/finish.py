"""The end of a statement's review: "Finish review", reopening it, its state and the next one.

A decision only moves the statement's review version; the reviewer says when gold is complete
by finishing the review, which sets ``reviewed_at`` (and locks gold until reopened). The
queue's state column reads: open (no decision yet), in review, reviewed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from annotator.db.audit import record_statement_event
from annotator.errors import Conflict
from annotator.models import Project, Statement, User, utcnow

STATES = ("open", "in review", "reviewed")


def review_state(reviewed_at, review_version: int) -> str:
    """open: nobody decided anything; in review: decisions, not finished; reviewed: finished."""
    if reviewed_at is not None:
        return "reviewed"
    return "in review" if review_version else "open"


def finish_review(
    session: Session, project: Project, statement: Statement, reviewer: User, review_version: int
) -> Statement:
    """Mark the statement reviewed by ``reviewer`` now, from the review version they saw."""
    if statement.reviewed_at is not None:
        raise Conflict("The review of this statement is already finished.", field="review_version")
    _move(session, statement, review_version, finished=True, reviewer=reviewer)
    _event(session, project, statement, reviewer, "finish")
    return statement


def reopen_review(
    session: Session, project: Project, statement: Statement, reviewer: User, review_version: int
) -> Statement:
    """Unlock gold again: the statement is back in review (its decisions stay)."""
    if statement.reviewed_at is None:
        raise Conflict("The review of this statement is not finished.", field="review_version")
    _move(session, statement, review_version, finished=False, reviewer=reviewer)
    _event(session, project, statement, reviewer, "reopen")
    return statement


def _move(session, statement, review_version: int, *, finished: bool, reviewer: User) -> None:
    """One conditional UPDATE: a page older than the last decision is a Conflict, not a finish."""
    query = (
        update(Statement)
        .where(Statement.id == statement.id, Statement.review_version == review_version)
        .where(Statement.reviewed_at.is_(None) if finished else Statement.reviewed_at.is_not(None))
        .values(
            review_version=Statement.review_version + 1,
            reviewed_at=utcnow() if finished else None,
            reviewed_by_id=reviewer.id if finished else None,
        )
        .execution_options(synchronize_session=False)
    )
    if session.execute(query).rowcount != 1:
        session.refresh(statement)
        if (statement.reviewed_at is not None) == finished:
            state = "already finished" if finished else "not finished"
            raise Conflict(f"The review of this statement is {state}.", field="review_version")
        raise Conflict(
            "Another reviewer changed this statement while you were looking at it (you had "
            f"review version {review_version}, it is now {statement.review_version}). Nothing "
            "was saved; the page now shows the current state.",
            field="review_version",
        )
    session.expire(statement, ["review_version", "reviewed_at", "reviewed_by_id"])


def _event(session, project, statement, reviewer, action: str) -> None:
    data = {"review_version": statement.review_version}
    record_statement_event(session, reviewer, action, "review", statement.id, statement, data)
