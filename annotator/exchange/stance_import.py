"""Read exported stances and relations back (``jsonl``, ``relations``, ``statements-jsonl``):
restore and round trip.

All or nothing: every line is checked and a problem raises ``Invalid`` naming file and
line, so the caller's transaction rolls back. Idempotent: a stance already stored with the
same statement, owner, span, label, target and holder is skipped. See docs/export.md.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.rows import CONTENT, RECORD_VALUES, StanceValues, value_types
from annotator.db.audit import record_event
from annotator.errors import Invalid
from annotator.exchange.relation_import import RelationImporter, record_time
from annotator.formats import FormatError
from annotator.formats.stance_readers import is_bundle, is_relation, read_stance_lines
from annotator.formats.statement_readers import StatementRecord
from annotator.models import Actor, GoldDecision, Label, Project, Stance, Statement, User
from annotator.statements.statements import import_statements

Lines = Callable[[], Iterable[str]]


@dataclass
class StanceImportReport:
    """What an import did."""

    annotator: int = 0
    gold: int = 0
    skipped: int = 0
    statements: int = 0
    relations: int = 0
    relations_skipped: int = 0


def import_stances(
    session: Session, project: Project, lines: Lines, *, file: str, user: User | None = None
) -> StanceImportReport:
    """Import a file in two passes (statements, then stances) inside the caller's transaction.

    ``lines`` opens the file afresh on each call, so neither pass holds it in memory.
    """
    report = StanceImportReport()
    try:
        report.statements = _create_statements(session, project, lines(), file, user)
        importer = StanceImporter(session, project, file, user, report)
        for _key, group in groupby(_records(lines(), file), key=lambda pair: pair[0]):
            importer.statement_group([record for _key, record in group])
        linker = RelationImporter(session, project, file)
        linker.run(_relations(lines(), file))
        report.relations, report.relations_skipped = linker.imported, linker.skipped
    except FormatError as exc:
        raise Invalid(str(exc)) from None
    except UnicodeDecodeError:
        raise Invalid(f"{file}: not UTF-8 text; nothing was imported.") from None
    if report.annotator or report.gold or report.statements or report.relations:
        data = {"annotator": report.annotator, "gold": report.gold, "file": file}
        data["relations"] = report.relations
        record_event(session, user, "import", "stances", None, project_id=project.id, data=data)
    return report


def _records(lines: Iterable[str], file: str) -> Iterator[tuple[tuple, dict]]:
    """(group key, record): a bundle's stances form one group, as do consecutive records
    of one statement."""
    for number, item in read_stance_lines(lines, file=file):
        if is_bundle(item):
            for record in item["stances"]:
                yield ("line", number), record | {"_line": number}
        elif not is_relation(item):
            yield ("statement", item["statement_id"]), item | {"_line": number}


def _relations(lines: Iterable[str], file: str) -> Iterator[tuple[int, dict]]:
    """(line, relation record): ``relations`` lines and statement lines' relation lists."""
    for number, item in read_stance_lines(lines, file=file):
        if is_bundle(item):
            for record in item["relations"]:
                yield number, record
        elif is_relation(item):
            yield number, item


def _create_statements(session, project, lines, file: str, user) -> int:
    """Statements of ``statements-jsonl`` lines that the project lacks are created first."""
    rows = (
        _statement_row(item["statement"], number, file)
        for number, item in read_stance_lines(lines, file=file)
        if is_bundle(item)
    )
    return import_statements(session, project, rows, user=user).imported


def _statement_row(statement: Mapping[str, Any], number: int, file: str) -> StatementRecord:
    fields = ("title", "author", "organization", "date", "url", "lang")
    return StatementRecord(
        external_id=statement["id"],
        text=statement["text"],
        meta=statement.get("meta") or {},
        file=file,
        line=number,
        **{k: statement.get(k) for k in fields},
    )


