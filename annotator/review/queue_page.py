"""One page of the review queue: the ready statements picked in SQL, figures for the page only.

A statement is ready when every active assignment on it is done. SQL picks the page by a
keyset, so page 200 costs what page 1 does and an out-of-range cursor is an empty page; only
the page's stances are read to compute its agreement and open groups. Two orders: by
statement id, each page shown most disagreement first, or the whole queue least stored
agreement first (``queue_order``: the figure the agreement job stores per statement), the
statements without a stored figure last (see docs/review.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session, aliased

from annotator.models import Assignment, Label, Project, Stance, Statement
from annotator.review import queue_order as qo
from annotator.review.review import (
    MARK_COLUMNS,
    QUEUE_STATEMENT,
    QueueRow,
    _iter_plain,
    _live,
    _Row,
    queue_rows,
)
from annotator.review.unanimous import decided_ids

PAGE_SIZE = 50


ORDERS = ("id", "agreement")


@dataclass
class QueuePage:
    """The page's rows and the cursor of the next page (or None).

    first_unstored: in the agreement order, the index of the first row without a stored
    figure (None when every row has one, or in the id order).
    """

    rows: list[QueueRow]
    next_after: int | str | None
    first_unstored: int | None = None


def ready_ids(
    session: Session,
    project: Project,
    *,
    label: str | None = None,
    annotator_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
    unreviewed: bool = False,
    unstored: bool = False,
) -> list[int]:
    """Ids of ready statements after ``after`` in id order, at most ``limit``, in one query.

    unstored: only those without a stored agreement figure (``queue_order``). The project's
    statements are walked in id order from their index and each one's assignments read
    through the covering index of migration 0010, grouped as they come, so the query stops
    after ``limit`` ready ones. (An ``IN`` list of the project's ids built that list whole
    first: 43 ms a page at 100,000 statements, against 0.2.) ``unreviewed`` walks the partial
    index of migration 0020 instead, which holds only statements without a review: checking
    ``reviewed_at`` on the row read past each statement's text (0.5-9.5 s).
    """
    query = (
        select(Statement.id)
        .join(Assignment, Assignment.statement_id == Statement.id)
        .where(Statement.project_id == project.id, Assignment.active)
        .group_by(Statement.id)
        .having(func.sum(case((Assignment.state != "done", 1), else_=0)) == 0)
        .order_by(Statement.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Statement.id > after)
    if unreviewed:
        query = query.where(Statement.reviewed_at.is_(None))
    if unstored:
        query = query.where(qo.without_figure(Statement.id))
    if annotator_id is not None:
        mine = func.sum(case((Assignment.annotator_id == annotator_id, 1), else_=0))
        query = query.having(mine > 0)
    if label:
        query = query.where(_has_label(session, project, label, Statement.id))
    return list(session.scalars(query))


def _has_label(session: Session, project: Project, key: str, statement_id):
    """A live stance of the label by one of the statement's active assigned annotators."""
    label_id = session.scalar(
        select(Label.id).where(Label.project_id == project.id, Label.key == key)
    )
    lane = aliased(Assignment)
    return exists(
        select(Stance.id)
        .join(lane, lane.active_for(Stance.statement_id, Stance.annotator_id))
        .where(
            Stance.statement_id == statement_id,
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
    after: int | str | None = None,
    size: int = PAGE_SIZE,
    order: str = "id",
) -> QueuePage:
    """The page of ready statements after ``after`` in ``order``, with their figures.

    after: a statement id in the id order, a ``queue_order`` cursor in the agreement order
    (one that is not a cursor gives an empty page).
    """
    if order == "agreement":
        return _agreement_page(session, project, names, label, annotator_id, after, size)
    ids = ready_ids(
        session, project, label=label, annotator_id=annotator_id, after=after, limit=size
    )
    if not ids:
        return QueuePage([], None)
    rows = page_rows(session, ids, names)
    return QueuePage(rows, ids[-1] if len(ids) == size else None)


def _agreement_page(session, project, names, label, annotator_id, after, size) -> QueuePage:
    """Least stored agreement first; then the statements without a stored figure, by id."""
    cursor = qo.parse_cursor(after) if after else None
    if after and cursor is None:
        return QueuePage([], None)

    def ready(statement_id):
        found = qo.is_ready(statement_id, annotator_id)
        return found & _has_label(session, project, label, statement_id) if label else found

    stored = []
    if cursor is None or cursor.figure is not None:
        stored = qo.stored_ready(session, project, ready, after=cursor, limit=size)
    cursors = [qo.Cursor(figure, sid) for sid, figure in stored]
    if len(stored) < size:
        rest = ready_ids(
            session, project, label=label, annotator_id=annotator_id, limit=size - len(stored),
            after=cursor.statement_id if cursor and cursor.figure is None else None,
            unstored=True,
        )  # fmt: skip
        cursors += [qo.Cursor(None, sid) for sid in rest]
    if not cursors:
        return QueuePage([], None)
    ids = [c.statement_id for c in cursors]
    rows = {r.statement_id: r for r in page_rows(session, ids, names)}
    first = len(stored) if len(stored) < len(ids) else None
    more = str(cursors[-1]) if len(ids) == size else None
    return QueuePage([rows[sid] for sid in ids], more, first)


def page_rows(session: Session, ids: list[int], names: dict[int, str]) -> list[QueueRow]:
    """Queue rows of these ready statements, most disagreement first: reads only their rows."""
    lanes = _lanes(session, ids)
    stances = _stances(session, ids, lanes)
    query = select(*QUEUE_STATEMENT).where(Statement.id.in_(ids)).order_by(Statement.id)
    statements = session.execute(query).all()
    return queue_rows(statements, lanes, stances, decided_ids(session, ids), names)


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


def next_unreviewed(session: Session, project: Project, after: int | None) -> int | None:
    """The first ready statement after ``after`` (id order) not reviewed, wrapping around."""
    found = ready_ids(session, project, after=after, limit=1, unreviewed=True)
    if not found and after is not None:
        found = ready_ids(session, project, limit=1, unreviewed=True)
    found = [sid for sid in found if sid != after]
    return found[0] if found else None
