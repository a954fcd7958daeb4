"""The lead's pages: project creation and settings, team, assignments and progress.

Labels and guidelines live in ``labels`` on the same blueprint. Every form is a plain
POST that works without script; errors re-render the page with status 422.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from annotator.accounts.users import get_user
from annotator.extensions import db
from annotator.projects import assignments as assignment_service
from annotator.projects import projects as project_service
from annotator.projects.forms import (
    AssignForm,
    MemberForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    ReassignForm,
    RoleForm,
)
from annotator.projects.progress import annotator_progress, project_progress
from annotator.projects.views import P, bp, page
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.web.access import admin_view, project_view
from annotator.web.forms import ConfirmForm, Refused, press, run_form, submit
from annotator.web.input_guard import db_int


# View opening like profile.change_password (route, access, form), see docs/architecture.md.
@bp.route("/projects/new", methods=["GET", "POST"])
@admin_view
def create_project():
    """Site admins create projects; the default label scheme comes with it."""
    form = ProjectCreateForm()
    project = submit(
        form,
        lambda: project_service.create_project(
            db.session,
            form.slug.data.strip(),
            form.name.data,
            description=form.description.data or "",
            user=current_user,
        ),
    )
    if isinstance(project, Refused):
        return page("create_project.html", 422 if form.is_submitted() else 200, form=form)
    flash(f"Created project {project.name}.", "info")
    return redirect(url_for(".settings", slug=project.slug), 303)


@bp.route(f"{P}/settings", methods=["GET", "POST"])
@project_view(Role.LEAD)
def settings(project):
    """Name, description and the annotation settings of the project."""
    form = ProjectSettingsForm(obj=project)
    fields = ("name", "description", *project_service.SETTINGS)
    values = lambda: {f: getattr(form, f).data for f in fields}  # noqa: E731
    if run_form(form, lambda: project_service.update_project(
        db.session, project, user=current_user, **values()
    )):  # fmt: skip
        flash("Settings saved.", "info")
        return redirect(url_for(".settings", slug=project.slug), 303)
    status = 422 if form.is_submitted() else 200
    return page("settings.html", status, project=project, form=form, nav="settings")


@bp.get(f"{P}/team")
@project_view(Role.LEAD)
def team(project):
    """Members with their roles, a role switch and remove button each, and an add form."""
    return _team_page(project)


# Same shape as _labels_page: one page's context, see docs/architecture.md.
def _team_page(project, form=None, status=200):
    members = project_service.list_members(db.session, project)
    return page(
        "team.html", status, project=project, members=members, form=form or MemberForm(),
        role_form=RoleForm(), roles=list(Role), confirm=ConfirmForm(), nav="team",
    )  # fmt: skip


@bp.post(f"{P}/team")
@project_view(Role.LEAD)
def add_member(project):
    """Add an existing user with a role (or change the role of a member)."""
    form = MemberForm()
    if run_form(form, lambda: project_service.set_member(
        db.session, project, get_user(db.session, form.username.data.strip()),
        form.role.data, user=current_user,
    )):  # fmt: skip
        flash(f"{form.username.data.strip()} is now {form.role.data}.", "info")
        return redirect(url_for(".team", slug=project.slug), 303)
    return _team_page(project, form=form, status=422)


@bp.post(f"{P}/team/<username>/role")
@project_view(Role.LEAD)
def change_role(project, username: str):
    """Change a member's role."""
    form = RoleForm()
    return _on_member(project, username, form, f"{username} is now {form.role.data}.", lambda m: (
        project_service.set_member(db.session, project, m, form.role.data, user=current_user)
    ))  # fmt: skip


@bp.post(f"{P}/team/<username>/remove")
@project_view(Role.LEAD)
def remove_member(project, username: str):
    """Remove a member; their stances and finished work stay in the project."""
    done = f"Removed {username}; their work is kept."
    return _on_member(project, username, ConfirmForm(), done, lambda m: (
        project_service.remove_member(db.session, project, m, user=current_user)
    ))  # fmt: skip


def _on_member(project, username: str, form, done: str, change):
    """A team page button about one member: ``change(member)``, then back to the team."""
    member = get_user(db.session, username)
    return press(form, lambda: change(member), done, url_for(".team", slug=project.slug))


@bp.get(f"{P}/assignments")
@project_view(Role.LEAD)
def assignments(project):
    """Load per annotator, statements short of N, the assign and reassign forms."""
    return _assignments_page(project)


def _assignments_page(project, form=None, reassign=None, status=200):
    return page(
        "assignments.html", status, project=project, nav="assignments",
        summary=assignment_service.assignment_summary(db.session, project),
        loads=annotator_progress(db.session, project),
        form=form or AssignForm(per_statement=project.annotators_per_statement),
        reassign=reassign or ReassignForm(),
    )  # fmt: skip


@bp.post(f"{P}/assignments")
@project_view(Role.LEAD)
def assign(project):
    """Top every statement up to N annotators; running it again only fills gaps."""
    form = AssignForm()
    r = submit(
        form,
        lambda: assignment_service.assign_project(
            db.session, project, form.per_statement.data, user=current_user
        ),
    )
    if isinstance(r, Refused):
        return _assignments_page(project, form=form, status=422)
    flash(
        f"{r.created} new assignment(s); {r.short} statement(s) short of {r.per_statement}.",
        "info",
    )
    return redirect(url_for(".assignments", slug=project.slug), 303)


@bp.post(f"{P}/assignments/reassign")
@project_view(Role.LEAD)
def reassign(project):
    """Move one statement to another annotator, or unassign it when no one is named."""
    form = ReassignForm()
    if run_form(form, lambda: _reassign(project, form)):
        flash(f"Statement {form.statement_id.data} reassigned; earlier work is kept.", "info")
        return redirect(url_for(".assignments", slug=project.slug), 303)
    return _assignments_page(project, reassign=form, status=422)


def _reassign(project, form: ReassignForm):
    statement = get_statement(db.session, project, form.statement_id.data)
    old = get_user(db.session, form.from_user.data.strip())
    if not (form.to_user.data or "").strip():
        return assignment_service.unassign_statement(
            db.session, project, statement, old, user=current_user
        )
    new = get_user(db.session, form.to_user.data.strip())
    return assignment_service.reassign_statement(
        db.session, project, statement, old, new, user=current_user
    )


@bp.get(f"{P}/progress")
@project_view(Role.LEAD)
def progress(project):
    """The dashboard: per annotator, per label (with a chart) and per statement, paged."""
    data = project_progress(db.session, project, request.args.get("after", type=db_int))
    return page("progress.html", project=project, p=data, nav="progress")
