"""Statements: a cursor-paginated list with assignment filters, one statement, and import."""

from __future__ import annotations

import base64
import binascii
from itertools import chain
from pathlib import PurePosixPath

from flask import current_app, request
from sqlalchemy import select

from annotator.accounts.users import find_user
from annotator.api.errors import ApiError
from annotator.api.routing import Call, Param, operation
from annotator.api.serialize import STATEMENT, STATEMENT_DETAIL, STR, obj, page, statement_json
from annotator.errors import Forbidden, Invalid
from annotator.extensions import db
from annotator.formats import FormatError
from annotator.formats.statement_readers import iter_statements
from annotator.models import ASSIGNMENT_STATES, Assignment, Statement
from annotator.projects.projects import role_rank
from annotator.statements.statements import get_statement, import_statements

LIST_QUERY = {
    "cursor": Param(STR, "Opaque cursor from the previous page's next_cursor."),
    "limit": Param({"type": "integer", "minimum": 1, "maximum": 500}, "Page size (default 100)."),
    "state": Param(
        {"type": "string", "enum": list(ASSIGNMENT_STATES)},
        "Only statements with an active assignment in this state.",
    ),
    "assignee": Param(
        {"type": "string", "maxLength": 80},
        "Only statements actively assigned to this username (annotators: always themselves).",
    ),
}


@operation(
    "GET",
    "/projects/{slug}/statements",
    "List statements",
    role="annotator",
    tag="statements",
    query=LIST_QUERY,
    response=page(STATEMENT),
)
def list_statements(call: Call):
    """Statements in import order, a page at a time; annotators see only their assignments."""
    limit, after = call.query.get("limit", 100), decode_cursor(call.query.get("cursor"))
    query = select(Statement).where(Statement.project_id == call.project.id, Statement.id > after)
    query = _filtered(call, query)
    rows = list(db.session.scalars(query.order_by(Statement.id).limit(limit + 1)))
    more = len(rows) > limit
    items = [statement_json(st) for st in rows[:limit]]
    return {"items": items, "next_cursor": encode_cursor(rows[limit - 1].id) if more else None}


def _filtered(call: Call, query):
    assignee, state = call.query.get("assignee"), call.query.get("state")
    if role_rank(call.role) < role_rank("reviewer"):
        if assignee not in (None, call.user.username):
            raise Forbidden("Annotators can list only their own statements.", field="assignee")
        assignee = call.user.username
    if assignee is None and state is None:
        return query
    where = [Assignment.statement_id == Statement.id, Assignment.active]
    if state is not None:
        where.append(Assignment.state == state)
    if assignee is not None:
        user = find_user(db.session, assignee)
        where.append(Assignment.annotator_id == (user.id if user else -1))
    return query.where(select(Assignment.id).where(*where).exists())


def encode_cursor(last_id: int) -> str:
    """An opaque cursor: base64url of the last id seen."""
    return base64.urlsafe_b64encode(f"s:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor stands for; 400 when it was not made by ``encode_cursor``."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        kind, _, number = text.partition(":")
        if kind == "s" and number.isdigit() and 0 < len(number) < 12:
            return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ApiError(400, "The cursor is not valid; start again without it.", field="cursor")


@operation(
    "GET",
    "/projects/{slug}/statements/{statement_id}",
    "Get a statement",
    role="annotator",
    tag="statements",
    response=STATEMENT_DETAIL,
)
def get_one(call: Call):
    """A statement with its text; offsets count Unicode code points of this text."""
    return statement_json(
        get_statement(db.session, call.project, call.path["statement_id"]), text=True
    )


IMPORT_REPORT = obj({"imported": {"type": "integer"}, "skipped": {"type": "array", "items": STR}})


@operation(
    "POST",
    "/projects/{slug}/statements/import",
    "Import statements",
    role="lead",
    tag="statements",
    upload=True,
    query={
        "filename": Param(
            {"type": "string", "pattern": r"^[^/\\]{1,200}\.(jsonl|csv|txt|zip)$"},
            "Raw body: the file name, whose extension picks the format.",
        ),
        "txt_header": Param({"type": "boolean"}, ".txt files start with a key: value header."),
    },
    status=201,
    response=IMPORT_REPORT,
)
def import_file(call: Call):
    """Multipart field ``file`` (one or more) or a raw body with ``filename``; all or nothing."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"]
    limit, header = current_app.config["IMPORT_MAX_BYTES"], call.query.get("txt_header", False)
    files = _uploads(call)
    records = chain.from_iterable(
        iter_statements(name, stream, txt_header=header, max_bytes=limit) for name, stream in files
    )
    try:
        report = import_statements(db.session, call.project, records, user=call.user)
    except FormatError as err:
        raise Invalid(f"{err}. Nothing was imported.", field="file") from None
    return {"imported": report.imported, "skipped": report.skipped}


def _uploads(call: Call) -> list:
    if request.mimetype == "multipart/form-data":
        files = [f for f in request.files.getlist("file") if f.filename]
        if not files:
            raise Invalid("Send the file in the multipart field 'file'.", field="file")
        return [(_basename(f.filename), f.stream) for f in files]
    name = call.query.get("filename")
    if name is None:
        raise Invalid("A raw body needs ?filename=NAME.jsonl|csv|txt|zip.", field="filename")
    return [(name, request.stream)]


def _basename(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).name
