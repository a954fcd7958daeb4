"""Read statements from JSONL, CSV, plain text or a zip of these, one record at a time."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from annotator.formats import FormatError

FIELDS = ("id", "text", "title", "author", "organization", "date", "url", "lang")
# The statement columns' lengths (models.Statement; a test keeps the two equal): a longer
# value is the file's error, not a database error (PostgreSQL refuses it, SQLite keeps it).
MAX_LENGTHS = {"id": 200, "title": 500, "author": 300, "organization": 300, "url": 2000, "lang": 16}
SUPPORTED_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".txt", ".zip")
ARCHIVE_SUFFIXES = frozenset(
    {".zip", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".7z", ".rar", ".zst"}
    | {".lz", ".lzma", ".z", ".jar", ".cab", ".cpio"}
)
MAX_RATIO = 100
RATIO_MIN_SIZE = 1_000_000
# Junk that macOS Finder adds to every zip it makes: skipping it beats rejecting the upload.
_SKIPPED_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$)")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DRIVE = re.compile(r"^[A-Za-z]:")
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16

Lines = Iterable[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """One statement as read from a file; the caller hashes and stores it."""

    external_id: str
    text: str
    title: str | None = None
    author: str | None = None
    organization: str | None = None
    date: str | None = None
    url: str | None = None
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False)
    file: str = ""
    line: int = 0


def iter_statements(
    name: str, stream: BinaryIO, *, txt_header: bool = False, max_bytes: int | None = None
) -> Iterator[StatementRecord]:
    """Yield the statements of an upload, validating as it streams so memory stays bounded."""
    if max_bytes is not None and stream.seekable():
        here = stream.tell()
        if stream.seek(0, io.SEEK_END) - here > max_bytes:
            raise _too_large(name, max_bytes)
        stream.seek(here)
    if _suffix(name) == ".zip" and not stream.seekable():  # zip must seek; a pipe cannot
        with tempfile.TemporaryFile() as spooled:
            shutil.copyfileobj(_LimitedReader(name, stream, max_bytes), spooled, _CHUNK)
            spooled.seek(0)
            yield from _iter_zip(name, spooled, txt_header, max_bytes)
    elif _suffix(name) == ".zip":
        yield from _iter_zip(name, stream, txt_header, max_bytes)
    else:
        yield from _iter_file(name, name, stream, txt_header, max_bytes)


def iter_text_lines(file: str, stream: BinaryIO, *, max_bytes: int | None = None) -> Lines:
    """Yield (line number, line) decoded from UTF-8 so a bad byte is reported with its line."""
    lineno = 0
    for raw in io.BufferedReader(_LimitedReader(file, stream, max_bytes), _CHUNK):
        if lineno == 0 and raw.startswith(_BOM):
            raw = raw[3:]
        # Binary lines end at LF only; a lone CR also ends a line, as in universal newlines.
        for piece in raw.splitlines(keepends=True) if b"\r" in raw else (raw,):
            lineno += 1
            try:
                yield lineno, piece.decode("utf-8")
            except UnicodeDecodeError as err:
                message = f"not valid UTF-8 (byte {piece[err.start]:#04x} at offset {err.start})"
                raise FormatError(message, file=file, line=lineno) from None


def iter_csv_rows(file: str, lines: Lines) -> Iterator[tuple[int, list[str]]]:
    """Yield (starting line, cells) of each non-blank RFC 4180 record; cells may span lines."""
    reader = csv.reader((text for _, text in lines), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise FormatError(f"malformed CSV: {err}", file=file, line=start) from None
        if row:
            yield start, row
        start = reader.line_num + 1


def iter_csv_dicts(
    file: str, lines: Lines, check_header: Callable[[str, int, list[str]], list[str]]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line, cells by column) under a checked header, so every CSV reader counts alike."""
    rows = iter_csv_rows(file, lines)
    for header_line, cells in rows:  # the first row is the header, the inner loop the rest
        header = check_header(file, header_line, cells)
        for lineno, cells in rows:
            if len(cells) != len(header):
                message = f"expected {len(header)} cells as in the header, found {len(cells)}"
                raise FormatError(message, file=file, line=lineno)
            yield lineno, dict(zip(header, cells, strict=True))


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF, the only change ever made to statement text."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class _LimitedReader(io.RawIOBase):
    """Count bytes as they stream past so an oversized file fails without being read whole."""

    def __init__(self, file: str, stream: BinaryIO, limit: int | None) -> None:
        self._file, self._stream, self._limit, self._seen = file, stream, limit, 0

    def readable(self) -> bool:
        """Declare the stream readable, as BufferedReader requires."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill buffer from the wrapped stream, failing once the limit is passed."""
        data = self._stream.read(len(buffer))
        self._seen += len(data)
        if self._limit is not None and self._seen > self._limit:
            raise _too_large(self._file, self._limit)
        buffer[: len(data)] = data
        return len(data)


def _too_large(file: str, limit: int, what: str = "file is") -> FormatError:
    """Build the error for input above the configured limit, given in MB of 10^6 bytes."""
    return FormatError(f"{what} larger than the limit of {limit / 1_000_000:g} MB", file=file)


