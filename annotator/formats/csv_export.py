"""``csv``: one row per stance, actor references flattened into columns.

Written by ``spreadsheet.SheetWriter``: RFC 4180 as the csv module writes it (comma,
double-quote quoting where needed, CRLF line ends; open the file with ``newline=""``), and
cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading ``'``
so spreadsheets do not run them as formulas (CSV injection); numbers (offsets, votes,
versions) are never touched. The quote is a deliberate, documented loss: use ``jsonl``
for exact text. ``ctx.options["csv_bom"]`` writes a UTF-8 byte order mark first, which
Excel needs to detect UTF-8.

Columns: the record's frame, target and holder as four columns each, the stance's own
values (``ctx.stance_values``), the times, and gold's votes and sources (``|``-joined).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter, iter_statements
from annotator.formats.records import ACTOR_REF_FIELDS, TIME_FIELDS
from annotator.formats.spreadsheet import CSV, SheetWriter

LIST_SEPARATOR = "|"

_SPAN = ("project", "statement_id", "id", "statement_title", "statement_date", "organization",
         "start", "end", "text", "label", "polarity")  # fmt: skip
_ROLES = ("target", "holder")
_WHO = ("annotator", "scope")


def columns(stance_values: tuple[str, ...]) -> tuple[str, ...]:
    """The header: the stance's own values sit between ``scope`` and ``created_at``."""
    refs = (f"{role}_{f}" for role in _ROLES for f in ACTOR_REF_FIELDS)
    return (*_SPAN, *refs, *_WHO, *stance_values, *TIME_FIELDS, "votes", "source_annotators")


def row_maker(stance_values: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple]:
    """A function from a record to its cells in ``columns`` order, a missing field None."""
    keys = (*_SPAN, *_ROLES, *_WHO, *stance_values, *TIME_FIELDS)
    pick, n = itemgetter(*keys), len(_SPAN)

    def row(record: Mapping[str, Any]) -> tuple:
        try:  # itemgetters: cheaper than one get per field; KeyError when one is missing
            values = pick(record)
            target, holder = values[n], values[n + 1]
            target = _REF(target) if target else _NO_REF
            holder = _REF(holder) if holder else _NO_REF
        except KeyError:
            values = tuple(record.get(k) for k in keys)
            target, holder = _ref_cells(values[n]), _ref_cells(values[n + 1])
        sources = record.get("source_annotators")
        joined = None if sources is None else LIST_SEPARATOR.join(sources)
        return (*values[:n], *target, *holder, *values[n + 2 :], record.get("votes"), joined)

    return row


def _ref_cells(ref: Mapping[str, Any] | None) -> tuple:
    return tuple((ref or {}).get(f) for f in ACTOR_REF_FIELDS)


_REF = itemgetter(*ACTOR_REF_FIELDS)
_NO_REF = (None,) * len(ACTOR_REF_FIELDS)


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """A header, then one row per stance, a chunk per statement."""
    sheet = SheetWriter(CSV, bom=bool(ctx.options.get("csv_bom")))
    row = row_maker(ctx.stance_values)
    counts = Counts()
    yield sheet.text([columns(ctx.stance_values)])
    for _statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        counts.rows += len(stances)
        if stances:
            yield sheet.text([row(record) for record in stances])
    return counts


EXPORTER = Exporter(
    name="csv",
    kind="stream",
    media_type="text/csv",
    extension=".csv",
    description="One row per stance for spreadsheets; formula-like cells neutralised.",
    chunks=chunks,
)
