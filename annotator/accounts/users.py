"""Accounts: creation, password checks and login throttling."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from annotator.accounts.tokens import revoke_all_tokens
from annotator.db.audit import record_event
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import LoginThrottle, User, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MIN_PASSWORD = 8
GENERIC_LOGIN_ERROR = "Invalid username or password."


@lru_cache(maxsize=8)
def dummy_hash(method: str) -> str:
    """A hash made like real ones (``method``), checked when the user does not exist.

    Checking an unknown name must cost what checking a real password costs, or the time of
    a failed login tells which usernames exist (it did: 20-65 ms against 350-490 ms).
    """
    return generate_password_hash("not-a-password", method=method)


class LoginRefused(Invalid):
    """Wrong credentials or too many attempts; the message never says which user exists."""

    keeps_writes = True  # the failure counter is what throttles the next guess


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    method: str = "scrypt",
) -> User:
    """Create an account with a hashed password; usernames are unique and URL-safe."""
    if not USERNAME_RE.match(username):
        raise Invalid("Usernames are letters, digits, '.', '_' or '-'.", field="username")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Passwords have at least {MIN_PASSWORD} characters.", field="password")
    if find_user(session, username):
        raise Conflict(f"User '{username}' already exists.", field="username")
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method=method),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    return user


# Same shape as find_project/get_project: the find_/get_ rule, see docs/architecture.md.
def find_user(session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalar(select(User).where(User.username == username))


def get_user(session: Session, username: str) -> User:
    """The user with this username; NotFound names it otherwise."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"Unknown user '{username}'.", field="username")
    return user


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int = 5,
    now: datetime | None = None,
    method: str = "scrypt",
) -> User:
    """Check credentials; after ``max_failures`` failures a username is locked with back-off.

    ``method`` is the configured hash method: an unknown name is checked against a dummy
    hash made with it, so both failures take the same time.
    """
    now = now or utcnow()
    throttle = session.get(LoginThrottle, username) or LoginThrottle(username=username, failures=0)
    if throttle.locked_until and throttle.locked_until > now:
        raise LoginRefused("Too many failed attempts. Wait a minute and try again.")
    user = find_user(session, username)
    ok = check_password_hash(user.password_hash if user else dummy_hash(method), password)
    if not (ok and user and user.active):
        _record_failure(session, throttle, max_failures, now)
        raise LoginRefused(GENERIC_LOGIN_ERROR)
    if throttle.failures:
        throttle.failures, throttle.locked_until = 0, None
    return user


def _record_failure(session: Session, throttle: LoginThrottle, limit: int, now: datetime) -> None:
    throttle.failures += 1
    if throttle.failures >= limit:
        seconds = min(2 ** (throttle.failures - limit) * 30, 900)
        throttle.locked_until = now + timedelta(seconds=seconds)
    session.merge(throttle)
    session.flush()


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's current one."""
    return check_password_hash(user.password_hash, password)


def change_password(
    session: Session, user: User, current: str, new: str, *, method: str = "scrypt"
) -> int:
    """The user's own change: the current password first, then as ``set_password``."""
    if not check_password(user, current):
        raise Invalid("That is not your current password.", field="current")
    return set_password(session, user, new, method=method, by=user)


def set_password(
    session: Session, user: User, new: str, *, method: str = "scrypt", by: User | None = None
) -> int:
    """Store a new password, end every session and revoke every API token of the user.

    Whoever knew the old password may hold a session or a token made with it; a new
    password must shut them out too. Returns how many tokens were revoked.
    """
    if len(new) < MIN_PASSWORD:
        raise Invalid(f"Passwords have at least {MIN_PASSWORD} characters.", field="password")
    user.password_hash = generate_password_hash(new, method=method)
    revoked = revoke_all_tokens(session, user, by=by)
    end_sessions(session, user, by=by, reason="password")
    return revoked


def end_sessions(
    session: Session, user: User, *, by: User | None = None, reason: str = "sign_out"
) -> None:
    """Invalidate every session cookie of the user (logout, sign out everywhere, password)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    data = {"username": user.username, "reason": reason}
    record_event(session, by, "end_sessions", "user", user.id, data=data)


def list_users(session: Session) -> list[User]:
    """Every account by username, for the site admin."""
    return list(session.scalars(select(User).order_by(User.username)))
