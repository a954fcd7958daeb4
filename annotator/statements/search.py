"""Full-text search over statements' title and text, on each database's own engine.

SQLite: the FTS5 table ``statements_fts`` (migration 0009; 0017 adds the project). PostgreSQL:
a ``search_vector`` column, ``to_tsvector('simple', title || ' ' || text)``, with a GIN index
(migration 0012).
Neither is filled inside the import's transaction, which cost a fifth of its CPU on SQLite and
tripled its INSERT time on PostgreSQL: the import notes its new ids in ``search_backlog``
(``queue_new_statements``) and the index job indexes them after the commit
(``index_backlog``, run by annotator/jobs/search_index.py). Until then the browser says how
many statements are still being indexed (``pending_count``). The ``simple``
configuration neither stems nor drops stop words: statements come in many languages and
scripts, and a word is found as written (case and, on SQLite, diacritics aside).

A query is plain words, all of which must occur: characters that mean something to either
engine (quotes, ``*``, ``-``, ``NEAR``, ``OR``, parentheses) are never syntax here.
"""

from __future__ import annotations

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    column,
    delete,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from annotator.models import SearchBacklog, Statement

WALK = 200  # rows a page filters in page order before asking the index for every match
FEW = 2000  # matches below which the index is asked for every match at once
DENSE = 4  # SQLite: walk when one statement in DENSE matches (51 rows of a 200-row walk)
MAX_WORDS = 20  # a longer query is cut: it would only narrow further, and cost more
INDEX_BATCH = 2000  # statements per index transaction: short holds of SQLite's writer lock
QUEUED = "annotator.search_backlog"  # session.info: this transaction queued statements

# PostgreSQL: the column of migration 0012 (not in the models: SQLite has none), filled by
# the index job, GIN-indexed; a filter on it reads the stored vector instead of recomputing it.
_PG_DOCUMENT = literal_column("statements.search_vector")
_PG_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || text)"


