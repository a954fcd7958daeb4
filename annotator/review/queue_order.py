"""The review queue least agreement first: keyset pages over the stored per-statement figure.

The agreement job stores each statement's whole-stance agreement (``stored_agreement``,
``statement_agreements.stance_agreement``). Ordering the whole queue by it is a walk of
the index ``ix_statement_agreements_order`` (project, scope, figure, statement; migration
0014) from the cursor on, each row probed for readiness in the assignments' covering index,
so page 200 costs what page 1 does. The queue holds finished statements, so it reads the
finished scope's rows. Statements without a stored figure (not in the last run, or nothing
to compare: 0 / 0) come after all the others, in statement id order; the cursor says which
of the two parts a page continues: ``<figure>_<id>`` or ``none_<id>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import exists, select, tuple_
from sqlalchemy.orm import Session

from annotator.models import Assignment, Project, StatementAgreement
from annotator.review.stored_agreement import changed_since, latest_run

NONE = "none"
_MAX_ID = 2**31 - 1  # an id past this is no database integer: an empty page, not an error


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (figure, statement), or among those without a figure."""

    figure: float | None
    statement_id: int

    def __str__(self) -> str:
        return f"{NONE if self.figure is None else repr(self.figure)}_{self.statement_id}"


def parse_cursor(text: str) -> Cursor | None:
    """The cursor in ``text``, or None when it is not one (the page is then empty)."""
    figure, _, sid = text.partition("_")
    try:
        value = None if figure == NONE else float(figure)
        statement_id = int(sid)
    except ValueError:
        return None
    if (value is not None and not math.isfinite(value)) or not 0 <= statement_id <= _MAX_ID:
        return None
    return Cursor(value, statement_id)


def stored_ready(
    session: Session, project: Project, ready, *, after: Cursor | None, limit: int
) -> list[tuple[int, float]]:
    """(statement, stored figure) of ready statements with a figure, least first, after ``after``.

    ready(statement_id_column) is the readiness condition with the page's filters.
    """
    t = StatementAgreement
    query = (
        select(t.statement_id, t.stance_agreement)
        .where(
            t.project_id == project.id,
            t.include_unfinished.is_(False),
            t.stance_agreement.is_not(None),
            ready(t.statement_id),
        )
        .order_by(t.stance_agreement, t.statement_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            tuple_(t.stance_agreement, t.statement_id) > tuple_(after.figure, after.statement_id)
        )
    return [tuple(row) for row in session.execute(query)]


def without_figure(statement_id):
    """The statement has no stored figure in the finished scope (none, or 0 / 0)."""
    t = StatementAgreement
    return ~exists(
        select(t.statement_id).where(
            t.statement_id == statement_id,
            t.include_unfinished.is_(False),
            t.stance_agreement.is_not(None),
        )
    )


def is_ready(statement_id, annotator_id: int | None = None):
    """Every active assignment of the statement is done (and it has one; of this annotator)."""
    active = select(Assignment.id).where(Assignment.statement_id == statement_id, Assignment.active)
    condition = exists(active) & ~exists(active.where(Assignment.state != "done"))
    if annotator_id is not None:
        condition &= exists(active.where(Assignment.annotator_id == annotator_id))
    return condition


def stored_note(session: Session, project: Project, *, count_changes: bool) -> dict | None:
    """When the figures the order reads were computed and, when ``count_changes`` (the first
    page, the only one that shows it), how many statements changed since: at most
    ``CHANGED_CAP``, ``more`` past a bound (None: no agreement run of the finished scope yet).

    Counting reads the edits since the run, so later pages do not pay for a figure they do
    not show."""
    run = latest_run(session, project, False)
    if run is None:
        return None
    changed = changed_since(session, project, run.started_at) if count_changes else None
    return {
        "computed_at": run.finished_at,
        "changed": None if changed is None else changed.statements,
        "more": changed is not None and changed.more,
    }
