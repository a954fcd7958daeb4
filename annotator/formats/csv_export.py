"""``csv``: one row per stance, actor references flattened into columns.

RFC 4180 as the csv module writes it: comma, double-quote quoting where needed, CRLF line
ends (open the file with ``newline=""``). Text cells starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return get a leading ``'`` so spreadsheets do not run them as
formulas (CSV injection); numbers (offsets, votes, versions) are never touched. The quote
is a deliberate, documented loss: use ``jsonl`` for exact text. ``ctx.options["csv_bom"]``
writes a UTF-8 byte order mark first, which Excel needs to detect UTF-8.

Speed: the csv module costs about as much per row as building the record, so rows that
need neither quoting nor neutralising (nearly all) are joined directly, and only the
others go through ``safe_cell`` and the csv module; both give the same bytes.
"""

from __future__ import annotations

import csv
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


def flatten(record: Mapping[str, Any]) -> list[Any]:
    """The record as one row of safe cells in COLUMNS order, for the csv module."""
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
_RECORD = itemgetter(*_HEAD, "target", "holder", *_AFTER)
_REF = itemgetter(*ACTOR_REF_FIELDS)
_NO_REF = (None,) * len(ACTOR_REF_FIELDS)
_DELIMITERS = len(COLUMNS) - 1


def plain_line(record: Mapping[str, Any]) -> str | None:
    """The record's CSV line if no cell needs quoting or neutralising, else None.

    One f-string over unpacked values (None empty, others ``str()`` as the csv module
    does) costs less than a list of cells and a join. Then the line is checked as a
    whole, cheaper than cell by cell: with exactly one comma per delimiter no cell holds a
    comma, so ``,X`` means a cell starting with X. Rare characters are searched for
    anywhere (a fast scan); a false alarm (``=`` inside a cell, a negative number) only
    costs the exact path. KeyError when a field is missing.
    """
    (project, sid, title, date, org, start, end, text, label, polarity, target, holder,
     annotator, scope, note, version, created, updated) = _RECORD(record)  # fmt: skip
    t_id, t_name, t_type, t_qid = _REF(target) if target else _NO_REF
    h_id, h_name, h_type, h_qid = _REF(holder) if holder else _NO_REF
    votes, sources = record.get("votes"), record.get("source_annotators")
    sources = None if sources is None else LIST_SEPARATOR.join(sources)
    line = (
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
        f"{'' if votes is None else votes!s},{'' if sources is None else sources}"
    )
    if (
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
    ):
        return None
    return line + LINE_END


class _Lines(list):
    """A statement's lines, joined for one write; the csv module appends the rows it writes."""

    write = list.append

    def __init__(self) -> None:
        super().__init__()
        self.csv = csv.writer(self, lineterminator=LINE_END)

    def text(self, records: Iterable[Mapping[str, Any]]) -> str:
        """The records' lines: joined directly when plain, else written by the csv module."""
        for record in records:
            try:
                line = plain_line(record)
            except KeyError:  # a record without some field: flatten reads it as empty
                line = None
            if line is None:
                self.csv.writerow(flatten(record))
            else:
                self.append(line)
        text = "".join(self)
        self.clear()
        return text


def write(bundles: Bundles, out: TextIO, ctx: ExportContext) -> Counts:
    """Write a header and one row per stance, one write per statement."""
    open_writer(out, ctx).writerow(COLUMNS)
    counts = Counts()
    lines = _Lines()
    for _statement, stances in iter_bundles(bundles):
        counts.add_bundle(stances)
        if stances:
            out.write(lines.text(stances))
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
