"""The dataset download page for leads: pick format, scope and options; the file streams.

Downloads are GET requests (they change nothing, so no CSRF token is needed and the URL can
be bookmarked). The writers push text into a file object while a response must be pulled,
so the export runs in a worker thread with its own read session and hands over chunks
through a small bounded queue: memory stays flat and the first bytes leave at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formats import EXPORTERS
from ..models import Project
from ..services import export as export_service
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
CHUNK = 64 * 1024


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
    key = None
    if form.pseudonymize.data:
        key = export_service.pseudonym_key(current_app.config["SECRET_KEY"], project)
    options = {"csv_bom": True} if form.csv_bom.data else {}
    req = export_service.ExportRequest(form.format.data, form.scope.data, options, key)
    exporter = export_service.get_exporter(req.format)
    name = f"{project.slug}-{req.scope}-{req.format}{exporter.extension}"
    chunks = stream_export(db.read_factory, project.id, req)
    return Response(
        stream_with_context(chunks),
        mimetype=exporter.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def stream_export(factory: Callable, project_id: int, req) -> Iterator[bytes]:
    """Run the export in a thread; yield its UTF-8 output in chunks as it is written."""
    chunks: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    worker = threading.Thread(target=_work, args=(factory, project_id, req, chunks, stop))
    worker.daemon = True
    worker.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # a closed download stops the worker at its next chunk


def _work(factory, project_id, req, chunks: queue.Queue, stop: threading.Event) -> None:
    sink = _QueueWriter(chunks, stop)
    try:
        with factory() as session:
            project = session.get(Project, project_id)
            export_service.write_export(session, project, req, sink)
        sink.flush()
        sink.put(None)
    except _Cancelled:
        return
    except Exception as exc:  # noqa: BLE001 - handed to the response, which logs it
        try:
            sink.put(exc)
        except _Cancelled:
            return


class _Cancelled(Exception):
    """The client went away; the worker stops."""


class _QueueWriter:
    """A text file object whose output goes to the queue in UTF-8 chunks."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self.chunks, self.stop, self.parts, self.size = chunks, stop, [], 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            self.flush()
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.parts:
            data = "".join(self.parts).encode("utf-8")
            self.parts, self.size = [], 0
            self.put(data)

    def put(self, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Cancelled
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
