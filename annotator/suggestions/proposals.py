"""Storing what recommenders propose: new suggestions in, stale versions out.

Every recommender (span memory, classifier, external model, file) ends here, with proposals
already resolved to label and actor ids. Storing is idempotent (the unique key of a
suggestion, ON CONFLICT DO NOTHING on SQLite and PostgreSQL) and marks the run, so a
version is not run twice on a statement. Decided suggestions are never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from annotator.models import (
    Actor,
    Project,
    Recommender,
    Statement,
    Suggestion,
    SuggestionDecision,
    SuggestionRun,
    utcnow,
)


@dataclass(frozen=True)
class Proposal:
    """What a recommender proposes on one statement, already resolved to ids."""

    start: int
    end: int
    label_id: int
    score: float
    target_id: int | None = None
    holder_id: int | None = None


def _insert(session: Session):
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (SQLite and PostgreSQL)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def store_suggestions(
    session: Session,
    recommender: Recommender,
    statement: Statement,
    model_version: str,
    proposals: Iterable[Proposal],
    *,
    dropped: int = 0,
    replace_stale: bool = False,
) -> int:
    """Insert new proposals (ones already stored stay as they are) and mark the run.

    ``replace_stale`` deletes the recommender's undecided suggestions of other versions on
    this statement first (an external model answered anew). Returns how many were new.
    """
    rows: dict[tuple, dict] = {}
    for p in proposals:
        key = (p.start, p.end, p.label_id)
        if key not in rows or rows[key]["score"] < p.score:
            rows[key] = _row(recommender, statement, model_version, p)
    if replace_stale:
        session.execute(
            _undecided(delete(Suggestion)).where(
                Suggestion.recommender_id == recommender.id,
                Suggestion.statement_id == statement.id,
                Suggestion.model_version != model_version,
            )
        )
    insert = _insert(session)
    stored = 0
    if rows:
        statement_ = insert(Suggestion).on_conflict_do_nothing().returning(Suggestion.id)
        stored = len(session.execute(statement_, list(rows.values())).all())
    run = {
        "recommender_id": recommender.id,
        "statement_id": statement.id,
        "model_version": model_version,
        "stored": stored,
        "dropped": dropped,
        "created_at": utcnow(),
    }
    session.execute(insert(SuggestionRun).on_conflict_do_nothing(), [run])
    return stored


def _row(recommender, statement, model_version: str, p: Proposal) -> dict:
    return {
        "recommender_id": recommender.id,
        "statement_id": statement.id,
        "start": p.start,
        "end": p.end,
        "text": statement.text[p.start : p.end],
        "label_id": p.label_id,
        "target_id": p.target_id,
        "holder_id": p.holder_id,
        "score": round(min(max(float(p.score), 0.0), 1.0), 6),
        "model_version": model_version[:100],
        "created_at": utcnow(),
    }


def _undecided(statement):
    """Restrict a statement on suggestions to those nobody decided (decided ones are kept)."""
    return statement.where(~exists().where(SuggestionDecision.suggestion_id == Suggestion.id))


def retire_versions(session: Session, recommender: Recommender, keep: str) -> None:
    """Delete the undecided suggestions of every other version once ``keep`` is active."""
    session.execute(
        _undecided(delete(Suggestion)).where(
            Suggestion.recommender_id == recommender.id, Suggestion.model_version != keep
        )
    )
    session.execute(
        delete(SuggestionRun).where(
            SuggestionRun.recommender_id == recommender.id, SuggestionRun.model_version != keep
        )
    )


def actor_ids(session: Session, project: Project, keys: Iterable[str | None]) -> dict[str, int]:
    """Registry key -> id of usable actors (a merged one gives its survivor; rejected none)."""
    wanted = {k for k in keys if k}
    if not wanted:
        return {}
    actors = session.scalars(
        select(Actor).where(Actor.project_id == project.id, Actor.key.in_(wanted))
    ).all()
    found = {}
    for actor in actors:
        survivor = actor
        while survivor is not None and survivor.merged_into_id is not None:
            survivor = session.get(Actor, survivor.merged_into_id)
        if survivor is not None and survivor.status != "rejected":
            found[actor.key] = survivor.id
    return found


def label_ids(project: Project) -> dict[str, int]:
    """Active label key -> id (a retired label is never proposed)."""
    return {label.key: label.id for label in project.labels if not label.retired}
