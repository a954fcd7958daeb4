"""The projects page and a project's overview."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from annotator.extensions import db
from annotator.projects.home import lead_home
from annotator.projects.projects import list_user_projects
from annotator.roles import Role
from annotator.web.access import login_view, project_view
from annotator.web.input_guard import db_int

bp = Blueprint("projects", __name__)


@bp.get("/")
@login_view
def index():
    """Every project the user belongs to, with their role."""
    return render_template(
        "projects/index.html",
        projects=list_user_projects(db.session, current_user),
        can_create=current_user.is_admin,
    )


@bp.get("/p/<slug>/")
@project_view(Role.ANNOTATOR)
def show(project):
    """A project's home: a lead's overview, and the user's queue (a lead's only if not empty)."""
    from annotator.projects.queue import list_queue

    after = request.args.get("after", 0, type=db_int)
    queue = list_queue(db.session, project, current_user, after=max(after, 0))
    home = lead_home(db.session, project) if g.role == Role.LEAD else None
    return render_template(
        "projects/show.html",
        project=project,
        queue=queue,
        after=after,
        home=home,
        annotators=home.annotators if home else 0,
        token=generate_csrf(),
    )
