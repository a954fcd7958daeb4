"""Accounts: creation, password checks and login throttling."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import LoginThrottle, User, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MIN_PASSWORD = 8
GENERIC_LOGIN_ERROR = "Invalid username or password."
# A hash to check against when the user does not exist, so timing reveals nothing either.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


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
) -> User:
    """Check credentials; after ``max_failures`` failures a username is locked with back-off."""
    now = now or utcnow()
    throttle = session.get(LoginThrottle, username) or LoginThrottle(username=username, failures=0)
    if throttle.locked_until and throttle.locked_until > now:
        raise LoginRefused("Too many failed attempts. Wait a minute and try again.")
    user = find_user(session, username)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
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
