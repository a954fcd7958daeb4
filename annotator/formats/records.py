"""The canonical stance record: field order and its one-line JSON form.

The record is the unit of the ``jsonl`` and ``hf`` formats and the shape every other
writer starts from. Its JSON Schema ships as ``stance_record.schema.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

RECORD_FIELDS = (
    "project",
    "statement_id",
    "statement_title",
    "statement_date",
    "organization",
    "start",
    "end",
    "text",
    "label",
    "polarity",
    "target",
    "holder",
    "annotator",
    "scope",
    "note",
    "guidelines_version",
    "created_at",
    "updated_at",
)
GOLD_FIELDS = ("votes", "source_annotators")
ACTOR_REF_FIELDS = ("id", "name", "type", "wikidata")
_GOLD_ORDER = RECORD_FIELDS + GOLD_FIELDS

# Record field -> statement field it repeats; dropped inside statements-jsonl lines.
STATEMENT_COPIES = {
    "statement_id": "id",
    "statement_title": "title",
    "statement_date": "date",
    "organization": "organization",
}
STATEMENT_FIELDS = ("id", "title", "author", "organization", "date", "url", "lang", "meta")


def ordered(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with keys in canonical order; unknown keys kept at the end."""
    if is_canonical(record):  # a plain copy is much faster
        return dict(record)
    known = RECORD_FIELDS + GOLD_FIELDS
    out = {k: record[k] for k in known if k in record}
    out.update((k, v) for k, v in record.items() if k not in out)
    return out


def is_canonical(record: Mapping[str, Any]) -> bool:
    """Whether the record's keys are already in canonical order (as the export builds them)."""
    return tuple(record) in _CANONICAL_ORDERS


_CANONICAL_ORDERS = (RECORD_FIELDS, _GOLD_ORDER)


def record_line(record: Mapping[str, Any]) -> bytes:
    """The record as one UTF-8 JSON line with its newline; a dict already in canonical
    order is encoded as it is (the copy ``ordered`` makes is a fifth of the cost)."""
    if not (isinstance(record, dict) and is_canonical(record)):
        record = ordered(record)
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def dumps(obj: Any) -> str:
    """One compact JSON line, UTF-8 kept readable; orjson, as encoding is the export's hot path."""
    return orjson.dumps(obj).decode()


def strip_statement(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record minus the fields its statement line already carries."""
    return {k: v for k, v in ordered(record).items() if k not in STATEMENT_COPIES}


def attach_statement(stance: Mapping[str, Any], statement: Mapping[str, Any]) -> dict:
    """Rebuild a full record from a stripped stance and its statement."""
    full = dict(stance)
    full.update((rk, statement.get(sk)) for rk, sk in STATEMENT_COPIES.items())
    return ordered(full)


def ordered_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Statement fields in documented order, text last but one (before stances)."""
    out = {k: statement[k] for k in STATEMENT_FIELDS if k in statement}
    out.update((k, v) for k, v in statement.items() if k not in out and k != "text")
    out["text"] = statement["text"]
    return out
