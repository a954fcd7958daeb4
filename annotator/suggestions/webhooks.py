"""Annotation webhooks to external models, so a model can train as annotators work.

The audit log is the feed: every stance event of the project after the recommender's
cursor (``event_cursor``) is sent to ``POST {url}/webhook`` as Label Studio would send it
(``ANNOTATION_CREATED``, ``_UPDATED``, ``_DELETED``), in order, stopping at the first
failure; the cursor then stays before the event that failed, so nothing is lost while the
server is down. Network calls are made with no write pending.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.models import Actor, AuditEvent, Label, Project, Recommender, Stance, Statement
from annotator.suggestions import ls_protocol
from annotator.suggestions.external import (
    ModelServer,
    labeling_config,
    project_ref,
    record_failure,
)

_ACTIONS = {
    "create": "ANNOTATION_CREATED",
    "restore": "ANNOTATION_CREATED",
    "update": "ANNOTATION_UPDATED",
    "delete": "ANNOTATION_DELETED",
}


def pending_events(session: Session, project: Project, recommender: Recommender, limit: int):
    """The project's stance events after the recommender's cursor (the audit log is the feed)."""
    return session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.project_id == project.id,
            AuditEvent.entity == "stance",
            AuditEvent.action.in_(list(_ACTIONS)),
            AuditEvent.id > recommender.event_cursor,
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    ).all()


def webhook_bodies(session: Session, project: Project, events) -> list[tuple[int, dict]]:
    """``(event id, webhook body)`` per stance event, as Label Studio would send them."""
    stances = {
        s.id: s
        for s in session.scalars(select(Stance).where(Stance.id.in_([e.entity_id for e in events])))
    }
    statements = {
        s.id: s
        for s in session.scalars(
            select(Statement).where(Statement.id.in_([s.statement_id for s in stances.values()]))
        )
    }
    labels = {
        lab.id: lab.key
        for lab in session.scalars(select(Label).where(Label.project_id == project.id))
    }
    keys = _actor_keys(session, stances.values())
    config, ref = labeling_config(project), project_ref(project)
    bodies = []
    for event in events:
        stance = stances.get(event.entity_id)
        if stance is None:
            continue
        snapshot = {"id": stance.id, **event.data.get("after", {})}
        snapshot["label"] = labels.get(snapshot.get("label_id"), "")
        snapshot["target"] = keys.get(snapshot.get("target_id"))
        snapshot["holder"] = keys.get(snapshot.get("holder_id"))
        statement = statements[stance.statement_id]
        annotation = {
            "id": stance.id,
            "task": statement.id,
            "completed_by": stance.annotator_id,
            "result": ls_protocol.annotation_result(snapshot),
        }
        task = ls_protocol.task(statement.id, statement.text)
        body = ls_protocol.webhook_request(
            _ACTIONS[event.action], annotation, task, {"id": ref, "label_config": config}
        )
        bodies.append((event.id, body))
    return bodies


def _actor_keys(session: Session, stances) -> dict[int, str]:
    ids = {i for s in stances for i in (s.target_id, s.holder_id) if i}
    if not ids:
        return {}
    return dict(session.execute(select(Actor.id, Actor.key).where(Actor.id.in_(ids))).all())


def send_events(recommender: Recommender, bodies: list[tuple[int, dict]]) -> tuple[int, str | None]:
    """POST each body in order; stop at the first failure. Returns (last event sent, failure)."""
    server = ModelServer.of(recommender)
    last = recommender.event_cursor
    for event_id, body in bodies:
        answer = server.webhook(body)
        if answer.failure:
            return last, answer.failure
        last = event_id
    return last, None


def advance_cursor(recommender: Recommender, last: int, failure: str | None, upto: int) -> None:
    """Move the event cursor past what was delivered; keep the failure for the lead."""
    recommender.event_cursor = max(recommender.event_cursor, last if failure else upto)
    if failure:
        record_failure(recommender, f"webhook: {failure}")
