"""The audit trail: every change that matters leaves an event, so no work disappears unseen."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from annotator.models import AuditEvent, Statement, User


def record_event(
    session: Session,
    user: User | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    project_id: int | None = None,
    statement_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the audit log in the caller's transaction.

    Who did what to which row, and where: the arguments read in that order (`record_event(
    session, user, "assign", "assignment", a.id, project_id=p.id, statement_id=st.id)`).
    The ids of "where" are named, so no id can take another's place.

    Written at once as a plain INSERT: events are never read back in the request that writes
    them, and the unit of work costs several times the insert on the save path. Every id it
    names belongs to a row already flushed (an id is known only after its flush).
    """
    values = {
        "user_id": user.id if user else None,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "project_id": project_id,
        "statement_id": statement_id,
        "data": data or {},
    }
    session.connection().execute(_INSERT, values)


def record_statement_event(
    session: Session,
    user: User | None,
    action: str,
    entity: str,
    entity_id: int,
    statement: Statement,
    data: dict[str, Any] | None = None,
) -> None:
    """An event about a row of one statement, which gives both ids of "where" (no ints to swap)."""
    where = {"statement_id": statement.id, "data": data}
    record_event(session, user, action, entity, entity_id, project_id=statement.project_id, **where)


def record_statement_change(
    session: Session,
    user: User | None,
    project_id: int,
    action: str,
    entity: str,
    row: Any,
    after: dict,
    before: dict | None = None,
    extra: dict | None = None,
) -> None:
    """Log a change to a statement's stance or relation with its content, so it can be undone."""
    data = {"after": after, **(extra or {})}
    if before is not None:
        data["before"] = before
    record_event(
        session,
        user,
        action,
        entity,
        row.id,
        project_id=project_id,
        statement_id=row.statement_id,
        data=data,
    )


_INSERT = AuditEvent.__table__.insert()
