"""Statements: a cursor-paginated list with assignment filters, one statement, and import."""

from __future__ import annotations

import base64
import binascii
from itertools import chain
from pathlib import PurePosixPath

from apiflask import Schema, fields
from apiflask.validators import Length, Range, Regexp
from flask import current_app, request
from sqlalchemy import select

from annotator.api.access import Caller, annotator_id, operation
from annotator.api.errors import ApiError
from annotator.api.schemas import (
    Choice,
    Flag,
    ImportReport,
    StatementDetail,
    StatementPage,
    Text,
    about,
)
from annotator.errors import Forbidden, Invalid
from annotator.extensions import db
from annotator.formats import FormatError
from annotator.formats.statement_readers import iter_statements
from annotator.models import ASSIGNMENT_STATES, Assignment, Statement
from annotator.roles import Role
from annotator.statements.statements import get_statement, import_statements


class ListQuery(Schema):
    cursor = Text(**about("Opaque cursor from the previous page's next_cursor."))
    limit = fields.Integer(validate=Range(1, 500), **about("Page size (default 100)."))
    state = Choice(
        ASSIGNMENT_STATES,
        **about("Only statements with an active assignment in this state."),
    )
    assignee = Text(
        validate=Length(max=80),
        **about(
            "Only statements actively assigned to this annotator, named as the assignments "
            "list names them: a pseudonym when the project hides names from you "
            "(annotators: always themselves)."
        ),
    )


@operation("GET", "/projects/<slug>/statements", "annotator", "List statements", query=ListQuery,
           output=StatementPage)  # fmt: skip
def list_statements(caller: Caller, query: dict) -> dict:
    """Statements in import order, a page at a time; annotators see only their assignments."""
    limit, after = query.get("limit", 100), decode_cursor(query.get("cursor"))
    where = [Statement.project_id == caller.project.id, Statement.id > after]
    found = select(Statement).where(*where, *_filters(caller, query))
    rows = list(db.session.scalars(found.order_by(Statement.id).limit(limit + 1)))
    more = len(rows) > limit
    return {
        "items": rows[:limit],
        "next_cursor": encode_cursor(rows[limit - 1].id) if more else None,
    }


def _filters(caller: Caller, query: dict) -> list:
    """An EXISTS on an active assignment in ``state`` of ``assignee``, when either is asked."""
    assignee, state = query.get("assignee"), query.get("state")
    where = [Assignment.state == state] if state is not None else []
    if Role(caller.role) < Role.REVIEWER:
        if assignee not in (None, caller.user.username):
            raise Forbidden("Annotators can list only their own statements.", field="assignee")
        where.append(Assignment.annotator_id == caller.user.id)
    elif assignee is not None:
        uid = annotator_id(caller, assignee)
        where.append(Assignment.annotator_id == (uid if uid is not None else -1))
    if not where:
        return []
    return [
        select(Assignment.id)
        .where(Assignment.statement_id == Statement.id, Assignment.active, *where)
        .exists()
    ]


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


@operation("GET", "/projects/<slug>/statements/<int:statement_id>", "annotator", "Get a statement",
           output=StatementDetail)  # fmt: skip
def get_one(caller: Caller, statement_id: int) -> Statement:
    """A statement with its text; offsets count Unicode code points of this text."""
    return get_statement(db.session, caller.project, statement_id)


class ImportQuery(Schema):
    filename = Text(
        validate=Regexp(r"^[^/\\]{1,200}\.(jsonl|csv|txt|zip)$"),
        **about("Raw body: the file name, whose extension picks the format."),
    )
    txt_header = Flag(**about(".txt files start with a key: value header."))


class Upload(Schema):
    file = fields.List(fields.File(), **about("One or more files (multipart)."))


@operation("POST", "/projects/<slug>/statements/import", "lead", "Import statements",
           query=ImportQuery, files=Upload, output=ImportReport, status_code=201)  # fmt: skip
def import_file(caller: Caller, query: dict, upload: dict) -> dict:
    """Multipart field ``file`` (one or more) or a raw body with ``filename``; all or nothing."""
    limit, header = current_app.config["IMPORT_MAX_BYTES"], query.get("txt_header", False)
    files = _uploads(query, upload)
    records = chain.from_iterable(
        iter_statements(name, stream, txt_header=header, max_bytes=limit) for name, stream in files
    )
    try:
        report = import_statements(db.session, caller.project, records, user=caller.user)
    except FormatError as err:
        raise Invalid(f"{err}. Nothing was imported.", field="file") from None
    return {"imported": report.imported, "skipped": report.skipped}


def _uploads(query: dict, upload: dict) -> list:
    """(name, stream) of each uploaded file, or of the raw body named by ``filename``."""
    if request.mimetype == "multipart/form-data":
        files = [f for f in upload.get("file", []) if f.filename]
        if not files:
            raise Invalid("Send the file in the multipart field 'file'.", field="file")
        return [(_basename(f.filename), f.stream) for f in files]
    name = query.get("filename")
    if name is None:
        raise Invalid("A raw body needs ?filename=NAME.jsonl|csv|txt|zip.", field="filename")
    return [(name, request.stream)]


def _basename(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).name
