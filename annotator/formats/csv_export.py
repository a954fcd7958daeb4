"""``csv``: one row per stance, actor references flattened into columns.

RFC 4180 as the csv module writes it: comma, double-quote quoting where needed, CRLF line
ends (open the file with ``newline=""``). Text cells starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return get a leading ``'`` so spreadsheets do not run them as
formulas (CSV injection); numbers (offsets, votes, versions) are never touched. The quote
is a deliberate, documented loss: use ``jsonl`` for exact text. ``ctx.options["csv_bom"]``
writes a UTF-8 byte order mark first, which Excel needs to detect UTF-8.

Speed: the csv module costs about as much per row as building the record, so rows are
joined here (see ``csv_line``), with the csv module's quoting rules; a property test
compares the two on arbitrary text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any, TextIO

from annotator.formats import Bundles, Counts, ExportContext, Exporter, iter_bundles
from annotator.formats.records import ACTOR_REF_FIELDS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "|"
LINE_END = "\r\n"

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
    return csv.writer(out, lineterminator=LINE_END)


def raw_row(record: Mapping[str, Any]) -> list[Any]:
    """The record's values in COLUMNS order, a missing field as None, sources joined."""
    get = record.get
    row = [get(k) for k in _HEAD]
    for role in ("target", "holder"):
        ref = get(role)
        row += [ref.get(f) for f in ACTOR_REF_FIELDS] if ref else _NO_REF
    row += [get(k) for k in _AFTER]
    sources = get("source_annotators")
    row += [get("votes"), None if sources is None else LIST_SEPARATOR.join(sources)]
    return row


_HEAD = _BEFORE + _SPAN
_NO_REF = (None,) * len(ACTOR_REF_FIELDS)
_RECORD = itemgetter(*_HEAD, "target", "holder", *_AFTER)
_REF = itemgetter(*ACTOR_REF_FIELDS)


def csv_cell(value: Any) -> str:
    """One cell as the csv module writes ``safe_cell(value)``: in double quotes, inner ones
    doubled, when it holds a quote, comma, CR or LF (RFC 4180, minimal quoting)."""
    value = safe_cell(value)
    text = value if isinstance(value, str) else str(value)
    if _NEEDS_QUOTES(text):
        return '"' + text.replace('"', '""') + '"'
    return text


_NEEDS_QUOTES = re.compile('[",\r\n]').search


def csv_line(record: Mapping[str, Any]) -> str:
    """The record's CSV line, CRLF included.

    Nearly every line needs no quoting and no neutralising: it is joined in one f-string
    and checked as a whole, which costs a fraction of a check per cell; the others are
    made cell by cell.
    """
    try:
        values = _values(record)
    except KeyError:  # a record without some field: that cell is empty
        values = raw_row(record)
    line = _joined(*values)
    if _is_plain(line):
        return line + LINE_END
    return _cell_by_cell(values) + LINE_END


def _cell_by_cell(values: Iterable[Any]) -> str:
    """The values joined by commas, each cell made by ``csv_cell`` unless it is None, an int
    or a string that needs nothing (tested inline: most cells of such a line are plain)."""
    return ",".join(
        [
            ""
            if v is None
            else str(v)
            if v.__class__ is int
            else v
            if v.__class__ is str
            and v[:1] not in _FORMULA_SET
            and '"' not in v
            and "," not in v
            and "\n" not in v
            and "\r" not in v
            else csv_cell(v)
            for v in values
        ]
    )


def _values(record: Mapping[str, Any]) -> tuple:
    """``raw_row`` by itemgetters (faster than one get per field); KeyError when one is missing."""
    values = _RECORD(record)
    target, holder = values[10], values[11]
    sources = record.get("source_annotators")
    return (
        *values[:10],
        *(_REF(target) if target else _NO_REF),
        *(_REF(holder) if holder else _NO_REF),
        *values[12:],
        record.get("votes"),
        None if sources is None else LIST_SEPARATOR.join(sources),
    )


def _joined(project, sid, title, date, org, start, end, text, label, polarity, t_id, t_name,
            t_type, t_qid, h_id, h_name, h_type, h_qid, annotator, scope, note, version,
            created, updated, votes, sources) -> str:  # fmt: skip
    """The values joined by commas, None empty and others ``str()`` as the csv module does
    (one f-string: cheaper than a list of converted cells and a join)."""
    return (
        f"{'' if project is None else project!s},{'' if sid is None else sid!s},"
        f"{'' if title is None else title!s},{'' if date is None else date!s},"
        f"{'' if org is None else org!s},{'' if start is None else start!s},"
        f"{'' if end is None else end!s},{'' if text is None else text!s},"
        f"{'' if label is None else label!s},{'' if polarity is None else polarity!s},"
        f"{'' if t_id is None else t_id!s},{'' if t_name is None else t_name!s},"
        f"{'' if t_type is None else t_type!s},{'' if t_qid is None else t_qid!s},"
        f"{'' if h_id is None else h_id!s},{'' if h_name is None else h_name!s},"
        f"{'' if h_type is None else h_type!s},{'' if h_qid is None else h_qid!s},"
        f"{'' if annotator is None else annotator!s},{'' if scope is None else scope!s},"
        f"{'' if note is None else note!s},{'' if version is None else version!s},"
        f"{'' if created is None else created!s},{'' if updated is None else updated!s},"
        f"{'' if votes is None else votes!s},{'' if sources is None else sources!s}"
    )


def _is_plain(line: str) -> bool:
    """Whether no cell of a joined line needs quoting or neutralising.

    With exactly one comma per delimiter no cell holds a comma, so ``,X`` means a cell
    starting with X. Characters that are rare in data are searched for anywhere (a fast
    scan); a false alarm (``=`` inside a cell, a negative number) only costs the cell-by-cell
    path, which gives the same text.
    """
    return not (
        '"' in line
        or "\n" in line
        or "\r" in line
        or "\t" in line
        or "=" in line
        or "@" in line
        or line[:1] in "-+"
        or ",-" in line
        or ",+" in line
        or line.count(",") != _DELIMITERS
    )


_DELIMITERS = len(COLUMNS) - 1


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write a header and one row per stance, one write per statement."""
    open_writer(out, ctx).writerow(COLUMNS)
    counts = Counts()
    for _statement, stances in iter_bundles(bundles):
        counts.add_bundle(stances)
        if stances:
            out.write("".join([csv_line(record) for record in stances]))
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
