"""Dataset export: any streamed format of ``annotator export``, straight to the response."""

from __future__ import annotations

from flask import Response, current_app, stream_with_context

from annotator.api.routing import Call, Param, operation
from annotator.exchange import export as export_service
from annotator.exchange.requests import STREAMED, STREAMED_OPTIONS, open_download
from annotator.extensions import db
from annotator.formats import EXPORTERS, FormatOption

MEDIA_TYPES = tuple(sorted({e.media_type for e in EXPORTERS.values() if e.kind == "stream"}))


def option_param(option: FormatOption) -> Param:
    """A format option as a query parameter: typed, so the OpenAPI document lists its values."""
    if set(option.values.values()) == {True, False}:
        schema: dict = {"type": "boolean"}
    else:
        schema = {"type": "string", "enum": list(option.values)}
    return Param(schema, f"{option.help}. Default: {option.default}.")


@operation(
    "GET", "/projects/{slug}/export", "Export a dataset", role="lead", tag="export",
    query={
        "format": Param({"type": "string", "enum": STREAMED}, "Export format.", required=True),
        "scope": Param(
            {"type": "string", "enum": list(export_service.SCOPES)}, "Default: gold."
        ),
        "pseudonymize": Param({"type": "boolean"}, "Replace usernames by stable pseudonyms."),
        "csv_bom": Param({"type": "boolean"}, "Start csv with a UTF-8 BOM (for Excel)."),
        **{option.name: option_param(option) for option in STREAMED_OPTIONS},
    },
    media_type=MEDIA_TYPES,
)  # fmt: skip
def export(call: Call):
    """Stream the export as an attachment; memory stays flat whatever the project size.
    A format option the chosen format does not take is refused (422)."""
    q, project = call.query, call.project
    download = open_download(
        db.factory,
        project,
        q["format"],
        scope=q.get("scope", "gold"),
        secret=current_app.config["SECRET_KEY"],
        pseudonymize=bool(q.get("pseudonymize")),
        csv_bom=bool(q.get("csv_bom")),
        options={o.name: q[o.name] for o in STREAMED_OPTIONS if o.name in q},
    )
    chunks = stream_with_context(download.chunks)
    return Response(chunks, mimetype=download.media_type, headers=download.headers)
