"""Read ``jsonl`` stance records, ``relations`` lines and ``statements-jsonl`` lines back
(round trip, restore).

``read_stance_lines`` yields ``(line number, item)``. A line with a ``stances`` key is a
statement line and yields a bundle ``{"statement": {...}, "stances": [records],
"relations": [relation records]}``, the exact shape the writers consume, with each stance
rebuilt into a full canonical record and each relation's ``from`` and ``to`` (stance ids
on the line) into that stance's end ``{id, start, end, text, label}``; a line with
``from`` and ``to`` is one relation record (``is_relation``); any other line is one
canonical record. Blank lines are skipped; a leading BOM is
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
    "id": (False, _opt(_is_str), "a string or null"),
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


def _is_end(v: Any) -> bool:
    """A relation end: a stance's id, or its span and label (``{start, end, label}``)."""
    if not isinstance(v, dict):
        return False
    if _is_str(v.get("id")):
        return True
    return _is_int(v.get("start")) and _is_int(v.get("end")) and _is_str(v.get("label"))


RELATION_CHECKS: dict[str, tuple[bool, Check, str]] = {
    "statement_id": (True, _is_str, "a string"),
    "type": (True, _is_str, "a string"),
    "from": (True, _is_end, "a stance end with a string id, or start, end and label"),
    "to": (True, _is_end, "a stance end with a string id, or start, end and label"),
    "id": (False, _opt(_is_str), "a string or null"),
    "project": (False, _opt(_is_str), "a string or null"),
    "aif": (False, _opt(lambda v: v in ("RA", "CA")), '"RA", "CA" or null'),
    "annotator": (False, _opt(_is_str), "a string or null"),
    "scope": (False, lambda v: v in ("gold", "annotator"), '"gold" or "annotator"'),
    "note": (False, _opt(_is_str), "a string or null"),
    "created_at": (False, _opt(_is_str), "a string or null"),
    "updated_at": (False, _opt(_is_str), "a string or null"),
}
_STATEMENT_STRINGS = ("title", "author", "organization", "date", "url", "lang")
STATEMENT_CHECKS: dict[str, tuple[bool, Check, str]] = {
    "id": (True, _is_str, "a string"),
    "text": (True, _is_str, "a string"),
    "stances": (True, lambda v: isinstance(v, list), "a list"),
    "relations": (False, lambda v: isinstance(v, list), "a list"),
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
        elif "from" in obj and "to" in obj:
            yield number, parse_relation(obj, number, file)
        else:
            yield number, parse_record(obj, number, file)


def is_bundle(item: Mapping[str, Any]) -> bool:
    """Whether a parsed item came from a statement line."""
    return "statement" in item and "stances" in item


def is_relation(item: Mapping[str, Any]) -> bool:
    """Whether a parsed item is a relation record (a line of the ``relations`` format)."""
    return "from" in item and "to" in item and "statement" not in item


def parse_relation(obj: dict, number: int, file: str | None = None, prefix: str = "") -> dict:
    """Validate one relation record; the object itself is returned."""
    _check(obj, RELATION_CHECKS, {"file": file, "line": number}, prefix)
    return obj


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
    statement = {k: v for k, v in obj.items() if k not in ("stances", "relations")}
    records = []
    for i, stance in enumerate(obj["stances"]):
        prefix = f"stances[{i}]."
        if not isinstance(stance, dict):
            raise FormatError("expected a JSON object", field=prefix[:-1], **where)
        record = parse_record(attach_statement(stance, statement), number, file, prefix)
        _check_span(record, statement["text"], where, prefix)
        records.append(record)
    relations = _line_relations(obj.get("relations") or [], statement, records, where)
    return {"statement": statement, "stances": records, "relations": relations}


def _line_relations(items: list, statement: Mapping, stances: list, where: dict) -> list[dict]:
    """A statement line's relations as relation records, ends resolved among its stances."""
    ends = {s["id"]: s for s in stances if s.get("id") is not None}
    out = []
    for i, item in enumerate(items):
        prefix = f"relations[{i}]."
        if not isinstance(item, dict):
            raise FormatError("expected a JSON object", field=prefix[:-1], **where)
        record = dict(item)
        for side in ("from", "to"):
            ref = item.get(side)
            if not isinstance(ref, str) or ref not in ends:
                msg = f"{ref!r} is not the id of a stance on this line"
                raise FormatError(msg, field=prefix + side, **where)
            record[side] = {k: ends[ref][k] for k in ("id", "start", "end", "text", "label")}
        record["statement_id"] = statement["id"]
        out.append(parse_relation(record, where["line"], where["file"], prefix))
    return out


def _check_span(record: Mapping, text: str, where: dict[str, Any], prefix: str) -> None:
    """Offsets must fit the text and cover the stored span text (catches UTF-16 offsets)."""
    if record["end"] > len(text):
        msg = f"end {record['end']} beyond the statement text ({len(text)} code points)"
        raise FormatError(msg, field=prefix + "end", **where)
    covered = text[record["start"] : record["end"]]
    if "text" in record and record["text"] != covered:
        msg = f"text {record['text']!r} differs from the statement's {covered!r}"
        raise FormatError(msg, field=prefix + "text", **where)
