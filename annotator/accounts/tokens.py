"""Personal API tokens: created once in clear text, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Invalid, NotFound
from annotator.models import ApiToken, Project, User, utcnow
from annotator.projects.projects import with_project_role
from annotator.roles import Role

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
    record_event(session, user, "create", "api_token", token.id, data={"name": name})
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
        record_event(session, user, "revoke", "api_token", token.id, data={"name": token.name})
    return token


def revoke_all_tokens(session: Session, user: User, *, by: User | None = None) -> int:
    """Revoke every live token of the user (a password change); returns how many."""
    live = [t for t in list_tokens(session, user) if t.revoked_at is None]
    now = utcnow()
    for token in live:
        token.revoked_at = now
    session.flush()
    if live:
        data = {"username": user.username, "tokens": [t.id for t in live]}
        record_event(session, by, "revoke_all", "api_token", user.id, data=data)
    return len(live)


def count_live_tokens(session: Session, user: User) -> int:
    """How many of the user's tokens still work, for the password form's warning."""
    query = select(func.count()).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return session.scalar(query.select_from(ApiToken)) or 0


class TokenUser(NamedTuple):
    """Who a bearer token belongs to, and what the last-used bookkeeping needs of the token;
    with a slug asked for, that project and the user's role in it (None when missing)."""

    user: User
    token_id: int
    last_used_at: datetime | None
    project: Project | None = None
    role: Role | None = None


def find_token_user(session: Session, clear: str, slug: str | None = None) -> TokenUser | None:
    """The active user behind a live (unrevoked) token, or None.

    Every API request starts here, so it is one prebuilt query that loads only the user as
    an object (handlers and services need one); of the token it reads the two columns the
    last-used bookkeeping needs. A request under a project passes its ``slug``: the project
    and the role come in the same query (``with_project_role``), for ``check_role``.
    """
    if not clear.startswith(PREFIX) or len(clear) > 200:
        return None
    params = {"token_hash": hash_token(clear)}
    if slug is None:
        row = session.execute(_TOKEN_USER, params).first()
    else:
        row = session.execute(_TOKEN_USER_IN_PROJECT, params | {"slug": slug}).unique().first()
    return TokenUser(*row) if row is not None else None


_TOKEN_USER = (
    select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.active,
    )
)  # built once: building a select costs more than running it
_TOKEN_USER_IN_PROJECT = with_project_role(_TOKEN_USER)


def needs_touch(last_used_at: datetime | None) -> bool:
    """Whether last_used_at is stale enough to write: at most one write a minute per token."""
    return last_used_at is None or utcnow() - last_used_at >= TOUCH_EVERY


def touch_token(session: Session, token_id: int) -> None:
    """Record that a token was used just now."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
