"""The statement browser: a project's statements filtered, searched and paged by keyset.

Leads and reviewers browse the whole project; an annotator browses their own queue (only
statements assigned to them, and label and target filters over their own stances). Pages
are keyset pages (``after`` the last row's sort key, never OFFSET), so page 2,000 costs what
page 1 costs; a cursor that is malformed or past the end gives an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Select, and_, exists, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from annotator.db.guard import INT_MAX
from annotator.models import Assignment, Project, Stance, Statement, User
from annotator.statements import search

PAGE_SIZE = 50
STATES = ("unassigned", "new", "in_progress", "done", "skipped")
REVIEW_STATES = ("reviewed", "unreviewed")
SORTS = {"id": "Import order", "-id": "Newest first", "date": "Date", "-date": "Date, latest first"}


@dataclass(frozen=True)
class Filters:
    """What the user asked for; every field empty means the whole project in import order."""

    q: str = ""
    state: str = ""
    annotator_id: int | None = None
    label_id: int | None = None
    target_id: int | None = None
    organization: str = ""
    date_from: str = ""
    date_to: str = ""
    review: str = ""
    sort: str = "id"
    after: str = ""

    def cleaned(self) -> Filters:
        """Unknown choices fall back to none (a hand-edited URL narrows nothing silently)."""
        return replace(
            self,
            state=self.state if self.state in STATES else "",
            review=self.review if self.review in REVIEW_STATES else "",
            sort=self.sort if self.sort in SORTS else "id",
        )


@dataclass(frozen=True)
class Row:
    id: int
    external_id: str
    title: str | None
    organization: str | None
    date: str | None
    reviewed: bool
    states: dict[str, int] = field(default_factory=dict)  # assignment state -> how many


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_after: str | None  # the cursor of the next page, None on the last page
    words: list[str]  # the search words as understood (the query, quoted nowhere)
    pending: int = 0  # statements a search cannot find yet: the index job has not run


def browse(session: Session, project: Project, filters: Filters, *, own: User | None) -> Page:
    """One page of statements; ``own`` limits it to that annotator's queue and stances."""
    filters = filters.cleaned()
    words = search.query_words(filters.q)
    key = _sort_key(filters.sort)
    cursor = _parse_cursor(filters.after, filters.sort)
    pending = search.pending_count(session, project.id) if words else 0
    if cursor is _BAD:
        return Page([], None, words, pending)
    query = _filtered(project, filters, own).add_columns(key.label("sort_key"))

    def keyset(id_column, key_column, until=None):
        """The cursor's conditions and the order, on these columns (see ``search.page``);
        ``until``: a row's (sort key, id), the last one the page may reach."""
        after = [] if cursor is None else [_after(filters.sort, key_column, cursor, id_column)]
        if until is not None:
            after.append(_until(filters.sort, key_column, until, id_column))
        return after, _order(filters.sort, key_column, id_column)

    if words:
        by_id = filters.sort.endswith("id")
        found = search.page(session, query, words, project.id, keyset, PAGE_SIZE + 1, by_id=by_id)
    else:
        after, order = keyset(Statement.id, key)
        found = session.execute(query.where(*after).order_by(*order).limit(PAGE_SIZE + 1)).all()
    more = len(found) > PAGE_SIZE
    rows = _rows(session, found[:PAGE_SIZE], own)
    last = found[PAGE_SIZE - 1] if more else None
    return Page(rows, _cursor(filters.sort, last) if last else None, words, pending)


def _filtered(project, f: Filters, own) -> Select:
    query = select(
        Statement.id,
        Statement.external_id,
        Statement.title,
        Statement.organization,
        Statement.date,
        Statement.reviewed_at.is_not(None),
    ).where(Statement.project_id == project.id)
    if own is not None:
        query = query.where(_assigned(own.id))
    return query.where(*_conditions(f, own))


