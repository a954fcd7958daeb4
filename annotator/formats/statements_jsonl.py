"""``statements-jsonl``: one statement per line with its stances; lossless backup.

Each line is the statement's fields (id, title, author, organization, date, url, lang,
meta, text) plus ``stances``: the canonical records without the fields the statement
line already carries (statement_id, statement_title, statement_date, organization).
``stance_readers.read_stance_lines`` turns a line back into the original bundle.
"""

from __future__ import annotations

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter, iter_statements
from annotator.formats.records import dumps, ordered_statement, strip_statement


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """Each statement, stances included, as one JSON line."""
    counts = Counts()
    for statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        counts.rows += 1
        line = ordered_statement(statement)
        line["stances"] = [strip_statement(record) for record in stances]
        yield dumps(line) + "\n"
    return counts


# A declaration like doccano's: each format names its own media type and extension.
EXPORTER = Exporter(
    name="statements-jsonl",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One statement per line with text, metadata and stances; for backup and restore.",
    chunks=chunks,
)
