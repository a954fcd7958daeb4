"""The canonical stance record: field order and its one-line JSON form.

The record is the unit of the ``jsonl`` and ``hf`` formats and the shape every other
writer starts from. Its JSON Schema ships as ``stance_record.schema.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from annotator.formats import FormatOption

# The record's frame: where the stance is, what it says, about whom, and whose it is.
HEAD_FIELDS = (
    "project",
    "statement_id",
    "id",
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
)
# Then the stance's own values (``ExportContext.stance_values``: note, guidelines_version,
# and any field the stance row declares), then the times, then gold's two fields.
TIME_FIELDS = ("created_at", "updated_at")
GOLD_FIELDS = ("votes", "source_annotators")
TAIL_FIELDS = TIME_FIELDS + GOLD_FIELDS
ACTOR_REF_FIELDS = ("id", "name", "type", "wikidata")

# Record field -> statement field it repeats; dropped inside statements-jsonl lines.
STATEMENT_COPIES = {
    "statement_id": "id",
    "statement_title": "title",
    "statement_date": "date",
    "organization": "organization",
}
STATEMENT_FIELDS = ("id", "title", "author", "organization", "date", "url", "lang", "meta")

# jsonl and hf: each record may carry its statement's whole text, so offsets can be checked
# (text[start:end] == record["text"]) without a second download. Off by default: it
# repeats the text on every stance of a statement.
STATEMENT_TEXT = FormatOption(
    "statement_text",
    "Statement text in every record (jsonl, hf): true or false",
    {"false": False, "true": True},
    "false",
)


def with_statement_text(stances: list, statement: Mapping[str, Any]) -> list:
    """The records with ``statement_text`` added after the stance's own values."""
    return [ordered({**record, "statement_text": statement["text"]}) for record in stances]


def content_id(*parts: object) -> str:
    """A stable id from content: 16 hex digits of BLAKE2b over the parts.

    Stance and relation ids are derived, not stored, so the same work gets the same id in
    every export and after an export is imported into another project or installation;
    editing what makes a stance that stance (span, label, target, holder) gives a new id.
    """
    return id_digest("\x1f".join("" if p is None else str(p) for p in parts))


_ID_HASHER = hashlib.blake2b(digest_size=8)  # never updated: every id hashes a copy


def id_digest(text: str) -> str:
    """The hash of every content id: 16 hex digits of BLAKE2b with an 8-byte digest.

    A copy of one empty hasher, not a new ``blake2b(..., digest_size=8)``: the constructor's
    keyword parsing is a sixth of an id's cost, and exports hash two or three ids a record.
    """
    digest = _ID_HASHER.copy()
    digest.update(text.encode())
    return digest.hexdigest()


def stance_id(
    statement_id: str, annotator: str | None, start: int, end: int, label: str,
    target: str | None, holder: str | None,
) -> str:  # fmt: skip
    """A stance record's ``id``: its statement, owner (None for gold) and content
    (``rows.CONTENT``: span, label, target key, holder key)."""
    prefix = stance_id_prefix(statement_id, annotator)
    return prefixed_stance_id(prefix, start, end, label, target, holder)


def stance_id_prefix(statement_id: str, annotator: str | None) -> str:
    """The start of ``stance_id``'s text: the statement and the owner (None for gold), the
    same for all of one owner's stances of a statement, so a caller naming many (the
    relations export) builds it once per owner."""
    owner = "" if annotator is None else "@" + annotator
    return f"stance\x1f{statement_id}\x1f{owner}\x1f"


def prefixed_stance_id(
    prefix: str, start: int, end: int, label: str, target: str | None, holder: str | None
) -> str:
    """``stance_id`` after its ``stance_id_prefix``: the one place that builds the rest of
    a stance id's text (its content) and hashes it. The ids are a stability contract: the
    same text for the same stance in every release (tests/test_relation_export_records.py)."""
    return id_digest(f"{prefix}{start}\x1f{end}\x1f{label}\x1f{target or ''}\x1f{holder or ''}")


def record_stance_id(record: Mapping[str, Any]) -> str:
    """``stance_id`` of a full record (an importer's way to find the stance an id names)."""
    target, holder = record.get("target"), record.get("holder")
    annotator = None if record.get("scope") == "gold" else record.get("annotator")
    return stance_id(
        record["statement_id"], annotator, record["start"], record["end"], record["label"],
        target["id"] if target else None, holder["id"] if holder else None,
    )  # fmt: skip


def unique_ids(records: list[dict[str, Any]]) -> None:
    """Give the second and later of alike stances (same owner and content, which the tool
    does not create but an old database may hold) ``<id>-2``, ``<id>-3``… in record order."""
    seen: dict[str, int] = {}
    for record in records:
        n = seen.get(record["id"], 0) + 1
        seen[record["id"]] = n
        if n > 1:
            record["id"] = f"{record['id']}-{n}"


def record_fields(stance_values: tuple[str, ...]) -> tuple[str, ...]:
    """The fields of an annotator's record in canonical order (gold adds ``GOLD_FIELDS``)."""
    return (*HEAD_FIELDS, *stance_values, *TIME_FIELDS)


def ordered(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with keys in canonical order: the frame, then any other key (the stance's
    own values) as given, then the times and gold's fields."""
    if is_canonical(record):  # a plain copy is much faster
        return dict(record)
    out = {k: record[k] for k in _canonical_keys(record)}
    _remember(tuple(out))
    return out


def is_canonical(record: Mapping[str, Any]) -> bool:
    """Whether the record's keys are in canonical order; the orders seen are remembered, as
    an export's records share one or two."""
    keys = tuple(record)
    if keys in _CANONICAL_ORDERS:
        return True
    if _canonical_keys(record) != keys:
        return False
    _remember(keys)
    return True


def _canonical_keys(record: Mapping[str, Any]) -> tuple[str, ...]:
    middle = [k for k in record if k not in _HEAD and k not in _TAIL]
    head = [k for k in HEAD_FIELDS if k in record]
    return (*head, *middle, *(k for k in TAIL_FIELDS if k in record))


_HEAD, _TAIL = frozenset(HEAD_FIELDS), frozenset(TAIL_FIELDS)
# The last canonical key orders seen, newest first: a tuple, as ``in`` then compares keys by
# identity without hashing 20 of them (a set costs 15 % more per record on the jsonl path).
_CANONICAL_ORDERS: tuple[tuple[str, ...], ...] = ()


def _remember(keys: tuple[str, ...]) -> None:
    global _CANONICAL_ORDERS
    _CANONICAL_ORDERS = (keys, *_CANONICAL_ORDERS[:7])


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
