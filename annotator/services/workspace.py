"""Everything the statement page shows, loaded in a handful of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from .. import layout, mentions
from ..models import Actor, ActorAlias, Assignment, Label, Project, Stance, Statement, User
from .projects import list_labels
from .queue import Progress, queue_progress
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
    progress: Progress | None = None


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
        progress=queue_progress(session, project, user),
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
    session: Session, statement: Statement, user: User, spans: list[tuple[int, int]]
) -> tuple[list[layout.Paragraph], list[Stance], dict[str, str]]:
    """Only the paragraphs a change touched, for out-of-band swaps after a save.

    Loads just the user's stances that overlap those paragraphs, so a save costs the same on
    a statement with 5 stances as on one with 500.
    """
    touched = layout.paragraphs_touching(statement.text, spans)
    bounds = layout.paragraph_bounds(statement.text)
    lo, hi = bounds[touched[0]][0], bounds[touched[-1]][2]
    stances = list_stances(session, statement, user, within=(lo, max(hi, lo + 1)))
    found = [m for m in statement_mentions(session, statement) if m.start < hi and m.end > lo]
    marks = stance_marks(stances) + mention_marks(found)
    names = mention_names(session, statement.project_id, found)
    return layout.layout(statement.text, marks, only=touched), stances, names


def count_stances(session: Session, statement: Statement, user: User) -> int:
    """How many live stances the user has on the statement (the page's counter)."""
    return session.scalar(
        select(func.count())
        .select_from(Stance)
        .where(
            Stance.statement_id == statement.id,
            Stance.annotator_id == user.id,
            Stance.deleted_at.is_(None),
        )
    )


def next_stance_id(session: Session, stance: Stance) -> int | None:
    """The id of the user's next stance in text order, where a new list item goes before."""
    key = tuple_(Stance.start, Stance.end, Stance.id) > tuple_(stance.start, stance.end, stance.id)
    return session.scalar(
        select(Stance.id)
        .where(
            Stance.statement_id == stance.statement_id,
            Stance.annotator_id == stance.annotator_id,
            Stance.deleted_at.is_(None),
            key,
        )
        .order_by(Stance.start, Stance.end, Stance.id)
        .limit(1)
    )