def _suffix(name: str) -> str:
    """Return the lower-cased extension of a path that may use either slash."""
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _iter_file(
    name: str, label: str, stream: BinaryIO, txt_header: bool, max_bytes: int | None
) -> Iterator[StatementRecord]:
    """Read one non-archive file, failing when it holds no statement at all."""
    suffix = _suffix(name)
    if suffix not in SUPPORTED_SUFFIXES or suffix == ".zip":
        raise FormatError(_unsupported(suffix), file=label)
    lines = iter_text_lines(label, stream, max_bytes=max_bytes)
    if suffix == ".txt":
        stem = PurePosixPath(name.replace("\\", "/")).stem
        records = _iter_txt(label, stem, txt_header, lines)
    else:
        records = _iter_csv(label, lines) if suffix == ".csv" else _iter_jsonl(label, lines)
    count = 0
    for record in records:
        count += 1
        yield record
    if not count:
        raise FormatError("file is empty", file=label)


def _json_error(line: str, err: json.JSONDecodeError) -> str:
    """Word a JSON error with its column on this line; the line's own newline is no column."""
    body = line.rstrip("\r\n")
    where = "at the end of the line" if err.pos >= len(body) else f"column {err.pos + 1}"
    return f"invalid JSON: {err.msg} ({where})"


def _unsupported(suffix: str) -> str:
    """Word the error for an extension no reader handles."""
    known = ", ".join(SUPPORTED_SUFFIXES)
    return f"unsupported file type {suffix or '(no extension)'}; expected one of {known}"


def _iter_jsonl(label: str, lines: Lines) -> Iterator[StatementRecord]:
    """Parse one JSON object per line, skipping blank lines."""
    for lineno, line in lines:
        if not line or line.isspace():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise FormatError(_json_error(line, err), file=label, line=lineno) from None
        except RecursionError:
            raise FormatError("JSON nested too deeply", file=label, line=lineno) from None
        if not isinstance(obj, dict):
            raise FormatError("expected a JSON object", file=label, line=lineno)
        # A line read as UTF-8 holds neither NUL (JSON refuses raw control characters) nor
        # lone surrogates: only a \u escape can make them, so lines without one skip the walk
        # over every string (a fifth of the import's time for 2 KB statements, measured).
        yield _make_record(obj, label, lineno, escaped="\\u" in line)


def _iter_csv(label: str, lines: Lines) -> Iterator[StatementRecord]:
    """Parse a CSV whose header names the statement fields; other columns go to meta."""
    for lineno, values in iter_csv_dicts(label, lines, _csv_header):
        yield _make_record(values, label, lineno)


def _csv_header(label: str, lineno: int, cells: list[str]) -> list[str]:
    """Check the header row: named, unique columns including id and text."""
    header = [cell.strip() for cell in cells]
    for index, column in enumerate(header):
        if not column:
            raise FormatError(f"column {index + 1} has no name", file=label, line=lineno)
        if column in header[:index]:
            raise FormatError("duplicate column", file=label, line=lineno, field=column)
    for column in ("id", "text"):
        if column not in header:
            raise FormatError("missing column", file=label, line=lineno, field=column)
    return header


def _iter_txt(label: str, stem: str, txt_header: bool, lines: Lines) -> Iterator[StatementRecord]:
    """Read a file as one statement at line 1, optionally headed by 'title | who | date | url'."""
    values: dict[str, Any] = {}
    parts: list[str] = []
    for lineno, line in lines:
        if lineno == 1 and txt_header and "|" in line:
            values = _txt_header(label, line)
        elif parts or not values or (line and not line.isspace()):
            parts.append(line)  # drops only the blank lines between a header and the text
    if parts or values:
        values.update(id=stem, text="".join(parts))
        yield _make_record(values, label, 1)


def _txt_header(label: str, line: str) -> dict[str, Any]:
    """Split 'title | author / organisation | date | url'; a lone who-field is the organisation."""
    fields = [part.strip() for part in line.rstrip("\r\n").split("|")]
    if len(fields) > 4:
        raise FormatError("has more than 4 '|' fields", file=label, line=1, field="header")
    title, who, when, url = fields + [""] * (4 - len(fields))
    author, _, organization = who.rpartition(" / ")
    return {
        "title": title,
        "author": author,
        "organization": organization,
        "date": when,
        "url": url,
    }


