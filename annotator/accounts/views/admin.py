"""Site admin pages: the users, and signing one of them out everywhere."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from annotator.accounts import users as user_service
from annotator.extensions import db
from annotator.web.access import admin_view
from annotator.web.forms import ConfirmForm, run_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@admin_view
def users():
    """Every account, each with a button that ends all its sessions."""
    rows = user_service.list_users(db.session)
    return render_template("admin/users.html", users=rows, confirm=ConfirmForm())


@bp.post("/users/<username>/sign-out")
@admin_view
def sign_out(username: str):
    """End every session of one user (a stolen laptop, a leaving member); tokens are kept."""
    form = ConfirmForm()
    user = user_service.get_user(db.session, username)
    if run_form(form, lambda: user_service.end_sessions(db.session, user, by=current_user)):
        flash(f"{username} is signed out on every device.", "info")
    else:
        flash("The form expired; reload the page and try again.", "error")
    return redirect(url_for(".users"), 303)