class StanceImporter:
    """Resolves keys to rows (small dicts cached) and inserts one statement's stances at a time."""

    def __init__(self, session, project, file, user, report) -> None:
        self.session, self.project, self.file = session, project, file
        self.user, self.report = user, report
        labels = select(Label.key, Label.id, Label.requires_target)
        rows = session.execute(labels.where(Label.project_id == project.id)).all()
        self.labels = {key: label_id for key, label_id, _ in rows}
        self.need_target = {label_id for _, label_id, needs in rows if needs}
        actors = select(Actor.key, Actor.id, Actor.merged_into_id, Actor.status)
        rows = session.execute(actors.where(Actor.project_id == project.id)).all()
        self.actors = {key: (i, merged, status) for key, i, merged, status in rows}
        self.actor_keys = {i: key for key, i, _m, _s in rows}
        self.users: dict[str, int | None] = {}

    def fail(self, line: int, field: str, message: str) -> None:
        """Stop the import at this line; the caller's transaction rolls back."""
        raise FormatError(message, file=self.file, line=line, field=field)

    def statement_group(self, records: list[dict]) -> None:
        """Insert one statement's new stances: annotators' first, then gold linked to them."""
        statement = self._statement(records[0]["statement_id"], records[0]["_line"])
        existing = self._existing_keys(statement.id)
        rows = [self._row(statement, record) for record in records]
        for gold in (False, True):
            for record, row in zip(records, rows, strict=True):
                if row["is_gold"] == gold:
                    self._insert(statement, record, row, existing)

    def _statement(self, external_id: str, line: int) -> Statement:
        statement = self.session.scalar(
            select(Statement).where(
                Statement.project_id == self.project.id, Statement.external_id == external_id
            )
        )
        if statement is None:
            self.fail(line, "statement_id", f"unknown statement '{external_id}' in this project")
        return statement

    def _existing_keys(self, statement_id: int) -> set[tuple]:
        query = select(*_KEY_COLUMNS).where(
            Stance.statement_id == statement_id, Stance.deleted_at.is_(None)
        )
        return {tuple(row) for row in self.session.execute(query)}

    def _row(self, statement: Statement, record: Mapping[str, Any]) -> dict[str, Any]:
        """Check one record against the project and the statement text; the stance's columns."""
        line, start, end = record["_line"], record["start"], record["end"]
        if not 0 <= start < end <= len(statement.text):
            self.fail(line, "end", f"span {start}..{end} does not fit the statement text "
                      f"({len(statement.text)} code points)")  # fmt: skip
        covered = statement.text[start:end]
        if "text" in record and record["text"] != covered:
            self.fail(line, "text", f"text {record['text']!r} differs from the statement's "
                      f"{covered!r} at {start}..{end}")  # fmt: skip
        gold = self._is_gold(record)
        label_id = self._label(record["label"], line)
        target_id = self._actor(record.get("target"), line, "target")
        if target_id is None and label_id in self.need_target:
            self.fail(line, "target", f"label '{record['label']}' needs a target actor")
        holder_id = self._actor(record.get("holder"), line, "holder")
        return {
            "statement_id": statement.id,
            "is_gold": gold,
            "annotator_id": None if gold else self._user(record["annotator"], line, "annotator"),
            "start": start,
            "end": end,
            "text": covered,
            "label_id": label_id,
            "target_id": target_id,
            # as when annotating: no holder given means the statement's issuing organisation
            "holder_id": holder_id if holder_id is not None else statement.organization_actor_id,
            **{name: self._value(record, name, line) for name in RECORD_VALUES},
            "created_at": record_time(record.get("created_at"), self.file, line, "created_at"),
            "updated_at": record_time(record.get("updated_at"), self.file, line, "updated_at"),
        }

    def _value(self, record: Mapping[str, Any], name: str, line: int) -> Any:
        """One of the stance's own values, checked against its declared type; missing or
        null is the value a new stance gets."""
        value = record.get(name)
        if value is None:
            return _DEFAULTS.get(name)
        allowed = _ALLOWED[name]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            words = " or ".join(t.__name__ for t in allowed)
            self.fail(line, name, f"expected {words} or null, got {type(value).__name__}")
        return value

    def _is_gold(self, record: Mapping[str, Any]) -> bool:
        scope = record.get("scope") or ("annotator" if record.get("annotator") else "gold")
        if scope == "annotator" and not record.get("annotator"):
            self.fail(record["_line"], "annotator", "an annotator record needs a username")
        return scope == "gold"

    def _user(self, username: str, line: int, field: str) -> int | None:
        if username not in self.users:
            query = select(User.id).where(User.username == username)
            self.users[username] = self.session.scalar(query)
        if self.users[username] is None and field == "annotator":
            self.fail(line, field, f"unknown user '{username}'")
        return self.users[username]

    def _label(self, key: str, line: int) -> int:
        if key not in self.labels:
            self.fail(line, "label", f"unknown label '{key}' in this project")
        return self.labels[key]

    def _actor(self, ref: Mapping[str, Any] | None, line: int, field: str) -> int | None:
        """An actor by key (merged ones lead to their survivor).

        Rejected actors are accepted: exported stances may still point at them, and a round
        trip must bring those stances back.
        """
        if ref is None:
            return None
        key = ref["id"]
        while key in self.actors and self.actors[key][1] is not None:
            key = self.actor_keys[self.actors[key][1]]
        if key not in self.actors:
            self.fail(line, f"{field}.id", f"unknown actor '{ref['id']}' in this project")
        return self.actors[key][0]

    def _insert(self, statement, record: Mapping, row: dict, existing: set[tuple]) -> None:
        key = tuple(row[c.key] for c in _KEY_COLUMNS)
        if key in existing:
            self.report.skipped += 1
            return
        existing.add(key)
        stance = Stance(**row)
        self.session.add(stance)
        self.session.flush()
        if row["is_gold"]:
            self.report.gold += 1
            self._decision(stance, record.get("source_annotators") or [])
        else:
            self.report.annotator += 1

    def _decision(self, gold: Stance, usernames: list[str]) -> None:
        """Link the gold stance to the named annotators' matching stances, as review would."""
        sources = [s for name in usernames if (s := self._source(gold, name)) is not None]
        self.session.add(
            GoldDecision(
                statement_id=gold.statement_id,
                reviewer_id=self.user.id if self.user else None,
                gold_stance_id=gold.id,
                decision="accept" if sources else "add",
                source_stance_ids=sources,
                reason=f"imported from {self.file}",
            )
        )

    def _source(self, gold: Stance, username: str) -> int | None:
        """The user's stance agreeing best with the gold one: same span, label, target first."""
        user_id = self._user(username, 0, "source_annotators")
        if user_id is None:
            return None
        candidates = self.session.execute(
            select(Stance.id, Stance.start, Stance.end, Stance.label_id, Stance.target_id)
            .where(Stance.statement_id == gold.statement_id, Stance.annotator_id == user_id)
            .where(Stance.deleted_at.is_(None), Stance.start < gold.end, Stance.end > gold.start)
            .order_by(Stance.id)
        ).all()
        exact = (gold.start, gold.end, gold.label_id, gold.target_id)
        same_span = [c for c in candidates if (c.start, c.end) == exact[:2]]
        best = [c for c in same_span if tuple(c[1:]) == exact] or same_span or candidates
        return best[0].id if best else None


# What makes a stored stance the same as an imported one: the owner and the content.
_KEY_COLUMNS = tuple(getattr(Stance, name) for name in ("is_gold", "annotator_id", *CONTENT))
# The declared types of the stance's own values (``int | None`` allows int), and what a
# record without one gets: the annotators' default, else null.
_ALLOWED = {
    name: tuple(t for t in typing.get_args(hint) or (hint,) if t is not type(None))
    for name, hint in value_types().items()
}
_DEFAULTS = {f.name: f.default for f in fields(StanceValues)}
