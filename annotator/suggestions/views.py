"""Accept, reject and accept-then-edit suggestions on the statement page.

Every action is a real form (a full page load without script); htmx answers with
out-of-band swaps: the paragraphs the new stance touches, its list item, the counters and
the suggestion panel, all rendered by the templates the page itself uses.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user

from annotator.annotation.forms import StanceForm
from annotator.annotation.rows import StanceRow
from annotator.annotation.stance_form import form_actor, stance_form, stances_url
from annotator.annotation.stances import require_assignment
from annotator.annotation.workspace import (
    counter_and_state,
    next_stance_id,
    touched_paragraphs,
)
from annotator.errors import NotFound
from annotator.extensions import db, htmx
from annotator.models import Stance
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.suggestions import suggestions as service
from annotator.suggestions.forms import AcceptAllForm
from annotator.suggestions.panel import page_suggestions
from annotator.suggestions.render import suggestion_items
from annotator.text.layout import Paragraph
from annotator.web.access import project_view
from annotator.web.errors import render_refusal
from annotator.web.forms import ConfirmForm, Refused, submit

bp = Blueprint("suggestions", __name__, url_prefix="/p/<slug>/s/<int:statement_id>/suggestions")
bp.add_app_template_global(suggestion_items)  # the panel's rows are built in render.py


@bp.post("/<int:suggestion_id>/accept")
@project_view(Role.ANNOTATOR)
def accept(project, statement_id: int, suggestion_id: int):
    """Accept as proposed (the row's button, key A), or as edited in the stance form."""
    st = get_statement(db.session, project, statement_id)
    if "label" in request.form:  # the accept-then-edit form
        form = stance_form(project, request.form)
        call = lambda: service.accept_suggestion(  # noqa: E731
            db.session, project, st, current_user, suggestion_id, _edit(project, st, form)
        )
    else:
        form = ConfirmForm()
        call = lambda: service.accept_suggestion(  # noqa: E731
            db.session, project, st, current_user, suggestion_id
        )
    outcome = submit(form, call, read=_reader(project, st) if htmx else None)
    if isinstance(outcome, Refused):
        return _refused(project, st, form, outcome, suggestion_id)
    return _accepted(project, st, outcome, edited=isinstance(form, StanceForm))


@bp.get("/<int:suggestion_id>/edit")
@project_view(Role.ANNOTATOR)
def edit(project, statement_id: int, suggestion_id: int):
    """The stance form filled with the suggestion, to change before saving (key E)."""
    st = get_statement(db.session, project, statement_id)
    require_assignment(db.session, st, current_user)  # open: the form is for accepting
    shown = service.list_suggestions(db.session, project, st, current_user)
    suggestion = next((s for s in shown if s.id == suggestion_id), None)
    if suggestion is None:
        raise NotFound("No such suggestion here (it may have been decided or withdrawn).")
    form = stance_form(project, **_form_data(suggestion))
    return _form_response(project, st, form, suggestion_id, 200)


@bp.post("/<int:suggestion_id>/reject")
@project_view(Role.ANNOTATOR)
def reject(project, statement_id: int, suggestion_id: int):
    """Reject: the suggestion is not shown to this annotator again (key X)."""
    st = get_statement(db.session, project, statement_id)
    form = ConfirmForm()
    outcome = submit(
        form,
        lambda: service.reject_suggestion(db.session, project, st, current_user, suggestion_id),
    )
    if isinstance(outcome, Refused):
        return _refused(project, st, form, outcome, suggestion_id)
    return _done(project, st, "Suggestion rejected.")


# View opening like actors.update and the workspace's state, see docs/architecture.md.
@bp.post("")
@project_view(Role.ANNOTATOR)
def accept_all(project, statement_id: int):
    """Accept every shown suggestion at or above a score, where the lead allows it."""
    st = get_statement(db.session, project, statement_id)
    form = AcceptAllForm()
    outcome = submit(
        form,
        lambda: service.accept_all_above(
            db.session, project, st, current_user, form.min_score.data
        ),
    )
    if isinstance(outcome, Refused):
        return _refused(project, st, form, outcome, None)
    made, skipped = outcome
    message = f"Accepted {len(made)} suggestion{'' if len(made) == 1 else 's'}."
    if skipped:
        message += f" {len(skipped)} left to decide by hand: {skipped[0][1]}"
    flash(message, "info")
    if htmx:
        return make_response("", 204, refresh=True)  # every paragraph may have changed
    return _back(project, st)


# ---- what the answers show ----


class Accepted(NamedTuple):
    """What ``workspace/_saved.html`` reads after a save, plus the suggestion panel."""

    stance: Stance
    paragraphs: list[Paragraph]
    nearby: list[StanceRow]
    names: dict[str, str]
    count: int
    state: str
    next_id: int | None
    panel: object

    @property
    def row(self) -> StanceRow | None:
        return next((r for r in self.nearby if r.id == self.stance.id), None)


def _reader(project, st):
    """Read beside the commit what the htmx answer draws (see ``Database.commit_and_read``)."""

    def read(stance) -> Accepted:
        shown = touched_paragraphs(
            db.session, project, st, current_user, [(stance.start, stance.end)]
        )
        counter = counter_and_state(db.session, st, current_user)
        next_id = next_stance_id(db.session, stance, shown[1])
        return Accepted(stance, *shown, *counter, next_id, _panel(project, st))

    return read


def _panel(project, st):
    assignment = require_assignment(db.session, st, current_user, editable=False)
    return page_suggestions(db.session, project, st, current_user, assignment)


def _accepted(project, st, saved: Accepted, edited: bool):
    """htmx: the saved fragments and the panel; a browser goes back to the page."""
    if not htmx:
        flash("Suggestion accepted.", "info")
        return _back(project, st)
    body = render_template(
        "suggestions/_accepted.html", project=project, statement=st, saved=saved,
        action="create", message="Suggestion accepted.", stances_url=stances_url(project, st),
        form=stance_form(project) if edited else None, editing=None, open_form=False,
        panel=saved.panel,
    )  # fmt: skip
    if edited:  # the form goes back to "new stance" in its slot
        return body
    return make_response(body, reswap="none", trigger="suggestion-accepted")


def _done(project, st, message: str):
    if not htmx:
        flash(message, "info")
        return _back(project, st)
    return render_template(
        "suggestions/_changed.html", project=project, statement=st, message=message,
        kind="info", panel=_panel(project, st),
    )  # fmt: skip


def _refused(project, st, form, refused: Refused, suggestion_id):
    """A refused edit form re-shows itself; a refused button says why, beside a fresh panel."""
    if isinstance(form, StanceForm) and refused.status == 422:
        return _form_response(project, st, form, suggestion_id, 422)
    if refused.status not in (409, 422) or not htmx:
        if refused.status in (409, 422) and not htmx:
            flash(refused.message, "error")
            return _back(project, st)
        return render_refusal(refused.status, refused.message)
    body = render_template(
        "suggestions/_changed.html", project=project, statement=st, message=refused.message,
        kind="error", panel=_panel(project, st),
    )  # fmt: skip
    return make_response(body, refused.status, reswap="none")


def _form_response(project, st, form, suggestion_id, status):
    """The stance form posting to this suggestion's accept (the fragment, or its own page)."""
    context = dict(
        project=project, statement=st, form=form, editing=None, open_form=True,
        form_action=url_for(".accept", slug=project.slug, statement_id=st.id,
                            suggestion_id=suggestion_id),
        form_title="Accept suggestion", form_mode="edit",
    )  # fmt: skip
    template = "workspace/_form.html" if htmx else "suggestions/edit.html"
    return render_template(template, **context), status


def _back(project, st):
    return redirect(url_for("workspace.statement", slug=project.slug, statement_id=st.id), 303)


# ---- the stance form ----


def _form_data(s) -> dict:
    """A suggestion's values as the stance form names them (actors by key and name)."""
    data = {"start": s.start, "end": s.end, "text": s.text, "label": s.label.key}
    for role in ("target", "holder"):
        actor = getattr(s, role)
        data[role], data[f"{role}_q"] = (actor.key, actor.name) if actor else ("", "")
    return data


def _edit(project, st, form: StanceForm) -> service.SuggestionEdit:
    """The accept form's values; a new selection moves the span."""
    return service.SuggestionEdit(
        label=form.label.data,
        target=form_actor(db.session, project, current_user, form, "target") or "",
        holder=form_actor(db.session, project, current_user, form, "holder") or "",
        note=form.note.data or "",
        start=form.start.data,
        end=form.end.data,
        text=form.text.data,
    )  # fmt: skip
