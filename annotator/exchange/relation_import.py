"""Relations read back (``relations`` lines and ``statements-jsonl`` relation lists).

The third pass of ``import_stances``, after statements and stances: each relation's ends
are found among the live stances of its statement and owner, by the stance record ``id``
(``records.stance_id``, recomputed from the stored stances) or, failing that, by span and
label. A live relation with the same ends and type is skipped, so importing a file twice
changes nothing. A problem raises ``FormatError`` at file:line and the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.formats import FormatError
from annotator.formats.records import stance_id
from annotator.models import (
    Actor,
    Label,
    Project,
    Relation,
    RelationType,
    Stance,
    Statement,
    User,
    utcnow,
)

Owner = int | None  # a user id, None for gold


class RelationImporter:
    """Resolves relation records to stances of one statement at a time and inserts them."""

    def __init__(self, session: Session, project: Project, file: str) -> None:
        self.session, self.project, self.file = session, project, file
        self.types = dict(session.execute(
            select(RelationType.key, RelationType.id).where(RelationType.project_id == project.id)
        ).all())  # fmt: skip
        self.labels = dict(session.execute(
            select(Label.id, Label.key).where(Label.project_id == project.id)
        ).all())  # fmt: skip
        self.actors = dict(session.execute(
            select(Actor.id, Actor.key).where(Actor.project_id == project.id)
        ).all())  # fmt: skip
        self.users: dict[str, int | None] = {}
        self.names: dict[int, str] = {}
        self._statement: tuple[str, Statement, dict, set] | None = None
        self.imported = self.skipped = 0

    def fail(self, line: int, field: str, message: str) -> None:
        """Stop the import at this line."""
        raise FormatError(message, file=self.file, line=line, field=field)

    def forget(self) -> None:
        """Read the next statement's stances afresh (more were inserted since)."""
        self._statement = None

    def run(self, items: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        """Import each (line, relation record) in file order."""
        for line, record in items:
            self.relation(line, record)

    def relation(self, line: int, record: Mapping[str, Any]) -> None:
        """Check one relation and insert it unless a live twin exists."""
        statement, index, links = self._load(record["statement_id"], line)
        owner = self._owner(record, line)
        ends = [self._end(index, owner, record[side], line, side) for side in ("from", "to")]
        if ends[0] == ends[1]:
            self.fail(line, "to", "a relation links two different stances")
        type_id = self.types.get(record["type"])
        if type_id is None:
            self.fail(line, "type", f"unknown relation type '{record['type']}' in this project")
        if (ends[0], ends[1], type_id) in links:
            self.skipped += 1
            return
        links.add((ends[0], ends[1], type_id))
        self.session.add(Relation(
            statement_id=statement.id, annotator_id=owner, is_gold=owner is None,
            type_id=type_id, from_stance_id=ends[0], to_stance_id=ends[1],
            note=record.get("note") or "",
            created_at=record_time(record.get("created_at"), self.file, line, "created_at"),
            updated_at=record_time(record.get("updated_at"), self.file, line, "updated_at"),
        ))  # fmt: skip
        self.imported += 1

    def _load(self, external_id: str, line: int) -> tuple[Statement, dict, set]:
        """The statement, its stance index and live links (kept while lines stay on it)."""
        if self._statement is None or self._statement[0] != external_id:
            statement = self.session.scalar(select(Statement).where(
                Statement.project_id == self.project.id, Statement.external_id == external_id
            ))  # fmt: skip
            if statement is None:
                self.fail(
                    line, "statement_id", f"unknown statement '{external_id}' in this project"
                )
            self.session.flush()  # the stances of the second pass
            self._statement = (external_id, statement, *self._index(statement))
        return self._statement[1:]

    def _index(self, statement: Statement) -> tuple[dict, set]:
        """(owner, stance id or span+label) -> stance id; and the live (from, to, type)."""
        rows = self.session.execute(
            select(Stance.id, Stance.is_gold, Stance.annotator_id, Stance.start, Stance.end,
                   Stance.label_id, Stance.target_id, Stance.holder_id)
            .where(Stance.statement_id == statement.id, Stance.deleted_at.is_(None))
            .order_by(Stance.id)
        ).all()  # fmt: skip
        index: dict[tuple, int] = {}
        for sid, gold, user_id, start, end, label_id, target_id, holder_id in rows:
            owner = None if gold else user_id
            label = self.labels[label_id]
            rid = stance_id(statement.external_id, None if gold else self._name(user_id),
                            start, end, label, self.actors.get(target_id),
                            self.actors.get(holder_id))  # fmt: skip
            index.setdefault((owner, "id", rid), sid)
            index.setdefault((owner, "span", start, end, label), sid)
        live = self.session.execute(
            select(Relation.from_stance_id, Relation.to_stance_id, Relation.type_id)
            .where(Relation.statement_id == statement.id, Relation.deleted_at.is_(None))
        )  # fmt: skip
        links = {(source, target, kind) for source, target, kind in live}
        return index, links

    def _name(self, user_id: int) -> str:
        if user_id not in self.names:
            self.names[user_id] = self.session.scalar(
                select(User.username).where(User.id == user_id)
            )
        return self.names[user_id]

    def _owner(self, record: Mapping[str, Any], line: int) -> Owner:
        scope = record.get("scope") or ("annotator" if record.get("annotator") else "gold")
        if scope == "gold":
            return None
        name = record.get("annotator")
        if not name:
            self.fail(line, "annotator", "an annotator's relation needs a username")
        if name not in self.users:
            self.users[name] = self.session.scalar(select(User.id).where(User.username == name))
        if self.users[name] is None:
            self.fail(line, "annotator", f"unknown user '{name}'")
        return self.users[name]

    def _end(self, index: dict, owner: Owner, end: Mapping, line: int, side: str) -> int:
        found = index.get((owner, "id", end.get("id")))
        if found is None and "start" in end:
            found = index.get((owner, "span", end.get("start"), end.get("end"), end.get("label")))
        if found is None:
            where = (
                f"{end.get('start')}..{end.get('end')} {end.get('label')}" if "start" in end else ""
            )
            self.fail(
                line, side, f"no live stance of this owner matches {end.get('id') or where!r}"
            )
        return found


def record_time(value: str | None, file: str, line: int, field: str) -> datetime:
    """A record's ISO 8601 time, aware (naive is read as UTC); now when the record has none.

    The stance and the relation importers read their records' timestamps alike."""
    if value is None:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(
            f"{value!r} is not an ISO 8601 date-time", file=file, line=line, field=field
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
