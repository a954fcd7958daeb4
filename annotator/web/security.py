"""Login session loading, the anonymous redirect and the secure response headers."""

from __future__ import annotations

from flask import Flask, Response, redirect, request, url_for
from flask_htmx import make_response

from annotator.extensions import db, htmx, login_manager
from annotator.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the database and add the headers every response carries."""
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.after_request(_secure_headers)


def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _unauthorized() -> Response:
    """htmx cannot follow a login redirect inside a fragment, so it is told to reload the page."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if htmx:
        return make_response("Your session has ended; please log in again.", 401, redirect=target)
    return redirect(target)


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
