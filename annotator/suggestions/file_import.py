"""Predictions from a file: JSONL of canonical stance records plus ``score`` and ``model``.

Each line is a record as annotator/formats/stance_record.schema.json describes it (only
``statement_id``, ``start``, ``end`` and ``label`` are required; ``text``, when given, must
be the statement's text at those offsets; ``target``/``holder`` name registry actors by
``id``), plus ``score`` (0-1) and ``model`` (the model version). All or nothing: the first
problem raises ``Invalid`` naming file, line and field, and the caller's transaction rolls
back. Suggestions are written in batches as the file streams, so memory stays bounded.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Invalid
from annotator.formats import FormatError
from annotator.formats.stance_readers import parse_record
from annotator.models import Project, Recommender, Statement, User
from annotator.suggestions.proposals import Proposal, actor_ids, label_ids, store_suggestions
from annotator.suggestions.recommenders import (
    RecommenderInput,
    create_recommender,
    find_recommender,
    require_lead,
)

BATCH = 1_000


@dataclass
class FileImportReport:
    lines: int = 0
    stored: int = 0
    statements: int = 0
    recommender: str = ""


def import_suggestions(
    session: Session,
    project: Project,
    lines: Iterable[str],
    *,
    file: str,
    recommender_name: str = "import",
    user: User | None = None,
) -> FileImportReport:
    """Store the file's predictions as suggestions of a ``file`` recommender (made if new)."""
    require_lead(session, project, user)
    recommender = _recommender(session, project, recommender_name, user)
    importer = _Importer(session, project, recommender, file)
    try:
        for number, line in enumerate(lines, 1):
            text = line.lstrip("\ufeff") if number == 1 else line
            if text.strip():
                importer.add(number, text)
        importer.flush()
    except FormatError as exc:
        raise Invalid(f"{exc}; nothing was imported.") from None
    except UnicodeDecodeError:
        raise Invalid(f"{file}: not UTF-8 text; nothing was imported.") from None
    report = importer.report
    data = {"file": file, "lines": report.lines, "stored": report.stored}
    record_event(
        session, user, "import", "suggestions", recommender.id, project_id=project.id, data=data
    )
    return report


def _recommender(session, project, name: str, user) -> Recommender:
    found = find_recommender(session, project, name)
    if found is None:
        return create_recommender(session, project, user, RecommenderInput(name=name, kind="file"))
    if found.kind != "file":
        raise Invalid(f"'{name}' is a {found.kind} recommender, not a file one.", field="name")
    return found


class _Importer:
    """Checks each line and writes the suggestions a batch at a time."""

    def __init__(self, session: Session, project: Project, recommender: Recommender, file: str):
        self.session, self.project, self.recommender, self.file = (
            session,
            project,
            recommender,
            file,
        )
        self.labels = label_ids(project)
        self.statements: dict[str, Statement] = {}
        self.pending: dict[tuple[int, str], list[Proposal]] = defaultdict(list)
        self.size = 0
        self.seen: set[int] = set()
        self.report = FileImportReport(recommender=recommender.name)

    def add(self, number: int, text: str) -> None:
        record = self._record(number, text)
        where = {"file": self.file, "line": number}
        statement = self._statement(record["statement_id"], where)
        start, end = record["start"], record["end"]
        if not start < end <= len(statement.text):
            raise FormatError(
                f"span {start}..{end} is not inside the statement text "
                f"({len(statement.text)} code points)",
                field="end",
                **where,
            )
        covered = statement.text[start:end]
        if "text" in record and record["text"] != covered:
            raise FormatError(
                f"text {record['text']!r} differs from the statement's {covered!r}",
                field="text",
                **where,
            )
        if record["label"] not in self.labels:
            raise FormatError(
                f"unknown or retired label {record['label']!r}", field="label", **where
            )
        actors = self._actors(record, where)
        proposal = Proposal(
            start,
            end,
            self.labels[record["label"]],
            float(record["score"]),
            actors.get("target"),
            actors.get("holder"),
        )
        self.pending[(statement.id, record["model"])].append(proposal)
        self.report.lines += 1
        self.size += 1
        self.seen.add(statement.id)
        if self.size >= BATCH:
            self.flush()

    def _record(self, number: int, text: str) -> dict:
        where = {"file": self.file, "line": number}
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(f"invalid JSON: {exc.msg}", **where) from None
        if not isinstance(obj, dict):
            raise FormatError("expected a JSON object", **where)
        parse_record(obj, number, self.file)
        score = obj.get("score")
        if (
            not isinstance(score, int | float)
            or isinstance(score, bool)
            or not (math.isfinite(score) and 0 <= score <= 1)
        ):
            raise FormatError("expected a number from 0 to 1", field="score", **where)
        model = obj.get("model")
        if not isinstance(model, str) or not model.strip() or len(model) > 100:
            raise FormatError(
                "expected the model version, a string of 1-100 characters", field="model", **where
            )
        return obj

    def _statement(self, external_id: str, where: dict) -> Statement:
        statement = self.statements.get(external_id)
        if statement is None:
            statement = self.session.scalar(
                select(Statement).where(
                    Statement.project_id == self.project.id, Statement.external_id == external_id
                )
            )
            if statement is None:
                raise FormatError(
                    f"no statement {external_id!r} in this project", field="statement_id", **where
                )
            if len(self.statements) > 10_000:
                self.statements.clear()
            self.statements[external_id] = statement
        return statement

    def _actors(self, record: dict, where: dict) -> dict[str, int]:
        keys = {role: record[role]["id"] for role in ("target", "holder") if record.get(role)}
        found = actor_ids(self.session, self.project, keys.values())
        for role, key in keys.items():
            if key not in found:
                raise FormatError(f"unknown actor {key!r}", field=f"{role}.id", **where)
        return {role: found[key] for role, key in keys.items()}

    def flush(self) -> None:
        by_id = {s.id: s for s in self.statements.values()}
        for (statement_id, model), proposals in self.pending.items():
            statement = by_id.get(statement_id) or self.session.get(Statement, statement_id)
            self.report.stored += store_suggestions(
                self.session, self.recommender, statement, model, proposals
            )
        self.pending.clear()
        self.size = 0
        self.report.statements = len(self.seen)
