"""Stances of a statement: list (blind for annotators), create, update with version, delete."""

from __future__ import annotations

from ..errors import Forbidden
from ..extensions import db
from ..services import stances as stance_service
from ..services.projects import role_rank
from ..services.statements import get_statement
from ..services.users import get_user
from .routing import ID, Call, Param, operation
from .serialize import STANCE, array, stance_json

BASE = "/projects/{slug}/statements/{statement_id}/stances"
OFFSET = {"type": "integer", "minimum": 0, "maximum": 10_000_000}
FIELDS = {
    "start": OFFSET | {"description": "First code point of the span."},
    "end": OFFSET | {"description": "Code point after the span (end-exclusive)."},
    "text": {"type": "string", "maxLength": 100_000, "description": "Must equal text[start:end]."},
    "label": {"type": "string", "maxLength": 40, "description": "A label key."},
    "target": {"type": ["string", "null"], "maxLength": 80, "description": "Actor key."},
    "holder": {"type": ["string", "null"], "maxLength": 80, "description": "Actor key."},
    "note": {"type": "string", "maxLength": 10_000},
}
REQUIRED = ["start", "end", "text", "label"]
CREATE = {
    "type": "object",
    "properties": FIELDS,
    "required": REQUIRED,
    "additionalProperties": False,
}
UPDATE = {
    "type": "object",
    "properties": FIELDS | {"version": ID | {"description": "The version you edited."}},
    "required": [*REQUIRED, "version"],
    "additionalProperties": False,
}


@operation(
    "GET",
    BASE,
    "List stances of a statement",
    role="annotator",
    tag="stances",
    query={
        "annotator": Param(
            {"type": "string", "maxLength": 80},
            "Whose stances (reviewers and leads only; default: your own).",
        )
    },
    response=array(STANCE),
)
def list_stances(call: Call):
    """Live stances of one annotator by position; annotators see only their own (blind)."""
    st = get_statement(db.session, call.project, call.path["statement_id"])
    name = call.query.get("annotator", call.user.username)
    if name != call.user.username and role_rank(call.role) < role_rank("reviewer"):
        raise Forbidden("Annotators see only their own stances.", field="annotator")
    owner = call.user if name == call.user.username else get_user(db.session, name)
    return {"items": [stance_json(s) for s in stance_service.list_stances(db.session, st, owner)]}


@operation(
    "POST", BASE, "Create a stance", role="annotator", tag="stances", body=CREATE, status=201,
    response=STANCE,
)  # fmt: skip
def create_stance(call: Call):
    """Save a stance on a statement assigned to you (offsets in code points, end-exclusive)."""
    st = get_statement(db.session, call.project, call.path["statement_id"])
    data = stance_service.StanceInput(**call.body)
    stance = stance_service.create_stance(db.session, call.project, st, call.user, data)
    return stance_json(stance)


@operation(
    "PUT", BASE + "/{stance_id}", "Update a stance", role="annotator", tag="stances",
    body=UPDATE, response=STANCE,
)  # fmt: skip
def update_stance(call: Call):
    """Replace a stance's fields; 409 with ``current`` when ``version`` is not the stored one."""
    st = get_statement(db.session, call.project, call.path["statement_id"])
    fields = dict(call.body)
    version = fields.pop("version")
    stance = stance_service.update_stance(
        db.session, call.project, st, call.user, call.path["stance_id"], version,
        stance_service.StanceInput(**fields),
    )  # fmt: skip
    return stance_json(stance)


@operation(
    "DELETE", BASE + "/{stance_id}", "Delete a stance", role="annotator", tag="stances",
    query={"version": Param(ID, "The version you saw (409 when stale).", required=True)},
    response=STANCE,
)  # fmt: skip
def delete_stance(call: Call):
    """Soft-delete (the audit log keeps it); answers the deleted stance with ``deleted_at``."""
    st = get_statement(db.session, call.project, call.path["statement_id"])
    stance = stance_service.delete_stance(
        db.session, call.project, st, call.user, call.path["stance_id"], call.query["version"]
    )
    return stance_json(stance)
