"""The stored counters (migration 0013) equal a fresh recount after every kind of write.

Progress, Assignments and the annotator list read them, so a write path that forgot them
would show wrong figures; the triggers keep them, and these tests drive each path through its
service (or raw SQL, as a bulk path would) and compare with a recount from the rows.
"""

from __future__ import annotations

import re
import threading

import pytest
from alembic import command
from sqlalchemy import delete, insert, inspect, select, text, update

from annotator.accounts.users import create_user, get_user
from annotator.annotation.stances import StanceInput, delete_stance, restore_stance, update_stance
from annotator.annotation.versions import RowEdit
from annotator.db.migrate import alembic_config, upgrade_schema
from annotator.exchange.backup import iter_backup_lines, restore_backup
from annotator.extensions import db
from annotator.models import (
    Assignment,
    Label,
    Project,
    Stance,
    StanceCount,
    Statement,
    User,
    utcnow,
)
from annotator.projects.assignments import (
    assign_project,
    assign_statement,
    assignment_summary,
    reassign_statement,
    set_assignment_state,
    unassign_statement,
)
from annotator.projects.labels import list_label_rows
from annotator.projects.progress import project_progress
from annotator.projects.projects import get_project, set_member
from annotator.review.adjudication import copy_to_gold
from annotator.review.review import annotator_names
from annotator.suggestions import suggestions as svc

from .counter_oracle import recount, stored_counters
from .suggestion_helpers import SECOND_TEXT, add_statements, stance
from .suggestion_world import memory_world
from .test_query_plans import recorded
from .test_stance_import import empty_copy, export, import_file
from .workspace_helpers import demo

TRIGGERS = {
    "stance_counts_insert", "stance_counts_update", "stance_counts_delete",
    "assignment_counts_insert", "assignment_counts_update", "assignment_counts_delete",
    "statement_coverage_insert", "statement_coverage_delete", "statement_assignments_first",
}  # fmt: skip


def _same(session) -> None:
    session.flush()
    assert stored_counters(session) == recount(session)


def _edit_label(session, project, st, user, s, label):
    data = StanceInput(s.start, s.end, s.text, label, s.target.key if s.target else None)
    return update_stance(session, RowEdit(project, st, user, row_id=s.id, version=s.version), data)


def _stance_writes(session):
    """Accept a suggestion, draw, relabel, delete, undo, copy to gold: each checked."""
    project, a, b, _mem = memory_world(session)
    one, two = get_user(session, "annotator1"), get_user(session, "annotator2")
    _same(session)
    first = svc.list_suggestions(session, project, b, two)[0]
    svc.accept_suggestion(session, project, b, two, first.id)
    drawn = stance(session, project, b, "annotator1", "new target", "claim", "iran")
    _same(session)
    drawn = _edit_label(session, project, b, one, drawn, "condemnation")
    _same(session)
    drawn = delete_stance(session, RowEdit(project, b, one, row_id=drawn.id, version=drawn.version))
    _same(session)
    drawn = restore_stance(
        session, RowEdit(project, b, one, row_id=drawn.id, version=drawn.version)
    )
    drawn = delete_stance(session, RowEdit(project, b, one, row_id=drawn.id, version=drawn.version))
    _same(session)
    session.add(copy_to_gold(b, drawn))  # gold is nobody's work: counted nowhere
    _same(session)
    session.commit()
    return project, a, b


def _assignment_writes(session, project, a, b):
    """Done, reopen, skip, reassign, unassign, assign again, assign the whole project."""
    one, two = get_user(session, "annotator1"), get_user(session, "annotator2")
    extra = create_user(session, "extra", "pw-extra-123")
    set_member(session, project, extra, "annotator")
    set_assignment_state(session, project, a, one, "done")
    set_assignment_state(session, project, b, two, "skip")
    _same(session)
    set_assignment_state(session, project, a, one, "reopen")
    reassign_statement(session, project, a, one, extra)
    _same(session)
    unassign_statement(session, project, b, two)
    _same(session)
    assign_statement(session, project, b, two)
    assign_project(session, project, 3)
    _same(session)
    session.commit()


def test_counters_equal_a_recount_after_every_kind_of_write(app, session, runner, tmp_path):
    project, a, b = _stance_writes(session)
    _assignment_writes(session, project, a, b)
    # The import: the demo's stances into an empty copy, statements and all.
    copy = empty_copy(session, runner, project, tmp_path, with_statements=True)
    export(runner, "demo", "jsonl", tmp_path / "all.jsonl")
    result = import_file(runner, "copy", tmp_path / "all.jsonl")
    assert result.exit_code == 0, result.output
    session.expire_all()
    _same(session)
    assert sum(n for (lid, _), n in stored_counters(session).stances.items()
               if lid in {lab.id for lab in copy.labels}) > 0  # fmt: skip
    _bulk_writes(session, project)
    _same(session)
    # A statement deleted (a cascade, as a project's deletion would do) takes its counts.
    session.execute(delete(Statement).where(Statement.id == b.id))
    _same(session)
    session.execute(delete(Statement).where(Statement.project_id == copy.id))
    _same(session)
    session.execute(delete(Project).where(Project.id == copy.id))  # its labels and actors
    _same(session)


