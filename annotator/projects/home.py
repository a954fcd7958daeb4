"""The lead's landing page: where the project stands, in a few aggregate queries.

Progress (assignments by state), open actor proposals, the review backlog (statements whose
annotators are all done, two or more, with no gold decision yet), statements short of their
annotators and the last import. Counts are aggregated in SQL; nothing loads the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from annotator.models import Actor, Assignment, AuditEvent, GoldDecision, Project, Statement
from annotator.projects.assignments import assignment_summary
from annotator.statements.statements import list_imports

PROPOSALS_SHOWN = 5


@dataclass(frozen=True)
class LeadHome:
    """What a lead sees first on a project's page."""

    statements: int
    assignments: dict[str, int]  # active assignments per state
    short: int  # statements with fewer active assignments than the project's N
    per_statement: int
    annotators: int
    proposals: int
    proposal_names: list[str]
    backlog: int
    last_import: tuple[AuditEvent, str | None] | None

    @property
    def assigned(self) -> int:
        return sum(self.assignments.values())

    @property
    def finished(self) -> int:
        """Done or skipped assignments."""
        return self.assignments.get("done", 0) + self.assignments.get("skipped", 0)

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.assigned) if self.assigned else 0


def lead_home(session: Session, project: Project) -> LeadHome:
    """The figures of the lead's overview."""
    summary = assignment_summary(session, project)
    names = list_proposals(session, project)
    imports = list_imports(session, project, limit=1)
    return LeadHome(
        statements=summary.statements,
        assignments=count_assignments(session, project),
        short=summary.short,
        per_statement=summary.per_statement,
        annotators=summary.annotators,
        proposals=count_proposals(session, project),
        proposal_names=names,
        backlog=count_review_backlog(session, project),
        last_import=imports[0] if imports else None,
    )


def count_assignments(session: Session, project: Project) -> dict[str, int]:
    """Active assignments of the project per state."""
    rows = session.execute(
        select(Assignment.state, func.count())
        .join(Statement)
        .where(Statement.project_id == project.id, Assignment.active)
        .group_by(Assignment.state)
    )
    return dict(rows.all())


def _proposed(project: Project):
    return and_(
        Actor.project_id == project.id, Actor.status == "proposed", Actor.merged_into_id.is_(None)
    )


def count_proposals(session: Session, project: Project) -> int:
    """Actors proposed by annotators and awaiting a lead."""
    return session.scalar(select(func.count()).select_from(Actor).where(_proposed(project))) or 0


def list_proposals(session: Session, project: Project) -> list[str]:
    """The names of the oldest few open proposals, to show beside the count."""
    query = select(Actor.name).where(_proposed(project)).order_by(Actor.id).limit(PROPOSALS_SHOWN)
    return list(session.scalars(query))


def count_review_backlog(session: Session, project: Project) -> int:
    """Statements ready for review (two or more active assignments, all done), not adjudicated."""
    per_statement = (
        select(Assignment.statement_id)
        .join(Statement)
        .where(Statement.project_id == project.id, Assignment.active)
        .group_by(Assignment.statement_id)
        .having(func.count() >= 2)
        .having(func.sum(case((Assignment.state != "done", 1), else_=0)) == 0)
    )
    decided = select(GoldDecision.statement_id)
    ready = per_statement.where(Assignment.statement_id.not_in(decided)).subquery()
    return session.scalar(select(func.count()).select_from(ready)) or 0
