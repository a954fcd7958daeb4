"""Relations as the export's relation records (``formats.relations``), a batch of statements
at a time, for the export pipeline to put beside each bundle's stances.

The export reads a batch's relations with ``batch_query`` (no joins but the type: the ends
are the batch's stance records, which the export has already built) and turns them into
records with ``link_records``. ``relation_records`` reads a few statements on its own (its
ends from a join, ids the database's), for tools and tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from annotator.formats.relations import relation_id
from annotator.models import Label, Relation, RelationType, Stance, Statement

SCOPES = ("gold", "annotators", "all")
END_KEYS = ("id", "start", "end", "text", "label")


def batch_query(span: tuple[int, int, int], scope: str):
    """Live relations of a batch of statements (project id, first and last statement id), as
    (statement id, is_gold, type key, aif, from stance id, to stance id, annotator id, note,
    created_at, updated_at)."""
    project_id, first, last = span
    query = (
        select(Relation.statement_id, Relation.is_gold, RelationType.key, RelationType.aif,
               Relation.from_stance_id, Relation.to_stance_id, Relation.annotator_id,
               Relation.note, Relation.created_at, Relation.updated_at)
        .join(RelationType, RelationType.id == Relation.type_id)
        .join(Statement, Statement.id == Relation.statement_id)
        .where(Statement.project_id == project_id, Statement.id.between(first, last))
        .where(Relation.deleted_at.is_(None))
    )  # fmt: skip
    if scope != "all":
        query = query.where(Relation.is_gold.is_(scope == "gold"))
    return query


def link_records(
    rows: Sequence[tuple],
    head: tuple[str, str],
    stances: dict[int, dict[str, Any]],
    name: Callable[[int], str],
    iso: Callable[[Any], str | None],
) -> list[dict[str, Any]]:
    """One statement's relation records from ``batch_query`` rows, in the order of
    ``formats.relations.RELATION_FIELDS``; ``head`` is (project slug, statement id),
    ``stances`` its in-scope live stance records by database id (a relation with an end
    not among them, a deleted or out-of-scope stance, is left out), ``iso`` the export's
    time format. Ordered like the stances: annotators by name, gold last, then by span."""
    keyed = []
    for _st, gold, kind, aif, source, target, user_id, note, created, updated in rows:
        ends = stances.get(source), stances.get(target)
        if ends[0] is None or ends[1] is None:
            continue
        a, b = (end if len(end) == 5 else {k: end[k] for k in END_KEYS} for end in ends)
        annotator = None if gold else name(user_id)
        created_at = iso(created)
        record = {
            "project": head[0], "statement_id": head[1],
            "id": relation_id(a["id"], b["id"], kind), "type": kind, "aif": aif,
            "from": a, "to": b, "annotator": annotator,
            "scope": "gold" if gold else "annotator", "note": note, "created_at": created_at,
            "updated_at": created_at if updated == created else iso(updated),
        }  # fmt: skip
        key = (bool(gold), annotator or "", a["start"], a["end"], b["start"], b["end"], kind,
               record["id"])  # fmt: skip
        keyed.append((key, record))
    keyed.sort(key=lambda pair: pair[0])
    return [record for _key, record in keyed]


class StatementRow(Protocol):
    """What the export already holds of each statement of its batch."""

    id: int
    external_id: str
    text: str


def relation_records(
    session: Session,
    project_slug: str,
    statements: Sequence[StatementRow],
    scope: str,
    name: Callable[[int], str],
) -> dict[int, list[dict[str, Any]]]:
    """Statement id -> its live relations in ``scope`` (gold, annotators, all) as records.

    ``name`` gives an annotator's name from the user id (the export's pseudonyms). Records
    are ordered like the stances: annotators by name, gold last, then by the ends' spans.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    by_id = {row.id: row for row in statements}
    grouped: dict[int, list[tuple[tuple, dict]]] = defaultdict(list)
    for row in session.execute(_query(list(by_id), scope)):
        statement = by_id[row.statement_id]
        record = _record(project_slug, statement, row, name)
        key = (row.is_gold, record["annotator"] or "", record["from"]["start"],
               record["from"]["end"], record["to"]["start"], record["to"]["end"],
               record["type"], row.id)  # fmt: skip
        grouped[row.statement_id].append((key, record))
    return {st: [record for _, record in sorted(rows)] for st, rows in grouped.items()}


_FROM, _TO = aliased(Stance), aliased(Stance)
_FROM_LABEL, _TO_LABEL = aliased(Label), aliased(Label)


def _query(statement_ids: list[int], scope: str):
    query = (
        select(
            Relation.id,
            Relation.statement_id,
            Relation.is_gold,
            Relation.annotator_id,
            Relation.note,
            Relation.created_at,
            Relation.updated_at,
            RelationType.key.label("type"),
            RelationType.aif,
            _FROM.id.label("from_id"),
            _FROM.start.label("from_start"),
            _FROM.end.label("from_end"),
            _FROM_LABEL.key.label("from_label"),
            _TO.id.label("to_id"),
            _TO.start.label("to_start"),
            _TO.end.label("to_end"),
            _TO_LABEL.key.label("to_label"),
        )  # fmt: skip
        .join(RelationType, RelationType.id == Relation.type_id)
        .join(_FROM, _FROM.id == Relation.from_stance_id)
        .join(_TO, _TO.id == Relation.to_stance_id)
        .join(_FROM_LABEL, _FROM_LABEL.id == _FROM.label_id)
        .join(_TO_LABEL, _TO_LABEL.id == _TO.label_id)
        .where(Relation.statement_id.in_(statement_ids), Relation.deleted_at.is_(None))
        .where(_FROM.deleted_at.is_(None), _TO.deleted_at.is_(None))
    )
    if scope != "all":
        query = query.where(Relation.is_gold.is_(scope == "gold"))
    return query


def _record(project_slug: str, statement: StatementRow, row, name) -> dict[str, Any]:
    text = statement.text

    def end(side: str) -> dict[str, Any]:
        start, stop = getattr(row, f"{side}_start"), getattr(row, f"{side}_end")
        return {"id": getattr(row, f"{side}_id"), "start": start, "end": stop,
                "text": text[start:stop], "label": getattr(row, f"{side}_label")}  # fmt: skip

    return {
        "project": project_slug,
        "statement_id": statement.external_id,
        "id": row.id,
        "type": row.type,
        "aif": row.aif,
        "from": end("from"),
        "to": end("to"),
        "annotator": None if row.is_gold else name(row.annotator_id),
        "scope": "gold" if row.is_gold else "annotator",
        "note": row.note,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    """UTC ISO 8601, as the stance records write their times."""
    return value.astimezone(UTC).isoformat() if value is not None else None
