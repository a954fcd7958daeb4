"""Create, edit, delete and restore stances: htmx fragments or full pages, same services."""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user

from annotator.annotation import stances as stance_service
from annotator.annotation.forms import VersionForm
from annotator.annotation.rows import VALUE_FIELDS, StanceRow, form_data, get_stance_row
from annotator.annotation.stance_form import form_actor, stance_form, stances_url
from annotator.annotation.versions import RowEdit
from annotator.annotation.views.workspace import page_context
from annotator.annotation.workspace import counter_and_state, next_stance_id, touched_paragraphs
from annotator.errors import Invalid
from annotator.extensions import db, htmx
from annotator.models import Stance
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.text.layout import Paragraph
from annotator.text.spans import locate_quote
from annotator.web.access import project_view
from annotator.web.forms import Refused, refuse, submit, submit_or_refuse

bp = Blueprint("stances", __name__, url_prefix="/p/<slug>/s/<int:statement_id>/stances")


@bp.post("")
@project_view(Role.ANNOTATOR)
def create(project, statement_id: int):
    """Save a new stance from the selection form."""
    session, user = db.session, _user()
    st = get_statement(session, project, statement_id)
    form = stance_form(project, request.form)
    return _save(
        project,
        st,
        form,
        lambda: stance_service.create_stance(
            session, project, st, user, _stance_input(project, st, form)
        ),
        "create",
    )


def _user():
    """The request's user itself: the services read it many times, each time through
    ``current_user`` a look-up of the request context and of Flask-Login's cache."""
    return current_user._get_current_object()


@bp.get("/<int:stance_id>/edit")
@project_view(Role.ANNOTATOR)
def edit(project, statement_id: int, stance_id: int):
    """The form filled with a stance's current values and version."""
    st = get_statement(db.session, project, statement_id)
    stance = stance_service.get_stance(db.session, st, stance_id, current_user)
    form = stance_form(project, **form_data(get_stance_row(db.session, stance.id)))
    return _form_response(project, st, form, stance, 200)


@bp.post("/<int:stance_id>")
@project_view(Role.ANNOTATOR)
def update(project, statement_id: int, stance_id: int):
    """Save an edit; a stale version answers 409 with the stored version in the form."""
    st = get_statement(db.session, project, statement_id)
    form = stance_form(project, request.form)
    old = stance_service.get_stance(db.session, st, stance_id, current_user)
    return _save(
        project,
        st,
        form,
        lambda: stance_service.update_stance(
            db.session, _edit(project, st, stance_id, form), _stance_input(project, st, form)
        ),
        "update",
        editing=old,
        spans=[(old.start, old.end)],  # read now: the update moves ``old``
    )


@bp.post("/<int:stance_id>/delete")
@project_view(Role.ANNOTATOR)
def delete(project, statement_id: int, stance_id: int):
    """Soft-delete a stance and offer undo."""
    return _version_action(project, statement_id, stance_id, stance_service.delete_stance, "delete")


@bp.post("/<int:stance_id>/restore")
@project_view(Role.ANNOTATOR)
def restore(project, statement_id: int, stance_id: int):
    """Undo a delete."""
    return _version_action(
        project, statement_id, stance_id, stance_service.restore_stance, "restore"
    )


def _version_action(project, statement_id, stance_id, action, name):
    """Delete or restore at the version shown; a refusal answers with its message."""
    st = get_statement(db.session, project, statement_id)
    form = VersionForm()
    outcome = submit_or_refuse(
        form,
        lambda: action(db.session, _edit(project, st, stance_id, form)),
        read=_reader(project, st, name) if htmx else None,
    )
    return _saved(project, st, name, outcome)


def _edit(project, st, stance_id: int, form) -> RowEdit:
    """The user's change to a stance at the version the form sent (0, never stored: a 409)."""
    return RowEdit(project, st, current_user, row_id=stance_id, version=form.version.data or 0)


def _save(project, st, form, call, action, editing=None, spans=()):
    """The form loop for the stance form: saved fragments, or the form with its error."""
    outcome = submit(form, call, read=_reader(project, st, action, spans) if htmx else None)
    if isinstance(outcome, Refused):
        return _refused(project, st, form, outcome, editing)
    return _saved(project, st, action, outcome)


def _stance_input(project, st, form) -> stance_service.StanceInput:
    """Turn the form into a service request: offsets from the selection or the quote field."""
    start, end, text = form.start.data, form.end.data, form.text.data or ""
    if start is None or end is None:
        found = locate_quote(st.text, form.quote.data or "")
        if found is None:
            raise Invalid(
                "Select text in the statement, or type words that occur in it.", field="quote"
            )
        start, end = found
        text = st.text[start:end]
    return stance_service.StanceInput(
        start=start,
        end=end,
        text=text,
        label=form.label.data,
        target=form_actor(db.session, project, _user(), form, "target"),
        holder=form_actor(db.session, project, _user(), form, "holder"),
        **{name: form[name].data for name in VALUE_FIELDS},
    )


