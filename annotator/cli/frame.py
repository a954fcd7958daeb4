"""What every command shares: one transaction per command, one-line errors, the password prompt.

Every command that writes runs in ``unit_of_work``: one transaction, one-line errors, exit 1.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from annotator.config import masked
from annotator.errors import DomainError
from annotator.extensions import db


def unit_of_work(fn: Callable) -> Callable:
    """Run a command as one transaction: commit on success; on error roll back and exit 1."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        except OperationalError as exc:
            db.session.rollback()
            raise click.ClickException(_db_error(exc)) from None

    return wrapper


def _db_error(exc: OperationalError) -> str:
    """One line naming the database (password masked) and the driver's first complaint."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return f"Cannot use the database {masked(current_app.config['DATABASE_URL'])}: {reason}"


def options(*decorators: Callable) -> Callable:
    """Several click options as one decorator, for a set that more than one command takes."""

    def apply(fn: Callable) -> Callable:
        for option in reversed(decorators):
            fn = option(fn)
        return fn

    return apply


def read_password(prompt: str = "Password") -> str:
    """``ANNOTATOR_PASSWORD`` for scripts, else an interactive prompt with confirmation."""
    return os.environ.get("ANNOTATOR_PASSWORD") or click.prompt(
        prompt, hide_input=True, confirmation_prompt=True
    )
