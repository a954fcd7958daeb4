"""Assignments: who works which statement in what state; leads assign."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from annotator.accounts.users import get_user
from annotator.api.routing import ID, Call, Param, annotator_id, annotator_names, operation
from annotator.api.serialize import ASSIGNMENT, array, assignment_json
from annotator.errors import Forbidden
from annotator.extensions import db
from annotator.models import ASSIGNMENT_STATES, Assignment, Statement
from annotator.projects.assignments import assign_statement
from annotator.projects.projects import role_rank
from annotator.statements.statements import get_statement

BASE = "/projects/{slug}/assignments"
CREATE = {
    "type": "object",
    "properties": {"statement_id": ID, "annotator": {"type": "string", "maxLength": 80}},
    "required": ["statement_id", "annotator"],
    "additionalProperties": False,
}


@operation(
    "GET", BASE, "List assignments", role="annotator", tag="assignments",
    query={
        "statement_id": Param(ID, "Only this statement's assignments."),
        "annotator": Param({"type": "string", "maxLength": 80}, "Only this annotator's."),
        "state": Param({"type": "string", "enum": list(ASSIGNMENT_STATES)}, "Only this state."),
        "include_inactive": Param({"type": "boolean"}, "Also unassigned ones (default false)."),
    },
    response=array(ASSIGNMENT),
)  # fmt: skip
def list_assignments(call: Call):
    """Assignments by statement; annotators see only their own, reviewers and leads all."""
    q = call.query
    name = q.get("annotator")
    if role_rank(call.role) < role_rank("reviewer"):
        if name not in (None, call.user.username):
            raise Forbidden("Annotators see only their own assignments.", field="annotator")
        name = call.user.username
    names = annotator_names(call)
    uid = None if name is None else annotator_id(call, name, names)
    query = _query(call, uid, q.get("statement_id"), q.get("state"), q.get("include_inactive"))
    return {"items": [assignment_json(a, names) for a in db.session.scalars(query)]}


def _query(call: Call, uid, statement_id, state, inactive):
    query = (
        select(Assignment)
        .join(Statement, Statement.id == Assignment.statement_id)
        .where(Statement.project_id == call.project.id)
        .options(selectinload(Assignment.annotator))
        .order_by(Assignment.statement_id, Assignment.id)
    )
    if uid is not None:
        query = query.where(Assignment.annotator_id == uid)
    if statement_id is not None:
        query = query.where(Assignment.statement_id == statement_id)
    if state is not None:
        query = query.where(Assignment.state == state)
    return query if inactive else query.where(Assignment.active)


@operation(
    "POST", BASE, "Assign a statement", role="lead", tag="assignments", body=CREATE,
    status=201, response=ASSIGNMENT,
)  # fmt: skip
def create_assignment(call: Call):
    """Assign a statement to a project member; assigning twice changes nothing."""
    st = get_statement(db.session, call.project, call.body["statement_id"])
    annotator = get_user(db.session, call.body["annotator"])
    assignment = assign_statement(db.session, call.project, st, annotator, user=call.user)
    return assignment_json(assignment)
