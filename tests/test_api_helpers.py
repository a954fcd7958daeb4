"""Shared set-up for the API tests: the demo project, an outsider, an admin, and their tokens.

Holds no tests; the API test modules import from it.
"""

from __future__ import annotations

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user

from .factories import make_user
from .workspace_helpers import demo

ROLES = ("annotator1", "reviewer", "lead", "admin", "outsider")


def api_demo(session):
    """The demo project plus a non-member and a site admin; returns (project, statement, tokens)."""
    project, statement = demo(session)
    make_user(session, "outsider")
    make_user(session, "admin", admin=True)
    tokens = {}
    for name in ("annotator1", "annotator2", *ROLES[1:]):
        _, tokens[name] = create_token(session, find_user(session, name), "tests")
    session.commit()
    return project, statement, tokens


def api(client, method: str, path: str, token: str | None = None, **kwargs):
    """Call /api/v1``path`` with an optional bearer token."""
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The response is the JSON error shape with this status (and field, when given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "field"}
    assert error["message"]
    if field is not None:
        assert error["field"] == field, error
    return error
