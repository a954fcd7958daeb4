"""Read ``jsonl`` stance records and ``statements-jsonl`` lines back (round trip, restore).

``read_stance_lines`` yields ``(line number, item)``. A line with a ``stances`` key is a
statement line and yields a bundle ``{"statement": {...}, "stances": [records]}``, the
exact shape the writers consume, with each stance rebuilt into a full canonical record;
any other line is one canonical record. Blank lines are skipped; a leading BOM is
ignored. Problems raise ``FormatError`` naming the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from annotator.formats import FormatError
from annotator.formats.records import attach_statement
from annotator.formats.statement_readers import MAX_LENGTHS, check_strings

Check = Callable[[Any], bool]


def _opt(check: Check) -> Check:
    return lambda v: v is None or check(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_actor(v: Any) -> bool:
    return isinstance(v, dict) and _is_str(v.get("id")) and _opt(_is_str)(v.get("name"))


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


# field -> (required, check, expected type in words). The stance's own values (note,
# guidelines_version, ...) are checked by the importer against the declared stance row.
RECORD_CHECKS: dict[str, tuple[bool, Check, str]] = {
    "statement_id": (True, _is_str, "a string"),
    "start": (True, _is_int, "an integer"),
    "end": (True, _is_int, "an integer"),
    "label": (True, _is_str, "a string"),
    "text": (False, _is_str, "a string"),
    "project": (False, _opt(_is_str), "a string or null"),
    "statement_title": (False, _opt(_is_str), "a string or null"),
    "statement_date": (False, _opt(_is_str), "a string or null"),
    "organization": (False, _opt(_is_str), "a string or null"),
    "polarity": (False, _opt(_is_str), "a string or null"),
    "target": (False, _opt(_is_actor), "an actor object with a string id, or null"),
    "holder": (False, _opt(_is_actor), "an actor object with a string id, or null"),
    "annotator": (False, _opt(_is_str), "a string or null"),
    "scope": (False, lambda v: v in ("gold", "annotator"), '"gold" or "annotator"'),
    "created_at": (False, _opt(_is_str), "a string or null"),
    "updated_at": (False, _opt(_is_str), "a string or null"),
    "votes": (False, _is_int, "an integer"),
    "source_annotators": (False, _is_str_list, "a list of strings"),
}
_STATEMENT_STRINGS = ("title", "author", "organization", "date", "url", "lang")
STATEMENT_CHECKS: dict[str, tuple[bool, Check, str]] = {
    "id": (True, _is_str, "a string"),
    "text": (True, _is_str, "a string"),
    "stances": (True, lambda v: isinstance(v, list), "a list"),
    "meta": (False, _opt(lambda v: isinstance(v, dict)), "an object or null"),
    **{k: (False, _opt(_is_str), "a string or null") for k in _STATEMENT_STRINGS},
}


def read_stance_lines(
    lines: Iterable[str], *, file: str | None = None
) -> Iterator[tuple[int, dict]]:
    """Parse and validate each non-blank line: a stance record or a statement bundle."""
    for number, line in enumerate(lines, 1):
        text = line.lstrip("\ufeff") if number == 1 else line
        if not text.strip():
            continue
        obj = _parse(text, number, file)
        if "stances" in obj:
            yield number, parse_bundle(obj, number, file)
        else:
            yield number, parse_record(obj, number, file)


def is_bundle(item: Mapping[str, Any]) -> bool:
    """Whether a parsed item came from a statement line."""
    return "statement" in item and "stances" in item


def _parse(text: str, number: int, file: str | None) -> dict:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON: {exc.msg}", file=file, line=number) from None
    if not isinstance(obj, dict):
        raise FormatError("expected a JSON object", file=file, line=number)
    check_strings(obj, file=file, line=number)
    return obj


def _check(obj: Mapping, checks: Mapping, where: dict[str, Any], prefix: str = "") -> None:
    for name, (required, check, expected) in checks.items():
        if name not in obj:
            if required:
                raise FormatError("missing field", field=prefix + name, **where)
        elif not check(obj[name]):
            got = type(obj[name]).__name__
            raise FormatError(f"expected {expected}, got {got}", field=prefix + name, **where)


def parse_record(obj: dict, number: int, file: str | None = None, prefix: str = "") -> dict:
    """Validate one canonical record; the object itself is returned."""
    where = {"file": file, "line": number}
    _check(obj, RECORD_CHECKS, where, prefix)
    if not 0 <= obj["start"] <= obj["end"]:
        msg = f"need 0 <= start <= end, got {obj['start']}..{obj['end']}"
        raise FormatError(msg, field=prefix + "start", **where)
    return obj


def parse_bundle(obj: dict, number: int, file: str | None = None) -> dict:
    """Validate a statement line and rebuild full records for its stances."""
    where = {"file": file, "line": number}
    _check(obj, STATEMENT_CHECKS, where)
    for key, limit in MAX_LENGTHS.items():
        if isinstance(obj.get(key), str) and len(obj[key]) > limit:
            raise FormatError(f"is longer than {limit} characters", field=key, **where)
    statement = {k: v for k, v in obj.items() if k != "stances"}
    records = []
    for i, stance in enumerate(obj["stances"]):
        prefix = f"stances[{i}]."
        if not isinstance(stance, dict):
            raise FormatError("expected a JSON object", field=prefix[:-1], **where)
        record = parse_record(attach_statement(stance, statement), number, file, prefix)
        _check_span(record, statement["text"], where, prefix)
        records.append(record)
    return {"statement": statement, "stances": records}


def _check_span(record: Mapping, text: str, where: dict[str, Any], prefix: str) -> None:
    """Offsets must fit the text and cover the stored span text (catches UTF-16 offsets)."""
    if record["end"] > len(text):
        msg = f"end {record['end']} beyond the statement text ({len(text)} code points)"
        raise FormatError(msg, field=prefix + "end", **where)
    covered = text[record["start"] : record["end"]]
    if "text" in record and record["text"] != covered:
        msg = f"text {record['text']!r} differs from the statement's {covered!r}"
        raise FormatError(msg, field=prefix + "text", **where)
