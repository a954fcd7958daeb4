"""Create, edit, delete and restore stances: htmx fragments or full pages, same services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from annotator.actors.registry import propose_actor, resolve_actor
from annotator.annotation import stances as stance_service
from annotator.annotation.forms import VersionForm
from annotator.annotation.render import paragraph_html, stance_item_html, stance_title
from annotator.annotation.rows import VALUE_FIELDS, form_data, get_stance_row
from annotator.annotation.views.workspace import page_context, stance_form, stances_url
from annotator.annotation.workspace import counter_and_state, next_stance_id, render_paragraphs
from annotator.errors import Conflict, DomainError, Invalid
from annotator.extensions import db, htmx
from annotator.statements.statements import get_statement
from annotator.text.spans import locate_quote
from annotator.web.access import project_view
from annotator.web.forms import first_error

bp = Blueprint("stances", __name__, url_prefix="/p/<slug>/s/<int:statement_id>/stances")


@bp.post("")
@project_view("annotator")
def create(project, statement_id: int):
    """Save a new stance from the selection form."""
    st = get_statement(db.session, project, statement_id)
    form = stance_form(project, request.form)
    return _save(
        project,
        st,
        form,
        lambda data: stance_service.create_stance(db.session, project, st, current_user, data),
        "create",
    )


@bp.get("/<int:stance_id>/edit")
@project_view("annotator")
def edit(project, statement_id: int, stance_id: int):
    """The form filled with a stance's current values and version."""
    st = get_statement(db.session, project, statement_id)
    stance = stance_service.get_stance(db.session, st, stance_id, current_user)
    form = stance_form(project, **form_data(get_stance_row(db.session, stance.id)))
    return _form_response(project, st, form, stance, 200)


@bp.post("/<int:stance_id>")
@project_view("annotator")
def update(project, statement_id: int, stance_id: int):
    """Save an edit; a stale version answers 409 with the stored version in the form."""
    st = get_statement(db.session, project, statement_id)
    form = stance_form(project, request.form)
    old = stance_service.get_stance(db.session, st, stance_id, current_user)
    old_span = (old.start, old.end)
    return _save(
        project,
        st,
        form,
        lambda data: stance_service.update_stance(
            db.session, project, st, current_user, stance_id, form.version.data or 0, data
        ),
        "update",
        editing=old,
        extra_spans=[old_span],
    )


@bp.post("/<int:stance_id>/delete")
@project_view("annotator")
def delete(project, statement_id: int, stance_id: int):
    """Soft-delete a stance and offer undo."""
    return _version_action(project, statement_id, stance_id, stance_service.delete_stance, "delete")


@bp.post("/<int:stance_id>/restore")
@project_view("annotator")
def restore(project, statement_id: int, stance_id: int):
    """Undo a delete."""
    return _version_action(
        project, statement_id, stance_id, stance_service.restore_stance, "restore"
    )


def _version_action(project, statement_id, stance_id, action, name):
    st = get_statement(db.session, project, statement_id)
    form = VersionForm()
    if not form.validate_on_submit():
        raise Invalid("The form lacks the stance's version; reload the page.", field="version")
    stance = action(db.session, project, st, current_user, stance_id, form.version.data)
    return _saved(project, st, stance, name, [(stance.start, stance.end)])


def _save(project, st, form, service_call, action, editing=None, extra_spans=()):
    try:
        if not form.validate_on_submit():
            raise Invalid(first_error(form))
        stance = service_call(_stance_input(project, st, form))
    except DomainError as exc:
        db.session.rollback()
        return _form_error(project, st, form, exc, editing)
    return _saved(project, st, stance, action, [(stance.start, stance.end), *extra_spans])


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
        target=_actor_key(
            project, form.target.data, form.target_q.data, form.propose_target.data, "target"
        ),
        holder=_actor_key(project, form.holder.data, form.holder_q.data, None, "holder"),
        **{name: form[name].data for name in VALUE_FIELDS},
    )


