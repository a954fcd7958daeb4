"""Dataset export: any streamed format of ``annotator export``, straight to the response."""

from __future__ import annotations

from flask import Response, current_app, stream_with_context

from ..errors import Invalid
from ..extensions import db
from ..formats import EXPORTERS
from ..services import export as export_service
from ..views.export import stream_export
from .routing import Call, Param, operation

STREAMED = [e.name for e in EXPORTERS.values() if e.kind == "stream"]
MEDIA_TYPES = tuple(sorted({e.media_type for e in EXPORTERS.values() if e.kind == "stream"}))


@operation(
    "GET", "/projects/{slug}/export", "Export a dataset", role="lead", tag="export",
    query={
        "format": Param({"type": "string", "enum": STREAMED}, "Export format.", required=True),
        "scope": Param(
            {"type": "string", "enum": list(export_service.SCOPES)}, "Default: gold."
        ),
        "pseudonymize": Param({"type": "boolean"}, "Replace usernames by stable pseudonyms."),
        "csv_bom": Param({"type": "boolean"}, "Start csv with a UTF-8 BOM (for Excel)."),
    },
    media_type=MEDIA_TYPES,
)  # fmt: skip
def export(call: Call):
    """Stream the export as an attachment; memory stays flat whatever the project size."""
    q, project = call.query, call.project
    key = None
    if q.get("pseudonymize"):
        key = export_service.pseudonym_key(current_app.config["SECRET_KEY"], project)
    options = {"csv_bom": True} if q.get("csv_bom") else {}
    req = export_service.ExportRequest(q["format"], q.get("scope", "gold"), options, key)
    exporter = export_service.get_exporter(req.format)
    if exporter.kind != "stream":
        raise Invalid(f"The {req.format} format writes a folder; use the CLI.", field="format")
    export_service.build_context(db.session, project, req)  # bad options fail before streaming
    name = f"{project.slug}-{req.scope}-{req.format}{exporter.extension}"
    return Response(
        stream_with_context(stream_export(db.read_factory, project.id, req)),
        mimetype=exporter.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
