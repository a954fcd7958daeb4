"""``actors``: the actor registry as CSV (id, name, type, aliases, wikidata).

Aliases are joined with ``|`` (so an alias cannot itself contain ``|``). Same dialect,
formula neutralisation and BOM option as the ``csv`` format. Bundles are ignored: the
rows come from ``ctx.actors()``, streamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from annotator.formats import Bundles, Counts, ExportContext, Exporter
from annotator.formats.csv_export import LIST_SEPARATOR, open_writer, safe_cell

COLUMNS = ("id", "name", "type", "aliases", "wikidata")


def actor_row(actor: Mapping[str, Any]) -> list[Any]:
    """One registry entry as a CSV row."""
    aliases = LIST_SEPARATOR.join(actor.get("aliases") or ())
    values = (actor["id"], actor["name"], actor.get("type"), aliases, actor.get("wikidata"))
    return [safe_cell(v) for v in values]


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write the header and one row per actor."""
    writer = open_writer(out, ctx)
    writer.writerow(COLUMNS)
    counts = Counts()
    for actor in ctx.actors():
        writer.writerow(actor_row(actor))
        counts.rows += 1
    return counts


EXPORTER = Exporter(
    name="actors",
    kind="stream",
    media_type="text/csv",
    extension=".csv",
    description="The actor registry (id, name, type, aliases, wikidata) as CSV.",
    write=write,
)
