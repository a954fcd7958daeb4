"""Create, retype, delete and restore relations: htmx fragments or full pages, same services.

The pattern is the stance views': every action is a real form (the "Link to…" page without
JavaScript), the page script upgrades it (the link picker, arcs over the text), a stale
version answers 409 with the stored relation, and a delete leaves an item with Undo.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user
from sqlalchemy import inspect
from wtforms.fields.choices import SelectChoice

from annotator.annotation import relations as relation_service
from annotator.annotation.forms import RelationEditForm, RelationForm, RelationVersionForm
from annotator.annotation.relation_panel import (
    RelationRow,
    get_relation_row,
    load_relation_panel,
    saved_relation_row,
)
from annotator.annotation.relation_render import (
    deleted_relation_item,
    relation_item,
    relation_items,
)
from annotator.annotation.relation_types import list_relation_types
from annotator.annotation.rows import list_stance_rows
from annotator.annotation.stances import require_assignment
from annotator.annotation.versions import RowEdit
from annotator.annotation.views.workspace import page_context
from annotator.errors import DomainError, NotFound
from annotator.extensions import db, htmx
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.web.access import project_view
from annotator.web.errors import render_refusal
from annotator.web.forms import Refused, refuse, submit, submit_or_refuse
from annotator.web.input_guard import db_int

bp = Blueprint("relations", __name__, url_prefix="/p/<slug>/s/<int:statement_id>/relations")
for _builder in (relation_items, relation_item, deleted_relation_item):
    bp.add_app_template_global(_builder)


def relations_url(project, st) -> str:
    """The relation collection URL; item URLs append ``/<id>``."""
    return url_for("relations.create", slug=project.slug, statement_id=st.id)


@bp.get("")
@project_view(Role.ANNOTATOR)
def panel(project, statement_id: int):
    """The relations section (htmx refreshes it after a stance delete or undo); else the page."""
    st = get_statement(db.session, project, statement_id)
    if not htmx:
        return _to_page(project, st)
    rels = load_relation_panel(db.session, project, st, current_user)
    return render_template("workspace/_relations.html", **_section(project, st, rels))


@bp.get("/new")
@project_view(Role.ANNOTATOR)
def new(project, statement_id: int):
    """The "Link to…" form for one stance: the other stances to choose from and the types."""
    st = get_statement(db.session, project, statement_id)
    form = relation_form(project, from_stance=request.args.get("from", type=db_int))
    return _form_response(project, st, form, None, 200)


@bp.post("")
@project_view(Role.ANNOTATOR)
def create(project, statement_id: int):
    """Save a new relation from the picker or the "Link to…" form."""
    st = get_statement(db.session, project, statement_id)
    form = relation_form(project, request.form)
    data = lambda: relation_service.RelationInput(  # noqa: E731 - read once the form is valid
        form.from_stance.data, form.to_stance.data, form.type.data, form.note.data or ""
    )
    outcome = submit(
        form,
        lambda: relation_service.create_relation(db.session, project, st, current_user, data()),
        read=_reader(st) if htmx else None,
    )
    if isinstance(outcome, Refused):
        return _form_response(project, st, form, None, outcome.status)
    return _saved(project, st, "create", outcome)


@bp.get("/<int:relation_id>/edit")
@project_view(Role.ANNOTATOR)
def edit(project, statement_id: int, relation_id: int):
    """The type and note of a relation, with its current version."""
    st = get_statement(db.session, project, statement_id)
    relation = relation_service.get_relation(db.session, st, relation_id, current_user)
    if relation.deleted_at is not None:
        raise NotFound("No such relation.")
    form = edit_form(project, type=relation.type.key, note=relation.note, version=relation.version)
    return _form_response(project, st, form, get_relation_row(db.session, relation.id), 200)


@bp.post("/<int:relation_id>")
@project_view(Role.ANNOTATOR)
def update(project, statement_id: int, relation_id: int):
    """Save a new type or note; a stale version answers 409 with the stored one in the form."""
    st = get_statement(db.session, project, statement_id)
    relation_service.get_relation(db.session, st, relation_id, current_user)  # others': 404
    form = edit_form(project, request.form)
    outcome = submit(
        form,
        lambda: relation_service.update_relation(
            db.session, _edit(project, st, relation_id, form),
            type=form.type.data, note=form.note.data or "",
        ),
        read=_reader(st) if htmx else None,
    )  # fmt: skip
    if isinstance(outcome, Refused):
        return _edit_refused(project, st, form, relation_id, outcome)
    return _saved(project, st, "update", outcome)


@bp.post("/<int:relation_id>/delete")
@project_view(Role.ANNOTATOR)
def delete(project, statement_id: int, relation_id: int):
    """Soft-delete a relation and offer undo."""
    return _version_action(project, statement_id, relation_id, "delete")


@bp.post("/<int:relation_id>/restore")
@project_view(Role.ANNOTATOR)
def restore(project, statement_id: int, relation_id: int):
    """Undo a delete."""
    return _version_action(project, statement_id, relation_id, "restore")


def relation_form(project, formdata=None, **data) -> RelationForm:
    """A relation form; its type buttons come from the panel's types (no choices to load:
    the service checks the type, and a save costs one query less)."""
    return RelationForm(formdata=formdata, **data)


def edit_form(project, formdata=None, **data) -> RelationEditForm:
    form = RelationEditForm(formdata=formdata, **data)
    form.type.choices = _type_choices(project)
    return form


def _type_choices(project) -> list[SelectChoice]:
    return [SelectChoice(t.key, t.name) for t in list_relation_types(db.session, project)]


def _version_action(project, statement_id, relation_id, name):
    """Delete or restore at the version shown; a refusal answers with its message."""
    st = get_statement(db.session, project, statement_id)
    form = RelationVersionForm()
    action = getattr(relation_service, f"{name}_relation")
    outcome = submit_or_refuse(
        form,
        lambda: action(db.session, _edit(project, st, relation_id, form)),
        read=_reader(st) if htmx else None,
    )
    return _saved(project, st, name, outcome)


def _edit(project, st, relation_id: int, form) -> RowEdit:
    """The user's change to a relation at the version the form sent."""
    return RowEdit(project, st, current_user, row_id=relation_id, version=form.version.data)


