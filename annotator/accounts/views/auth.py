"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from annotator.accounts.forms import LoginForm
from annotator.accounts.users import authenticate
from annotator.extensions import db
from annotator.web.access import login_view, public_view
from annotator.web.forms import Refused, submit

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public_view
def login():
    """Show the login form; a failure commits the throttle counter and shows one generic error."""
    form = LoginForm()
    user = submit(
        form,
        lambda: authenticate(
            db.session,
            form.username.data.strip(),
            form.password.data,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        ),
    )
    if isinstance(user, Refused):  # a wrong password's counter is committed (keeps_writes)
        return render_template("auth/login.html", form=form), user.status
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce users elsewhere after login."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("projects.index")


@bp.post("/logout")
@login_view
def logout():
    """Log out (POST, so a link on another site cannot log the user out)."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
