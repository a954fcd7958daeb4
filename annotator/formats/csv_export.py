"""``csv``: one row per stance, actor references flattened into columns.

RFC 4180 via the csv module: comma, double-quote quoting where needed, CRLF line ends
(open the file with ``newline=""``). Text cells starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return get a leading ``'`` so spreadsheets do not run them as formulas
(CSV injection); numbers (offsets, votes, versions) are never touched. The quote is a
deliberate, documented loss: use ``jsonl`` for exact text. ``ctx.options["csv_bom"]``
writes a UTF-8 byte order mark first, which Excel needs to detect UTF-8.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any, TextIO

from annotator.formats import Bundles, Counts, ExportContext, Exporter, iter_bundles
from annotator.formats.records import ACTOR_REF_FIELDS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "|"

_BEFORE = ("project", "statement_id", "statement_title", "statement_date", "organization")
_SPAN = ("start", "end", "text", "label", "polarity")
_AFTER = ("annotator", "scope", "note", "guidelines_version", "created_at", "updated_at")
COLUMNS = (
    *_BEFORE,
    *_SPAN,
    *(f"target_{f}" for f in ACTOR_REF_FIELDS),
    *(f"holder_{f}" for f in ACTOR_REF_FIELDS),
    *_AFTER,
    "votes",
    "source_annotators",
)


def safe_cell(value: Any) -> Any:
    """A cell value a spreadsheet shows rather than evaluates; None becomes empty."""
    if value is None:
        return ""
    if value.__class__ is str and value[:1] in _FORMULA_SET:
        return "'" + value
    return value


_FORMULA_SET = frozenset(FORMULA_STARTS)


def open_writer(out: TextIO, ctx: ExportContext) -> Any:
    """A csv.writer on ``out`` with our dialect, after the optional BOM."""
    if ctx.options.get("csv_bom"):
        out.write("\ufeff")
    return csv.writer(out, lineterminator="\r\n")


def flatten(record: Mapping[str, Any]) -> list[Any]:
    """The record as one row in COLUMNS order (built as a list: this is the hot path)."""
    get = record.get
    row = [get(k) for k in _HEAD]
    for role in ("target", "holder"):
        ref = get(role)
        row += [ref.get(f) for f in ACTOR_REF_FIELDS] if ref else _NO_ACTOR
    row += [get(k) for k in _AFTER]
    sources = get("source_annotators")
    row += [get("votes"), None if sources is None else LIST_SEPARATOR.join(sources)]
    return [safe_cell(v) for v in row]


_NO_ACTOR = [None] * len(ACTOR_REF_FIELDS)
_HEAD = _BEFORE + _SPAN


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write a header and one row per stance."""
    writer = open_writer(out, ctx)
    writer.writerow(COLUMNS)
    counts = Counts()
    for _statement, stances in iter_bundles(bundles):
        counts.add_bundle(stances)
        writer.writerows(flatten(record) for record in stances)
        counts.rows += len(stances)
    return counts


EXPORTER = Exporter(
    name="csv",
    kind="stream",
    media_type="text/csv",
    extension=".csv",
    description="One row per stance for spreadsheets; formula-like cells neutralised.",
    write=write,
)
