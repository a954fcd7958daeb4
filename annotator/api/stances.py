"""Stances of a statement: list (blind for annotators), create, update with version, delete."""

from __future__ import annotations

from annotator.annotation import rows as row_service
from annotator.annotation import stances as stance_service
from annotator.api.routing import ID, Call, Param, annotator_id, annotator_names, operation
from annotator.api.serialize import STANCE, array, iso, stance_json
from annotator.errors import Forbidden
from annotator.extensions import db
from annotator.projects.projects import role_rank
from annotator.statements.statements import get_statement, statement_and_holder

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
    name = call.query.get("annotator")
    if name is None or name == call.user.username:
        return {"items": stance_rows(st.id, call.user.id, call.user.username)}
    if role_rank(call.role) < role_rank("reviewer"):
        raise Forbidden("Annotators see only their own stances.", field="annotator")
    names = annotator_names(call)
    uid = annotator_id(call, name, names)
    shown = names[uid] if names is not None else name
    return {"items": stance_rows(st.id, uid, shown)}


def stance_rows(statement_id: int, owner_id: int, shown: str) -> list[dict]:
    """The service's plain rows in the API's shape (label and actors by key)."""
    return [
        {
            "id": r.id,
            "statement_id": r.statement_id,
            "annotator": shown,
            "start": r.start,
            "end": r.end,
            "text": r.text,
            "label": r.label_key,
            "target": r.target_key,
            "holder": r.holder_key,
            "note": r.note,
            "version": r.version,
            "guidelines_version": r.guidelines_version,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "deleted_at": iso(r.deleted_at),
        }
        for r in row_service.stance_rows(db.session, statement_id, owner_id)
    ]


@operation(
    "POST", BASE, "Create a stance", role="annotator", tag="stances", body=CREATE, status=201,
    response=STANCE,
)  # fmt: skip
def create_stance(call: Call):
    """Save a stance on a statement assigned to you (offsets in code points, end-exclusive)."""
    st = statement_and_holder(db.session, call.project, call.path["statement_id"])
    data = stance_service.StanceInput(**call.body)
    stance = stance_service.create_stance(db.session, call.project, st, call.user, data)
    return stance_json(stance)


@operation(
    "PUT", BASE + "/{stance_id}", "Update a stance", role="annotator", tag="stances",
    body=UPDATE, response=STANCE,
)  # fmt: skip
def update_stance(call: Call):
    """Replace a stance's fields; 409 with ``current`` when ``version`` is not the stored one."""
    st = statement_and_holder(db.session, call.project, call.path["statement_id"])
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
    st = statement_and_holder(db.session, call.project, call.path["statement_id"])
    stance = stance_service.delete_stance(
        db.session, call.project, st, call.user, call.path["stance_id"], call.query["version"]
    )
    return stance_json(stance)