def _bulk_writes(session, project) -> None:
    """Many rows in one statement, as the bench and the import's batches write them."""
    st = session.scalar(select(Statement).where(Statement.project_id == project.id))
    label = session.scalar(select(Label.id).where(Label.project_id == project.id))
    who = [u.id for u in session.scalars(select(User).where(User.username.like("annotator%")))]
    now = utcnow()
    rows = [
        dict(statement_id=st.id, annotator_id=who[k % len(who)], is_gold=False, start=k,
             end=k + 3, text="abc", label_id=label, note="", version=1, created_at=now,
             updated_at=now)
        for k in range(40)
    ]  # fmt: skip
    session.execute(insert(Stance), rows)
    _same(session)
    live = Stance.statement_id == st.id
    session.execute(update(Stance).where(live, Stance.start < 10).values(deleted_at=now))
    session.execute(update(Stance).where(live, Stance.start >= 30).values(label_id=label))
    session.execute(update(Assignment).where(Assignment.statement_id == st.id).values(active=False))
    _same(session)
    session.execute(update(Assignment).where(Assignment.statement_id == st.id).values(active=True))


def _old_figures(session, project):
    """What the pages counted before the counters: straight from the rows."""
    labels = {lab.id: lab.key for lab in project.labels}
    live = session.execute(
        select(Stance.annotator_id, Stance.label_id).where(
            Stance.deleted_at.is_(None), Stance.is_gold.is_(False), Stance.label_id.in_(labels)
        )
    ).all()
    statements = session.scalars(select(Statement.id).where(Statement.project_id == project.id))
    statements = set(statements)
    active = session.execute(
        select(Assignment.statement_id, Assignment.annotator_id, Assignment.state).where(
            Assignment.active, Assignment.statement_id.in_(statements)
        )
    ).all()
    per_statement = {sid: sum(1 for s, *_ in active if s == sid) for sid in statements}
    short = sum(n < project.annotators_per_statement for n in per_statement.values())
    return live, active, len(statements), short


def test_pages_show_the_figures_counted_from_the_rows(app, session, login):
    project, a, b = _stance_writes(session)
    _assignment_writes(session, project, a, b)
    unassign_statement(session, project, b, get_user(session, "annotator1"))
    project.annotators_per_statement = 3  # b is now one short
    session.commit()
    live, active, statements, short = _old_figures(session, project)
    p = project_progress(session, project)
    assert p.statements == statements and p.total_stances == len(live)
    for row in p.annotators:
        mine = [state for _s, uid, state in active if uid == row.user_id]
        assert (row.assigned, row.done, row.skipped, row.in_progress) == (
            len(mine),
            mine.count("done"),
            mine.count("skipped"),
            mine.count("in_progress"),
        )
        assert row.stances == sum(1 for uid, _ in live if uid == row.user_id)
    assert {lab.key: lab.count for lab in p.labels} == {
        lab.key: sum(1 for _, lid in live if lid == lab.id) for lab in project.labels
    }
    summary = assignment_summary(session, project)
    assert (summary.statements, summary.short) == (statements, short) and short > 0
    client = login("lead")
    html = client.get("/p/demo/progress").get_data(as_text=True)
    assert f"{statements} statements, {len(live)} stances by annotators." in html
    html = client.get("/p/demo/assignments").get_data(as_text=True)
    assert re.search(rf"{statements} statement\(s\), \d+ annotator\(s\);\s*<strong>{short}<", html)


def test_the_labels_page_reads_the_counters_and_counts_gold_in_its_index(app, session, login):
    """Annotators' stances from ``stance_counts`` (a counter changed by hand shows), gold ones
    counted in the partial index ``ix_stances_live_gold_label``, use from any stance."""
    project, _a, _b = _stance_writes(session)
    ids = {lab.id for lab in project.labels}
    live, *_ = _old_figures(session, project)
    gold = session.scalars(select(Stance.label_id).where(
        Stance.is_gold.is_(True), Stance.deleted_at.is_(None), Stance.label_id.in_(ids)
    )).all()  # fmt: skip
    with recorded(session) as statements:
        rows = list_label_rows(session, project)
    assert {r.label.id: (r.stances, r.gold) for r in rows} == {
        lid: (sum(1 for _, x in live if x == lid), gold.count(lid)) for lid in ids
    } and gold
    used = set(session.scalars(select(Stance.label_id).where(Stance.label_id.in_(ids))))
    assert {r.label.id for r in rows if r.ever_used} == used and used != ids
    assert not any(
        "GROUP BY stances.label_id, stances.annotator_id" in sql for sql, _ in statements
    )
    (counted,) = [(sql, p) for sql, p in statements if "is_gold IS" in sql and "count(" in sql]
    assert "ix_stances_live_gold_label" in _plan(session, *counted)
    label_id, annotator_id = live[0][1], live[0][0]
    session.execute(update(StanceCount).where(
        StanceCount.label_id == label_id, StanceCount.annotator_id == annotator_id
    ).values(n=StanceCount.n + 1000))  # fmt: skip
    row = next(r for r in list_label_rows(session, project) if r.label.id == label_id)
    assert row.stances == sum(1 for _, x in live if x == label_id) + 1000
    session.rollback()
    html = login("lead").get("/p/demo/labels").get_data(as_text=True)
    assert f"<td>{len(gold)}</td>" in html