def _edit_refused(project, st, form, relation_id, refused: Refused):
    """Re-show the edit form; after a lost race, with the stored version and the message."""
    current = getattr(refused.error, "current", None)
    if refused.status in (403, 404) or (current is not None and current.deleted_at is not None):
        return render_refusal(refused.status, refused.message)
    if current is not None:
        sent = form
        form = edit_form(project, type=current.type.key, note=current.note, version=current.version)
        form.unsaved = _differences(sent, form)
        refuse(form, refused.message, refused.error.field)
    return _form_response(
        project, st, form, get_relation_row(db.session, relation_id), refused.status
    )


def _differences(sent, stored) -> list[tuple[str, str]]:
    """What the refused edit had that the stored version has not, as shown."""
    names = {c.value: c.label for c in stored.type.choices}
    pairs = (("Type", names.get(sent.type.data, sent.type.data), stored.type.data, sent.type.data),
             ("Note", sent.note.data, stored.note.data, sent.note.data))  # fmt: skip
    return [
        (title, (shown or "").strip() or "—")
        for title, shown, old, new in pairs
        if (old or "").strip() != (new or "").strip()
    ]


def _form_response(project, st, form, editing: RelationRow | None, status: int):
    """The relation form alone for htmx; otherwise the statement page with the form open."""
    targets = _targets(st) if editing is None else []
    context = dict(project=project, statement=st, rel_form=form, rel_editing=editing)
    context |= dict(rel_targets=targets, rel_types=list_relation_types(db.session, project))
    if htmx:
        return render_template("workspace/_relation_form.html", **context), status
    ctx = page_context(project, st) | context | {"rel_open": True}
    return render_template("workspace/statement.html", **ctx), status


def _targets(st) -> list:
    """The user's stances to link from or to, in text order (the "Link to…" form's choices)."""
    return list_stance_rows(db.session, st.id, current_user.id, timestamps=False)


class Saved(NamedTuple):
    """What the htmx answer to a save shows: the item and the counter."""

    row: RelationRow | None
    count: int


def _reader(st):
    """What the htmx answer shows, read beside the commit (``Database.commit_and_read``)."""

    def read(relation) -> Saved:
        relation_id = inspect(relation).identity[0]  # no reload of a row the commit expired
        return Saved(*saved_relation_row(db.session, relation_id, st, current_user))

    return read


def _saved(project, st, action: str, saved: Saved):
    """htmx: the item and counter out of band, and an event for the arcs; else the page."""
    if not htmx:
        flash(_MESSAGES[action], "info")
        return _to_page(project, st)
    body = render_template(
        "workspace/_relation_saved.html", saved=saved, action=action, project=project,
        statement=st, message=_MESSAGES[action], relations_url=relations_url(project, st),
        rel_types=list_relation_types(db.session, project) if action == "update" else [],
    )  # fmt: skip
    if action == "update":  # the edit form goes back to "new relation"
        return make_response(body, trigger="relation-updated")
    return make_response(body, reswap="none", trigger=f"relation-{action}d")


def _section(project, st, rels) -> dict:
    return dict(project=project, statement=st, relations=rels, can_edit=_editable(st))


def _editable(st) -> bool:
    """Whether the user may change relations here (assigned and open), as the page shows."""
    try:
        require_assignment(db.session, st, current_user)
    except DomainError:
        return False
    return True


def _to_page(project, st):
    url = url_for("workspace.statement", slug=project.slug, statement_id=st.id)
    return redirect(f"{url}#relations", 303)


_MESSAGES = {
    "create": "Relation saved.",
    "update": "Relation updated.",
    "delete": "Relation deleted.",
    "restore": "Relation restored.",
}
