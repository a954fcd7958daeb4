"""Search pages are exact on every path (docs/search.md, *How it is built*).

A page either walks the first rows in page order and keeps the matches, or asks the index for
every match (PostgreSQL's GIN index; on SQLite, in date order, FTS5's matches, sorted or
checked along the date index); the walk hands over when fewer than a page match in it. On
SQLite the FTS5 index holds each statement's project as a token, and a page in id order
streams FTS5's matches.
Whichever path a page takes, following the *Next* cursors must list exactly the matches in
the order a plain Python sort gives.
"""

from __future__ import annotations

import pytest

from annotator.statements import browser, search
from annotator.statements.browser import Filters, browse

from .factories import make_project
from .search_helpers import Record, import_corpus

SIZE = 120


def corpus():
    """``dense`` in every other statement up to 60; ``tail`` only in the last 15 (a topic of
    the latest import); dates run backwards so the date order differs from import order,
    repeat (the id breaks ties), and every seventh statement has none (first in date order)."""
    for i in range(SIZE):
        words = ["common"]
        if i < 60 and i % 2 == 0:
            words.append("dense")
        if i >= SIZE - 15:
            words.append("tail")
        date = None if i % 7 == 3 else f"2024-{12 - i % 12:02d}-{28 - i % 28:02d}"
        yield Record(f"r{i:03d}", " ".join(words) + f" number{i}", date=date)


@pytest.fixture
def project(session, monkeypatch):
    monkeypatch.setattr(browser, "PAGE_SIZE", 10)
    other = make_project(session, "before")  # another project's matches come first in id order
    import_corpus(session, other, [Record(f"o{i}", "common dense tail") for i in range(30)])
    project = make_project(session, "p")
    import_corpus(session, project, list(corpus()))
    session.commit()
    return project


def all_pages(session, project, q, sort):
    """Every row of every page, following the cursors."""
    found, after = [], ""
    for _ in range(SIZE):
        page = browse(session, project, Filters(q=q, sort=sort, after=after), own=None)
        found += [r.external_id for r in page.rows]
        if page.next_after is None:
            return found
        after = page.next_after
    raise AssertionError("the cursors never ended")


def expected(q, sort):
    rows = [r for r in corpus() if set(q.split()) <= set(r.text.split())]
    if sort.endswith("date"):
        rows.sort(key=lambda r: (r.date or "", r.external_id))
    if sort.startswith("-"):
        rows.reverse()
    return [r.external_id for r in rows]


@pytest.mark.parametrize("q", ["common", "dense", "tail", "common tail", "absent"])
@pytest.mark.parametrize("sort", ["id", "-id", "date", "-date"])
@pytest.mark.parametrize("walk", ["planner", "always", "in order"])
def test_every_path_lists_exactly_the_matches(session, project, monkeypatch, q, sort, walk):
    """``always``: the page walks first whatever the count of matches (SQLite: in date order
    only), with a walk shorter than the gaps between ``tail``'s matches, so it hands over
    mid-way. ``in order`` (SQLite, date order): the date index read against the set of
    matches, never the walk nor the sort."""
    if walk == "always":
        monkeypatch.setattr(search, "FEW", 1)
        monkeypatch.setattr(search, "DENSE", 10**6)
        monkeypatch.setattr(search, "WALK", 12)
    elif walk == "in order":
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("SQLite's page shape; PostgreSQL's walk and lookup are the cases above")
        monkeypatch.setattr(search, "FEW", 1)
        monkeypatch.setattr(search, "DENSE", 0)
    assert all_pages(session, project, q, sort) == expected(q, sort)


def test_a_project_token_is_not_a_word(session, project):
    """SQLite: the project column holds ``p<id>``; a search for that text finds nothing."""
    assert all_pages(session, project, f"p{project.id}", "id") == []
    assert all_pages(session, project, "project", "id") == []


def test_the_fts5_query_names_the_project_column():
    assert search.project_query(["a", '"b'], 7) == 'project : "p7" AND {title text} : ("a" """b")'
