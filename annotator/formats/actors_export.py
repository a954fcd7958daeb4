"""``actors``: the actor registry as CSV (id, name, type, aliases, wikidata).

The registry CSV of ``actor_csv`` (aliases joined with ``|``), written by
``spreadsheet.SheetWriter`` like the ``csv`` format (dialect, formula neutralisation, BOM
option), so the page, the CLI and this format give the same file. Bundles are ignored:
the rows come from ``ctx.actors()``, streamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter
from annotator.formats.actor_csv import ActorRow, registry_chunks


def actor_row(actor: Mapping[str, Any]) -> ActorRow:
    """One registry entry of the export context as the registry CSV's row."""
    aliases = tuple(actor.get("aliases") or ())
    return ActorRow(actor["id"], actor["name"], actor.get("type"), aliases, actor.get("wikidata"))


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """The header and one row per actor."""
    counts = Counts()
    rows = (actor_row(actor) for actor in ctx.actors())
    counts.rows = yield from registry_chunks(rows, bom=bool(ctx.options.get("csv_bom")))
    return counts


EXPORTER = Exporter(
    name="actors",
    kind="stream",
    media_type="text/csv",
    extension=".csv",
    description="The actor registry (id, name, type, aliases, wikidata) as CSV.",
    chunks=chunks,
)
