"""Suggestions as JSON Lines: what ``annotator export --scope suggestions`` writes.

Only on request: suggestions are nobody's work, so no dataset export carries them. Each
line is the canonical stance record's frame (project, statement, span, label, actors by
registry reference) plus ``score``, ``model`` (the model version), ``recommender`` and
``kind``, and ``suggestion_id``; ``annotator suggest import`` reads such a file back.
Streamed by keyset pagination on the suggestion id with one joined query per batch, so
memory stays bounded whatever the number of suggestions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from annotator.formats.records import record_line
from annotator.models import Actor, Label, Project, Recommender, Statement, Suggestion

BATCH = 1_000
_TARGET, _HOLDER = aliased(Actor, name="target"), aliased(Actor, name="holder")
_ACTOR = ("key", "name", "type", "wikidata")
_COLUMNS = (
    Suggestion.id,
    Statement.external_id,
    Statement.title,
    Statement.date,
    Statement.organization,
    Suggestion.start,
    Suggestion.end,
    Suggestion.text,
    Label.key,
    Label.polarity,
    *(getattr(_TARGET, c) for c in _ACTOR),
    *(getattr(_HOLDER, c) for c in _ACTOR),
    Suggestion.score,
    Suggestion.model_version,
    Recommender.name,
    Recommender.kind,
)


def iter_suggestion_records(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Every stored suggestion of the project as a record, by suggestion id."""
    last = 0
    while True:
        rows = session.execute(_query(project.id, last)).all()
        if not rows:
            return
        for row in rows:
            yield _record(project.slug, row)
        last = rows[-1][0]


def suggestion_lines(session: Session, project: Project) -> Iterator[bytes]:
    """The export's bytes, one JSON line a suggestion: what the CLI writes to its file and
    the download page and the API stream, so all three give the same bytes."""
    return (record_line(record) for record in iter_suggestion_records(session, project))


def _query(project_id: int, after: int):
    return (
        select(*_COLUMNS)
        .join(Recommender, Recommender.id == Suggestion.recommender_id)
        .join(Statement, Statement.id == Suggestion.statement_id)
        .join(Label, Label.id == Suggestion.label_id)
        .outerjoin(_TARGET, _TARGET.id == Suggestion.target_id)
        .outerjoin(_HOLDER, _HOLDER.id == Suggestion.holder_id)
        .where(Recommender.project_id == project_id, Suggestion.id > after)
        .order_by(Suggestion.id)
        .limit(BATCH)
    )


def _actor(values) -> dict[str, Any] | None:
    key, name, type_, wikidata = values
    return None if key is None else {"id": key, "name": name, "type": type_, "wikidata": wikidata}


def _record(slug: str, row) -> dict[str, Any]:
    sid, external_id, title, date, organization, start, end, text, label, polarity = row[:10]
    score, model, recommender, kind = row[18:]
    return {
        "project": slug,
        "statement_id": external_id,
        "statement_title": title,
        "statement_date": date,
        "organization": organization,
        "start": start,
        "end": end,
        "text": text,
        "label": label,
        "polarity": polarity,
        "target": _actor(row[10:14]),
        "holder": _actor(row[14:18]),
        "score": score,
        "model": model,
        "recommender": recommender,
        "kind": kind,
        "suggestion_id": sid,
    }
