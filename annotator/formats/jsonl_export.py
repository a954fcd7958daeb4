"""``jsonl``: one canonical stance record per line (schema: stance_record.schema.json)."""

from __future__ import annotations

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter, iter_statements
from annotator.formats.records import STATEMENT_TEXT, record_line, with_statement_text


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """Every stance of every statement as one JSON line, one chunk per statement
    (encoding to bytes, joining and decoding once costs less than a string per line)."""
    counts, text = Counts(), ctx.option(STATEMENT_TEXT)
    for statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        counts.rows += len(stances)
        if stances and text:
            stances = with_statement_text(stances, statement)
        if stances:
            yield b"".join([record_line(record) for record in stances]).decode()
    return counts


EXPORTER = Exporter(
    name="jsonl",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One stance record per line (JSON Lines); the canonical dataset form.",
    chunks=chunks,
    options=(STATEMENT_TEXT,),
    splittable=True,
)