def _actor_key(project, key, typed, propose, field) -> str | None:
    """The chosen actor key; typed names resolve by alias, or become a proposal if asked."""
    if key:
        return key
    typed = (typed or "").strip()
    if not typed:
        return None
    actor = resolve_actor(db.session, project, typed)
    if actor is None and propose:
        actor = propose_actor(db.session, project, current_user, typed)
    if actor is None:
        raise Invalid(
            f"No actor in the registry is called “{typed}”. Pick one from the list "
            "or propose it as a new actor.",
            field=field,
        )
    return actor.key


def _form_error(project, st, form, exc: DomainError, editing):
    """Re-show the form with the message; on 409 with the stored version to start from.

    The stored version replaces what the annotator typed, so what they typed is listed
    beside it (``unsaved``): nothing is overwritten, and their edit is not lost either.
    """
    unsaved = []
    if isinstance(exc, Conflict) and getattr(exc.current, "id", None):
        current = stance_service.get_stance(db.session, st, exc.current.id, current_user)
        stored = stance_form(project, **form_data(get_stance_row(db.session, current.id)))
        unsaved = _differences(project, form, stored)
        form, editing = stored, current
    name = _VISIBLE.get(exc.field, exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), exc.message]
    return _form_response(
        project, st, form, editing, exc.status, error=exc.message, unsaved=unsaved
    )


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


# Actor keys travel in hidden inputs: their errors belong to the visible type-ahead fields.
_VISIBLE = {"target": "target_q", "holder": "holder_q"}


def _form_response(project, st, form, editing, status, error=None, unsaved=()):
    if htmx:
        return render_template(
            "workspace/_form.html",
            project=project,
            statement=st,
            form=form,
            editing=editing,
            error=error,
            unsaved=unsaved,
            open_form=True,
        ), status
    ctx = page_context(project, st, form, editing=editing, error=error) | {"unsaved": unsaved}
    return render_template("workspace/statement.html", **ctx), status


def _saved(project, st, stance, action, spans):
    """htmx: out-of-band text, list item, counter and message; else back to the page.

    Only an edit re-renders the form (it must switch back to "new stance"); after a create,
    delete or restore the form stays as it is (``HX-Reswap: none``) and the page script
    clears it on the ``stance-created`` event, which keeps the response small. What the
    fragments show is read next to the commit (``commit_and_read``: after it on SQLite, so
    other writers do not wait for these reads, before it on PostgreSQL, saving round trips).
    """
    if not htmx:
        db.session.commit()
        flash(_MESSAGES[action], "info")
        return redirect(url_for("workspace.statement", slug=project.slug, statement_id=st.id), 303)

    def fragments():
        shown = render_paragraphs(db.session, project, st, current_user, spans)
        counter = counter_and_state(db.session, st, current_user)
        next_id = next_stance_id(db.session, stance, shown[1]) if action == "create" else None
        return shown, counter, next_id

    (paragraphs, nearby, names), (count, state), next_id = db.commit_and_read(fragments)
    titles = {str(r.id): stance_title(r) for r in nearby}
    row = next((r for r in nearby if r.id == stance.id), None)
    url, csrf = stances_url(project, st), generate_csrf()
    oob = None if action == "create" else "true"  # a new item is wrapped in a positioned <ol>
    body = render_template(
        "workspace/_saved.html",
        project=project,
        statement=st,
        stance=stance,
        action=action,
        message=_MESSAGES[action],
        form=stance_form(project) if action == "update" else None,
        editing=None,
        open_form=False,
        paragraphs=[paragraph_html(p, titles, names, oob=True) for p in paragraphs],
        item=stance_item_html(row, url, csrf, oob) if row else "",
        stance_count=count,
        state=state,
        next_id=next_id,
    )
    if action == "update":
        return body
    return body, {"HX-Reswap": "none", "HX-Trigger": f"stance-{action}d"}


_MESSAGES = {
    "create": "Stance saved.",
    "update": "Stance updated.",
    "delete": "Stance deleted.",
    "restore": "Stance restored.",
}
