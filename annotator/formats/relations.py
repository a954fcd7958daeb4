"""``relations``: one JSON line per relation, and the bundle shape every relation format reads.

A relation-aware bundle is a stance bundle with two additions (docs/relations.md):

* each stance record carries ``id``, the stance's id, which relation ends name;
* ``relations``: the statement's relation records, in the order of ``RELATION_FIELDS``:
  ``project``, ``statement_id``, ``id``, ``type``, ``aif`` (RA or CA), ``from`` and ``to``
  (each ``{id, start, end, text, label}`` of a stance), ``annotator``, ``scope`` (gold or
  annotator), ``note``, ``created_at``, ``updated_at``.

Folder formats (brat, AIF) write one document per statement and owner, named by
``document_name``: the statement id for gold, ``<statement id>__<annotator>`` otherwise.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

import orjson

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter
from annotator.formats.records import id_digest

RELATION_FIELDS = (
    "project",
    "statement_id",
    "id",
    "type",
    "aif",
    "from",
    "to",
    "annotator",
    "scope",
    "note",
    "created_at",
    "updated_at",
)
END_FIELDS = ("id", "start", "end", "text", "label")
_TYPE = itemgetter("type")
OWNER_SEPARATOR = "__"  # never inside, at the start or at the end of a safe name
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")  # a run of them, '_' included, becomes one '_'


def relation_id(from_id: str, to_id: str, type_key: str) -> str:
    """A relation record's ``id``: its two ends' stance ids and its type (one live relation
    per (from, to, type), so this names it), stable across exports and imports."""
    return id_digest(f"relation\x1f{from_id}\x1f{to_id}\x1f{type_key}")


def relation_line(record: Mapping[str, Any]) -> bytes:
    """One relation record as a UTF-8 JSON line, keys in canonical order (unknown ones last)."""
    if tuple(record) == RELATION_FIELDS:  # as the export builds them: encoded as they are
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    return orjson.dumps(_canonical(record), option=orjson.OPT_APPEND_NEWLINE)


def relation_lines(records: Iterable[Mapping[str, Any]]) -> bytes:
    """``relation_line`` of each record, joined: one call a statement, not one a record
    (the call and its lookups cost a third of encoding a record)."""
    dumps, newline, fields = orjson.dumps, orjson.OPT_APPEND_NEWLINE, RELATION_FIELDS
    return b"".join([
        dumps(r if tuple(r) == fields else _canonical(r), option=newline) for r in records
    ])  # fmt: skip


def _canonical(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with keys in ``RELATION_FIELDS`` order, its ends' in ``END_FIELDS``
    order, unknown keys last."""
    out = {k: record[k] for k in RELATION_FIELDS if k in record}
    for end in ("from", "to"):
        if isinstance(out.get(end), Mapping):
            ref = out[end]
            out[end] = {k: ref[k] for k in END_FIELDS if k in ref} | dict(ref)
    out.update((k, v) for k, v in record.items() if k not in out)
    return out


def aif_kind(relation: Mapping[str, Any]) -> str:
    """RA (support) or CA (attack): the record's ``aif``; else attacks is CA, the rest RA."""
    return relation.get("aif") or ("CA" if relation.get("type") == "attacks" else "RA")


def owner_of(record: Mapping[str, Any]) -> str | None:
    """The owner of a stance or relation record: None for gold, else the annotator's name."""
    return None if record.get("scope") == "gold" else (record.get("annotator") or "")


def by_owner(
    stances: Iterable[Mapping[str, Any]], relations: Iterable[Mapping[str, Any]]
) -> dict[str | None, tuple[list, list]]:
    """A statement's stances and relations per owner, gold (None) first, then by name."""
    groups: dict[str | None, tuple[list, list]] = defaultdict(lambda: ([], []))
    for stance in stances:
        groups[owner_of(stance)][0].append(stance)
    for relation in relations:
        groups[owner_of(relation)][1].append(relation)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")))


