"""The actor registry: everyone lists and searches; leads create, edit, approve, merge."""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from annotator.actors import curation
from annotator.actors.forms import ActorForm, ActorImportForm, MergeForm, StatusForm
from annotator.actors.registry import (
    get_actor_by_id,
    import_actors,
    list_actors,
    resolve_actor,
    search_actors,
    survivor,
)
from annotator.errors import DomainError, Invalid
from annotator.extensions import db, htmx
from annotator.formats import FormatError
from annotator.formats.actor_csv import ActorRow, iter_actor_rows, write_actor_rows
from annotator.roles import Role
from annotator.web.access import can, project_view
from annotator.web.forms import Refused, refuse, submit, submit_or_refuse
from annotator.web.input_guard import db_int

bp = Blueprint("actors", __name__, url_prefix="/p/<slug>/actors")


@bp.get("/")
@project_view(Role.ANNOTATOR)
def index(project):
    """The registry, searchable by name, alias, key or QID and filtered by status."""
    q = request.args.get("q", "").strip()[:300]
    status = request.args.get("status", "active")
    page = curation.list_actor_page(
        db.session, project, query=q, status=status, page=None,
        after=request.args.get("after", type=db_int),
        owner_id=curation.blind_owner(current_user, g.role),
    )  # fmt: skip
    fragment = htmx and htmx.target == "actor-table"
    template = "actors/_table.html" if fragment else "actors/index.html"
    return render_template(
        template,
        project=project,
        p=page,
        q=q,
        status=status,
        counts=curation.count_by_status(db.session, project),
        can_edit=can(Role.LEAD),
    )


@bp.route("/new", methods=["GET", "POST"])
@project_view(Role.LEAD)
def create(project):
    """A form for a new approved actor."""
    form = ActorForm()
    actor = submit(
        form,
        lambda: curation.create_actor(db.session, project, current_user, form.data_for_service()),
    )
    if isinstance(actor, Refused):
        return render_template("actors/new.html", project=project, form=form), actor.status
    flash(f"Actor “{actor.name}” created.", "info")
    return redirect(url_for(".show", slug=project.slug, actor_id=actor.id), 303)


@bp.get("/<int:actor_id>")
@project_view(Role.ANNOTATOR)
def show(project, actor_id: int):
    """One actor: read-only for annotators; leads also get the edit, status and merge forms."""
    actor = get_actor_by_id(db.session, project, actor_id)
    return render_template("actors/show.html", **_show_context(project, actor))


# View opening like suggestions.accept_all (route, role, row, form), see docs/architecture.md.
@bp.post("/<int:actor_id>")
@project_view(Role.LEAD)
def update(project, actor_id: int):
    """Save name, type, aliases and QID."""
    actor = get_actor_by_id(db.session, project, actor_id)
    form = ActorForm()
    refused = submit(
        form,
        lambda: curation.update_actor(
            db.session, project, current_user, actor, form.data_for_service()
        ),
    )
    if isinstance(refused, Refused):
        ctx = _show_context(project, actor, form)
        return render_template("actors/show.html", **ctx), refused.status
    flash("Actor saved.", "info")
    return redirect(url_for(".show", slug=project.slug, actor_id=actor.id), 303)


@bp.post("/<int:actor_id>/status")
@project_view(Role.LEAD)
def set_status(project, actor_id: int):
    """Approve or reject a (proposed) actor; from the list, htmx swaps the row in place."""
    actor = get_actor_by_id(db.session, project, actor_id)
    form = StatusForm()
    submit_or_refuse(
        form,
        lambda: curation.set_actor_status(
            db.session, project, current_user, actor, form.status.data
        ),
    )
    if htmx and form.back.data == "list":
        usage = curation.actor_usage(db.session, [actor.id])
        ctx = dict(project=project, actor=actor, usage=usage, can_edit=True)
        return render_template("actors/_row.html", **ctx)
    flash(f"“{actor.name}” is now {actor.status}.", "info")
    target = url_for(".index", slug=project.slug, status="proposed")
    if form.back.data != "list":
        target = url_for(".show", slug=project.slug, actor_id=actor.id)
    return redirect(target, 303)


