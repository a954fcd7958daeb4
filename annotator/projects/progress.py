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
    after: int | None = None  # the cursor of this page of statements (None: the first)
    next_after: int | None = None  # the cursor of the next page (None: this is the last)

    @property
    def max_label(self) -> int:
        return max((lab.count for lab in self.labels), default=0)

    @property
    def total_stances(self) -> int:
        return sum(lab.count for lab in self.labels)


def project_progress(session: Session, project: Project, after: int | None = None) -> Progress:
    """Everything the dashboard shows: counts aggregated in SQL, statements a keyset page.

    The stances are counted once per (annotator, label) through a partial index of live
    annotator stances (migration 0010), so neither count reads a stance row; the statement
    table is the page after statement id ``after`` (an id past the end: an empty page).
    """
    total = session.scalar(
        select(func.count()).select_from(Statement).where(Statement.project_id == project.id)
    )
    counts = stance_counts(session, project)
    rows = statement_rows(session, project, after)
    return Progress(
        statements=total,
        annotators=annotator_progress(session, project, counts),
        labels=label_counts(session, project, counts),
        rows=rows,
        after=after,
        next_after=rows[-1].statement_id if len(rows) == PAGE_SIZE else None,
    )


def stance_counts(session: Session, project: Project) -> dict[tuple[int, int], int]:
    """(annotator id, label id) -> live annotator stances (gold excluded), in one query.

    The label ids as an IN list: each label's range of the partial index is read, never
    another project's (a join scanned the whole index).
    """
    query = (
        select(Stance.annotator_id, Stance.label_id, func.count())
        .where(Stance.label_id.in_(select(Label.id).where(Label.project_id == project.id)))
        .where(Stance.deleted_at.is_(None))
        .where(Stance.is_gold.is_(False))
        .group_by(Stance.label_id, Stance.annotator_id)
    )
    return {(aid, lid): n for aid, lid, n in session.execute(query)}


def annotator_progress(
    session: Session, project: Project, counts: dict[tuple[int, int], int] | None = None
) -> list[AnnotatorProgress]:
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
            .where(Assignment.statement_id.in_(_project_statements(project)), Assignment.active)
            .group_by(Assignment.annotator_id)
        )
    }
    stances: dict[int, int] = {}
    for (aid, _lid), n in (stance_counts(session, project) if counts is None else counts).items():
        stances[aid] = stances.get(aid, 0) + n
    ids = set(states) | set(stances)
    users = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return [
        AnnotatorProgress(uid, name, *states.get(uid, (0, 0, 0, 0)), stances.get(uid, 0))
        for uid, name in sorted(users, key=lambda u: u[1])
    ]


def _project_statements(project: Project):
    """The project's statement ids as an IN list: with a join, SQLite walked every project's
    assignments by annotator, so a small project paid for the large one beside it."""
    return select(Statement.id).where(Statement.project_id == project.id)


def _count_state(state: str):
    return func.coalesce(func.sum(case((Assignment.state == state, 1), else_=0)), 0)


def label_counts(
    session: Session, project: Project, counts: dict[tuple[int, int], int] | None = None
) -> list[LabelCount]:
    """Live annotator stances per label (gold excluded), in scheme order."""
    per_label: dict[int, int] = {}
    for (_aid, lid), n in (stance_counts(session, project) if counts is None else counts).items():
        per_label[lid] = per_label.get(lid, 0) + n
    labels = session.scalars(
        select(Label).where(Label.project_id == project.id).order_by(Label.position, Label.id)
    )
    return [
        LabelCount(lab.key, lab.name, lab.color, lab.retired, per_label.get(lab.id, 0))
        for lab in labels
    ]


def statement_rows(
    session: Session, project: Project, after: int | None = None
) -> list[StatementRow]:
    """The page of statements after id ``after`` with each active assignee's state."""
    query = (
        select(Statement.id, Statement.external_id, Statement.title)
        .where(Statement.project_id == project.id)
        .order_by(Statement.id)
        .limit(PAGE_SIZE)
    )
    if after is not None:
        query = query.where(Statement.id > after)
    rows = {sid: StatementRow(sid, ext, title) for sid, ext, title in session.execute(query)}
    for sid, uid, state in session.execute(
        select(Assignment.statement_id, Assignment.annotator_id, Assignment.state).where(
            Assignment.statement_id.in_(rows), Assignment.active
        )
    ):
        rows[sid].states[uid] = state
    return list(rows.values())
