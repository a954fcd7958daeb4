"""The JSON API under /api/v1: personal tokens only, the same services and roles as the browser.

Routes, request validation, response schemas and the OpenAPI 3.1 document come from APIFlask
(docs/api-framework.md says why): each view declares, in one ``access.operation``, its
route, its role (token, then project role), its inputs and its output, and the document is
generated from those declarations.
"""

from __future__ import annotations

from apiflask import APIBlueprint

from annotator.extensions import csrf

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # safe: the API accepts bearer tokens only, never the session cookie

from annotator.api import errors  # noqa: E402

errors.register(bp)

from annotator.api import (  # noqa: E402, F401  (importing a module adds its routes to bp)
    actors,
    agreement,
    assignments,
    export,
    openapi,
    projects,
    relations,
    stances,
    statements,
    suggestions,
)

__all__ = ["bp"]


@bp.record_once
def _install(state) -> None:
    """Unknown paths and methods under /api/v1 match no blueprint: answer them in JSON too."""
    state.app.before_request(errors.json_routing_error)
    openapi.configure(state.app)
