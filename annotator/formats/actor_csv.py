"""Read and write the actor registry CSV: id,name,type,aliases,wikidata, aliases split by '|'.

Written through ``spreadsheet.SheetWriter`` (formula-like cells get a leading ``'``), and
read back through ``spreadsheet.read_cell``, so an exported registry imports unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO, TextIO

from annotator.formats import FormatError, write_chunks
from annotator.formats.spreadsheet import CSV, SheetWriter, read_cell
from annotator.formats.statement_readers import iter_csv_dicts, iter_text_lines

COLUMNS = ("id", "name", "type", "aliases", "wikidata")
ACTOR_TYPES = (
    "state",
    "government",
    "armed group",
    "party",
    "organization",
    "social group",
    "person",
    "other",
)
TYPE_SYNONYMS = {"organisation": "organization"}
ALIAS_SEPARATOR = "|"
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
_QID = re.compile(r"Q[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class ActorRow:
    """One registry actor as read from or written to the CSV."""

    key: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    line: int = 0


def normalize_alias(text: str) -> str:
    """Fold an alias or mention to its matching form: NFKC, casefold, single spaces."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def iter_actor_rows(name: str, stream: BinaryIO) -> Iterator[ActorRow]:
    """Yield validated actors from a registry CSV, stopping at the first bad row."""
    seen: dict[str, int] = {}
    for lineno, cells in iter_csv_dicts(name, iter_text_lines(name, stream), _check_header):
        values = {column: read_cell(cell) for column, cell in cells.items()}
        actor = _make_row(values, name, lineno)
        if actor.key in seen:
            message = f"duplicate id, first used on line {seen[actor.key]}"
            raise FormatError(message, file=name, line=lineno, field="id")
        seen[actor.key] = lineno
        yield actor
    if not seen:
        raise FormatError("file is empty", file=name)


def write_actor_rows(rows: Iterable[ActorRow], out: TextIO) -> int:
    """Write actors as the CSV iter_actor_rows reads back unchanged; return the row count."""
    return write_chunks(registry_chunks(rows), out)


def registry_chunks(
    rows: Iterable[ActorRow], *, bom: bool = False, batch: int = 500
) -> Generator[str, None, int]:
    """The registry CSV as text, header first, ``batch`` actors a chunk; returns the count.

    RFC 4180 (CRLF line ends, minimal quoting) with formula-like cells neutralised.
    """
    sheet = SheetWriter(CSV, bom=bom)
    yield sheet.text([COLUMNS])
    count, rows = 0, iter(rows)
    while chunk := [_cells(row) for row in islice(rows, batch)]:
        count += len(chunk)
        yield sheet.text(chunk)
    return count


def _cells(row: ActorRow) -> tuple:
    if any(ALIAS_SEPARATOR in alias for alias in row.aliases):
        raise ValueError(f"actor {row.key!r}: an alias cannot contain {ALIAS_SEPARATOR!r}")
    return (row.key, row.name, row.type, ALIAS_SEPARATOR.join(row.aliases), row.wikidata)


def _check_header(name: str, lineno: int, cells: list[str]) -> list[str]:
    """Require exactly the registry columns, in any order."""
    header = [cell.strip() for cell in cells]
    for index, column in enumerate(header):
        if column not in COLUMNS or column in header[:index]:
            problem = "unknown column" if column not in COLUMNS else "duplicate column"
            raise FormatError(problem, file=name, line=lineno, field=column or f"#{index + 1}")
    for column in COLUMNS:
        if column not in header:
            raise FormatError("missing column", file=name, line=lineno, field=column)
    return header


def _make_row(values: dict[str, str], name: str, lineno: int) -> ActorRow:
    """Validate one data row."""
    return ActorRow(
        key=_key(values["id"].strip(), name, lineno),
        name=_required(values["name"].strip(), name, lineno, "name"),
        type=_type(values["type"].strip().lower(), name, lineno),
        aliases=_aliases(values["aliases"]),
        wikidata=_wikidata(values["wikidata"].strip(), name, lineno),
        line=lineno,
    )


def _required(value: str, name: str, lineno: int, field: str) -> str:
    """Refuse an empty cell."""
    if not value:
        raise FormatError("is empty", file=name, line=lineno, field=field)
    return value


def _key(value: str, name: str, lineno: int) -> str:
    """Require a slug id; ids are stable references, so they are never rewritten."""
    if _required(value, name, lineno, "id") and not _SLUG.fullmatch(value):
        message = f"{value!r} is not a slug (lower-case a-z, 0-9, '.', '_', '-')"
        raise FormatError(message, file=name, line=lineno, field="id")
    return value


def _type(value: str, name: str, lineno: int) -> str:
    """Accept a known actor type, mapping British spellings to the stored one."""
    value = TYPE_SYNONYMS.get(value, value)
    if value not in ACTOR_TYPES:
        message = f"{value!r} is not one of {', '.join(ACTOR_TYPES)}"
        raise FormatError(message, file=name, line=lineno, field="type")
    return value


def _wikidata(value: str, name: str, lineno: int) -> str | None:
    """Accept an empty cell or a Wikidata item id such as Q794."""
    if value and not _QID.fullmatch(value):
        message = f"{value!r} is not a Wikidata item id like Q794"
        raise FormatError(message, file=name, line=lineno, field="wikidata")
    return value or None


def _aliases(value: str) -> tuple[str, ...]:
    """Split on '|', strip, drop empties and repeats, keeping the first spelling's order."""
    stripped = (alias.strip() for alias in value.split(ALIAS_SEPARATOR))
    return tuple(dict.fromkeys(alias for alias in stripped if alias))
