"""Role checks for project routes: every project view states the least role it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required

from annotator.extensions import db
from annotator.projects.projects import require_role
from annotator.roles import Role


def project_view(minimum: Role) -> Callable:
    """Require login and at least ``minimum`` in the ``<slug>`` project; sets g.project, g.role.

    A non-member gets 404, not 403, so project names do not leak.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(slug: str, **kwargs):
            user = current_user._get_current_object()  # not the proxy: read at every use
            g.project, g.role = require_role(db.session, slug, user, minimum)
            return view(g.project, **kwargs)

        wrapper.required_role = minimum
        return wrapper

    return decorate


def public_view(view: Callable) -> Callable:
    """Declare a route open to anonymous users (login page, static assets)."""
    view.required_role = "public"
    return view


def login_view(view: Callable) -> Callable:
    """Require login but no project role (the projects list, logout)."""
    wrapped = login_required(view)
    wrapped.required_role = "login"
    return wrapped


def admin_view(view: Callable) -> Callable:
    """Require a site admin; others get 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, "This needs a site admin.")
        return view(*args, **kwargs)

    wrapper.required_role = "admin"
    return wrapper


def can(minimum: Role | str) -> bool:
    """Whether the user's role in the current project is at least ``minimum`` (for templates)."""
    role = g.get("role")
    return role is not None and role >= minimum
