"""Login session loading, the anonymous redirect and the secure response headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from flask_htmx import make_response
from sqlalchemy import bindparam, select

from annotator.extensions import db, htmx, login_manager
from annotator.models import User
from annotator.projects.projects import SLUG_RE, with_project_role
from annotator.web.access import keep_project_role

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the database and add the headers every response carries."""
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.after_request(_secure_headers)


def _load_user(reference: str) -> User | None:
    """The session's user, only while the session version it was issued under is current.

    The cookie holds ``id:version`` (``User.get_id``); logout, a password change and "sign
    out everywhere" raise the user's version, so every cookie issued before is refused here,
    even a copy saved by an attacker. A cookie without a version predates the check.
    """
    user_id, _, version = reference.partition(":")
    if not (user_id.isdigit() and version.isdigit() and len(reference) < 40):
        return None
    slug = (request.view_args or {}).get("slug")
    row = _user_row(int(user_id), slug if slug is not None and SLUG_RE.match(slug) else None)
    user = row[0] if row is not None else None
    if user is None or not user.active or user.session_version != int(version):
        return None
    if slug is not None and len(row) > 1:
        keep_project_role(slug, *row)  # for project_view's role check: one query, not two
    return user


def _user_row(user_id: int, slug: str | None):
    """The user; with the ``slug`` of a project view about to run, also that project and the
    user's role in it (``with_project_role``), read in the same query."""
    if slug is None:
        return db.session.execute(_USER, {"id": user_id}).first()
    return db.session.execute(_USER_IN_PROJECT, {"id": user_id, "slug": slug}).unique().first()


# Every request runs one: a select built once costs less than ``Session.get``'s own, built
# per call (an empty identity map has nothing to offer first).
_USER = select(User).where(User.id == bindparam("id"))
_USER_IN_PROJECT = with_project_role(_USER)


def renew_session() -> None:
    """Start an empty session: nothing of the old one, its CSRF token included, carries over.

    Flask-WTF keeps the request's token in ``g`` too, so that goes as well; a page rendered
    after this (or a test client sharing one app context) gets a token of the new session.
    """
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


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