class EndIndex:
    """Finds the stance a relation end names: by ``id``, or, for stance records without an
    id (the canonical stance record has none), by span and label within one owner's work."""

    def __init__(self) -> None:
        self._at: dict[tuple, Any] = {}

    def add(self, stance: Mapping[str, Any], value: Any) -> None:
        """Register a stance; the first of two alike wins."""
        self._at.setdefault(_stance_ref(stance), value)

    def find(self, end: Mapping[str, Any]) -> Any:
        """The value registered for the stance ``end`` names, or None."""
        found = self._at.get(("id", end.get("id")))
        return found if found is not None else self._at.get(_span_ref(end))

    def __getitem__(self, end: Mapping[str, Any]) -> Any:
        found = self.find(end)
        if found is None:
            raise KeyError(f"relation end {end.get('id')!r} is not among the stances")
        return found


def _stance_ref(stance: Mapping[str, Any]) -> tuple:
    return ("id", stance["id"]) if stance.get("id") is not None else _span_ref(stance)


def _span_ref(record: Mapping[str, Any]) -> tuple:
    return "span", record["start"], record["end"], record["label"]


def with_relation_ends(
    stances: Iterable[Mapping[str, Any]], relations: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """One owner's stances, then the relation ends not among them (unsorted: callers order)."""
    stances = list(stances)
    index = EndIndex()
    for stance in stances:
        index.add(stance, True)
    extra: list[Mapping[str, Any]] = []
    for relation in relations:
        for end in (relation["from"], relation["to"]):
            if index.find(end) is None:
                index.add(end, True)
                extra.append(end)
    return [*stances, *extra]


def safe_name(text: str) -> str:
    """A file-name part: letters, digits, '.', '-' and single inner '_'. Any other text is
    cleaned and gets a short hash of the original, so distinct ids stay distinct names."""
    safe = _UNSAFE.sub("_", str(text)).strip("_").lstrip(".")
    if safe == text and safe:
        return safe
    return f"{safe}-{hashlib.sha1(str(text).encode()).hexdigest()[:8]}"


def document_name(statement_id: str, owner: str | None) -> str:
    """The file stem of one statement's work by one owner (gold: the statement alone)."""
    stem = safe_name(statement_id)
    return stem if owner is None else f"{stem}{OWNER_SEPARATOR}{safe_name(owner)}"


def split_document_name(name: str) -> tuple[str, str | None]:
    """(statement id, owner) of a document name; the owner is None for gold."""
    statement, sep, owner = name.partition(OWNER_SEPARATOR)
    return statement, (owner if sep else None)


def iter_relation_bundles(
    bundles: Bundles,
) -> Iterator[tuple[Mapping[str, Any], list[Mapping], list[Mapping]]]:
    """Walk the stream once: each statement with its stances and relations (may be none)."""
    for bundle in bundles:
        yield bundle["statement"], list(bundle["stances"]), list(bundle.get("relations") or ())


def count_relations(counts: Counts, relations: list[Mapping[str, Any]]) -> None:
    """Count a statement's relations as the records of a relation format, by type."""
    counts.statements += 1
    counts.records += len(relations)
    for kind, n in Counter(map(_TYPE, relations)).items():  # counted in C, not per record
        counts.by_label[kind] = counts.by_label.get(kind, 0) + n


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """Every relation of every statement as one JSON line; one chunk per statement."""
    counts = Counts()
    for _statement, _stances, relations in iter_relation_bundles(bundles):
        count_relations(counts, relations)
        counts.rows += len(relations)
        if relations:
            yield relation_lines(relations).decode()
    return counts


EXPORTER = Exporter(
    name="relations",
    kind="stream",
    media_type="application/jsonl",
    extension=".jsonl",
    description="One relation per line (JSON Lines): type, AIF kind and both stance ends.",
    chunks=chunks,
    relations=True,
    stances=False,
    splittable=True,
)
