"""Role checks for project routes: every project view states the least role it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user, login_required

from annotator.extensions import db
from annotator.models import Project, User
from annotator.projects.projects import check_role, require_role
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
            g.project, g.role = project_role(slug, user, minimum)
            return view(g.project, **kwargs)

        wrapper.required_role = minimum
        return wrapper

    return decorate


_KEPT = "annotator.project_role"  # the request's environ key of ``keep_project_role``


def keep_project_role(slug: str, user: User, project: Project | None, role: Role | None):
    """Keep what the user's load read of the project of ``slug`` for this request's check."""
    request.environ[_KEPT] = (slug, user, project, role)


def project_role(slug: str, user: User, minimum: Role | str) -> tuple[Project, Role]:
    """``require_role``, on what the user's load kept when it read this project (one query
    fewer: the session's user here, the token's in the API), else with its own query."""
    kept = request.environ.pop(_KEPT, None)
    if kept is not None and kept[0] == slug and kept[1] is user:
        return check_role(slug, user, kept[2], kept[3], minimum)
    return require_role(db.session, slug, user, minimum)


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
