"""Account commands: users, passwords, and personal API tokens (printed once, stored hashed)."""

from __future__ import annotations

import click
from flask import current_app

from annotator.accounts import tokens as token_service
from annotator.accounts import users as user_service
from annotator.accounts.users import get_user
from annotator.cli.frame import read_password, unit_of_work
from annotator.extensions import db


@click.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the user a site admin.")
@unit_of_work
def users_add(username: str, admin: bool) -> None:
    """Add a user; the password comes from ANNOTATOR_PASSWORD or a prompt."""
    method = current_app.config["PASSWORD_METHOD"]
    user_service.create_user(db.session, username, read_password(), is_admin=admin, method=method)
    click.echo(f"Added user {username}{' (site admin)' if admin else ''}.")


@click.command("set-password")
@click.argument("username")
@unit_of_work
def set_password_command(username: str) -> None:
    """Set USERNAME's password (from ANNOTATOR_PASSWORD or a prompt), e.g. after a restore.

    As in the browser, every session of the user ends and every API token is revoked.
    """
    user = user_service.get_user(db.session, username)
    method = current_app.config["PASSWORD_METHOD"]
    revoked = user_service.set_password(db.session, user, read_password(), method=method)
    click.echo(f"Password of {username} is set; every session of {username} is signed out.")
    if revoked:
        click.echo(f"Revoked {revoked} API token{'' if revoked == 1 else 's'} of {username}.")


@users_group.command("sign-out")
@click.argument("username")
@unit_of_work
def users_sign_out(username: str) -> None:
    """End every browser session of USERNAME (API tokens keep working)."""
    user_service.end_sessions(db.session, user_service.get_user(db.session, username))
    click.echo(f"{username} is signed out on every device.")


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


# Same shape as suggest remove and list: click declarations, see docs/architecture.md.
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


COMMANDS = (
    users_group,
    set_password_command,
    tokens_group,
)
