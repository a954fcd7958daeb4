"""The logged-in user's personal API tokens: create (shown once) and revoke."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from annotator.accounts import tokens as token_service
from annotator.accounts.forms import TokenForm
from annotator.extensions import db
from annotator.web.access import login_view
from annotator.web.forms import ConfirmForm, Refused, submit

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/tokens")
@login_view
def tokens():
    """Your tokens and the form to make a new one."""
    return _page(TokenForm(formdata=None))


@bp.post("/tokens")
@login_view
def create_token():
    """Create a token and show it this once; a bad name re-renders the form with 422."""
    form = TokenForm()
    created = submit(
        form, lambda: token_service.create_token(db.session, current_user, form.name.data or "")
    )
    if isinstance(created, Refused):
        return _page(form, status=created.status)
    return _page(TokenForm(formdata=None), new_token=created[1], status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@login_view
def revoke_token(token_id: int):
    """Revoke one of your tokens (another user's is 404)."""
    form = ConfirmForm()
    token = submit(
        form, lambda: token_service.revoke_token(db.session, token_id, user=current_user)
    )
    if isinstance(token, Refused):
        return _page(TokenForm(formdata=None), revoke=form, status=token.status)
    return _page(TokenForm(formdata=None), notice=f"Revoked “{token.name}”.")


def _page(form, *, revoke=None, new_token=None, notice=None, status=200):
    rows = token_service.list_tokens(db.session, current_user)
    return render_template(
        "account/tokens.html", form=form, revoke=revoke, tokens=rows,
        new_token=new_token, notice=notice,
    ), status  # fmt: skip
