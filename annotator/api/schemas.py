"""What the API reads and answers: the marshmallow schemas APIFlask validates and documents.

Request schemas live beside their views; here are the field types they share, how a JSON
body is read, and every response object. The stance object is derived from the typed
``StanceRow`` (annotation/rows.py), the one declaration of a stance's fields.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any, Union, get_args, get_origin, get_type_hints

from apiflask import Schema, fields
from apiflask.schema_adapters.marshmallow import parser
from apiflask.validators import OneOf, Range
from flask import Request

from annotator.annotation.rows import StanceRow
from annotator.api.errors import ApiError
from annotator.models import ACTOR_TYPES, ASSIGNMENT_STATES, Stance

MAX_JSON_BODY = 1024 * 1024
MAX_ID = 2**31 - 1


class Text(fields.String):
    """A string any database can store: no NUL character, no lone surrogate."""

    default_error_messages = {
        "nul": "Text must not contain NUL characters.",
        "surrogate": "Text must be valid Unicode (no lone surrogates).",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return text


def about(text: str) -> dict:
    """A field's description in the OpenAPI document, as keyword arguments."""
    return {"metadata": {"description": text}}


def Id(*, query: bool = False, **options) -> fields.Integer:  # noqa: N802  (a field type)
    """An id: in a body a JSON integer (``1.0``, ``"1"`` and ``true`` are refused)."""
    return fields.Integer(strict=not query, validate=Range(1, MAX_ID), **options)


def Choice(values, **options) -> fields.String:  # noqa: N802
    """One of ``values``; the refusal repeats the value given."""
    return fields.String(
        validate=OneOf(values, error="'{input}' is not one of {choices}."), **options
    )


def Flag(**options) -> fields.Boolean:  # noqa: N802
    """A query-string boolean: true/false or 1/0, nothing looser."""
    return fields.Boolean(
        truthy={"true", "True", "TRUE", "1"},
        falsy={"false", "False", "FALSE", "0"},
        error_messages={"invalid": "Must be true or false."},
        **options,
    )


@parser.location_loader("json")
def load_json_body(request: Request, _schema) -> Any:
    """The body as JSON, at most 1 MB: 415 unless sent as JSON, 400 when empty or malformed.

    webargs' own loader reads an empty body, or one of another media type, as ``{}``: a PATCH
    sent as a form would change nothing and answer 200. webargs keeps loaders per parser
    class, so this serves every APIFlask view in the process (there is only this API).
    """
    request.max_content_length = MAX_JSON_BODY
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON (Content-Type: application/json).")
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise ApiError(400, "The request body nests too deeply.") from None


class Out(Schema):
    """A response object: every property is always present, so the document says required."""

    def on_bind_field(self, field_name: str, field_obj) -> None:
        """Mark each field required (documentation only: dumping never checks it)."""
        field_obj.required = True


# The schemas below are declarations: each names its own fields, see docs/architecture.md.
class Label(Out):
    key = fields.String()
    name = fields.String()
    color = fields.String()
    hotkey = fields.String(allow_none=True)
    definition = fields.String()
    example = fields.String()
    requires_target = fields.Boolean()
    polarity = fields.String(allow_none=True)
    semeval = fields.String()
    retired = fields.Boolean()


class Settings(Out):
    annotators_per_statement = fields.Integer()
    allow_overlap = fields.Boolean()
    snap_to_words = fields.Boolean()
    hide_annotator_names = fields.Boolean()
    bulk_accept = fields.Boolean()


class Project(Out):
    slug = fields.String()
    name = fields.String()
    description = fields.String()
    role = fields.String()


class ProjectDetail(Project):
    settings = fields.Nested(Settings)
    labels = fields.List(fields.Nested(Label))


class ProjectList(Out):
    items = fields.List(fields.Nested(Project))


class Statement(Out):
    id = fields.Integer()
    external_id = fields.String()
    title = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    date = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    lang = fields.String(allow_none=True)
    meta = fields.Dict()
    length = fields.Function(lambda st: len(st.text), metadata={"type": "integer"})
    created_at = fields.DateTime()


class StatementDetail(Statement):
    text = fields.String()
    text_sha256 = fields.String()


class StatementPage(Out):
    items = fields.List(fields.Nested(Statement))
    next_cursor = fields.String(allow_none=True)


class ImportReport(Out):
    imported = fields.Integer()
    skipped = fields.List(fields.String())


