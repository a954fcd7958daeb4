"""Assignments: which annotator works which statement, and in what state."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event, record_statement_event
from annotator.db.bulk import insert_rows
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import Assignment, Membership, Project, Statement, User
from annotator.projects.counters import statement_coverage
from annotator.projects.projects import MAX_PER_STATEMENT, member_role
from annotator.roles import Role


def assign_statement(
    session: Session, project: Project, statement: Statement, annotator: User, *, user=None
) -> Assignment:
    """Assign a statement to a project member; assigning twice changes nothing."""
    if member_role(session, project, annotator) is None:  # a site admin is not a member
        raise Invalid(f"'{annotator.username}' is not a member of this project.", field="annotator")
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.statement_id == statement.id, Assignment.annotator_id == annotator.id
        )
    )
    if assignment is not None and assignment.active:
        return assignment
    if assignment is None:
        assignment = Assignment(statement_id=statement.id, annotator_id=annotator.id, state="new")
        session.add(assignment)
    return _set_active(session, user, project, statement, annotator, assignment, True)


def _set_active(session, user, project, statement, annotator, assignment, active: bool):
    """Put the assignment in or out of the annotator's queue, with its audit event."""
    assignment.active = active
    session.flush()
    data = {"annotator": annotator.username}
    action = "assign" if active else "unassign"
    record_statement_event(session, user, action, "assignment", assignment.id, statement, data)
    return assignment


TRANSITIONS = {"done": "done", "reopen": "in_progress", "skip": "skipped"}


def set_assignment_state(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    action: str,
    *,
    confirm: bool = False,
) -> Assignment:
    """Mark the user's statement done, reopen it or skip it.

    Reopening a statement a reviewer has already adjudicated makes that review out of date,
    so it needs ``confirm``; the event records it, and the review page then says so.
    """
    from annotator.annotation.stances import require_assignment

    if action not in TRANSITIONS:
        raise Invalid(f"Unknown action '{action}'.", field="action")
    assignment = require_assignment(session, statement, user, editable=False)
    after_review = action == "reopen" and statement.reviewed_at is not None
    if after_review and not confirm:
        raise Conflict(
            "A reviewer has already adjudicated this statement: reopening it makes that review "
            "out of date. Confirm to reopen.",
            field="action",
        )
    before, assignment.state = assignment.state, TRANSITIONS[action]
    session.flush()
    data = {"from": before, "to": assignment.state} | (
        {"after_review": True} if after_review else {}
    )
    record_statement_event(session, user, action, "assignment", assignment.id, statement, data)
    return assignment


@dataclass(frozen=True)
class AssignReport:
    """What one ``assign`` run did: new assignments and statements left short of N."""

    per_statement: int
    annotators: int
    created: int
    short: int


BATCH = 5_000


