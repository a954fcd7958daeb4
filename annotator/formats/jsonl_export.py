"""``jsonl``: one canonical stance record per line (schema: stance_record.schema.json)."""

from __future__ import annotations

from typing import TextIO

from annotator.formats import Bundles, Counts, ExportContext, Exporter, iter_bundles
from annotator.formats.records import record_line


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write every stance of every statement as one JSON line, one write per statement
    (encoding to bytes, joining and decoding once costs less than a string per line)."""
    counts = Counts()
    for _statement, stances in iter_bundles(bundles):
        counts.add_bundle(stances)
        if stances:
            out.write(b"".join([record_line(record) for record in stances]).decode())
        counts.rows += len(stances)
    return counts


EXPORTER = Exporter(
    name="jsonl",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One stance record per line (JSON Lines); the canonical dataset form.",
    write=write,
)
