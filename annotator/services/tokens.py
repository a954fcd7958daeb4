"""Personal API tokens: created once in clear text, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..models import ApiToken, User, utcnow
from .audit import record_event

PREFIX = "sa_"
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token; high entropy makes a plain SHA-256 enough (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the clear token, which is never stored."""
    name = " ".join((name or "").split()) or "API token"
    if len(name) > 80:
        raise Invalid("Token names have at most 80 characters.", field="name")
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(clear))
    session.add(token)
    session.flush()
    record_event(
        session, user=user, action="create", entity="api_token", entity_id=token.id,
        data={"name": name},
    )  # fmt: skip
    return token, clear


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they show when they stopped)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(session: Session, token_id: int, *, user: User | None = None) -> ApiToken:
    """Revoke a token; with ``user`` only one of their own (others' are NotFound)."""
    token = session.get(ApiToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        raise NotFound(f"No API token with id {token_id}.", field="token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record_event(
            session, user=user, action="revoke", entity="api_token", entity_id=token.id,
            data={"name": token.name},
        )  # fmt: skip
    return token


def find_token_user(session: Session, clear: str) -> tuple[ApiToken, User] | None:
    """The live token and active user a bearer token belongs to, or None."""
    if not clear.startswith(PREFIX) or len(clear) > 200:
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[1].active:
        return None
    return row[0], row[1]


def needs_touch(token: ApiToken) -> bool:
    """Whether last_used_at is stale enough to write: at most one write a minute per token."""
    return token.last_used_at is None or utcnow() - token.last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token_id: int) -> None:
    """Record that a token was used just now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
