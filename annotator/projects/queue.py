"""An annotator's queue: assigned statements, their state and the annotator's stance counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from annotator.models import OPEN_STATES, Assignment, Project, Stance, Statement, User


@dataclass(frozen=True)
class QueueItem:
    statement_id: int
    external_id: str
    title: str | None
    state: str
    stances: int


@dataclass(frozen=True)
class Progress:
    """How many of a user's assigned statements are finished (done or skipped)."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


QUEUE_PAGE = 100  # an annotator may hold thousands of statements; the page shows a keyset page


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    progress: Progress  # over the whole queue, counted in SQL
    next_after: int | None = None  # the statement id the next page starts after


def _mine(project: Project, user: User):
    """The user's active assignments in the project."""
    return (
        select(Assignment)
        .join(Statement, Statement.id == Assignment.statement_id)
        .where(
            Statement.project_id == project.id,
            Assignment.annotator_id == user.id,
            Assignment.active,
        )
    )


def queue_progress(session: Session, project: Project, user: User) -> Progress:
    """Finished and total assigned statements, counted in SQL (the page shows only the bar)."""
    row = session.execute(_PROGRESS, {"project_id": project.id, "user_id": user.id}).one()
    return Progress(row[0], row[1])


_PROGRESS = (
    select(func.count().filter(Assignment.state.not_in(OPEN_STATES)), func.count())
    .select_from(Assignment)
    .join(Statement, Statement.id == Assignment.statement_id)
    .where(
        Statement.project_id == bindparam("project_id"),
        Assignment.annotator_id == bindparam("user_id"),
        Assignment.active,
    )
)  # built once: every statement page shows the bar, and building costs more than running


def next_open_statement(
    session: Session, project: Project, user: User, after: int | None
) -> int | None:
    """The first open statement after ``after``, wrapping around, so "next" never repeats."""
    mine = _mine(project, user).where(Assignment.state.in_(OPEN_STATES))
    first = mine.with_only_columns(Assignment.statement_id).order_by(Assignment.statement_id)
    later = first.where(Assignment.statement_id > (after or 0)).limit(1)
    return session.scalar(later) or session.scalar(first.limit(1))


def neighbour_statement(
    session: Session, project: Project, user: User, statement_id: int, step: int
) -> int | None:
    """The assigned statement just after (``step`` > 0) or before this one in queue order,
    whatever its state (the J and K keys); None at either end of the queue."""
    mine = _mine(project, user).with_only_columns(Assignment.statement_id)
    if step > 0:
        near = mine.where(Assignment.statement_id > statement_id).order_by(Assignment.statement_id)
    else:
        near = mine.where(Assignment.statement_id < statement_id)
        near = near.order_by(Assignment.statement_id.desc())
    return session.scalar(near.limit(1))


def list_queue(
    session: Session, project: Project, user: User, *, after: int = 0, limit: int = QUEUE_PAGE
) -> Queue:
    """One keyset page of the statements assigned to ``user`` in ``project`` (ids above
    ``after``), with state and own stance count, and the progress over the whole queue."""
    counts = (
        select(Stance.statement_id, func.count().label("n"))
        .where(Stance.annotator_id == user.id, Stance.deleted_at.is_(None))
        .group_by(Stance.statement_id)
        .subquery()
    )
    rows = session.execute(
        select(Statement.id, Statement.external_id, Statement.title, Assignment.state, counts.c.n)
        .join(
            Assignment,
            and_(
                Assignment.statement_id == Statement.id,
                Assignment.annotator_id == user.id,
                Assignment.active,
            ),
        )
        .outerjoin(counts, counts.c.statement_id == Statement.id)
        .where(Statement.project_id == project.id, Statement.id > after)
        .order_by(Statement.id)
        .limit(limit + 1)
    ).all()
    items = [QueueItem(r[0], r[1], r[2], r[3], r[4] or 0) for r in rows[:limit]]
    more = items[-1].statement_id if len(rows) > limit else None
    return Queue(items, queue_progress(session, project, user), more)
