"""The logged-in user's account: change the password, sign out everywhere."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_user, logout_user

from annotator.accounts import users as user_service
from annotator.accounts.forms import PasswordForm
from annotator.accounts.tokens import count_live_tokens
from annotator.extensions import db
from annotator.web.access import login_view
from annotator.web.forms import ConfirmForm, Refused, run_form, submit
from annotator.web.security import renew_session

bp = Blueprint("profile", __name__, url_prefix="/account")


@bp.get("/")
@login_view
def index():
    """The password form (with what a change revokes) and the sign-out-everywhere button."""
    return _page(PasswordForm(formdata=None))


# View opening like lead.create_project (route, access, form), see docs/architecture.md.
@bp.post("/password")
@login_view
def change_password():
    """Change the password; other sessions and every API token stop working, this one goes on."""
    form = PasswordForm()
    revoked = submit(
        form,
        lambda: user_service.change_password(
            db.session,
            current_user,
            form.current.data,
            form.password.data,
            method=current_app.config["PASSWORD_METHOD"],
        ),
    )
    if isinstance(revoked, Refused):
        return _page(form, status=revoked.status)
    renew_session()
    login_user(current_user._get_current_object())  # under the new session version
    flash(_changed_message(revoked), "info")
    return redirect(url_for(".index"), 303)


def _changed_message(revoked: int) -> str:
    tokens = f"{revoked} API token{'' if revoked == 1 else 's'} revoked" if revoked else ""
    return "Password changed; every other session is signed out" + (
        f", {tokens}." if tokens else "."
    )


@bp.post("/sign-out-everywhere")
@login_view
def sign_out_everywhere():
    """End every session of this user, this one included (a lost laptop, a shared computer)."""
    form = ConfirmForm()
    if not run_form(
        form, lambda: user_service.end_sessions(db.session, current_user, by=current_user)
    ):
        return _page(PasswordForm(formdata=None), status=400)
    logout_user()
    renew_session()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"), 303)


def _page(form, status: int = 200):
    tokens = count_live_tokens(db.session, current_user)
    body = render_template("account/index.html", form=form, confirm=ConfirmForm(), tokens=tokens)
    return body, status