def _conditions(f: Filters, own: User | None) -> list:
    conditions = []
    if f.state == "unassigned":
        conditions.append(~_assigned(None))
    elif f.state:
        annotator = own.id if own is not None else None
        conditions.append(_assigned(annotator, state=f.state))
    if f.annotator_id is not None and own is None:
        conditions.append(_assigned(f.annotator_id))
    if f.label_id is not None:
        conditions.append(_has_stance(own, Stance.label_id == f.label_id))
    if f.target_id is not None:
        conditions.append(_has_stance(own, Stance.target_id == f.target_id))
    if f.organization.strip():
        conditions.append(Statement.organization == f.organization.strip())
    if f.date_from:
        conditions.append(Statement.date >= f.date_from)
    if f.date_to:  # "2024" up to "2024-12-31" inclusive: compare the prefix
        conditions.append(Statement.date <= f.date_to + "\uffff")
    if f.review:
        reviewed = Statement.reviewed_at.is_not(None)
        conditions.append(reviewed if f.review == "reviewed" else ~reviewed)
    return conditions


def _assigned(annotator_id: int | None, *, state: str | None = None):
    """An active assignment of the statement (to that annotator, in that state)."""
    query = select(Assignment.id).where(Assignment.statement_id == Statement.id, Assignment.active)
    if annotator_id is not None:
        query = query.where(Assignment.annotator_id == annotator_id)
    if state is not None:
        query = query.where(Assignment.state == state)
    return exists(query)


def _has_stance(own: User | None, condition):
    """A live annotator stance of the statement matching ``condition`` (own ones only)."""
    query = select(Stance.id).where(
        Stance.statement_id == Statement.id, Stance.deleted_at.is_(None), ~Stance.is_gold, condition
    )
    if own is not None:
        query = query.where(Stance.annotator_id == own.id)
    return exists(query)


def _order(sort: str, key, id_column) -> list:
    """Sort key then id (the tie-break that makes the keyset exact); id alone for id sorts.
    ``id_column`` is the statement id as the search streams it (see ``search.page``)."""
    columns = [id_column] if sort.endswith("id") else [key, id_column]
    return [c.desc() for c in columns] if sort.startswith("-") else columns


def _sort_key(sort: str):
    """The date with undated statements first, spelled as the index of migration 0018 is
    (a literal ``''``: an index expression is never matched to a bound parameter)."""
    undated = literal_column("''")
    return func.coalesce(Statement.date, undated) if sort.endswith("date") else Statement.id


_BAD = object()


def _parse_cursor(after: str, sort: str):
    """``id`` or ``date,id``; anything else (or an id no database holds) is a bad cursor."""
    if not after:
        return None
    value, comma, last_id = after.rpartition(",") if sort.endswith("date") else ("", ",", after)
    if not comma or not last_id.isascii() or not last_id.isdigit() or int(last_id) > INT_MAX:
        return _BAD
    return (value, int(last_id))


def _after(sort: str, key, cursor, id_column):
    """The rows after the cursor. In date order the key alone is compared too: SQLite reads
    a range of the date index for it, never for the (key, id) pair, which it only filters."""
    value, last_id = cursor
    descending = sort.startswith("-")
    if sort.endswith("date"):
        pair, bound = tuple_(key, id_column), tuple_(value, last_id)
        if descending:
            return and_(key <= value, pair < bound)
        return and_(key >= value, pair > bound)
    return id_column < last_id if descending else id_column > last_id


def _until(sort: str, key, end, id_column):
    """The rows up to ``end`` (a row's sort key and id), that row included; as ``_after``."""
    value, last_id = end
    descending = sort.startswith("-")
    if sort.endswith("date"):
        pair, bound = tuple_(key, id_column), tuple_(value, last_id)
        if descending:
            return and_(key >= value, pair >= bound)
        return and_(key <= value, pair <= bound)
    return id_column >= last_id if descending else id_column <= last_id


def _cursor(sort: str, row) -> str:
    return f"{row[-1]},{row[0]}" if sort.endswith("date") else str(row[0])


def _rows(session: Session, found, own: User | None) -> list[Row]:
    """The page's rows with their assignment states, counted in one grouped query."""
    ids = [r[0] for r in found]
    states: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        query = (
            select(Assignment.statement_id, Assignment.state, func.count())
            .where(Assignment.statement_id.in_(ids), Assignment.active)
            .group_by(Assignment.statement_id, Assignment.state)
        )
        if own is not None:
            query = query.where(Assignment.annotator_id == own.id)
        for statement_id, state, n in session.execute(query):
            states[statement_id][state] = n
    return [Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), states[r[0]]) for r in found]
