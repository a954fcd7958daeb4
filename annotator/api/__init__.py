"""The JSON API under /api/v1: personal tokens only, the same services and roles as the browser.

Every endpoint is declared once with ``routing.operation``; that declaration validates the
request and is also what ``openapi.py`` publishes, so the document cannot drift from the code.
"""

from __future__ import annotations

from flask import Blueprint

from annotator.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # safe: the API accepts bearer tokens only, never the session cookie

from annotator.api import errors  # noqa: E402

errors.register(bp)

from annotator.api import (  # noqa: E402  (modules add their routes to bp)
    actors,
    agreement,
    assignments,
    export,
    openapi,
    projects,
    stances,
    statements,
)

__all__ = ["bp"]
_MODULES = (actors, agreement, assignments, export, openapi, projects, stances, statements)


@bp.record_once
def _json_everywhere(state) -> None:
    """Unknown paths and methods under /api/v1 match no blueprint: answer them in JSON too."""
    state.app.before_request(errors.json_routing_error)