def _plan(session, statement, parameters) -> str:
    """The query plan of a recorded statement (PostgreSQL: sequential scans priced out)."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_annotator_names_are_those_assigned_or_with_live_stances(app, session):
    project, a, b = _stance_writes(session)
    assigned = set(session.scalars(
        select(Assignment.annotator_id).join(Statement).where(Statement.project_id == project.id)
    ))  # fmt: skip
    stanced = set(session.scalars(
        select(Stance.annotator_id).join(Statement).where(
            Statement.project_id == project.id, Stance.deleted_at.is_(None), ~Stance.is_gold)
    ))  # fmt: skip
    assert set(annotator_names(session, project, hide=False)) == assigned | stanced
    loner = create_user(session, "loner", "pw-loner-123")
    set_member(session, get_project(session, "demo"), loner, "annotator")
    assert loner.id not in annotator_names(session, project, hide=False)


def test_every_counter_trigger_exists(app, session):
    """A later migration that rebuilds stances, assignments or statements must keep them."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    names = {row[0] for row in session.execute(text(query))}
    assert names >= TRIGGERS
    assert {"stance_counts", "assignment_counts", "statement_coverage"} <= set(
        inspect(bind).get_table_names()
    )


def test_migration_backfills_what_the_triggers_kept(app, session):
    """Down to 0012 (tables and triggers gone) and up again: the backfill counts the same."""
    project, a, b = _stance_writes(session)
    _assignment_writes(session, project, a, b)
    before = stored_counters(session)
    session.commit()
    session.close()
    engine = db.engine
    command.downgrade(alembic_config(engine), "0012")
    assert "stance_counts" not in inspect(engine).get_table_names()
    upgrade_schema(engine)
    assert stored_counters(session) == before == recount(session)
    assert len(before.coverage) > 2 and before.assignments and before.stances


def test_a_restored_backup_counts_what_it_restored(app, session):
    """The counters are not in a backup: the triggers count the rows as they go back in."""
    project, a, b = _stance_writes(session)
    _assignment_writes(session, project, a, b)
    before = stored_counters(session)
    lines = list(iter_backup_lines(session))
    assert not any('"table": "stance_counts"' in line for line in lines)
    restore_backup(session, lines, force=True)
    _same(session)
    assert stored_counters(session) == before


def test_two_transactions_assigning_one_statement_count_in_turn(app, session):
    """PostgreSQL: each counts the statement's assignees after the other committed (a lock on
    the statement row); SQLite has one writer at a time, so the race cannot happen there."""
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers")
    project, _a = demo(session)
    st = add_statements(session, project, {"race": SECOND_TEXT}, assign=())["race"]
    users = [get_user(session, name).id for name in ("annotator1", "annotator2")]
    session.commit()
    add = text(
        "INSERT INTO assignments (statement_id, annotator_id, state, active, updated_at) "
        "VALUES (:s, :u, 'new', true, now())"
    )
    first = db.engine.connect()
    first.execute(add, {"s": st.id, "u": users[0]})  # holds the statement's lock from here
    done = threading.Event()

    def second():
        with db.engine.begin() as conn:
            conn.execute(add, {"s": st.id, "u": users[1]})
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(0.5)  # waits for the first transaction
    first.commit()
    first.close()
    thread.join(10)
    assert done.is_set()
    session.expire_all()
    _same(session)
    assert stored_counters(session).coverage[project.id, 2] >= 1


def test_a_bulk_insert_fires_the_statement_triggers_once_per_statement(app, session):
    """PostgreSQL: ``db.bulk.insert_rows`` sends multi-row INSERTs, so the counters' statement
    triggers run once per 1,000 rows, not once a row as psycopg's executemany made them (the
    full-size bench's 200,000 assignments took over 20 minutes that way). The statements of
    an import and the assignments of "assign all" both go through it."""
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite's counter triggers run per row whatever the statement")
    from annotator.db.bulk import insert_rows

    project, _a = demo(session)
    texts = {f"bulk{k}": f"{SECOND_TEXT} {k}" for k in range(60)}
    sts = add_statements(session, project, texts, assign=())
    users = [get_user(session, name).id for name in ("annotator1", "annotator2")]
    session.execute(text("SET LOCAL track_functions = 'pl'"))
    rows = [
        {"statement_id": st.id, "annotator_id": u, "state": "new", "active": True}
        for st in sts.values()
        for u in users
    ]
    insert_rows(session, Assignment.__table__, rows)
    calls = session.scalar(
        text("SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = :f"),
        {"f": "assignment_counts_insert"},
    )
    assert calls == 1  # 120 rows, one statement
    _same(session)
