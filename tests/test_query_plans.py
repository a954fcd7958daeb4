"""The hot queries use indexes: no full scan of stances or statements in their plans.

Each hot read runs once through its real service while the emitted SQL is recorded; then every
recorded statement is explained (EXPLAIN QUERY PLAN on SQLite; EXPLAIN with sequential scans
priced out on PostgreSQL, whose planner would otherwise pick them on a test's tiny tables) and
the test fails on a full scan of ``stances``, ``statements`` or ``statement_agreements``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select, update

from annotator.accounts.users import find_user
from annotator.annotation.rows import EVERY_OWNER, list_stance_rows
from annotator.models import Assignment, Label, Statement
from annotator.projects import progress, queue
from annotator.projects.assignments import assignment_summary
from annotator.review.queue_page import next_unreviewed, review_queue_page
from annotator.statements import search
from annotator.statements.browser import Filters, browse

from .workspace_helpers import demo

SQLITE_SCAN = re.compile(r"\bSCAN (stances|statements|statement_agreements)\b(?!_)")
PG_SCAN = re.compile(r"Seq Scan on (stances|statements|statement_agreements)\b")


@contextmanager
def recorded(session):
    """The SELECT statements (with parameters) the block sends to the database."""
    engine, seen = session.get_bind(), []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def full_scans(session, statements, patterns: tuple | None = None) -> list[str]:
    """The plan lines that scan stances or statements in full, with their query;
    ``patterns``: (SQLite, PostgreSQL) regular expressions naming other tables."""
    sqlite_scan, pg_scan = patterns or (SQLITE_SCAN, PG_SCAN)
    sqlite = session.get_bind().dialect.name == "sqlite"
    plans = explained(session, statements, "enable_seqscan")
    return [p for p in plans if (sqlite_scan if sqlite else pg_scan).search(p)]


def explained(session, statements, *disabled: str) -> list[str]:
    """Each statement followed by its plan; ``disabled``: PostgreSQL plan types priced out."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    for setting in () if sqlite else disabled:
        conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    found = []
    for statement, parameters in statements:
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        found.append(statement + "\n" + "\n".join(str(r[-1]) for r in rows))
    return found


@pytest.fixture
def world(session):
    project, statement = demo(session)
    while search.index_backlog(session):  # what the index job does: the searches find rows
        pass
    session.commit()
    return project, statement, find_user(session, "annotator1")


def _queue(session, project, statement, user):
    queue.list_queue(session, project, user)
    queue.queue_progress(session, project, user)
    queue.next_open_statement(session, project, user, statement.id)


def _search(session, project, statement, user):
    label = session.scalar(select(Label.id).where(Label.project_id == project.id))
    browse(session, project, Filters(q="Iran regime"), own=None)
    browse(session, project, Filters(q="Iran", after=str(statement.id)), own=user)
    browse(session, project, Filters(label_id=label, state="new"), own=None)


def _search_paths(session, project, statement, user):
    """The date order, and PostgreSQL's walk in page order before the GIN lookup (forced: the
    planner expects few matches in a test's tables, which goes to the GIN lookup at once)."""
    browse(session, project, Filters(q="Iran", sort="-date"), own=None)
    few = search.FEW
    search.FEW = 0
    try:
        browse(session, project, Filters(q="Iran regime"), own=None)
        browse(
            session, project, Filters(q="Iran", sort="date", after=f"2020,{statement.id}"), own=None
        )
    finally:
        search.FEW = few


def _date_order(session, project, statement, user):
    """The list in date order without search words, and the search in date order (SQLite:
    the walk and the date index against the set of matches), both directions, first and
    cursor pages (test_date_order_* below for more). A walk of one row ends before the
    demo does, so it is bounded and hands over."""
    few, dense, walk = search.FEW, search.DENSE, search.WALK
    search.FEW, search.WALK = 1, 1
    try:
        for sort in ("date", "-date"):
            for after in ("", f"2024-01-19,{statement.id}"):
                browse(session, project, Filters(sort=sort, after=after), own=None)
                for search.DENSE in (10**6, 0):
                    browse(session, project, Filters(q="Iran", sort=sort, after=after), own=None)
    finally:
        search.FEW, search.DENSE, search.WALK = few, dense, walk


