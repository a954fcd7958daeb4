"""One JSON error shape for every failure on an API path: never an HTML page."""

from __future__ import annotations

from apiflask import HTTPError
from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from annotator.errors import Conflict, DomainError
from annotator.extensions import db

PREFIX = "/api/v1"
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "server_error",
}


class ApiError(DomainError):
    """A refusal of the API layer itself (authentication, JSON syntax) with its status."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.status = status


def error_response(status: int, message: str, field: str | None = None, **extra):
    """``{"error": {"code", "message", "field"}}`` with the status code."""
    body = {"error": {"code": CODES.get(status, "error"), "message": message, "field": field}}
    response = jsonify(body | extra)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="annotator"'
    return response


def register(bp) -> None:
    """Install the blueprint's handlers (they win over the app's HTML ones on API routes)."""
    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(HTTPError, validation_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.register_error_handler(Exception, server_error)


def domain_error(exc: DomainError):
    """A refused request: nothing of it is kept; a stale write returns the stored stance."""
    db.session.rollback()
    extra = {}
    if isinstance(exc, Conflict) and exc.current is not None:
        from annotator.api.relations import dump_relation
        from annotator.api.schemas import dump_stance
        from annotator.models import Relation

        dump = dump_relation if isinstance(exc.current, Relation) else dump_stance
        extra["current"] = dump(exc.current)
    return error_response(exc.status, exc.message, exc.field, **extra)


def validation_error(exc: HTTPError):
    """APIFlask's refusal of a query or body off its schema, naming the first field refused.

    ``exc.detail`` is ``{location: {field: [messages]}}``, nested for lists and objects
    (``{"aliases": {0: [...]}}``): the first leaf is reported, its path dotted.
    """
    db.session.rollback()
    path, messages = [], next(iter(exc.detail.values()))
    while isinstance(messages, dict):
        key, messages = next(iter(messages.items()))
        path += [str(key)] if key != "_schema" else []
    field = ".".join(path) or None
    return error_response(
        exc.status_code, f"'{field}': {messages[0]}" if field else messages[0], field
    )


def http_error(exc: HTTPException):
    """Werkzeug's 4xx (too large, bad request, …) in the JSON shape."""
    db.session.rollback()
    status = exc.code or 500
    if status == 413:
        return error_response(413, "The request body is larger than this endpoint accepts.")
    return error_response(status, exc.description or exc.name)


def server_error(exc: Exception):
    """Roll back, log, and say so in JSON; nothing of the request was saved."""
    db.session.rollback()
    current_app.logger.exception("Unhandled API error")
    return error_response(500, "Something went wrong; nothing was saved.")


def json_routing_error():
    """Unknown paths and wrong methods under /api/v1 never reach a blueprint: answer here."""
    exc = request.routing_exception
    if exc is None or not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
        return None
    status = getattr(exc, "code", 404) or 404
    if status == 405:
        return error_response(405, f"{request.method} is not allowed on {request.path}.")
    if status in (301, 302, 307, 308):
        return None  # strict-slash redirects stay redirects
    return error_response(404, f"No API endpoint at {request.path}.")
