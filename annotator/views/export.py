"""The dataset download page for leads: pick format, scope and options; the file streams.

Downloads are GET requests (they change nothing, so no CSRF token is needed and the URL can
be bookmarked). The request is built and streamed by ``services.export_request``, as the
API's export endpoint does.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formats import EXPORTERS
from ..models import Project
from ..services import export_request
from .access import project_view

bp = Blueprint("export", __name__, url_prefix="/p/<slug>/export")

WEB_FORMATS = [
    SelectChoice(e.name, f"{e.name}: {e.description}")
    for e in EXPORTERS.values()
    if e.kind == "stream"
]
SCOPE_CHOICES = [
    SelectChoice("gold", "Gold (adjudicated stances)"),
    SelectChoice("annotators", "Annotators (every annotator's stances)"),
    SelectChoice("all", "All (annotators and gold)"),
]


class ExportForm(FlaskForm):
    """The download options; a GET form, so without CSRF token."""

    class Meta:
        csrf = False

    format = SelectField("Format", choices=WEB_FORMATS, default="jsonl")
    scope = RadioField("Scope", choices=SCOPE_CHOICES, default="gold")
    pseudonymize = BooleanField("Replace usernames with stable pseudonyms")
    csv_bom = BooleanField("UTF-8 with BOM (for Excel; csv and actors)")


@bp.get("/")
@project_view("lead")
def index(project: Project):
    """The export form."""
    return render_template("export/index.html", project=project, form=ExportForm(request.args))


@bp.get("/download")
@project_view("lead")
def download(project: Project):
    """Stream the chosen export as an attachment; bad options re-render the form with 422."""
    form = ExportForm(request.args)
    if not form.validate():
        return render_template("export/index.html", project=project, form=form), 422
    download = export_request.open_download(
        db.read_factory,
        project,
        form.format.data,
        form.scope.data,
        secret=current_app.config["SECRET_KEY"],
        pseudonymize=form.pseudonymize.data,
        csv_bom=form.csv_bom.data,
    )
    chunks = stream_with_context(download.chunks)
    return Response(chunks, mimetype=download.media_type, headers=download.headers)
