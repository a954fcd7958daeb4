"""Spreadsheet-bound text (CSV, TSV): one writer, and every cell neutralised on the way out.

A cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
``'``, so Excel, LibreOffice and Google Sheets show it instead of running it as a formula
(CSV injection); a cell that starts with ``'`` gets one more, so ``read_cell`` can take the
quote off again and our own files read back exactly (the actor registry). Every output
meant for spreadsheets writes through ``SheetWriter`` (the ``csv``, ``actors`` and
``semeval`` formats, the registry CSV of the page and the CLI), so a new one gets this too.

Numbers we write (ints and floats: offsets, votes, versions, scores) stay numbers and are
never quoted: a spreadsheet reads ``-3`` or ``-0.5`` as that number, which is what it is,
and runs nothing. Text that merely looks like a number ("-3" in a note) is text, and is
quoted like any other. The quote is a documented loss: ``jsonl`` keeps the exact text.
See docs/export-formats.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED = frozenset((*FORMULA_STARTS, QUOTE))


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows rather than evaluates; None becomes empty, numbers stay."""
    if value is None:
        return ""
    if value.__class__ is str and value[:1] in _QUOTED:
        return QUOTE + value
    return value


def read_cell(text: str) -> str:
    """A cell of our own file as it was before ``neutralise``; other text is left alone."""
    if text[:1] == QUOTE and text[1:2] in _QUOTED:
        return text[1:]
    return text


def is_neutral(cell: str) -> bool:
    """Whether a written cell is safe to open: no formula start, unless it is a number."""
    return not cell.startswith(FORMULA_STARTS) or _NUMBER.fullmatch(cell) is not None


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_BREAKS = re.compile(r"[\t\r\n]+")


def one_line(text: str) -> str:
    """Text that fits a tab-separated cell: each run of tabs and line breaks is one space."""
    return _BREAKS.sub(" ", text)


@dataclass(frozen=True)
class Dialect:
    """How cells are joined: CSV quotes (RFC 4180); TSV cannot, so it folds line breaks."""

    delimiter: str
    line_end: str
    quoted: bool


CSV = Dialect(",", "\r\n", quoted=True)  # comma, minimal double-quote quoting, CRLF
TSV = Dialect("\t", "\n", quoted=False)  # tab, no quoting, LF: cells are folded to one line


class _Lines(list):
    """The csv module's file: it appends, the writer takes the text."""

    write = list.append


class SheetWriter:
    """Rows to spreadsheet text with the csv module's quoting, every cell neutralised first.

    ``text(rows)`` returns the rows' lines as one string (a byte order mark first, once,
    with ``bom``, which Excel needs to detect UTF-8), so a generator can yield it.

    CSV rows are first joined by hand and checked as a whole (``_is_plain``); only rows
    that need quoting or neutralising go through the csv module, which gives the same
    bytes (a property test compares the two). The csv module for every row was measured
    on 2026-12-07 with bench/export_bench.py, 1,000,000 stances, ``csv``, three runs
    alternating with this path (load average 4.8-5.7 from other work on the 2 cores):
    79,000 stances per CPU second (40,000/s wall), against 108,000 (50,000/s wall) here
    and 112,000 before the writer existed. That is under the 100,000 stances/s target,
    so the hand-joined path stays.
    """

    def __init__(self, dialect: Dialect = CSV, *, bom: bool = False) -> None:
        self.dialect, self._bom = dialect, bom
        self._lines = _Lines()
        quoting = {} if dialect.quoted else {"quoting": csv.QUOTE_NONE, "quotechar": None}
        self._writer = csv.writer(
            self._lines, delimiter=dialect.delimiter, lineterminator=dialect.line_end, **quoting
        )

    def cells(self, row: Iterable[Any]) -> list[Any]:
        """One row's cells as written (before quoting): folded for TSV, then neutralised."""
        if self.dialect.quoted:
            return [neutralise(v) for v in row]
        return [neutralise(one_line(v) if v.__class__ is str else v) for v in row]

    def text(self, rows: Iterable[Sequence[Any]]) -> str:
        """The rows' lines, line ends included."""
        if not self.dialect.quoted:
            self._writer.writerows([self.cells(row) for row in rows])
            return self._take()
        lines, end = self._lines, self.dialect.line_end
        for row in rows:
            line = _joined(row)
            if _is_plain(line, len(row) - 1):
                lines.append(line + end)
            else:
                self._writer.writerow(self.cells(row))
        return self._take()

    def _take(self) -> str:
        lines = self._lines
        out = "".join(lines)
        lines.clear()
        if self._bom:
            self._bom = False
            return "\ufeff" + out
        return out


def _joined(row: Sequence[Any]) -> str:
    """The cells joined by commas as the csv module converts them (None empty, others
    ``str()``), before any quoting or neutralising."""
    return ",".join(["" if v is None else v if v.__class__ is str else str(v) for v in row])


def _is_plain(line: str, delimiters: int) -> bool:
    """Whether no cell of a joined CSV line needs quoting or neutralising.

    With exactly one comma per delimiter no cell holds a comma, so ``,X`` means a cell
    starting with X. Characters rare in data are searched for anywhere (a one-character
    search costs a quarter of a two-character one); a false alarm (``a=b``, a negative
    number) only costs the csv module's path, which writes the same text.
    """
    return not (
        '"' in line
        or "\n" in line
        or "\r" in line
        or "\t" in line
        or "=" in line
        or "@" in line
        or line[:1] in _FIRST
        or ",-" in line
        or ",+" in line
        or ("'" in line and ",'" in line)
        or line.count(",") != delimiters
    )


_FIRST = frozenset(("", *_QUOTED))
