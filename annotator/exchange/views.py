"""The dataset download page for leads: pick format, scope and options; the file streams.

Every format of ``annotator export`` is offered; the folder ones (hf, aif, brat) come as a
zip of the folder and its provenance sidecar (``requests.stream_zip``).

Downloads are GET requests (they change nothing, so no CSRF token is needed and the URL can
be bookmarked). The request is built and streamed by ``services.export_request``, as the
API's export endpoint does. The format options are selects named like the API's query
parameters; their values are checked by the export service, not here, so all three entry
points refuse the same things with the same message.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from annotator.errors import Invalid
from annotator.exchange.requests import DOWNLOAD_OPTIONS, open_download
from annotator.extensions import db
from annotator.formats import EXPORTERS, FormatOption
from annotator.models import Project
from annotator.web.access import project_view
from annotator.web.forms import first_error, refuse

bp = Blueprint("export", __name__, url_prefix="/p/<slug>/export")

WEB_FORMATS = [
    SelectChoice(e.name, f"{e.name}{' (zip)' if e.kind == 'folder' else ''}: {e.description}")
    for e in EXPORTERS.values()
]
SCOPE_CHOICES = [
    SelectChoice("gold", "Gold (adjudicated stances)"),
    SelectChoice("annotators", "Annotators (every annotator's stances)"),
    SelectChoice("all", "All (annotators and gold)"),
    SelectChoice("suggestions", "Suggestions (the models' proposals, nobody's work; jsonl only)"),
]


class ExportForm(FlaskForm):
    """The download options; a GET form, so without CSRF token."""

    class Meta:
        csrf = False

    format = SelectField("Format", choices=WEB_FORMATS, default="jsonl")
    scope = RadioField("Scope", choices=SCOPE_CHOICES, default="gold")
    pseudonymize = BooleanField("Replace usernames with stable pseudonyms")
    csv_bom = BooleanField("UTF-8 with BOM (for Excel; csv and actors)")


def option_field(option: FormatOption) -> SelectField:
    """A select whose empty first choice leaves the format's default (and the URL short)."""
    choices = [SelectChoice("", f"Default ({option.default})")]
    choices += [SelectChoice(word, word) for word in option.values]
    return SelectField(option.help, choices=choices, default="", validate_choice=False)


for _option in DOWNLOAD_OPTIONS:
    setattr(ExportForm, _option.name, option_field(_option))


def chosen_options(form: ExportForm) -> dict[str, str]:
    """The format options the user set (empty selects keep the default)."""
    return {o.name: form[o.name].data for o in DOWNLOAD_OPTIONS if form[o.name].data}


def render_form(project: Project, form: ExportForm, status: int = 200):
    """The page with the option selects listed for the template."""
    options = [form[o.name] for o in DOWNLOAD_OPTIONS]
    page = render_template("export/index.html", project=project, form=form, options=options)
    return page, status


def refuse_download(project: Project, form: ExportForm, exc: Invalid):
    """The service's message as the form's alert, on the field it names (else format); 422."""
    field = exc.field if any(f.name == exc.field for f in form) else "format"
    refuse(form, exc.message, field)
    return render_form(project, form, 422)


@bp.get("/")
@project_view("lead")
def index(project: Project):
    """The export form."""
    return render_form(project, ExportForm(request.args))


@bp.get("/download")
@project_view("lead")
def download(project: Project):
    """Stream the chosen export as an attachment; bad options re-render the form with 422."""
    form = ExportForm(request.args)
    if not form.validate():
        form.refusal = first_error(form)
        return render_form(project, form, 422)
    try:
        download = open_download(
            db.factory,
            project,
            form.format.data,
            scope=form.scope.data,
            secret=current_app.config["SECRET_KEY"],
            pseudonymize=form.pseudonymize.data,
            csv_bom=form.csv_bom.data,
            options=chosen_options(form),
        )
    except Invalid as exc:
        return refuse_download(project, form, exc)
    chunks = stream_with_context(download.chunks)
    return Response(chunks, mimetype=download.media_type, headers=download.headers)
