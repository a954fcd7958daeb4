"""Assignments: who works which statement in what state; leads assign."""

from __future__ import annotations

from apiflask import Schema
from apiflask.validators import Length
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from annotator.accounts.users import get_user
from annotator.api import bp
from annotator.api.access import Caller, known_annotator, needs, shown_names
from annotator.api.schemas import Assignment as AssignmentOut
from annotator.api.schemas import AssignmentList, Choice, Flag, Id, Text, about
from annotator.errors import Forbidden
from annotator.extensions import db
from annotator.models import ASSIGNMENT_STATES, Assignment, Statement
from annotator.projects.assignments import assign_statement
from annotator.roles import Role
from annotator.statements.statements import get_statement

BASE = "/projects/<slug>/assignments"


class ListQuery(Schema):
    statement_id = Id(query=True, **about("Only this statement's assignments."))
    annotator = Text(
        validate=Length(max=80),
        **about("Only this annotator's (as this list names them: a pseudonym when hidden)."),
    )
    state = Choice(ASSIGNMENT_STATES, **about("Only this state."))
    include_inactive = Flag(**about("Also unassigned ones (default false)."))


class AssignmentIn(Schema):
    statement_id = Id(required=True)
    annotator = Text(required=True, validate=Length(max=80))


@bp.get(BASE, endpoint="assignments_list_assignments")
@needs("annotator", "List assignments")
@bp.input(ListQuery, location="query", arg_name="query")
@bp.output(AssignmentList)
def list_assignments(caller: Caller, query: dict) -> dict:
    """Assignments by statement; annotators see only their own, reviewers and leads all."""
    name = query.get("annotator")
    names = shown_names(caller)
    if Role(caller.role) < Role.REVIEWER:
        if name not in (None, caller.user.username):
            raise Forbidden("Annotators see only their own assignments.", field="annotator")
        uid = caller.user.id  # their own, even before their first assignment
    else:
        uid = None if name is None else known_annotator(caller, name)
    found = db.session.scalars(_query(caller, uid, query))
    return {"items": [_item(a, names) for a in found]}


def _query(caller: Caller, uid: int | None, query: dict):
    """The project's assignments (active ones unless asked) narrowed by the filters given."""
    found = (
        select(Assignment)
        .join(Statement, Statement.id == Assignment.statement_id)
        .where(Statement.project_id == caller.project.id)
        .options(selectinload(Assignment.annotator))
        .order_by(Assignment.statement_id, Assignment.id)
    )
    if uid is not None:
        found = found.where(Assignment.annotator_id == uid)
    if query.get("statement_id") is not None:
        found = found.where(Assignment.statement_id == query["statement_id"])
    if query.get("state") is not None:
        found = found.where(Assignment.state == query["state"])
    return found if query.get("include_inactive") else found.where(Assignment.active)


def _item(assignment: Assignment, names: dict[int, str] | None) -> dict:
    """An assignment with the annotator's name as the caller may see it (``names``)."""
    shown = names[assignment.annotator_id] if names is not None else assignment.annotator.username
    return {
        "id": assignment.id, "statement_id": assignment.statement_id, "annotator": shown,
        "state": assignment.state, "active": assignment.active,
        "updated_at": assignment.updated_at,
    }  # fmt: skip


@bp.post(BASE, endpoint="assignments_create_assignment")
@needs("lead", "Assign a statement")
@bp.input(AssignmentIn, arg_name="body")
@bp.output(AssignmentOut, status_code=201)
def create_assignment(caller: Caller, body: dict) -> dict:
    """Assign a statement to a project member; assigning twice changes nothing."""
    st = get_statement(db.session, caller.project, body["statement_id"])
    annotator = get_user(db.session, body["annotator"])
    assignment = assign_statement(db.session, caller.project, st, annotator, user=caller.user)
    return _item(assignment, None)