def _progress(session, project, statement, user):
    progress.annotator_progress(session, project)
    progress.label_counts(session, project)
    progress.statement_rows(session, project, 1)
    progress.project_progress(session, project, statement.id)
    assignment_summary(session, project)


def _review_page(session, project, statement, user):
    """The paged queue (SQL picks the ready statements), with each filter, and /next."""
    _make_ready(session, project, statement)
    assert review_queue_page(session, project, {}).rows
    review_queue_page(session, project, {}, label="claim", annotator_id=user.id, after=1)
    next_unreviewed(session, project, statement.id)


def _review_order(session, project, statement, user):
    """The queue least stored agreement first: both parts, each filter, a cursor in each."""
    from annotator.review import stored_agreement
    from annotator.review.agreement_jobs import run_now

    _make_ready(session, project, statement)
    run = stored_agreement.request_run(session, project, None)
    session.commit()
    run_now(session, run.id)
    with recorded(session) as statements:
        assert review_queue_page(session, project, {}, order="agreement").rows
        review_queue_page(
            session, project, {}, order="agreement", label="claim", annotator_id=user.id,
            after=f"0.5_{statement.id}",
        )  # fmt: skip
        review_queue_page(session, project, {}, order="agreement", after=f"none_{statement.id}")
    return statements


def _make_ready(session, project, statement):
    session.execute(
        update(Assignment).where(Assignment.statement_id == statement.id).values(state="done")
    )


def _api_assignments(session, project, statement, user):
    """The API's assignment list, first page and a cursor page (run in a request)."""
    from annotator.api.assignments import _query

    caller = SimpleNamespace(project=project)
    found = _query(caller, None, {}).limit(101)
    session.scalars(found).all()
    session.scalars(_query(caller, user.id, {"state": "done"}).limit(101)).all()


def _stances(session, project, statement, user):
    list_stance_rows(session, statement.id, EVERY_OWNER)
    session.scalar(select(Statement).where(Statement.id == statement.id))


@pytest.mark.parametrize(
    "hot",
    [
        _queue,
        _search,
        _search_paths,
        _date_order,
        _progress,
        _review_page,
        _review_order,
        _api_assignments,
        _stances,
    ],  # fmt: skip
)
def test_hot_queries_scan_no_table_in_full(session, world, hot):
    project, statement, user = world
    with recorded(session) as statements:
        own = hot(session, project, statement, user)
    statements = own or statements  # a hot read that prepares data records only its reads
    assert statements, "the service sent no query"
    scans = full_scans(session, statements)
    session.rollback()
    assert not scans, "full scans:\n\n" + "\n\n".join(scans)


SORTED = re.compile(r"USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY|\bSort\b")


def test_date_order_pages_read_the_date_index_in_order(session, world):
    """The pages in date order read migration 0018's index in its order, never sorting the
    project's statements (PostgreSQL with sorts priced out, as the test's tables are tiny),
    and a cursor page starts inside the index (SQLite shows ``<expr>>?``), so page 1,000
    costs what page 1 does. On SQLite this covers the search's two shapes for many matches
    too (the page of few matches sorts them by design and is left out)."""
    _date_order(session, *world)
    with recorded(session) as statements:
        _date_order(session, *world)
    pages = [(q, p) for q, p in statements if "ORDER BY" in q and not _sorts_by_design(q)]
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not sqlite:  # PostgreSQL's search keeps its own plan (walk, GIN): the list is checked
        pages = [(sql, p) for sql, p in pages if "search_vector" not in sql]
    plans = explained(session, pages, "enable_seqscan", "enable_sort", "enable_bitmapscan")
    session.rollback()
    assert len(plans) >= (18 if sqlite else 4)
    for (_sql, parameters), plan in zip(pages, plans, strict=True):
        assert "ix_statements_project_date" in plan and not SORTED.search(plan), plan
        if sqlite and "2024-01-19" in str(parameters):  # a cursor page
            assert "<expr>" in plan, plan