def check_strings(value: Any, *, file: str | None, line: int, field: str | None = None) -> None:
    """Refuse NUL characters and lone surrogates anywhere in a parsed record, naming the field.

    JSON may spell both (``"\\u0000"``, ``"\\ud800"``) and a CSV or text file may hold NUL;
    no database stores the one or encodes the other, so they are the file's error.
    """
    if isinstance(value, str):
        problem = _string_problem(value)
        if problem:
            raise FormatError(problem, file=file, line=line, field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = printable(key if field is None else f"{field}.{key}")
            check_strings(key, file=file, line=line, field=name)
            check_strings(item, file=file, line=line, field=name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_strings(item, file=file, line=line, field=f"{field or ''}[{index}]")


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            return (
                f"contains a lone surrogate ({printable(err.object[err.start])}), not valid Unicode"
            )
    return None


def printable(text: str) -> str:
    """The text with NUL and lone surrogates escaped, safe to show in a message."""
    return text.replace("\x00", "\\0").encode("utf-8", "backslashreplace").decode("utf-8")


def _check_lengths(values: dict[str, Any], label: str, lineno: int) -> None:
    for key, limit in MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value.strip()) > limit:
            message = f"is longer than {limit} characters ({len(value.strip()):,})"
            raise FormatError(message, file=label, line=lineno, field=key)


def _make_record(
    values: dict[str, Any], label: str, lineno: int, *, escaped: bool = True
) -> StatementRecord:
    """Validate the known fields and keep every other one as meta."""
    if escaped:
        check_strings(values, file=label, line=lineno)
    _check_lengths(values, label, lineno)

    def optional(key: str) -> str | None:
        value = values.get(key)
        if value is not None and not isinstance(value, str):
            raise FormatError("must be a string", file=label, line=lineno, field=key)
        return (value.strip() or None) if value else None

    return StatementRecord(
        external_id=_external_id(values.get("id"), label, lineno),
        text=_text(values.get("text"), label, lineno),
        title=optional("title"),
        author=optional("author"),
        organization=optional("organization"),
        date=_date(optional("date"), label, lineno),
        url=optional("url"),
        lang=optional("lang"),
        meta={key: value for key, value in values.items() if key not in FIELDS},
        file=label,
        line=lineno,
    )


def _external_id(value: Any, label: str, lineno: int) -> str:
    """Accept a non-empty string or an integer id, returned as a stripped string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        message = "is missing" if value in (None, "") else "must be a non-empty string"
        raise FormatError(message, file=label, line=lineno, field="id")
    return value.strip()


def _text(value: Any, label: str, lineno: int) -> str:
    """Require non-blank text and normalise its line endings, leaving all else untouched."""
    if not isinstance(value, str):
        message = "is missing" if value is None else "must be a string"
        raise FormatError(message, file=label, line=lineno, field="text")
    if not value or value.isspace():
        raise FormatError("is empty", file=label, line=lineno, field="text")
    return normalize_newlines(value)


def _date(value: str | None, label: str, lineno: int) -> str | None:
    """Check an ISO 8601 date of day, month or year precision names a real date."""
    if value is None or _is_date(value):
        return value
    message = f"{value!r} is not a date like 2024-01-19, 2024-01 or 2024"
    raise FormatError(message, file=label, line=lineno, field="date")


@lru_cache(maxsize=4096)  # a corpus repeats few dates; the cache keeps validation cheap
def _is_date(value: str) -> bool:
    """Tell whether value is YYYY, YYYY-MM or YYYY-MM-DD naming a day that exists."""
    match = _DATE.fullmatch(value)
    try:
        return match is not None and bool(date(*(int(part or 1) for part in match.groups())))
    except ValueError:
        return False


def _iter_zip(
    label: str, stream: BinaryIO, txt_header: bool, max_bytes: int | None
) -> Iterator[StatementRecord]:
    """Read each member of a zip in name order after checking the whole archive is safe."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise FormatError(f"not a valid zip archive: {err}", file=label) from None
    with archive:
        for info in _checked_members(label, archive, max_bytes):
            where = f"{label}!{info.filename}"
            try:
                with archive.open(info) as member:
                    yield from _iter_file(info.filename, where, member, txt_header, max_bytes)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
                message = f"damaged or unsupported archive member: {err}"
                raise FormatError(message, file=where) from None


def _checked_members(label: str, archive: zipfile.ZipFile, max_bytes: int | None) -> list:
    """Reject unsafe archives before any record is read, so an import is all or nothing."""
    members = sorted(archive.infolist(), key=lambda info: info.filename)
    for info in members:
        _check_member(info, f"{label}!{info.filename}")
    members = [i for i in members if not i.is_dir() and not _SKIPPED_MEMBERS.search(i.filename)]
    if not members:
        raise FormatError("file is empty", file=label)
    if max_bytes is not None and sum(info.file_size for info in members) > max_bytes:
        raise _too_large(label, max_bytes, "archive contents are")
    return members


def _check_member(info: zipfile.ZipInfo, where: str) -> None:
    """Refuse escaping paths, nested archives, unknown types, encryption and zip bombs."""
    path = info.filename.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path) or ".." in path.split("/"):
        raise FormatError("unsafe path in archive", file=where)
    if path.endswith("/") or _SKIPPED_MEMBERS.search(path):
        return
    suffix = _suffix(path)
    if suffix in ARCHIVE_SUFFIXES:
        raise FormatError("nested archives are not supported", file=where)
    if suffix not in SUPPORTED_SUFFIXES:
        raise FormatError(_unsupported(suffix), file=where)
    if info.flag_bits & 0x1:
        raise FormatError("encrypted archive members are not supported", file=where)
    if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * info.compress_size:
        raise FormatError(f"compression ratio above {MAX_RATIO}: possible zip bomb", file=where)
