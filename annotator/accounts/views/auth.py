"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from annotator.accounts.forms import LoginForm
from annotator.accounts.users import authenticate, end_sessions
from annotator.extensions import db
from annotator.web.access import login_view, public_view
from annotator.web.forms import Refused, submit
from annotator.web.security import renew_session

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
            method=current_app.config["PASSWORD_METHOD"],
        ),
    )
    if isinstance(user, Refused):  # a wrong password's counter is committed (keeps_writes)
        return render_template("auth/login.html", form=form), user.status
    start_session(user)
    return redirect(_safe_next(request.args.get("next")))


def start_session(user) -> None:
    """A new session for a login: nothing from before it (its CSRF token) carries over."""
    renew_session()
    login_user(user)


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
    """Log out (POST, so a link on another site cannot log the user out).

    The user's session version goes up, so a copy of this session's cookie is dead too.
    """
    end_sessions(db.session, current_user, by=current_user, reason="logout")
    db.session.commit()
    logout_user()
    renew_session()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
