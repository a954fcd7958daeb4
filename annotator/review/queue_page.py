"""One page of the review queue: the ready statements picked in SQL, figures for the page only.

A statement is ready when every active assignment on it is done. SQL picks the page (a
keyset on the statement id, so page 200 costs what page 1 does and an out-of-range cursor
is an empty page); only the page's stances are read to compute its agreement and open groups,
and the page is shown most disagreement first. Ordering the whole queue by disagreement
needs a per-statement agreement stored when a statement's annotations change; until the
queue can read that stored figure, the pages follow the statement id (see docs/review.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from annotator.models import Assignment, GoldDecision, Label, Project, Stance, Statement
from annotator.review.review import (
    MARK_COLUMNS,
    QueueRow,
    _iter_plain,
    _live,
    _queue_row,
    _Row,
    queue_agreement,
)

PAGE_SIZE = 50


@dataclass
class QueuePage:
    """The page's rows, most disagreement first, and the cursor of the next page (or None)."""

    rows: list[QueueRow]
    next_after: int | None


def ready_ids(
    session: Session,
    project: Project,
    *,
    label: str | None = None,
    annotator_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
    unreviewed: bool = False,
) -> list[int]:
    """Ids of ready statements after ``after`` in id order, at most ``limit``, in one query.

    The project's statement ids come as an IN list (its covering index), so the assignments
    are read only for them, through the covering index of migration 0010: a join let SQLite
    walk every project's assignments for a small project.
    """
    statements = select(Statement.id).where(Statement.project_id == project.id)
    if after is not None:
        statements = statements.where(Statement.id > after)
    if unreviewed:
        statements = statements.where(Statement.reviewed_at.is_(None))
    query = (
        select(Assignment.statement_id)
        .where(Assignment.statement_id.in_(statements), Assignment.active)
        .group_by(Assignment.statement_id)
        .having(func.sum(case((Assignment.state != "done", 1), else_=0)) == 0)
        .order_by(Assignment.statement_id)
        .limit(limit)
    )
    if annotator_id is not None:
        mine = func.sum(case((Assignment.annotator_id == annotator_id, 1), else_=0))
        query = query.having(mine > 0)
    if label:
        query = query.where(_has_label(session, project, label))
    return list(session.scalars(query))


def _has_label(session: Session, project: Project, key: str):
    """A live stance of the label by one of the statement's active assigned annotators."""
    label_id = session.scalar(
        select(Label.id).where(Label.project_id == project.id, Label.key == key)
    )
    lane = aliased(Assignment)
    return exists(
        select(Stance.id)
        .join(
            lane,
            and_(
                lane.statement_id == Stance.statement_id,
                lane.annotator_id == Stance.annotator_id,
                lane.active,
            ),
        )
        .where(
            Stance.statement_id == Assignment.statement_id,
            Stance.label_id == label_id,
            Stance.deleted_at.is_(None),
            Stance.is_gold.is_(False),
        )
    )


def review_queue_page(
    session: Session,
    project: Project,
    names: dict[int, str],
    *,
    label: str | None = None,
    annotator_id: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """The page of ready statements after ``after``, with their figures."""
    ids = ready_ids(
        session, project, label=label, annotator_id=annotator_id, after=after, limit=size
    )
    if not ids:
        return QueuePage([], None)
    rows = page_rows(session, ids, names)
    return QueuePage(rows, ids[-1] if len(ids) == size else None)


def page_rows(session: Session, ids: list[int], names: dict[int, str]) -> list[QueueRow]:
    """Queue rows of these ready statements, most disagreement first: reads only their rows."""
    lanes = _lanes(session, ids)
    stances = _stances(session, ids, lanes)
    decided = _decided(session, ids)
    statements = session.execute(
        select(
            Statement.id,
            Statement.external_id,
            Statement.title,
            Statement.reviewed_at,
            func.length(Statement.text),
            Statement.review_version,
        )
        .where(Statement.id.in_(ids))
        .order_by(Statement.id)
    ).all()
    figures = queue_agreement(statements, lanes, stances)
    rows = [
        _queue_row(st, lanes[st[0]], stances[st[0]], decided[st[0]], names, figures[st[0]])
        for st in statements
    ]
    return sorted(
        rows, key=lambda r: (r.agreement is None, -r.disagreement, -r.open_groups, r.statement_id)
    )


def _lanes(session: Session, ids: list[int]) -> dict[int, list[int]]:
    rows = session.execute(
        select(Assignment.statement_id, Assignment.annotator_id)
        .where(Assignment.statement_id.in_(ids), Assignment.active)
        .order_by(Assignment.annotator_id)
    )
    lanes: dict[int, list[int]] = defaultdict(list)
    for sid, aid in rows:
        lanes[sid].append(aid)
    return lanes


def _stances(session: Session, ids: list[int], lanes) -> dict[int, list[_Row]]:
    query = _live(select(*MARK_COLUMNS, Stance.id)).where(Stance.statement_id.in_(ids))
    out: dict[int, list[_Row]] = defaultdict(list)
    for row in _iter_plain(session, query):
        if row[1] in lanes[row[0]]:
            out[row[0]].append(_Row._make(row))
    return out


def _decided(session: Session, ids: list[int]) -> dict[int, set[int]]:
    rows = session.execute(
        select(GoldDecision.statement_id, GoldDecision.source_stance_ids).where(
            GoldDecision.statement_id.in_(ids)
        )
    )
    out: dict[int, set[int]] = defaultdict(set)
    for sid, used in rows:
        out[sid].update(used or [])
    return out


def next_unreviewed(session: Session, project: Project, after: int | None) -> int | None:
    """The first ready statement after ``after`` (id order) not reviewed, wrapping around."""
    found = ready_ids(session, project, after=after, limit=1, unreviewed=True)
    if not found and after is not None:
        found = ready_ids(session, project, limit=1, unreviewed=True)
    found = [sid for sid in found if sid != after]
    return found[0] if found else None
