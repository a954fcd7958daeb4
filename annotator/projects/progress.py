"""The lead's progress dashboard: per annotator, per statement and per label figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from annotator.models import Assignment, Label, Project, Stance, Statement, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AnnotatorProgress:
    user_id: int
    username: str
    assigned: int
    done: int
    skipped: int
    in_progress: int
    stances: int

    @property
    def percent(self) -> int:
        """Done or skipped share of the active assignments."""
        return round(100 * (self.done + self.skipped) / self.assigned) if self.assigned else 0


@dataclass(frozen=True)
class LabelCount:
    key: str
    name: str
    color: str
    retired: bool
    count: int


@dataclass(frozen=True)
class StatementRow:
    statement_id: int
    external_id: str
    title: str | None
    states: dict[int, str] = field(default_factory=dict)  # annotator id -> state


@dataclass(frozen=True)
class Progress:
    statements: int
    annotators: list[AnnotatorProgress]
    labels: list[LabelCount]
    rows: list[StatementRow]
    page: int
    pages: int

    @property
    def max_label(self) -> int:
        return max((lab.count for lab in self.labels), default=0)

    @property
    def total_stances(self) -> int:
        return sum(lab.count for lab in self.labels)


def project_progress(session: Session, project: Project, page: int = 1) -> Progress:
    """Everything the dashboard shows; statements are paged so huge projects stay fast."""
    total = session.scalar(
        select(func.count()).select_from(Statement).where(Statement.project_id == project.id)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Progress(
        statements=total,
        annotators=annotator_progress(session, project),
        labels=label_counts(session, project),
        rows=statement_rows(session, project, page),
        page=page,
        pages=pages,
    )


def annotator_progress(session: Session, project: Project) -> list[AnnotatorProgress]:
    """Per annotator with active assignments or stances: assigned, done, skipped, stances."""
    states = {
        user_id: row
        for user_id, *row in session.execute(
            select(
                Assignment.annotator_id,
                func.count(),
                _count_state("done"),
                _count_state("skipped"),
                _count_state("in_progress"),
            )
            .join(Statement, Statement.id == Assignment.statement_id)
            .where(Statement.project_id == project.id, Assignment.active)
            .group_by(Assignment.annotator_id)
        )
    }
    stances = dict(
        session.execute(
            select(Stance.annotator_id, func.count())
            .join(Statement, Statement.id == Stance.statement_id)
            .where(Statement.project_id == project.id, Stance.deleted_at.is_(None))
            .where(Stance.is_gold.is_(False))
            .group_by(Stance.annotator_id)
        ).all()
    )
    ids = set(states) | set(stances)
    users = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return [
        AnnotatorProgress(uid, name, *states.get(uid, (0, 0, 0, 0)), stances.get(uid, 0))
        for uid, name in sorted(users, key=lambda u: u[1])
    ]


def _count_state(state: str):
    return func.coalesce(func.sum(case((Assignment.state == state, 1), else_=0)), 0)


# Same shape as the per-annotator count above, but grouped by label: a different query.
def label_counts(session: Session, project: Project) -> list[LabelCount]:
    """Live annotator stances per label (gold excluded), in scheme order."""
    counts = dict(
        session.execute(
            select(Stance.label_id, func.count())
            .join(Label, Label.id == Stance.label_id)
            .where(Label.project_id == project.id, Stance.deleted_at.is_(None))
            .where(Stance.is_gold.is_(False))
            .group_by(Stance.label_id)
        ).all()
    )
    labels = session.scalars(
        select(Label).where(Label.project_id == project.id).order_by(Label.position, Label.id)
    )
    return [
        LabelCount(lab.key, lab.name, lab.color, lab.retired, counts.get(lab.id, 0))
        for lab in labels
    ]


def statement_rows(session: Session, project: Project, page: int) -> list[StatementRow]:
    """One page of statements with each active assignee's state."""
    statements = session.execute(
        select(Statement.id, Statement.external_id, Statement.title)
        .where(Statement.project_id == project.id)
        .order_by(Statement.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = {sid: StatementRow(sid, ext, title) for sid, ext, title in statements}
    for sid, uid, state in session.execute(
        select(Assignment.statement_id, Assignment.annotator_id, Assignment.state).where(
            Assignment.statement_id.in_(rows), Assignment.active
        )
    ):
        rows[sid].states[uid] = state
    return list(rows.values())