def list_annotators(session: Session, project: Project) -> list[User]:
    """Members with the annotator role, by id (the deterministic tie-break)."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, Membership.role == Role.ANNOTATOR)
            .order_by(User.id)
        )
    )


def assign_project(
    session: Session, project: Project, per_statement: int | None = None, *, user=None
) -> AssignReport:
    """Top every statement up to N distinct annotators, least loaded first; re-runs only top up."""
    n = project.annotators_per_statement if per_statement is None else per_statement
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PER_STATEMENT:
        raise Invalid(
            f"Annotators per statement must be from 1 to {MAX_PER_STATEMENT}.",
            field="per_statement",
        )
    annotators = [a.id for a in list_annotators(session, project)]
    if not annotators:
        raise Invalid("The project has no members with the annotator role.", field="annotator")
    holders, load = _current_assignments(session, project)
    rows, short = [], 0
    active, taken = holders
    for statement_id in session.scalars(
        select(Statement.id).where(Statement.project_id == project.id).order_by(Statement.id)
    ):
        wanted = n - active.get(statement_id, 0)
        if wanted <= 0:
            continue
        done = taken.get(statement_id, ())
        free = sorted((a for a in annotators if a not in done), key=lambda a: (load[a], a))
        for annotator_id in free[: max(wanted, 0)]:
            load[annotator_id] += 1
            rows.append({"statement_id": statement_id, "annotator_id": annotator_id})
        short += wanted > len(free)
    _insert(session, rows)
    report = AssignReport(n, len(annotators), len(rows), short)
    data = {"per_statement": n, "created": len(rows), "short": short}
    record_event(
        session, user, "assign_all", "project", project.id, project_id=project.id, data=data
    )
    return report


def _current_assignments(session: Session, project: Project):
    """Active assignments per statement, every annotator ever on it, and active load per user.

    An annotator once unassigned from a statement is not given it again automatically.
    """
    active: Counter[int] = Counter()
    taken: dict[int, set[int]] = defaultdict(set)
    load: Counter[int] = Counter()
    rows = session.execute(
        select(Assignment.statement_id, Assignment.annotator_id, Assignment.active)
        .join(Statement, Statement.id == Assignment.statement_id)
        .where(Statement.project_id == project.id)
    )
    for statement_id, annotator_id, is_active in rows:
        taken[statement_id].add(annotator_id)
        if is_active:
            active[statement_id] += 1
            load[annotator_id] += 1
    return (active, taken), load


def _insert(session: Session, rows: list[dict]) -> None:
    """Bulk insert in batches inside the caller's transaction."""
    for i in range(0, len(rows), BATCH):
        batch = [{**r, "state": "new", "active": True} for r in rows[i : i + BATCH]]
        insert_rows(session, Assignment.__table__, batch)


def _active(session: Session, statement: Statement, annotator: User) -> Assignment:
    """The annotator's active assignment on the statement; NotFound otherwise."""
    assignment = session.scalar(
        select(Assignment).where(Assignment.active_for(statement.id, annotator.id))
    )
    if assignment is None:
        raise NotFound(f"'{annotator.username}' has no active assignment on this statement.")
    return assignment


def unassign_statement(
    session: Session, project: Project, statement: Statement, annotator: User, *, user=None
) -> Assignment:
    """Take a statement out of an annotator's queue; their stances and state are kept."""
    assignment = _active(session, statement, annotator)
    return _set_active(session, user, project, statement, annotator, assignment, False)


def reassign_statement(
    session: Session, project: Project, statement: Statement, old: User, new: User, *, user=None
) -> Assignment:
    """Move a statement from one annotator to another; the first one's work is kept."""
    if old.id == new.id:
        raise Invalid("Pick a different annotator to reassign to.", field="to")
    if not _is_annotator(session, project, new):
        raise Invalid(f"'{new.username}' is not an annotator in this project.", field="to")
    _active(session, statement, old)
    if session.scalar(select(func.count()).where(Assignment.active_for(statement.id, new.id))):
        raise Conflict(f"'{new.username}' already has this statement.", field="to")
    unassign_statement(session, project, statement, old, user=user)
    return assign_statement(session, project, statement, new, user=user)


def _is_annotator(session: Session, project: Project, member: User) -> bool:
    return member_role(session, project, member) == Role.ANNOTATOR


@dataclass(frozen=True)
class AssignmentSummary:
    statements: int
    annotators: int
    per_statement: int
    short: int  # statements with fewer active assignments than N


def assignment_summary(session: Session, project: Project) -> AssignmentSummary:
    """How far the project is from N active assignments on every statement.

    Read from the stored coverage (migration 0013): statements with at least k active
    assignees, so short of N is all statements less those with N or more, whatever N is.
    """
    n = project.annotators_per_statement
    coverage = statement_coverage(session, project)
    statements = coverage.get(0, 0)
    short = statements - coverage.get(n, 0)
    return AssignmentSummary(statements, len(list_annotators(session, project)), n, short)


def get_statement_ref(session: Session, project: Project, ref: str) -> Statement:
    """A statement by external id, or by ``#<number>`` internal id, as the CLI names it."""
    where = (
        Statement.id == int(ref[1:])
        if ref.startswith("#") and ref[1:].isdigit()
        else Statement.external_id == ref
    )
    statement = session.scalar(select(Statement).where(Statement.project_id == project.id, where))
    if statement is None:
        raise NotFound(f"No statement '{ref}' in this project.", field="statement")
    return statement
