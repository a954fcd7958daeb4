"""An annotator's queue: assigned statements, their state and the annotator's stance counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..models import Assignment, Project, Stance, Statement, User


@dataclass(frozen=True)
class QueueItem:
    statement_id: int
    external_id: str
    title: str | None
    state: str
    stances: int


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]

    @property
    def done(self) -> int:
        """Finished or skipped statements count as progress."""
        return sum(1 for i in self.items if i.state in ("done", "skipped"))

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.items)) if self.items else 0

    def next_item(self, after: int | None = None) -> QueueItem | None:
        """The first open statement after ``after`` (wrapping), so "next" never repeats."""
        open_items = [i for i in self.items if i.state in ("new", "in_progress")]
        later = [i for i in open_items if after is not None and i.statement_id > after]
        return (later or open_items or [None])[0]


def list_queue(session: Session, project: Project, user: User) -> Queue:
    """The statements assigned to ``user`` in ``project`` with state and own stance count."""
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
        .where(Statement.project_id == project.id)
        .order_by(Statement.id)
    )
    return Queue([QueueItem(r[0], r[1], r[2], r[3], r[4] or 0) for r in rows])
