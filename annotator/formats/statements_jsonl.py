"""``statements-jsonl``: one statement per line with its stances and relations; lossless backup.

Each line is the statement's fields (id, title, author, organization, date, url, lang,
meta, text) plus ``stances``: the canonical records without the fields the statement
line already carries (statement_id, statement_title, statement_date, organization), and
``relations``: the statement's relations, each ``{type, from, to, annotator, scope, note,
created_at, updated_at}`` where ``from`` and ``to`` are the ``id`` of a stance on the line.
``stance_readers.read_stance_lines`` turns a line back into the original bundle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter
from annotator.formats.records import dumps, ordered_statement, strip_statement
from annotator.formats.relations import iter_relation_bundles

# The keys of a relation inside a statement line, in order.
LINE_RELATION_FIELDS = (
    "type", "from", "to", "annotator", "scope", "note", "created_at", "updated_at",
)  # fmt: skip


def line_relation(record: Mapping[str, Any]) -> dict[str, Any]:
    """A relation record as a statement line holds it: its ends by stance id."""
    out = {k: record.get(k) for k in LINE_RELATION_FIELDS}
    out["from"], out["to"] = record["from"]["id"], record["to"]["id"]
    return out


def statement_lines(
    bundles: Bundles, make_line: Callable[[Mapping, list[Mapping], list[Mapping]], dict]
) -> Chunks:
    """One JSON line per statement, built by ``make_line(statement, stances, relations)``.

    The walk and the counting that every one-line-per-statement format shares (this one and
    doccano's): each statement is one row, and its stances are counted by label.
    """
    counts = Counts()
    for statement, stances, relations in iter_relation_bundles(bundles):
        counts.add_bundle(stances)
        counts.rows += 1
        yield dumps(make_line(statement, stances, relations)) + "\n"
    return counts


def _line(statement: Mapping, stances: list[Mapping], relations: list[Mapping]) -> dict:
    line = ordered_statement(statement)
    line["stances"] = [strip_statement(record) for record in stances]
    line["relations"] = [line_relation(record) for record in relations]
    return line


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """Each statement, stances and relations included, as one JSON line."""
    return (yield from statement_lines(bundles, _line))


# A declaration like doccano's: each format names its own media type, see docs/architecture.md.
EXPORTER = Exporter(
    name="statements-jsonl",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One statement per line with text, metadata, stances and relations; "
    "for backup and restore.",
    chunks=chunks,
    relations=True,
    splittable=True,
)
