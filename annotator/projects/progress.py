"""The lead's progress dashboard: per annotator, per statement and per label figures."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.models import Assignment, Label, Project, Statement, User
from annotator.projects.counters import (
    AssignmentStates,
    assignment_states,
    stance_counts,
    statement_coverage,
)

PAGE_SIZE = 50
# Up to this many annotators the statement table has a column each, a grid to scan; a
# larger team's rows list their own annotators instead: at 100 annotators the grid was 100
# columns of mostly "—" (279 kB a page, a third of the page's time, and unreadable).
GRID_ANNOTATORS = 12


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
    def grid(self) -> bool:
        """Whether the statement table has a column per annotator (see GRID_ANNOTATORS)."""
        return len(self.annotators) <= GRID_ANNOTATORS

    @cached_property
    def _names(self) -> dict[int, str]:
        return {a.user_id: a.username for a in self.annotators}

    def listed(self, row: StatementRow) -> list[tuple[str, str]]:
        """A row's (username, state) pairs by username: the table's form for a large team."""
        return sorted((self._names.get(uid, "?"), state) for uid, state in row.states.items())

    @property
    def max_label(self) -> int:
        return max((lab.count for lab in self.labels), default=0)

    @property
    def total_stances(self) -> int:
        return sum(lab.count for lab in self.labels)


def project_progress(session: Session, project: Project, after: int | None = None) -> Progress:
    """Everything the dashboard shows: stored counters, statements a keyset page.

    The figures are the project's stored counters (migration 0013, ``counters.py``), a few
    hundred rows whatever the project's size; the statement table is the page after
    statement id ``after`` (an id past the end: an empty page).
    """
    counts = stance_counts(session, project)
    rows = statement_rows(session, project, after)
    return Progress(
        statements=statement_coverage(session, project).get(0, 0),
        annotators=annotator_progress(session, project, counts),
        labels=label_counts(session, project, counts),
        rows=rows,
        after=after,
        next_after=rows[-1].statement_id if len(rows) == PAGE_SIZE else None,
    )


def annotator_progress(
    session: Session, project: Project, counts: dict[tuple[int, int], int] | None = None
) -> list[AnnotatorProgress]:
    """Per annotator with active assignments or stances: assigned, done, skipped, stances."""
    states = assignment_states(session, project)
    stances: dict[int, int] = {}
    for (aid, _lid), n in (stance_counts(session, project) if counts is None else counts).items():
        stances[aid] = stances.get(aid, 0) + n
    ids = set(states) | set(stances)
    users = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    none = AssignmentStates()
    return [
        AnnotatorProgress(uid, name, *astuple(states.get(uid, none)), stances.get(uid, 0))
        for uid, name in sorted(users, key=lambda u: u[1])
    ]


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
