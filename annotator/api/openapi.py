"""The OpenAPI 3.1 document and the human index page, both built from ``routing.ENDPOINTS``."""

from __future__ import annotations

from flask import jsonify, render_template

from annotator.api import bp
from annotator.api.routing import ENDPOINTS, ID, SLUG, Endpoint
from annotator.api.serialize import STR, nullable, obj
from annotator.config import VERSION as __version__
from annotator.web.markdown import render_inline

ERROR = obj({"error": obj({"code": STR, "message": STR, "field": nullable(STR)})}, extra=True)
ERROR_STATUSES = {
    "400": "Malformed request (JSON syntax, cursor).",
    "401": "No, unknown or revoked token.",
    "403": "Your role in the project is too low.",
    "404": "Unknown, or not a member of the project.",
    "409": "Conflict with the stored state (stale version, text mismatch, done statement).",
    "413": "Body too large.",
    "422": "Invalid input; ``field`` names it.",
}
ROLE_NOTE = {None: "any token", "annotator": "annotator+", "reviewer": "reviewer+"}


def document() -> dict:
    """The whole OpenAPI 3.1 document of the API as it is registered now."""
    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stance Annotator API",
            "version": __version__,
            "description": "Personal tokens, the browser's role rules. See docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR},
        },
    }


def _operation(ep: Endpoint) -> dict:
    op = {
        "operationId": f"{ep.tag}_{ep.handler.__name__}",
        "summary": ep.summary,
        "description": f"{ep.description}\n\nNeeds: {ROLE_NOTE.get(ep.role, ep.role)}.",
        "tags": [ep.tag],
        "parameters": _parameters(ep),
        "responses": _responses(ep),
        "x-required-role": ep.role or "any",
    }
    if ep.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ep.body}}}
    if ep.upload:
        op["requestBody"] = {"required": True, "content": _upload_content()}
    return op


def _parameters(ep: Endpoint) -> list[dict]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": SLUG if n == "slug" else ID}
        for n in ep.path_params
    ]
    for name, p in ep.query.items():
        params.append(
            {"name": name, "in": "query", "required": p.required, "schema": p.schema,
             "description": p.description}
        )  # fmt: skip
    return params


def _responses(ep: Endpoint) -> dict:
    media = (ep.media_type,) if isinstance(ep.media_type, str) else ep.media_type
    schema = ep.response if ep.response is not None else {}
    ok = {"description": "Success.", "content": {m: {"schema": schema} for m in media}}
    errors = {
        code: {"description": text, "content": {"application/json": {"schema": ERROR}}}
        for code, text in ERROR_STATUSES.items()
    }
    return {str(ep.status): ok} | errors


def _upload_content() -> dict:
    multipart = obj({"file": {"type": "string", "contentMediaType": "application/octet-stream"}})
    return {
        "multipart/form-data": {"schema": multipart},
        "application/octet-stream": {"schema": {}},
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI document; public, like the endpoint list."""
    return jsonify(document())


openapi_json.required_role = "public"


@bp.get("/")
def index():
    """A human page listing every endpoint, generated from the same table as the document.

    Descriptions are Markdown, as OpenAPI tools read them, so code spans render as code here.
    """
    rows = [
        (
            ep.method,
            ep.path,
            ep.summary,
            ROLE_NOTE.get(ep.role, ep.role),
            render_inline(ep.description),
        )
        for ep in ENDPOINTS
    ]
    return render_template("api/index.html", rows=rows)


index.required_role = "public"