@bp.get("/<int:actor_id>/merge")
@project_view(Role.LEAD)
def merge_preview(project, actor_id: int):
    """What merging this actor into another would change, with the button that does it.

    A preview writes nothing, so it is a GET outside the form loop; a refusal still lands
    on the field the same way (``refuse``).
    """
    source = get_actor_by_id(db.session, project, actor_id)
    form = MergeForm(request.args, meta={"csrf": False})
    try:
        target = _merge_target(project, form.into.data)
        counts = curation.merge_preview(db.session, source, target)
    except DomainError as exc:
        refuse(form, exc.message, exc.field)
        ctx = _show_context(project, source, merge_form=form)
        return render_template("actors/show.html", **ctx), exc.status
    ctx = dict(project=project, source=source, target=target, counts=counts, form=MergeForm())
    return render_template("actors/merge.html", **ctx)


# View opening like the workspace's state (route, role, row, form), see docs/architecture.md.
@bp.post("/<int:actor_id>/merge")
@project_view(Role.LEAD)
def merge(project, actor_id: int):
    """Fold this actor into the chosen one: stances and statements re-pointed, aliases joined."""
    source = get_actor_by_id(db.session, project, actor_id)
    form = MergeForm()
    merged = submit(form, lambda: _merge(project, source, form.into.data))
    if isinstance(merged, Refused):
        ctx = _show_context(project, source, merge_form=form)
        return render_template("actors/show.html", **ctx), merged.status
    target, counts = merged
    moved = counts.as_target + counts.as_holder
    flash(f"Merged “{source.name}” into “{target.name}”: {moved} stance links re-pointed.", "info")
    return redirect(url_for(".show", slug=project.slug, actor_id=target.id), 303)


def _merge(project, source, into: str):
    target = _merge_target(project, into)
    return target, curation.merge_actors(db.session, project, current_user, source, target)


@bp.route("/import", methods=["GET", "POST"])
@project_view(Role.LEAD)
def import_csv(project):
    """Upload a registry CSV: creates new ids, updates known ones; one bad row writes nothing."""
    form = ActorImportForm()
    counts = submit(form, lambda: _import(project, form.file.data))
    if isinstance(counts, Refused):
        return render_template("actors/import.html", project=project, form=form), counts.status
    flash(f"Created {counts[0]} and updated {counts[1]} actors.", "info")
    return redirect(url_for(".index", slug=project.slug), 303)


def _import(project, upload) -> tuple[int, int]:
    """The file's rows through the registry service; a bad file is the file field's error."""
    rows = iter_actor_rows(PurePosixPath(upload.filename or "actors.csv").name, upload.stream)
    try:
        return import_actors(db.session, project, rows, user=current_user)
    except FormatError as exc:
        raise Invalid(f"{exc}. Nothing was imported.", field="file") from exc


@bp.get("/options")
@project_view(Role.ANNOTATOR)
def options(project):
    """``<option>`` elements for the merge field's datalist, by name or alias."""
    q = request.args.get("into", "").strip()[:300]
    matches = search_actors(db.session, project, q, limit=12) if q else []
    return render_template("actors/_options.html", matches=matches)


@bp.get("/export.csv")
@project_view(Role.ANNOTATOR)
def export_csv(project):
    """The approved registry as the CSV the CLI reads and writes."""
    out = io.StringIO()
    actors = list_actors(db.session, project, with_aliases=True, status="approved")
    rows = (
        ActorRow(a.key, a.name, a.type, tuple(x.alias for x in a.aliases), a.wikidata)
        for a in actors
    )
    write_actor_rows(rows, out)
    disposition = f'attachment; filename="{project.slug}-actors.csv"'
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": disposition}
    )


def _merge_target(project, text: str | None):
    target = resolve_actor(db.session, project, text or "")
    if target is None:
        raise Invalid(f"No actor in the registry is called “{text or ''}”.", field="into")
    return target


def _show_context(project, actor, form=None, merge_form=None) -> dict:
    merged_into = survivor(db.session, actor) if actor.merged_into_id else None
    return dict(
        project=project,
        actor=actor,
        merged_into=merged_into,
        usage=curation.actor_usage(
            db.session, [actor.id], owner_id=curation.blind_owner(current_user, g.role)
        )[actor.id],
        can_edit=can(Role.LEAD) and merged_into is None,
        form=form or _filled_form(actor),
        merge_form=merge_form or MergeForm(formdata=None),
    )


def _filled_form(actor) -> ActorForm:
    aliases = "\n".join(a.alias for a in actor.aliases)
    values = dict(name=actor.name, type=actor.type, wikidata=actor.wikidata or "")
    return ActorForm(formdata=None, key=actor.key, aliases=aliases, **values)
