"""The OpenAPI 3.1 document APIFlask generates, the human index page and the Swagger UI page."""

from __future__ import annotations

import json
import warnings

from apiflask import APIFlask, Schema, fields
from flask import current_app, jsonify, render_template

from annotator.api import bp
from annotator.api.access import ROLE_NOTE
from annotator.api.errors import PREFIX
from annotator.api.schemas import StanceOut
from annotator.config import VERSION
from annotator.web.markdown import render_inline

REF = "#/components/schemas/"


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String(required=True, allow_none=True)


class Error(Schema):
    """Every failure: ``error``; a 409 on a stance also carries the stored one as ``current``."""

    error = fields.Nested(ErrorDetail, required=True)
    current = fields.Nested(StanceOut)


def configure(app: APIFlask) -> None:
    """What APIFlask puts around the operations: title, server, error bodies, relative paths."""
    app.title = "Stance Annotator API"
    app.version = VERSION
    app.config.update(
        DESCRIPTION="Personal tokens, the browser's role rules. See docs/api.md.",
        SERVERS=[{"url": PREFIX}],
        HTTP_ERROR_SCHEMA=Error,
        VALIDATION_ERROR_SCHEMA=Error,
        AUTH_ERROR_DESCRIPTION="No, unknown or revoked token.",
        SUCCESS_DESCRIPTION="Success.",
        AUTO_TAGS=False,  # each operation is tagged with its module by access.needs
    )
    app.spec_processor(_relative_paths)


def _relative_paths(spec: dict) -> dict:
    """Paths relative to the server URL /api/v1, as clients join them; one name per schema."""
    paths = spec["paths"].items()
    spec["paths"] = {p.removeprefix(PREFIX): ops for p, ops in paths if p.startswith(PREFIX + "/")}
    return _one_name_per_schema(spec)


def _one_name_per_schema(spec: dict) -> dict:
    """Drop the copy APIFlask 3.1 adds of a schema it first met nested ("Actor1" beside "Actor").

    An output schema that a list also nests (Actor, Assignment, Stance) is registered by apispec
    under its name when the list is documented, and again under a numbered name when APIFlask
    registers the endpoint's own output; both say the same, so the references go to the first.
    """
    schemas = spec["components"]["schemas"]
    twins = {
        name: name.rstrip("0123456789")
        for name, schema in schemas.items()
        if name[-1].isdigit() and schemas.get(name.rstrip("0123456789")) == schema
    }
    for twin in twins:
        del schemas[twin]
    text = json.dumps(spec)
    for twin, first in twins.items():
        text = text.replace(f'"{REF}{twin}"', f'"{REF}{first}"')
    return json.loads(text)


def document() -> dict:
    """The OpenAPI document, generated once per app (40 ms) from the registered views."""
    app = current_app
    if "api.openapi" not in app.extensions:
        with warnings.catch_warnings():  # apispec's note on the twins _one_name_per_schema drops
            warnings.filterwarnings("ignore", ".* has already been added to the spec", UserWarning)
            app.extensions["api.openapi"] = app.spec
    return app.extensions["api.openapi"]


@bp.get("/openapi.json")
@bp.doc(hide=True)
def openapi_json():
    """The OpenAPI document; public, like the endpoint list."""
    return jsonify(document())


@bp.get("/docs")
@bp.doc(hide=True)
def docs():
    """Swagger UI over the document, from vendored files (no CDN, no inline script)."""
    return render_template("api/docs.html")


@bp.get("/")
@bp.doc(hide=True)
def index():
    """A human page listing every endpoint, generated from the OpenAPI document.

    Descriptions are Markdown, as OpenAPI tools read them, so code spans render as code here.
    """
    rows = [
        (
            method.upper(),
            path,
            op["summary"],
            ROLE_NOTE.get(op["x-required-role"], op["x-required-role"]),
            render_inline(op["description"].partition("\n\nNeeds:")[0]),
        )
        for path, ops in document()["paths"].items()
        for method, op in ops.items()
    ]
    return render_template("api/index.html", rows=rows)


for _view in (openapi_json, docs, index):
    _view.required_role = "public"
