"""Models as JSON objects, and the JSON Schemas of those objects for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from annotator.models import (
    ACTOR_TYPES,
    ASSIGNMENT_STATES,
    Actor,
    Assignment,
    Label,
    Project,
    Stance,
    Statement,
)

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, *, extra: bool = False) -> dict:
    """An object schema in which every listed property is always present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": extra,
    }


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return value.isoformat() if value else None


LABEL = obj(
    {
        "key": STR,
        "name": STR,
        "color": STR,
        "hotkey": nullable(STR),
        "definition": STR,
        "example": STR,
        "requires_target": BOOL,
        "polarity": nullable(STR),
        "semeval": STR,
        "retired": BOOL,
    }
)


def label_json(label: Label) -> dict[str, Any]:
    """A label as the annotator sees it."""
    return {k: getattr(label, k) for k in LABEL["properties"]}


SETTINGS = obj(
    {
        "annotators_per_statement": INT,
        "allow_overlap": BOOL,
        "snap_to_words": BOOL,
        "hide_annotator_names": BOOL,
    }
)
PROJECT = obj({"slug": STR, "name": STR, "description": STR, "role": STR})
PROJECT_DETAIL = obj(
    PROJECT["properties"] | {"settings": SETTINGS, "labels": {"type": "array", "items": LABEL}}
)


def project_json(project: Project, role: str) -> dict[str, Any]:
    """A project in a list, with the caller's role."""
    return {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "role": role,
    }


def project_detail_json(project: Project, role: str, labels: list[Label]) -> dict[str, Any]:
    """A project with its settings and labels."""
    settings = {k: getattr(project, k) for k in SETTINGS["properties"]}
    labels_json = [label_json(lab) for lab in labels]
    return project_json(project, role) | {"settings": settings, "labels": labels_json}


STATEMENT = obj(
    {
        "id": INT,
        "external_id": STR,
        "title": nullable(STR),
        "author": nullable(STR),
        "organization": nullable(STR),
        "date": nullable(STR),
        "url": nullable(STR),
        "lang": nullable(STR),
        "meta": {"type": "object"},
        "length": INT,
        "created_at": TIME,
    }
)
STATEMENT_DETAIL = obj(STATEMENT["properties"] | {"text": STR, "text_sha256": STR})


def statement_json(st: Statement, *, text: bool = False) -> dict[str, Any]:
    """A statement's metadata; with ``text`` also its text and fingerprint."""
    data = {k: getattr(st, k) for k in STATEMENT["properties"] if k not in ("length", "created_at")}
    data |= {"length": len(st.text), "created_at": iso(st.created_at)}
    if text:
        data |= {"text": st.text, "text_sha256": st.text_sha256}
    return data


STANCE = obj(
    {
        "id": INT,
        "statement_id": INT,
        "annotator": nullable(STR),
        "start": INT,
        "end": INT,
        "text": STR,
        "label": STR,
        "target": nullable(STR),
        "holder": nullable(STR),
        "note": STR,
        "version": INT,
        "guidelines_version": nullable(INT),
        "created_at": TIME,
        "updated_at": TIME,
        "deleted_at": nullable(TIME),
    }
)


def stance_json(s: Stance) -> dict[str, Any]:
    """A stance with its label and actors by key (the keys exports use)."""
    return {
        "id": s.id,
        "statement_id": s.statement_id,
        "annotator": s.annotator.username if s.annotator else None,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "label": s.label.key,
        "target": s.target.key if s.target else None,
        "holder": s.holder.key if s.holder else None,
        "note": s.note,
        "version": s.version,
        "guidelines_version": s.guidelines_version,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
        "deleted_at": iso(s.deleted_at),
    }


ACTOR = obj(
    {
        "id": INT,
        "key": STR,
        "name": STR,
        "type": {"type": "string", "enum": list(ACTOR_TYPES)},
        "wikidata": nullable(STR),
        "status": STR,
        "aliases": {"type": "array", "items": STR},
        "merged_into": nullable(INT),
    }
)


def actor_json(actor: Actor) -> dict[str, Any]:
    """A registry actor with its aliases."""
    return {
        "id": actor.id,
        "key": actor.key,
        "name": actor.name,
        "type": actor.type,
        "wikidata": actor.wikidata,
        "status": actor.status,
        "aliases": [a.alias for a in actor.aliases],
        "merged_into": actor.merged_into_id,
    }


ASSIGNMENT = obj(
    {
        "id": INT,
        "statement_id": INT,
        "annotator": STR,
        "state": {"type": "string", "enum": list(ASSIGNMENT_STATES)},
        "active": BOOL,
        "updated_at": TIME,
    }
)


def assignment_json(a: Assignment, names: dict[int, str] | None = None) -> dict[str, Any]:
    """An assignment with the annotator's name as the caller may see it (``names``)."""
    return {
        "id": a.id,
        "statement_id": a.statement_id,
        "annotator": names[a.annotator_id] if names is not None else a.annotator.username,
        "state": a.state,
        "active": a.active,
        "updated_at": iso(a.updated_at),
    }


def page(items_schema: dict) -> dict:
    """A cursor-paginated list: items and the cursor of the next page (null at the end)."""
    return obj({"items": {"type": "array", "items": items_schema}, "next_cursor": nullable(STR)})


def array(items_schema: dict) -> dict:
    """A plain list wrapped in an object, so lists can grow fields later."""
    return obj({"items": {"type": "array", "items": items_schema}})
