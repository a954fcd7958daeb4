"""The search index is filled by a job after the import commits (docs/search.md).

Imported statements sit in ``search_backlog`` until the job runs; meanwhile the statement
browser says how many are still being indexed. A failed import leaves neither backlog nor
index rows; a restored backup is searchable at once; deleting a statement the index never
held leaves the index sound.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from annotator.jobs import queue, search_index
from annotator.models import SearchBacklog, Statement
from annotator.statements import search

from .factories import make_project
from .search_helpers import Record, import_corpus
from .test_search import ids

URL = "/p/p/statements/"


@pytest.fixture
def project(session):
    project = make_project(session, "p", members={"boss": "lead"})
    import_corpus(session, project)  # indexed, as after the job
    session.commit()
    return project


def backlog(session) -> int:
    return session.scalar(select(func.count()).select_from(SearchBacklog))


def indexed_rows(session) -> int:
    """Rows the search index holds (FTS5 documents; filled PostgreSQL vectors)."""
    if session.get_bind().dialect.name == "sqlite":
        return session.scalar(text("SELECT count(*) FROM statements_fts_docsize"))
    return session.scalar(text("SELECT count(*) FROM statements WHERE search_vector IS NOT NULL"))


def test_imported_statements_are_found_after_the_job(app, session, project):
    import_corpus(session, project, [Record("s6", "later strikes")], index=False)
    session.commit()
    assert backlog(session) == 1
    assert ids(session, project, "later") == []  # not yet: the job has not run
    assert search_index.index_all(app) == 1
    session.rollback()  # a fresh read
    assert ids(session, project, "later") == ["s6"]
    assert ids(session, project, "strikes") == ["s1", "s5", "s6"]
    assert backlog(session) == 0


def test_the_page_says_how_many_are_still_being_indexed(app, session, project, login):
    records = [Record(f"n{i}", f"pending words {i}") for i in range(3)]
    import_corpus(session, project, records, index=False)
    session.commit()
    client = login("boss")
    body = client.get(URL + "?q=pending").get_data(True)
    assert "3 statements of this project are still being indexed" in body
    assert "pending words" not in body
    assert "still being indexed" not in client.get(URL).get_data(True)  # no search words
    search_index.index_all(app)
    session.rollback()  # the page reads through this test's session: a fresh snapshot
    body = client.get(URL + "?q=pending").get_data(True)
    assert "still being indexed" not in body and ">n0</a>" in body and ">n2</a>" in body


def test_another_projects_backlog_is_not_counted(session, project):
    other = make_project(session, "other")
    import_corpus(session, other, [Record("o1", "elsewhere")], index=False)
    session.commit()
    assert search.pending_count(session, project.id) == 0
    assert search.pending_count(session, other.id) == 1


def test_a_failed_import_leaves_no_backlog_and_no_index_rows(app, session, project):
    before = indexed_rows(session)
    import_corpus(session, project, [Record("s7", "rolled back words")], index=False)
    assert backlog(session) == 1  # inside the import's transaction
    session.rollback()
    assert search.QUEUED not in session.info  # the next commit starts no job for it
    assert backlog(session) == 0 and indexed_rows(session) == before
    assert search_index.index_all(app) == 0
    assert ids(session, project, "rolled") == []


def test_the_job_works_in_batches(session, project):
    records = [Record(f"b{i}", f"batched text {i}") for i in range(5)]
    import_corpus(session, project, records, index=False)
    assert search.index_backlog(session, limit=2) == 2
    assert backlog(session) == 3
    assert len(ids(session, project, "batched")) == 2
    while search.index_backlog(session, limit=2):
        pass
    assert ids(session, project, "batched") == [f"b{i}" for i in range(5)]


def test_a_restored_backup_is_searchable_at_once(session, project):
    from annotator.exchange.backup import iter_backup_lines, restore_backup

    import_corpus(session, project, [Record("s9", "unindexed before the backup")], index=False)
    session.commit()
    lines = list(iter_backup_lines(session))
    assert not any('"search_backlog"' in line for line in lines[1:])
    session.rollback()
    restore_backup(session, lines, force=True)
    session.commit()
    assert backlog(session) == 0
    assert ids(session, project, "unindexed") == ["s9"]
    assert ids(session, project, "strikes") == ["s1", "s5"]


def test_deleting_a_statement_not_yet_indexed_keeps_the_index_sound(app, session, project):
    import_corpus(session, project, [Record("d1", "doomed strikes")], index=False)
    session.commit()
    session.delete(session.scalar(select(Statement).where(Statement.external_id == "d1")))
    session.commit()
    search_index.index_all(app)
    assert backlog(session) == 0
    assert ids(session, project, "doomed") == []
    assert ids(session, project, "Teheran") == ["s1"]
    assert ids(session, project, "strikes") == ["s1", "s5"]
    if session.get_bind().dialect.name == "sqlite":  # the index against the statements
        check = "INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)"
        session.execute(text(check))


def test_the_commit_starts_the_job_on_the_queue(app, session, project):
    consumer = queue.start_consumer(app, periodic=False)
    try:
        import_corpus(session, project, [Record("q1", "queued through huey")], index=False)
        session.commit()  # the hook puts the job on the queue; the consumer runs it
        deadline = time.monotonic() + 30
        while ids(session, project, "huey") != ["q1"] and time.monotonic() < deadline:
            session.rollback()
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert ids(session, project, "huey") == ["q1"]
    assert backlog(session) == 0


def test_the_clock_indexes_a_backlog_whose_start_was_lost(app, session, project):
    huey = queue.get_huey(app)
    huey.flush()  # the fixture's import started a job already
    import_corpus(session, project, [Record("c1", "found by the clock")], index=False)
    session.info.pop(search.QUEUED)  # as if the queue had been unreachable at the commit
    session.commit()
    assert len(huey) == 0
    huey.annotator_search_clock.call_local()  # what the consumer runs every minute
    assert backlog(session) == 0
    session.rollback()
    assert ids(session, project, "clock") == ["c1"]


def test_the_search_index_command_indexes_the_backlog_now(app, session, project, runner):
    import_corpus(session, project, [Record("k1", "command line words")], index=False)
    session.commit()
    result = runner.invoke(args=["search-index"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 statements for search." in result.output
    session.rollback()
    assert ids(session, project, "command") == ["k1"]
    assert runner.invoke(args=["search-index"]).output.strip() == "Indexed 0 statements for search."


def test_two_jobs_at_once_take_different_statements(app, session, project):
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the second job waits for the first")
    from annotator.extensions import db

    import_corpus(session, project, [Record(f"t{i}", f"twice {i}") for i in range(4)], index=False)
    session.commit()
    first, second = db.factory(), db.factory()
    try:
        assert search.index_backlog(first, limit=2) == 2  # its rows stay locked until commit
        assert search.index_backlog(second, limit=4) == 2  # the other two, not the same ones
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert backlog(session) == 0
    assert ids(session, project, "twice") == [f"t{i}" for i in range(4)]