def _refused(project, st, form, refused: Refused, editing):
    """Re-show the form with its error; after a lost race, with the stored version.

    The stored version replaces what the annotator typed, so what they typed is listed
    beside it (``unsaved``): nothing is overwritten, and their edit is not lost either.
    """
    unsaved = []
    current = getattr(refused.error, "current", None)
    if getattr(current, "id", None):
        editing = stance_service.get_stance(db.session, st, current.id, current_user)
        stored = stance_form(project, **form_data(get_stance_row(db.session, editing.id)))
        unsaved = _differences(project, form, stored)
        form = stored
        refuse(form, refused.message, refused.error.field)
    return _form_response(project, st, form, editing, refused.status, unsaved=unsaved)


def _differences(project, sent, stored) -> list[tuple[str, str]]:
    """The fields of the refused edit that differ from the stored version, as shown."""
    names = {label.key: label.name for label in project.labels}
    fields = (  # title, what is compared, what is shown (actors: key, else the typed name)
        ("Text", lambda f: f.text.data, lambda f: f.text.data),
        ("Label", lambda f: f.label.data, lambda f: names.get(f.label.data, f.label.data)),
        ("Target", lambda f: f.target.data or f.target_q.data, lambda f: f.target_q.data),
        ("Holder", lambda f: f.holder.data or f.holder_q.data, lambda f: f.holder_q.data),
        ("Note", lambda f: f.note.data, lambda f: f.note.data),
    )
    return [
        (title, (show(sent) or key(sent) or "").strip() or "—")
        for title, key, show in fields
        if (key(sent) or "").strip() != (key(stored) or "").strip()
    ]


def _form_response(project, st, form, editing, status, unsaved=()):
    if htmx:
        return render_template(
            "workspace/_form.html",
            project=project,
            statement=st,
            form=form,
            editing=editing,
            unsaved=unsaved,
            open_form=True,
        ), status
    ctx = page_context(project, st, form, editing=editing) | {"unsaved": unsaved}
    return render_template("workspace/statement.html", **ctx), status


class Saved(NamedTuple):
    """What the htmx answer to a save shows: the touched paragraphs, the item, the counters."""

    stance: Stance
    paragraphs: list[Paragraph]
    nearby: list[StanceRow]  # the stances drawn in those paragraphs (the saved one among them)
    names: dict[str, str]
    count: int
    state: str
    next_id: int | None  # where a new item goes in the list

    @property
    def row(self) -> StanceRow | None:
        """The saved stance as the list shows it (None once deleted)."""
        return next((r for r in self.nearby if r.id == self.stance.id), None)


def _reader(project, st, action, spans=()):
    """What the htmx answer shows, read beside the commit (``Database.commit_and_read``)."""

    def read(stance) -> Saved:
        touched = [(stance.start, stance.end), *spans]
        session, user = db.session, _user()
        shown = touched_paragraphs(session, project, st, user, touched)
        counter = counter_and_state(session, st, user)
        next_id = next_stance_id(session, stance, shown[1]) if action == "create" else None
        return Saved(stance, *shown, *counter, next_id)

    return read


def _saved(project, st, action, saved: Saved):
    """htmx: out-of-band text, list item, counter and message; else back to the page.

    Only an edit re-renders the form (it must switch back to "new stance"); after a create,
    delete or restore the form stays as it is (``HX-Reswap: none``) and the page script
    clears it on the ``stance-created`` event, which keeps the response small.
    """
    if not htmx:
        flash(_MESSAGES[action], "info")
        return redirect(url_for("workspace.statement", slug=project.slug, statement_id=st.id), 303)
    body = render_template(
        "workspace/_saved.html", project=project, statement=st, saved=saved, action=action,
        message=_MESSAGES[action], stances_url=stances_url(project, st),
        form=stance_form(project) if action == "update" else None, editing=None, open_form=False,
    )  # fmt: skip
    # The event names the stance and its new version: the page's undo (Ctrl+Z) reads them.
    trigger = {f"stance-{action}d": {"id": saved.stance.id, "version": saved.stance.version}}
    if action == "update":
        return make_response(body, trigger=trigger)
    return make_response(body, reswap="none", trigger=trigger)


_MESSAGES = {
    "create": "Stance saved.",
    "update": "Stance updated.",
    "delete": "Stance deleted.",
    "restore": "Stance restored.",
}
