"""``annotator tokens``: personal API tokens for scripts, printed once and stored hashed."""

from __future__ import annotations

import click

from ..extensions import db
from ..services import tokens as token_service
from ..services.users import get_user
from . import unit_of_work


@click.group("tokens")
def tokens_group() -> None:
    """Manage personal API tokens (Authorization: Bearer TOKEN on /api/v1)."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for, e.g. 'nightly export'.")
@unit_of_work
def tokens_create(username: str, name: str) -> None:
    """Create a token for USERNAME and print it; it cannot be shown again."""
    user = get_user(db.session, username)
    token, clear = token_service.create_token(db.session, user, name)
    click.echo(clear)
    click.echo(f"Token {token.id} ({token.name}) for {username}; store it now.", err=True)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@unit_of_work
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID; requests with it get 401 from now on."""
    token = token_service.revoke_token(db.session, token_id)
    click.echo(f"Revoked token {token.id} ({token.name}).")


@tokens_group.command("list")
@click.argument("username")
@unit_of_work
def tokens_list(username: str) -> None:
    """List USERNAME's tokens: id, name, created, last used, revoked."""
    user = get_user(db.session, username)
    for t in token_service.list_tokens(db.session, user):
        used = _when(t.last_used_at) or "never used"
        revoked = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.name}\tcreated {_when(t.created_at)}\t{used}\t{revoked}")


def _when(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else None


COMMANDS = (tokens_group,)