class Actor(Out):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    type = Choice(ACTOR_TYPES)
    wikidata = fields.String(allow_none=True)
    status = fields.String()
    aliases = fields.Function(
        lambda actor: [a.alias for a in actor.aliases],
        metadata={"type": "array", "items": {"type": "string"}},
    )
    merged_into = fields.Integer(allow_none=True, attribute="merged_into_id")


class ActorPage(Out):
    items = fields.List(fields.Nested(Actor))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


# Field lists of different API answers: alike in shape only, each is its own contract.
class MergeResult(Out):
    actor = fields.Nested(Actor)
    as_target = fields.Integer()
    as_holder = fields.Integer()
    statements = fields.Integer()
    aliases_added = fields.List(fields.String())


class Assignment(Out):
    id = fields.Integer()
    statement_id = fields.Integer()
    annotator = fields.String()
    state = Choice(ASSIGNMENT_STATES)
    active = fields.Boolean()
    updated_at = fields.DateTime()


class AssignmentList(Out):
    items = fields.List(fields.Nested(Assignment))
    next_cursor = fields.String(allow_none=True)


# --- Stances: a thin mapping of the typed StanceRow ------------------------------------

# Row fields the API names differently: the label and actors go out by key, as exports do.
RENAMED = {"label_key": "label", "target_key": "target", "holder_key": "holder"}
# Row fields for the annotation page only (display names, the target's status).
PAGE_ONLY = frozenset({"label_name", "target_name", "target_status", "holder_name"})
# StanceRow field -> API property, in the row's order.
STANCE_FIELDS = {f: RENAMED.get(f, f) for f in StanceRow._fields if f not in PAGE_ONLY}
_FIELD_TYPES = {int: fields.Integer, str: fields.String, bool: fields.Boolean}
_FIELD_TYPES[datetime] = fields.DateTime


def _row_field(annotation: Any) -> fields.Field:
    """The marshmallow field for a StanceRow annotation (``X | None`` is nullable)."""
    args = get_args(annotation)
    nullable = get_origin(annotation) in (Union, types.UnionType) and type(None) in args
    base = next(a for a in args if a is not type(None)) if nullable else annotation
    return _FIELD_TYPES[base](allow_none=nullable)


_HINTS = get_type_hints(StanceRow)
StanceOut = Out.from_dict(
    {api: _row_field(_HINTS[row]) for row, api in STANCE_FIELDS.items()}
    | {"annotator": fields.String(allow_none=True)},
    name="Stance",
)
_STANCE = StanceOut()
_pick_row = attrgetter(*STANCE_FIELDS)


class StanceList(Out):
    items = fields.List(fields.Nested(StanceOut))


def stance_item(row: StanceRow, annotator: str | None) -> dict[str, Any]:
    """A StanceRow as the API's stance object, datetimes still datetimes (the list's path).

    ``stances.stance_response`` gives these to orjson, which writes datetimes as the schema's
    ``isoformat`` does, instead of dumping them (7 ms for 500).
    """
    item = dict(zip(STANCE_FIELDS.values(), _pick_row(row), strict=True))
    item["annotator"] = annotator
    return item


def stance_json(stance: Stance) -> dict[str, Any]:
    """An ORM stance as its annotator sees it: the same object as the list's items."""
    return stance_item(stance_row(stance), stance.annotator.username if stance.annotator else None)


def dump_stance(stance: Stance) -> dict[str, Any]:
    """``stance_json`` as plain JSON values, for a body built outside a view (a 409's current)."""
    return _STANCE.dump(stance_json(stance))


def stance_row(stance: Stance) -> StanceRow:
    """An ORM stance as a StanceRow, read field by field as ``_reader`` says."""
    return StanceRow._make(read(stance) for read in _READERS)


def _reader(name: str) -> Callable[[Stance], Any]:
    """A row field off an ORM stance: a column by its name, ``label_key`` as ``stance.label.key``.

    So the row can gain a field with no change here when it is a stance column, or an
    attribute of the stance's label or actors named ``<relation>_<attribute>``.
    """
    if hasattr(Stance, name):
        return attrgetter(name)
    relation, _, attribute = name.partition("_")
    read = attrgetter(f"{relation}.{attribute}")
    return lambda stance: read(stance) if getattr(stance, relation) is not None else None


_READERS = tuple(_reader(name) for name in StanceRow._fields)  # built once: a create reads 18
