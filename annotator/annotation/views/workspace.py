"""The annotator's statement page, its state buttons, type-ahead and label colours."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from annotator.actors.registry import search_actors
from annotator.annotation.forms import StateForm
from annotator.annotation.relation_panel import load_relation_panel
from annotator.annotation.render import deleted_item, stance_item, stance_items, statement_text
from annotator.annotation.stance_form import stance_form, stances_url
from annotator.annotation.workspace import load_statement_view
from annotator.extensions import db
from annotator.models import OPEN_STATES
from annotator.projects.assignments import set_assignment_state
from annotator.projects.projects import list_labels
from annotator.projects.queue import neighbour_statement, next_open_statement
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.suggestions.panel import page_suggestions
from annotator.suggestions.shown import note_shown
from annotator.web.access import project_view
from annotator.web.forms import submit_or_refuse
from annotator.web.htmx import see_other
from annotator.web.input_guard import db_int

bp = Blueprint("workspace", __name__, url_prefix="/p/<slug>")
for _builder in (statement_text, stance_items, stance_item, deleted_item):
    bp.add_app_template_global(_builder)  # the text and list items are built in render.py


def page_context(project, st, form=None, *, editing=None) -> dict:
    """Template values for the full statement page, shared by GET and failed plain POSTs."""
    view = load_statement_view(db.session, project, st, current_user)
    return dict(
        v=view,
        form=form or stance_form(project),
        editing=editing,
        can_edit=_can_edit(view.assignment),
        stances_url=stances_url(project, st),
        open_form=form is not None,
        suggestions=page_suggestions(db.session, project, st, current_user, view.assignment),
        relations=load_relation_panel(db.session, project, st, current_user),
    )


def _can_edit(assignment) -> bool:
    return assignment is not None and assignment.state in OPEN_STATES


@bp.get("/s/<int:statement_id>")
@project_view(Role.ANNOTATOR)
def statement(project, statement_id: int):
    """The statement with the user's own stances highlighted and the stance form."""
    st = get_statement(db.session, project, statement_id)
    ctx = page_context(project, st)
    if ctx["suggestions"] and ctx["suggestions"].editable:
        note_shown(db.session, current_user, ctx["suggestions"].items)  # acceptance rate
        db.session.commit()
    return render_template("workspace/statement.html", **ctx)


# View opening like actors.merge and suggestions.accept_all, see docs/architecture.md.
@bp.post("/s/<int:statement_id>/state")
@project_view(Role.ANNOTATOR)
def state(project, statement_id: int):
    """Mark done, reopen or skip; a finished statement leads on to the next one."""
    st = get_statement(db.session, project, statement_id)
    form = StateForm()
    assignment = submit_or_refuse(
        form,
        lambda: set_assignment_state(
            db.session, project, st, current_user, form.action.data, confirm=form.confirm.data
        ),
    )
    flash(f"Statement marked {assignment.state.replace('_', ' ')}.", "info")
    if form.action.data in ("done", "skip"):
        return see_other(url_for(".next_statement", slug=project.slug, after=st.id))
    return see_other(url_for(".statement", slug=project.slug, statement_id=st.id))


@bp.get("/next")
@project_view(Role.ANNOTATOR)
def next_statement(project):
    """Open the next statement of the queue that is still new or in progress."""
    after = request.args.get("after", type=db_int)
    statement_id = next_open_statement(db.session, project, current_user, after)
    if statement_id is None:
        flash("Your queue is finished. Thank you!", "info")
        return redirect(url_for("projects.show", slug=project.slug), 303)
    return redirect(url_for(".statement", slug=project.slug, statement_id=statement_id), 303)


@bp.get("/s/<int:statement_id>/step")
@project_view(Role.ANNOTATOR)
def step(project, statement_id: int):
    """The J and K keys: the next (``?to=next``) or previous statement of the queue."""
    st = get_statement(db.session, project, statement_id)
    forward = request.args.get("to", "next") != "previous"
    found = neighbour_statement(db.session, project, current_user, st.id, 1 if forward else -1)
    if found is None:
        flash(f"This is the {'last' if forward else 'first'} statement of your queue.", "info")
        found = st.id
    return redirect(url_for(".statement", slug=project.slug, statement_id=found), 303)


@bp.get("/actors/suggest")
@project_view(Role.ANNOTATOR)
def suggest(project):
    """Type-ahead options over actor names and aliases, showing the alias that matched."""
    field = request.args.get("field", "target")
    if field not in ("target", "holder"):
        field = "target"
    query = (request.args.get(f"{field}_q") or request.args.get("q") or "").strip()[:300]
    matches = search_actors(db.session, project, query) if query else []
    return render_template("workspace/_options.html", matches=matches, query=query, field=field)


@bp.get("/labels.css")
@project_view(Role.ANNOTATOR)
def labels_css(project):
    """Label colours as a stylesheet: the CSP forbids inline styles."""
    labels = list_labels(db.session, project, include_retired=True)
    body = render_template("workspace/labels.css", labels=labels)
    return Response(body, mimetype="text/css", headers={"Cache-Control": "private, max-age=60"})


@bp.get("/guidelines")
@project_view(Role.ANNOTATOR)
def guidelines(project):
    """The project's guidelines in force, rendered from Markdown without raw HTML."""
    from annotator.projects.projects import latest_guidelines
    from annotator.web.markdown import render_markdown

    current = latest_guidelines(db.session, project)
    body = render_markdown(current.body) if current else None
    return render_template(
        "workspace/guidelines.html",
        project=project,
        current=current,
        body=body,
        labels=list_labels(db.session, project),
    )
