"""Bearer-token authentication: the API's only way in (no cookie session, hence no CSRF)."""

from __future__ import annotations

from flask import request

from annotator.accounts import tokens as token_service
from annotator.api.errors import ApiError
from annotator.extensions import db
from annotator.models import User


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate() -> User:
    """The user behind the request's token; 401 for none, unknown, revoked or inactive."""
    clear = bearer_token()
    if clear is None:
        raise ApiError(401, "Send a personal API token as 'Authorization: Bearer TOKEN'.")
    found = token_service.find_token_user(db.session, clear)
    if found is None:
        raise ApiError(401, "The API token is unknown or revoked.")
    if token_service.needs_touch(found.last_used_at):
        _touch(found.token_id)
    return found.user


def _touch(token_id: int) -> None:
    """Writes ride on the request's writer session; reads use a short one of their own."""
    if request.method in ("GET", "HEAD"):
        with db.new_session() as session:
            token_service.touch_token(session, token_id)
            session.commit()
    else:
        token_service.touch_token(db.session, token_id)
