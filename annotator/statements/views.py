"""Statement pages: import by browser upload (a lead's form, all or nothing, with a size
limit) and the statement browser (search, filters, keyset pages)."""

from __future__ import annotations

from itertools import chain
from pathlib import PurePosixPath

from flask import Blueprint, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from annotator.actors.registry import resolve_actor
from annotator.errors import DomainError, Invalid
from annotator.extensions import db, htmx
from annotator.formats import FormatError
from annotator.formats.statement_readers import iter_statements
from annotator.projects.assignments import assignment_summary, list_annotators
from annotator.projects.projects import list_labels, require_role
from annotator.roles import Role
from annotator.statements import browser
from annotator.statements.forms import ImportForm
from annotator.statements.statements import import_statements, list_imports
from annotator.web.access import project_view
from annotator.web.errors import render_error
from annotator.web.forms import Refused, refuse, submit
from annotator.web.htmx import page_or_fragment
from annotator.web.input_guard import db_int

bp = Blueprint("imports", __name__, url_prefix="/p/<slug>/import")


@bp.get("/")
@project_view(Role.LEAD)
def index(project):
    """The upload form and the latest imports."""
    return _render(project, ImportForm())


@bp.post("/")
@project_view(Role.LEAD)
def upload(project):
    """Import the uploaded files in one transaction; any error names file, line and field."""
    form = ImportForm()
    report = submit(form, lambda: _import(project, form))
    if isinstance(report, Refused):
        return _render(project, form, status=report.status)
    return _render(project, ImportForm(formdata=None), report=report)


def _import(project, form: ImportForm):
    """The uploaded files through the import service; a bad file is the files field's error."""
    uploads = [f for f in form.files.data or () if f.filename]
    if not uploads:
        raise Invalid("Choose at least one file to import.", field="files")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    records = chain.from_iterable(
        iter_statements(
            _basename(f.filename), f.stream, txt_header=form.txt_header.data, max_bytes=limit
        )
        for f in uploads
    )
    try:
        return import_statements(db.session, project, records, user=current_user)
    except FormatError as err:
        raise Invalid(f"{err}. Nothing was imported.", field="files") from err


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """Say how big the upload was and what the limit is, instead of a bare 413."""
    limit, size = current_app.config["MAX_CONTENT_LENGTH"], request.content_length or 0
    message = (
        f"The upload is {_mb(size)}, over the limit of {_mb(limit)} per upload. "
        "Nothing was imported. Split it into smaller files, zip it, "
        "or import it on the server with `annotator import`."
    )
    project = _lead_project()
    if project is None:
        return render_error(413, "Upload too large", message)
    form = ImportForm(formdata=None)
    refuse(form, message, "files")
    # htmx swaps only 2xx, 409 and 422 (see base.html), so there the message comes as 422.
    return _render(project, form, status=422 if htmx else 413)


def _lead_project():
    """The URL's project when the user leads it; the error struck before the view ran."""
    if not current_user.is_authenticated:
        return None
    try:
        slug = (request.view_args or {}).get("slug", "")
        return require_role(db.session, slug, current_user, Role.LEAD)[0]
    except DomainError:
        return None


def _render(project, form, *, report=None, status=200):
    summary = assignment_summary(db.session, project) if report else None
    return page_or_fragment(
        "imports/index.html",
        "imports/_panel.html",
        status,
        project=project,
        form=form,
        report=report,
        unassigned=summary.short if summary else 0,
        annotators=summary.annotators if summary else 0,
        token=generate_csrf(),
        history=list_imports(db.session, project),
        limit=_mb(current_app.config["MAX_CONTENT_LENGTH"]),
        file_limit=_mb(current_app.config["IMPORT_MAX_BYTES"]),
    )


def _basename(filename: str) -> str:
    """The name without any folder a browser may send, so .txt ids are the bare file stem."""
    return PurePosixPath(filename.replace("\\", "/")).name


def _mb(size: int) -> str:
    """A size in decimal units, precise enough that two different sizes read differently."""
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1_000:.1f} kB"


browser_bp = Blueprint("statements", __name__, url_prefix="/p/<slug>/statements")


@browser_bp.get("/")
@project_view(Role.ANNOTATOR)
def browse(project):
    """Search and filter statements: the project for reviewers and leads, an annotator's queue
    for an annotator; keyset pages of 50."""
    wide = g.role >= Role.REVIEWER
    filters, target_error = _filters(project)
    own = None if wide else current_user
    page = browser.browse(db.session, project, filters, own=own)
    if target_error:
        page = browser.Page([], None, page.words)
    return render_template(
        "statements/browse.html",
        project=project,
        f=filters,
        page=page,
        wide=wide,
        target_error=target_error,
        target_text=request.args.get("target", "")[:300],
        labels=list_labels(db.session, project, include_retired=True),
        annotators=list_annotators(db.session, project) if wide else [],
        states=browser.STATES,
        sorts=browser.SORTS,
        params=_params(filters),
    )


def _filters(project) -> tuple[browser.Filters, str]:
    """The query string as filters; an unknown target actor is a message, not a 500."""
    args = request.args
    target, error = None, ""
    if target_text := args.get("target", "").strip()[:300]:
        actor = resolve_actor(db.session, project, target_text)
        target = actor.id if actor else None
        error = "" if actor else f"No actor “{target_text}” in the registry."
    filters = browser.Filters(
        q=args.get("q", "")[:500],
        state=args.get("state", ""),
        annotator_id=args.get("annotator", type=db_int),
        label_id=args.get("label", type=db_int),
        target_id=target,
        organization=args.get("organization", "")[:300],
        date_from=args.get("from", "")[:10],
        date_to=args.get("to", "")[:10],
        review=args.get("review", ""),
        sort=args.get("sort", "id"),
        after=args.get("after", "")[:40],
    )
    return filters.cleaned(), error


def _params(filters: browser.Filters) -> dict:
    """The current filters as query arguments (for the next-page link), empty ones left out."""
    args = request.args.to_dict()
    args.pop("after", None)
    args["sort"] = filters.sort
    return {k: v for k, v in args.items() if v and k != "slug"}
