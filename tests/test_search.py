"""Full-text search over statements: the database's own engine, hostile queries as plain words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import Statement
from annotator.statements import search
from annotator.statements.browser import Filters, browse

from .factories import make_project
from .search_helpers import Record, import_corpus

HOSTILE = (
    '"',
    '"unbalanced',
    "*",
    "strikes*",
    "NEAR(strikes regime)",
    "NEAR",
    "-strikes",
    "strikes -regime",
    "(strikes",
    "strikes)",
    "a OR b",
    "AND",
    "NOT strikes",
    "title:strikes",
    "^strikes",
    "strikes & regime | !x",
    "'; DROP TABLE statements; --",
    "\\",
    "::",
    "{title text}: strikes",
    "x" * 5000,
    "😀 emoji",
)


def ids(session, project, q, **kw):
    page = browse(session, project, Filters(q=q, **kw), own=None)
    return [r.external_id for r in page.rows]


@pytest.fixture
def project(session):
    project = make_project(session, "p")
    import_corpus(session, project)
    session.commit()
    return project


def test_words_must_all_occur(session, project):
    assert ids(session, project, "strikes") == ["s1", "s5"]
    assert ids(session, project, "strikes regime") == ["s1"]
    assert ids(session, project, "STRIKES Teheran") == ["s1"]


def test_title_is_searched_too(session, project):
    assert ids(session, project, "Berlin") == ["s2"]
    assert ids(session, project, "line") == ["s5"]


def test_other_scripts_are_found(session, project):
    assert ids(session, project, "داعش") == ["s3"]
    assert ids(session, project, "Zürich") == ["s2"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_error(session, project, query):
    found = ids(session, project, query)
    assert isinstance(found, list)


def test_syntax_characters_are_plain_words(session, project):
    assert ids(session, project, "NEAR") == ["s4"]  # a word, not the NEAR operator
    assert ids(session, project, '"news"') == ["s4"]
    assert ids(session, project, "strikes*") == ["s1", "s5"]  # no prefix operator: '*' is dropped
    assert ids(session, project, "-regime") == ["s1"]  # not a negation
    assert ids(session, project, "(strikes") == ["s1", "s5"]
    assert ids(session, project, "e-mail") == ["s4"]


def test_a_query_without_words_filters_nothing(session, project):
    assert search.query_words("* -- ( )") == []
    assert len(ids(session, project, "* -- ( )")) == 5


def test_fts5_query_quotes_every_word():
    assert search.fts5_query(["NEAR(a", 'b"c']) == '"NEAR(a" "b""c"'


def test_other_projects_statements_are_not_found(session, project):
    other = make_project(session, "other")
    import_corpus(session, other, [Record("o1", "strikes elsewhere")])
    session.commit()
    assert ids(session, project, "strikes") == ["s1", "s5"]
    assert ids(session, other, "strikes") == ["o1"]


def test_a_second_import_is_indexed_and_a_failed_one_is_not(session, project):
    import_corpus(session, project, [Record("s6", "later strikes")])
    session.commit()
    assert ids(session, project, "later") == ["s6"]
    import_corpus(session, project, [Record("s7", "rolled back words")])
    session.rollback()
    assert ids(session, project, "rolled") == []


def test_deleted_statements_leave_the_index(session, project):
    doomed = session.scalar(select(Statement).where(Statement.external_id == "s1"))
    session.delete(doomed)
    session.commit()
    assert ids(session, project, "Teheran") == []
    import_corpus(session, project, [Record("s8", "fresh text without the old word")])
    session.commit()
    assert ids(session, project, "Teheran") == []


def test_a_restored_backup_is_searchable(session, project):
    from annotator.exchange.backup import iter_backup_lines, restore_backup

    lines = list(iter_backup_lines(session))
    session.rollback()
    restore_backup(session, lines, force=True)
    session.commit()
    assert ids(session, project, "strikes") == ["s1", "s5"]
    assert ids(session, project, "Teheran") == ["s1"]