def _sorts_by_design(sql: str) -> bool:
    """SQLite's page of few matches: each looked up by id, then sorted (``statements.id +
    0 IN (…)`` is the one that reads the date index instead)."""
    return "IN (SELECT rowid" in sql and "statements.id +" not in sql


def test_the_check_finds_a_full_scan(session, world):
    with recorded(session) as statements:
        session.execute(select(Statement.id).where(Statement.text.like("%Iran%"))).all()
    assert full_scans(session, statements)
    session.rollback()


def test_the_api_assignment_list_sorts_one_statement_at_a_time(session, world, client):
    """Pages follow the statements index: SQLite sorts each statement's few assignments
    ("RIGHT PART OF ORDER BY"), never the whole project's (at 100,000 statements that
    sort took 92 ms a page, against 0.3 ms)."""
    from annotator.accounts.tokens import create_token

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan wording; PostgreSQL's sort is covered by the scan check")
    project, statement, user = world
    _, token = create_token(session, find_user(session, "lead"), "plans")
    session.commit()
    url, auth = "/api/v1/projects/demo/assignments", {"Authorization": f"Bearer {token}"}
    with recorded(session) as statements:
        first = client.get(f"{url}?limit=1", headers=auth).get_json()
        client.get(f"{url}?limit=1&cursor={first['next_cursor']}", headers=auth)
    conn = session.connection()
    plans = [
        "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + q, p))
        for q, p in statements
        if "FROM assignments" in q
    ]
    assert len(plans) == 2 and all("RIGHT PART OF ORDER BY" in p for p in plans), plans
    assert not any("B-TREE FOR ORDER BY" in p for p in plans), plans


def test_the_registry_counts_an_actors_stances_from_the_index_alone(session, world):
    """Usage counts as target and holder, for everyone and for one owner, read only the
    indexes of migration 0021 (reading each stance row cost 26-53 ms a page at 1 M)."""
    from annotator.actors.curation import actor_usage
    from annotator.models import Actor

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan wording; PostgreSQL's index-only scans depend on vacuum")
    project, _, user = world
    ids = list(session.scalars(select(Actor.id).where(Actor.project_id == project.id)))
    with recorded(session) as statements:
        actor_usage(session, ids)
        actor_usage(session, ids, owner_id=user.id)
    conn = session.connection()
    plans = [
        "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + q, p))
        for q, p in statements
    ]
    assert len(plans) == 4 and all("USING COVERING INDEX ix_stances_" in p for p in plans), plans


def test_the_annotators_queue_reads_one_page_and_sorts_nothing(session, world):
    """The queue walks the user's assignments in statement order and counts each row's
    stances on its own: no sort and no count of all their stances first (at 2,000
    assigned statements and 1 M stances that read everything: 41-73 ms, cold 430)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan wording; the scan check covers PostgreSQL")
    project, _, user = world
    with recorded(session) as statements:
        queue.list_queue(session, project, user)
    conn = session.connection()
    plan = "\n".join(
        str(r[-1])
        for q, p in statements
        if "count" in q
        for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + q, p)
    )
    assert "CORRELATED SCALAR SUBQUERY" in plan, plan
    assert "B-TREE" not in plan and "MATERIALIZE" not in plan, plan


def test_the_registry_pages_walk_the_name_order_index(session, world):
    """The registry's pages (numbered for the API, keyset for the browser) read actors in
    (lower(name), id) order from migration 0022's index, sorting nothing: the sort of a
    project's every actor cost 2.1 ms a page at 5,000 actors."""
    from annotator.actors.curation import list_actor_page

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plan wording; PostgreSQL picks by its statistics")
    project, _, _ = world
    first = list_actor_page(session, project, page=None, per_page=1)
    with recorded(session) as statements:
        list_actor_page(session, project, per_page=1)
        list_actor_page(session, project, page=None, per_page=1, after=first.next_after)
    plans = [p for p in explained(session, statements) if "ORDER BY lower(actors.name)" in p]
    assert len(plans) == 2, statements
    assert all("ix_actors_project_name_order" in p and not SORTED.search(p) for p in plans), plans
