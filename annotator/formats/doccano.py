"""``doccano``: doccano's sequence-labelling JSONL, one statement per line.

``{"id": statement id, "text": ..., "label": [[start, end, label key], ...]}``; spans of
all exported stances (in annotator scope, of every annotator) in start order. Target and
holder cannot be expressed in this format and are dropped; use ``jsonl`` for them.

Offsets: doccano's web annotator counts JavaScript string positions, i.e. UTF-16 code
units, not Python code points (doccano issues #2290 and #2484; its optional "count
grapheme clusters as one character" mode counts graphemes and is not supported here).
So offsets are converted to UTF-16 by default; option ``doccano_offsets=codepoints``
keeps ours. Only text with characters outside the BMP (e.g. emoji) differs.
"""

from __future__ import annotations

from annotator.formats import (
    Bundles,
    Chunks,
    Counts,
    ExportContext,
    Exporter,
    iter_statements,
    offset_option,
)
from annotator.formats.records import dumps
from annotator.text.offsets import converter

OFFSETS = offset_option(
    "doccano_offsets",
    "doccano offsets: utf16 as doccano's annotator counts, or codepoints",
    "utf16",
)


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """One doccano line per statement."""
    unit = ctx.option(OFFSETS)
    counts = Counts()
    for statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        counts.rows += 1
        to_unit = converter(statement["text"], unit)
        spans = sorted(stances, key=lambda r: (r["start"], r["end"]))
        labels = [[to_unit(r["start"]), to_unit(r["end"]), r["label"]] for r in spans]
        line = {"id": statement["id"], "text": statement["text"], "label": labels}
        yield dumps(line) + "\n"
    return counts


EXPORTER = Exporter(
    name="doccano",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="doccano sequence-labelling JSONL (text plus [start, end, label] spans).",
    chunks=chunks,
    options=(OFFSETS,),
)
