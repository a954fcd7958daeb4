"""Dataset export: any streamed format of ``annotator export``, straight to the response."""

from __future__ import annotations

from apiflask import Schema, fields
from flask import Response, current_app, stream_with_context

from annotator.api.access import Caller, operation
from annotator.api.schemas import Choice, Flag, about
from annotator.exchange import export as export_service
from annotator.exchange.requests import STREAMED, STREAMED_OPTIONS, open_download
from annotator.extensions import db
from annotator.formats import EXPORTERS, FormatOption

MEDIA_TYPES = sorted({e.media_type for e in EXPORTERS.values() if e.kind == "stream"})
OK = {"description": "The export, as an attachment.", "content": {m: {} for m in MEDIA_TYPES}}


def option_field(option: FormatOption) -> fields.Field:
    """A format option as a query parameter: typed, so the OpenAPI document lists its values."""
    described = about(f"{option.help}. Default: {option.default}.")
    if set(option.values.values()) == {True, False}:
        return Flag(**described)
    return Choice(list(option.values), **described)


ExportQuery = Schema.from_dict(
    {
        "format": Choice(STREAMED, required=True, **about("Export format.")),
        "scope": Choice(
            export_service.EXPORT_SCOPES,
            **about("Default: gold. suggestions: the models' suggestions (jsonl only)."),
        ),
        "pseudonymize": Flag(**about("Replace usernames by stable pseudonyms.")),
        "csv_bom": Flag(**about("Start csv with a UTF-8 BOM (for Excel).")),
    }
    | {option.name: option_field(option) for option in STREAMED_OPTIONS},
    name="ExportQuery",
)


@operation(
    "GET",
    "/projects/<slug>/export",
    "lead",
    "Export a dataset",
    responses={200: OK},
    query=ExportQuery,
)
def export(caller: Caller, query: dict) -> Response:
    """Stream the export as an attachment; memory stays flat whatever the project size.
    A format option the chosen format does not take is refused (422)."""
    download = open_download(
        db.factory,
        caller.project,
        query["format"],
        scope=query.get("scope", "gold"),
        secret=current_app.config["SECRET_KEY"],
        pseudonymize=bool(query.get("pseudonymize")),
        csv_bom=bool(query.get("csv_bom")),
        options={o.name: query[o.name] for o in STREAMED_OPTIONS if o.name in query},
    )
    chunks = stream_with_context(download.chunks)
    return Response(chunks, mimetype=download.media_type, headers=download.headers)
