"""Relations as the export's relation records (``formats.relations``), a batch of statements
at a time, for the export pipeline to put beside each bundle's stances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from annotator.models import Label, Relation, RelationType, Stance

SCOPES = ("gold", "annotators", "all")


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
