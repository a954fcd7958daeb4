"""``jsonl``: one canonical stance record per line (schema: stance_record.schema.json)."""

from __future__ import annotations

from typing import TextIO

from annotator.formats import Bundles, Counts, ExportContext, Exporter, iter_bundles
from annotator.formats.records import dumps, ordered


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write every stance of every statement as one JSON line."""
    counts = Counts()
    for _statement, stances in iter_bundles(bundles):
        counts.add_bundle(stances)
        for record in stances:
            out.write(dumps(ordered(record)) + "\n")
            counts.rows += 1
    return counts


EXPORTER = Exporter(
    name="jsonl",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One stance record per line (JSON Lines); the canonical dataset form.",
    write=write,
)
