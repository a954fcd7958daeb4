"""``doccano``: doccano's sequence-labelling JSONL, one statement per line.

``{"id": statement id, "text": ..., "label": [[start, end, label key], ...], "entities":
[...], "relations": [...]}``: spans of all exported stances (in annotator scope, of every
annotator) in start order, once as a sequence-labelling project reads them (``label``) and
once as doccano's relation-labelling export writes them (``entities``: ``{id, start_offset,
end_offset, label}`` numbered from 0; ``relations``: ``{id, from_id, to_id, type}``). Target and
holder cannot be expressed in this format and are dropped; use ``jsonl`` for them.

Offsets: doccano's web annotator counts JavaScript string positions, i.e. UTF-16 code
units, not Python code points (doccano issues #2290 and #2484; its optional "count
grapheme clusters as one character" mode counts graphemes and is not supported here).
So offsets are converted to UTF-16 by default; option ``doccano_offsets=codepoints``
keeps ours. Only text with characters outside the BMP (e.g. emoji) differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from annotator.formats import (
    Bundles,
    Chunks,
    ExportContext,
    Exporter,
    offset_option,
)
from annotator.formats.relations import EndIndex, with_relation_ends
from annotator.formats.statements_jsonl import statement_lines
from annotator.text.offsets import converter

OFFSETS = offset_option(
    "doccano_offsets",
    "doccano offsets: utf16 as doccano's annotator counts, or codepoints",
    "utf16",
)


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """One doccano line per statement: ``label`` for a sequence-labelling project, and
    ``entities`` + ``relations`` as doccano's relation-labelling export writes them."""
    unit = ctx.option(OFFSETS)

    def make_line(statement: Mapping, stances: list[Mapping], relations: list[Mapping]) -> dict:
        to_unit = converter(statement["text"], unit)
        spans = sorted(stances, key=lambda r: (r["start"], r["end"]))
        labels = [[to_unit(r["start"]), to_unit(r["end"]), r["label"]] for r in spans]
        line = {"id": statement["id"], "text": statement["text"], "label": labels}
        linked = relation_line(statement, stances, relations, to_unit)
        line.update(entities=linked["entities"], relations=linked["relations"])
        return line

    return (yield from statement_lines(bundles, make_line))


# A declaration like hf's and statements-jsonl's, see docs/architecture.md.
EXPORTER = Exporter(
    name="doccano",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="doccano sequence-labelling JSONL (text plus [start, end, label] spans).",
    chunks=chunks,
    options=(OFFSETS,),
    relations=True,
    splittable=True,
)


def relation_line(
    statement: Mapping[str, Any],
    stances: list[Mapping[str, Any]],
    relations: list[Mapping[str, Any]],
    to_unit: Callable[[int], int] = int,
) -> dict[str, Any]:
    """doccano's relation-extraction line (``entities`` with ``id``, ``start_offset``,
    ``end_offset``, ``label``; ``relations`` with ``id``, ``from_id``, ``to_id``, ``type``):
    entities numbered from 0 in span order, relation ends missing from the stances added."""
    ends = sorted(with_relation_ends(stances, relations), key=lambda s: (s["start"], s["end"]))
    number = EndIndex()
    for n, stance in enumerate(ends):
        number.add(stance, n)
    entities = [
        {"id": n, "start_offset": to_unit(s["start"]), "end_offset": to_unit(s["end"]),
         "label": s["label"]}
        for n, s in enumerate(ends)
    ]  # fmt: skip
    links = [
        {"id": n, "from_id": number[r["from"]], "to_id": number[r["to"]],
         "type": r["type"]}
        for n, r in enumerate(relations)
    ]  # fmt: skip
    return {
        "id": statement["id"],
        "text": statement["text"],
        "entities": entities,
        "relations": links,
    }
