"""The lead's label scheme editor and guidelines editor (routes on the ``lead`` blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from annotator.extensions import db
from annotator.projects import guidelines as guidelines_service
from annotator.projects import labels as label_service
from annotator.projects.forms import GuidelinesForm, LabelForm, MoveForm
from annotator.projects.projects import latest_guidelines
from annotator.projects.views import P, bp, page
from annotator.roles import Role
from annotator.web.access import project_view
from annotator.web.forms import ConfirmForm, Refused, press, run_form, submit
from annotator.web.markdown import render_markdown


# View opening like recommenders (a lead editor's page), see docs/architecture.md.
@bp.get(f"{P}/labels")
@project_view(Role.LEAD)
def labels(project):
    """The scheme: every label with its usage and actions, and a form to add one."""
    return _labels_page(project)


# Same shape as _team_page and add_member: one page's context, see docs/architecture.md.
def _labels_page(project, form=None, status=200):
    return page(
        "labels.html", status, project=project, nav="labels",
        rows=label_service.list_label_rows(db.session, project),
        form=form or LabelForm(), confirm=ConfirmForm(),
    )  # fmt: skip


@bp.post(f"{P}/labels")
@project_view(Role.LEAD)
def add_label(project):
    """Add a label at the end of the scheme."""
    form = LabelForm()
    if run_form(form, lambda: label_service.create_label(
        db.session, project, form.key.data or "", user=current_user, **form.values()
    )):  # fmt: skip
        flash(f"Added label {form.name.data}.", "info")
        return redirect(url_for(".labels", slug=project.slug), 303)
    return _labels_page(project, form=form, status=422)


@bp.route(f"{P}/labels/<key>", methods=["GET", "POST"])
@project_view(Role.LEAD)
def edit_label(project, key: str):
    """Rename, recolour, rebind, redefine or remap one label; its key never changes."""
    label = label_service.get_label(db.session, project, key)
    form = LabelForm(obj=label)
    if run_form(form, lambda: label_service.update_label(
        db.session, project, label, user=current_user, **form.values()
    )):  # fmt: skip
        flash(f"Saved label {form.name.data}.", "info")
        return redirect(url_for(".labels", slug=project.slug), 303)
    status = 422 if form.is_submitted() else 200
    return page("label.html", status, project=project, label=label, form=form, nav="labels")


@bp.post(f"{P}/labels/<key>/<action>")
@project_view(Role.LEAD)
def label_action(project, key: str, action: str):
    """Move up or down, retire, restore or delete (only when never used) a label."""
    label = label_service.get_label(db.session, project, key)
    actions = {
        "move": lambda: label_service.move_label(
            db.session, project, label, -1 if form.direction.data == "up" else 1, user=current_user
        ),
        "retire": lambda: label_service.retire_label(db.session, project, label, user=current_user),
        "restore": lambda: label_service.restore_label(
            db.session, project, label, user=current_user
        ),
        "delete": lambda: label_service.delete_label(db.session, project, label, user=current_user),
    }
    if action not in actions:
        flash("Unknown label action.", "error")
        return redirect(url_for(".labels", slug=project.slug), 303)
    form = MoveForm() if action == "move" else ConfirmForm()
    done = f"Label {key}: {action} done."
    return press(form, actions[action], done, url_for(".labels", slug=project.slug))


@bp.route(f"{P}/guidelines/edit", methods=["GET", "POST"])
@project_view(Role.LEAD)
def edit_guidelines(project):
    """Write the guidelines in Markdown; each changed save becomes a new version."""
    current = latest_guidelines(db.session, project)
    form = GuidelinesForm(body=current.body if current else "")
    saved = submit(
        form,
        lambda: guidelines_service.save_guidelines(
            db.session, project, form.body.data, user=current_user
        ),
    )
    if not isinstance(saved, Refused):
        version, new = saved
        flash(f"Saved as version {version.version}." if new else "No changes to save.", "info")
        return redirect(url_for(".edit_guidelines", slug=project.slug), 303)
    return page(
        "guidelines.html", 422 if form.is_submitted() else 200, project=project, form=form,
        current=current, rendered=render_markdown(current.body) if current else None,
        history=guidelines_service.list_guidelines_versions(db.session, project), nav="guidelines",
    )  # fmt: skip


@bp.get(f"{P}/guidelines/v/<int:version>")
@project_view(Role.LEAD)
def guidelines_version(project, version: int):
    """One past version of the guidelines, rendered safely, with its source."""
    found = guidelines_service.get_guidelines_version(db.session, project, version)
    return render_template(
        "lead/guidelines_version.html", project=project, v=found,
        rendered=render_markdown(found.body), nav="guidelines",
    )  # fmt: skip
