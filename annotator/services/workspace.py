"""Everything the statement page shows, loaded in a handful of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import layout, mentions
from ..models import Actor, ActorAlias, Assignment, Label, Project, Stance, Statement, User
from .projects import list_labels
from .queue import Queue, list_queue
from .stances import list_stances

_PATTERNS: dict[tuple, tuple] = {}  # derived from immutable data, keyed by a registry fingerprint
_MENTIONS: dict[tuple, list] = {}


@dataclass
class StatementView:
    project: Project
    statement: Statement
    assignment: Assignment | None
    labels: list[Label]
    stances: list[Stance]
    paragraphs: list[layout.Paragraph]
    actor_names: dict[str, str] = field(default_factory=dict)
    queue: Queue | None = None


def stance_marks(stances: list[Stance]) -> list[layout.Mark]:
    """Layout marks for stances, coloured by label key."""
    return [layout.Mark(s.start, s.end, "stance", str(s.id), s.label.key) for s in stances]


def statement_mentions(session: Session, statement: Statement) -> list[mentions.Mention]:
    """Alias mentions in a statement, cached until the project's registry changes."""
    fingerprint = session.execute(
        select(func.count(ActorAlias.id), func.max(ActorAlias.id), func.max(Actor.id))
        .select_from(Actor)
        .join(ActorAlias, isouter=True)
        .where(
            Actor.project_id == statement.project_id,
            Actor.merged_into_id.is_(None),
            Actor.status != "rejected",
        )
    ).one()
    key = (statement.project_id, tuple(fingerprint))
    if key not in _PATTERNS:
        _bound(_PATTERNS, 64)
        _PATTERNS[key] = mentions.compile_aliases(_registry_aliases(session, statement.project_id))
    mkey = (key, statement.id, statement.text_sha256)
    if mkey not in _MENTIONS:
        _bound(_MENTIONS, 1024)
        _MENTIONS[mkey] = mentions.find_mentions(statement.text, *_PATTERNS[key])
    return _MENTIONS[mkey]


def _bound(cache: dict, size: int) -> None:
    """Keep a per-process cache small; it only saves recomputation, never holds state."""
    if len(cache) >= size:
        cache.clear()


def _registry_aliases(session: Session, project_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Actor.key, ActorAlias.alias)
        .join(ActorAlias)
        .where(
            Actor.project_id == project_id,
            Actor.merged_into_id.is_(None),
            Actor.status == "approved",
        )
    )
    return [(k, a) for k, a in rows]


def mention_marks(found: list[mentions.Mention]) -> list[layout.Mark]:
    return [layout.Mark(m.start, m.end, "mention", m.actor, m.alias) for m in found]


def load_statement_view(
    session: Session, project: Project, statement: Statement, user: User
) -> StatementView:
    """The statement page's data: own stances only (blind annotation), layout, labels, queue."""
    stances = list_stances(session, statement, user)
    found = statement_mentions(session, statement)
    marks = stance_marks(stances) + mention_marks(found)
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.statement_id == statement.id,
            Assignment.annotator_id == user.id,
            Assignment.active,
        )
    )
    return StatementView(
        project=project,
        statement=statement,
        assignment=assignment,
        labels=list_labels(session, project),
        stances=stances,
        paragraphs=layout.layout(statement.text, marks),
        actor_names=mention_names(session, project.id, found),
        queue=list_queue(session, project, user),
    )


def mention_names(session: Session, project_id: int, found) -> dict[str, str]:
    """Display names of the actors mentioned, keyed by actor key."""
    keys = {m.actor for m in found}
    if not keys:
        return {}
    rows = session.execute(
        select(Actor.key, Actor.name).where(Actor.key.in_(keys), Actor.project_id == project_id)
    )
    return dict(rows.all())


def render_paragraphs(
    session: Session, statement: Statement, stances: list[Stance], spans: list[tuple[int, int]]
) -> tuple[list[layout.Paragraph], dict[str, str]]:
    """Only the paragraphs a change touched (and mention names), for out-of-band swaps."""
    touched = layout.paragraphs_touching(statement.text, spans)
    found = statement_mentions(session, statement)
    marks = stance_marks(stances) + mention_marks(found)
    names = mention_names(session, statement.project_id, found)
    return layout.layout(statement.text, marks, only=touched), names
