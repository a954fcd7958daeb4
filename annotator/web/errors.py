"""Error pages and domain-error mapping: readable 4xx bodies, rollback on 500."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from annotator.errors import STALE_WRITE, DomainError
from annotator.extensions import db
from annotator.web.htmx import page_or_fragment


def register(app: Flask) -> None:
    """Install the handlers; an htmx request gets the message fragment, a page the full page."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(StaleDataError, _stale_write)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def render_error(status: int, title: str, message: str):
    """The same message as a fragment for htmx or as a whole page."""
    context = dict(status=status, title=title, message=message)
    return page_or_fragment("errors/error.html", "errors/_message.html", status, **context)


def render_refusal(status: int, message: str):
    """A refusal with no form to show it in, titled by its status."""
    titles = {403: "Forbidden", 404: "Not found", 409: "Conflict", 422: "Invalid input"}
    return render_error(status, titles.get(status, "Bad request"), message)


def _domain_error(exc: DomainError):
    db.session.rollback()
    return render_refusal(exc.status, exc.message)


def _stale_write(_exc: StaleDataError):
    db.session.rollback()
    return render_error(409, "Conflict", STALE_WRITE)


def _csrf_error(exc: CSRFError):
    return render_error(
        400,
        "Form expired",
        "The form's security token is missing or invalid. Reload the page and try again.",
    )


def _http_error(exc: HTTPException):
    return render_error(exc.code or 500, exc.name, exc.description or "")


def _server_error(exc: Exception):
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    return render_error(
        500, "Server error", "Something went wrong; nothing was saved. Please try again."
    )
