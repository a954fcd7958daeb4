"""Relations of a statement: list, create, update with version, delete (as stances do).

The owner is the caller (their own relations between their own stances, on a statement
assigned to them) or, with ``gold``, the gold version (reviewers and leads). The services
in ``annotation/relations.py`` check everything; a refusal names its field: 422 for a
self-loop, an end that is not the owner's stance on this statement, a deleted end, an
unknown or retired type or a live duplicate; 409 with ``current`` for a stale version or
a statement marked done.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length
from flask import Response

from annotator.annotation import relations as relation_service
from annotator.api.access import Caller, operation
from annotator.api.schemas import Flag, Id, Out, Text, about
from annotator.api.stances import stance_response
from annotator.extensions import db
from annotator.models import Relation
from annotator.statements.statements import get_statement

BASE = "/projects/<slug>/statements/<int:statement_id>/relations"


# Same shape as RecommenderStatus: a declaration of fields, see docs/architecture.md.
class RelationOut(Out):
    id = fields.Integer()
    statement_id = fields.Integer()
    type = fields.String(**about("The relation type's key."))
    aif = fields.String(**about("RA (supporting) or CA (attacking), the type's AIF kind."))
    from_ = fields.Integer(data_key="from", **about("The stance the relation goes from."))
    to = fields.Integer(**about("The stance it goes to."))
    annotator = fields.String(allow_none=True, **about("Owner's username; null for gold."))
    gold = fields.Boolean()
    note = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    deleted_at = fields.DateTime(allow_none=True)


class RelationList(Out):
    items = fields.List(fields.Nested(RelationOut))


def _type_key(description: str, **options) -> Text:
    return Text(validate=Length(min=1, max=40), **about(description), **options)


class RelationIn(Schema):
    from_ = Id(required=True, data_key="from", **about("Id of one of the owner's stances."))
    to = Id(required=True, **about("Id of another of the owner's stances, same statement."))
    type = _type_key("A relation type key (supports, attacks, …).", required=True)
    note = Text(validate=Length(max=10_000))
    gold = fields.Boolean(**about("Link gold stances (reviewers and leads); default false."))


class RelationUpdate(Schema):
    version = Id(required=True, **about("The version you edited."))
    type = _type_key("A new relation type key.")
    note = Text(validate=Length(max=10_000))
    gold = fields.Boolean(**about("A gold relation (reviewers and leads); default false."))


class OwnerQuery(Schema):
    gold = Flag(**about("The gold relations (reviewers and leads) instead of your own."))


class DeleteQuery(OwnerQuery):
    version = Id(query=True, required=True, **about("The version you saw (409 if stale)."))


def relation_json(relation: Relation) -> dict[str, Any]:
    """A relation as the API answers it (the keys of ``RelationOut``)."""
    return {
        "id": relation.id,
        "statement_id": relation.statement_id,
        "type": relation.type.key,
        "aif": relation.type.aif,
        "from": relation.from_stance_id,
        "to": relation.to_stance_id,
        "annotator": relation.annotator.username if relation.annotator else None,
        "gold": bool(relation.is_gold),
        "note": relation.note,
        "version": relation.version,
        "created_at": relation.created_at,
        "updated_at": relation.updated_at,
        "deleted_at": relation.deleted_at,
    }


def dump_relation(relation: Relation) -> dict[str, Any]:
    """``relation_json`` as plain JSON values, for a 409's ``current``."""
    return RelationOut().dump(relation_json(relation))


@operation(
    "GET", BASE, "annotator", "List relations of a statement", query=OwnerQuery, output=RelationList
)
def list_relations(caller: Caller, statement_id: int, query: dict) -> Response:
    """Your live relations on the statement (blind: never another annotator's), or gold's."""
    st = get_statement(db.session, caller.project, statement_id)
    rows = relation_service.list_relations(
        db.session, caller.project, st, caller.user, gold=query.get("gold", False)
    )
    return stance_response({"items": [relation_json(r) for r in rows]})


@operation("POST", BASE, "annotator", "Create a relation", body=RelationIn, output=RelationOut,
           status_code=201)  # fmt: skip
def create_relation(caller: Caller, statement_id: int, body: dict) -> Response:
    """Link two of the owner's stances of this statement by a type ("from" -> "to")."""
    st = get_statement(db.session, caller.project, statement_id)
    data = relation_service.RelationInput(
        body["from_"], body["to"], body["type"], body.get("note") or ""
    )
    relation = relation_service.create_relation(
        db.session, caller.project, st, caller.user, data, gold=body.get("gold", False)
    )
    return stance_response(relation_json(relation), 201)


@operation("PUT", BASE + "/<int:relation_id>", "annotator", "Update a relation",
           body=RelationUpdate, output=RelationOut)  # fmt: skip
def update_relation(caller: Caller, statement_id: int, relation_id: int, body: dict) -> Response:
    """Change the type or note; 409 with ``current`` when ``version`` is not the stored one."""
    st = get_statement(db.session, caller.project, statement_id)
    edit = caller.edit(st, row_id=relation_id, version=body["version"])
    relation = relation_service.update_relation(
        db.session, edit, type=body.get("type"), note=body.get("note"), gold=body.get("gold", False)
    )
    return stance_response(relation_json(relation))


@operation("DELETE", BASE + "/<int:relation_id>", "annotator", "Delete a relation",
           query=DeleteQuery, output=RelationOut)  # fmt: skip
def delete_relation(caller: Caller, statement_id: int, relation_id: int, query: dict) -> Response:
    """Soft-delete (restorable; the audit log keeps it); answers it with ``deleted_at``."""
    st = get_statement(db.session, caller.project, statement_id)
    edit = caller.edit(st, row_id=relation_id, version=query["version"])
    relation = relation_service.delete_relation(db.session, edit, gold=query.get("gold", False))
    return stance_response(relation_json(relation))