def query_words(query: str | None) -> list[str]:
    """The words of a search box: whitespace-separated, keeping those with a letter or digit."""
    words = [w for w in (query or "").split() if any(c.isalnum() for c in w)]
    return words[:MAX_WORDS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression in which every word is a quoted string, never an operator.

    Inside double quotes FTS5 knows no syntax but the doubled quote; the tokenizer splits a
    quoted word such as ``e-mail`` into a phrase, which matches the text as written.
    """
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def project_query(words: list[str], project_id: int) -> str:
    """The FTS5 expression for a search in one project: its token in the ``project`` column
    (migration 0017), the words in title or text only (a word ``p12`` never hits a project)."""
    return f'project : "p{project_id}" AND {words_query(words)}'


def words_query(words: list[str]) -> str:
    """The words in title or text, in any project: the check of one statement already known
    to be the project's (the walk in date order), which then reads no project token list."""
    return f"{{title text}} : ({fts5_query(words)})"


_FTS = table("statements_fts", column("rowid", Integer), column("statements_fts"))
_HITS = text("SELECT rowid FROM statements_fts WHERE statements_fts MATCH :fts")


def page(session: Session, query: Select, words, project_id: int, keyset, limit: int, *, by_id):
    """The first ``limit`` rows of ``query`` holding every word, in the keyset's order.

    ``query`` selects a project's statements with their sort key labelled ``sort_key``;
    ``keyset(id_column, key_column)`` gives the cursor's conditions and the ORDER BY for a
    statement id and sort key column (the id as the search streams it, see ``_sqlite_page``);
    ``by_id``: the page is in id order.
    """
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite_page(session, query, words, project_id, keyset, limit, by_id)
    return _pg_page(session, query, words, keyset, limit)


def _sqlite_page(session, query, words, project_id, keyset, limit, by_id):
    """A page in id order joins the FTS5 table and orders by its rowid, which FTS5 streams in
    order, so the page stops after its rows (measured on 10,000 statements that all match:
    0.3 ms against 45 ms for ``id IN (matches)``, which decodes every match).

    A page in date order, by how many statements match: fewer than ``FEW``, all of them
    sorted; at least one in ``DENSE`` of the project's first statements, so that a walk of
    ``WALK`` rows should hold a page, the walk (``_sqlite_walk``); between the two, or when
    the walk fell short, the date index in order against the set of matches (both in
    ``_sqlite_sorted``). docs/search.md has the figures.
    """
    fts = project_query(words, project_id)
    if by_id:
        query = query.join(_FTS, _FTS.c.rowid == Statement.id)
        query, id_column = query.where(_FTS.c.statements_fts.op("MATCH")(fts)), _FTS.c.rowid
        cursor, order = keyset(id_column, query.selected_columns.sort_key)
        return session.execute(query.where(*cursor).order_by(*order).limit(limit)).all()
    matches, last = session.execute(_sqlite_first_matches(fts)).one()
    if matches < FEW or not matches:  # none: no last match to measure the share by
        return _sqlite_sorted(session, query, fts, keyset, limit, in_order=False)
    dense = matches * DENSE  # the most rows up to the last match for a share of 1 in DENSE
    if _sqlite_rows_up_to(session, project_id, last, dense + 1) <= dense:
        found, whole = _sqlite_walk(session, query, words, keyset, limit)
        if whole or len(found) == limit:
            return found
    return _sqlite_sorted(session, query, fts, keyset, limit, in_order=True)


def _sqlite_first_matches(fts) -> Select:
    """The project's first matches in rowid order, up to ``FEW``: how many, and the last one's
    rowid. FTS5 streams them and stops there, so a common word costs what ``FEW`` matches
    cost (about 1 ms), not what all of them do."""
    first = select(_FTS.c.rowid).where(_FTS.c.statements_fts.op("MATCH")(fts)).limit(FEW)
    first = first.subquery()
    return select(func.count(), func.max(first.c.rowid))


def _sqlite_rows_up_to(session, project_id: int, last_id: int, most: int) -> int:
    """The project's statements up to ``last_id``, counted up to ``most``: with the matches
    among them, the share of the project that matches (from an index, 1 ms per 5,000
    rows, which ``most`` bounds)."""
    rows = select(Statement.id).where(Statement.project_id == project_id, Statement.id <= last_id)
    return session.scalar(select(func.count()).select_from(rows.limit(most).subquery()))


def _sqlite_walk(session, query, words, keyset, limit):
    """The matches among the next ``WALK`` rows in date order (the index of migration 0018),
    each checked by a MATCH on its own rowid, and whether those were all the rows left.

    The walk's end is looked up first (the ``WALK``-th row's sort key and id, from the
    index), so the page is one index range read in order that stops after its rows: for a
    word in every statement, 6 ms of CPU at 10,000 statements and 9-14 ms at 100,000,
    against 22 and 175-181 ms for sorting every match (README, *Search in date order on
    SQLite*). (A subquery with the ``LIMIT`` inside, as on PostgreSQL, would be sorted again
    outside it, checking all ``WALK`` rows.) Each check costs FTS5 an expression and a seek
    in each word's list, 50-150 µs, as much as decoding 50-100 matches, so the walk only
    pays where matches are dense; it leaves out the project token, which the walked rows
    have by construction.
    """
    key = query.selected_columns.sort_key
    cursor, order = keyset(Statement.id, key)
    ends = query.with_only_columns(key, Statement.id).where(*cursor).order_by(*order)
    end = session.execute(ends.offset(WALK - 1).limit(1)).first()
    walked = keyset(Statement.id, key, until=end)[0]
    hit = (
        select(_FTS.c.rowid)
        .where(_FTS.c.rowid == Statement.id)
        .where(_FTS.c.statements_fts.op("MATCH")(words_query(words)))
        .exists()
    )
    found = session.execute(query.where(*walked, hit).order_by(*order).limit(limit)).all()
    return found, end is None


def _sqlite_sorted(session, query, fts, keyset, limit, *, in_order):
    """The project's matches as ``id IN (…)`` (FTS5 decodes every one into a set), then:

    - not ``in_order``: each match's row looked up and all of them sorted and cut to the
      page; cheap for few matches, 40 ms of CPU for 10,000 at 100,000 statements;
    - ``in_order``: the date index read in page order, each row checked against the set,
      until a page is found; the id is written ``id + 0`` so that SQLite does not look the
      matches up by id instead. Its cost is the set (about 1-2 µs a match) and the rows read
      before a page is found, so it serves a word in a few percent of the statements (16 ms of
      CPU against 38-46 for sorting 10,000 matches), not a rare one (it would read the whole
      index) nor one in every statement (the set of 100,000 matches costs 100 ms).
    """
    hits = _HITS.bindparams(fts=fts).columns(column("rowid", Integer))
    query = query.where((Statement.id + 0 if in_order else Statement.id).in_(hits))
    cursor, order = keyset(Statement.id, query.selected_columns.sort_key)
    return session.execute(query.where(*cursor).order_by(*order).limit(limit)).all()


def _pg_page(session, query, words, keyset, limit):
    """PostgreSQL: a word the planner expects in few statements is looked up in the GIN index
    and its matches sorted; otherwise the page walks the first ``WALK`` rows in page order and
    keeps those that match, and only when fewer than a page match there asks the GIN index.

    Left to itself the planner walks the id index and filters whenever it expects many
    matches, which for a word frequent in the project but absent near the cursor (a topic of
    the latest import) read every row before it: 117 ms for 600 matches at the end of 10,000
    statements. The walk is bounded by its ``LIMIT`` (the filter stays outside it), and the
    lookup is a ``MATERIALIZED`` CTE, which the planner answers from the GIN index.
    """
    hit = func.plainto_tsquery("simple", " ".join(words))
    cursor, order = keyset(Statement.id, query.selected_columns.sort_key)
    scoped = query.where(*cursor)
    if _pg_expected_matches(session, words) >= FEW:
        walk = scoped.add_columns(_PG_DOCUMENT.label("document")).order_by(*order).limit(WALK)
        walk = walk.subquery("walk")
        shown = [c for c in walk.c if c.key != "document"]
        found = _pg_sorted(session, shown, walk.c.document.op("@@")(hit), keyset, limit)
        if len(found) == limit:
            return found
    hits = scoped.where(_PG_DOCUMENT.op("@@")(hit)).cte("hits").prefix_with("MATERIALIZED")
    return _pg_sorted(session, list(hits.c), None, keyset, limit)


_PG_ESTIMATE = text(
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM statements "
    "WHERE search_vector @@ plainto_tsquery('simple', :words)"
)


def _pg_expected_matches(session, words) -> float:
    """The planner's estimate of the statements (all projects) holding every word, from the
    GIN column's statistics: planning only, a fraction of a millisecond."""
    plan = session.execute(_PG_ESTIMATE, {"words": " ".join(words)}).scalar()
    return plan[0]["Plan"]["Plan Rows"]


def _pg_sorted(session, columns, condition, keyset, limit):
    """``columns`` of a subquery or CTE (statement columns, ``sort_key``) in page order."""
    by_name = {c.key: c for c in columns}
    query = select(*columns).order_by(*keyset(by_name["id"], by_name["sort_key"])[1])
    if condition is not None:
        query = query.where(condition)
    return session.execute(query.limit(limit)).all()


def queue_new_statements(session: Session, project_id: int, after_id: int) -> None:
    """Put the project's statements with ids above ``after_id`` in the index backlog.

    One ``INSERT … SELECT`` of ids inside the import's transaction, so a failed import leaves
    no backlog either; ``session.info[QUEUED]`` tells the commit hook to start the index job.
    """
    session.execute(
        text(
            "INSERT INTO search_backlog(statement_id) SELECT id FROM statements "
            "WHERE project_id = :project_id AND id > :after_id"
        ),
        {"project_id": project_id, "after_id": after_id},
    )
    session.info[QUEUED] = True


_FTS_INSERT = text(
    "INSERT INTO statements_fts(rowid, project, title, text) "
    "SELECT id, 'p' || project_id, title, text FROM statements WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_PG_UPDATE = text(
    f"UPDATE statements SET search_vector = {_PG_VECTOR} WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def index_backlog(session: Session, limit: int = INDEX_BATCH) -> int:
    """Take up to ``limit`` statements off the backlog and index them; how many.

    The take is one ``DELETE … RETURNING``, the transaction's first write, so two jobs at once
    never index the same statement twice: SQLite queues them on its writer lock, PostgreSQL
    hands each its own rows (``SKIP LOCKED``). Ids are named, never a range, since on
    PostgreSQL another import may commit ids inside the range meanwhile. A statement deleted
    meanwhile is simply not found. An empty backlog costs one read, not a write (the clock
    asks every minute).
    """
    if _backlog_empty(session):
        return 0
    batch = (
        select(SearchBacklog.statement_id)
        .order_by(SearchBacklog.statement_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = delete(SearchBacklog).where(SearchBacklog.statement_id.in_(batch))
    ids = list(session.scalars(taken.returning(SearchBacklog.statement_id)))
    if ids:
        sqlite = session.get_bind().dialect.name == "sqlite"
        session.execute(_FTS_INSERT if sqlite else _PG_UPDATE, {"ids": ids})
    return len(ids)


def _backlog_empty(session: Session) -> bool:
    """One read: whether no statement waits to be indexed (the usual case)."""
    return session.scalar(select(SearchBacklog.statement_id).limit(1)) is None


def pending_count(session: Session, project_id: int) -> int:
    """How many of the project's statements are stored but not yet searchable.

    An empty backlog (the usual case) costs one read: the join below walks the project's
    statements, 1 ms per 10,000, on every search page."""
    if _backlog_empty(session):
        return 0
    query = (
        select(func.count())
        .select_from(SearchBacklog)
        .join(Statement, Statement.id == SearchBacklog.statement_id)
        .where(Statement.project_id == project_id)
    )
    return session.scalar(query) or 0


def last_statement_id(session: Session) -> int:
    """The highest statement id so far: an import's new rows are the ones above it."""
    return session.scalar(select(func.max(Statement.id))) or 0


def rebuild_index(session: Session) -> None:
    """Index every statement afresh and empty the backlog (after a backup is restored around
    the importer: in the restore's transaction, so a restored database is searchable at once)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')"))
    else:
        session.execute(text(f"UPDATE statements SET search_vector = {_PG_VECTOR}"))
    session.execute(delete(SearchBacklog))
