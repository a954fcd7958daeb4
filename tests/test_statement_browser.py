"""The statement browser: filters, keyset pages, bad cursors, and who sees what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.accounts.users import find_user
from annotator.models import Actor, Label, Stance, Statement
from annotator.projects.assignments import assign_statement
from annotator.statements import browser
from annotator.statements.browser import Filters, browse

from .factories import make_project, make_user
from .search_helpers import import_corpus

URL = "/p/p/statements/"


@pytest.fixture
def project(session):
    project = make_project(
        session,
        "p",
        members={"boss": "lead", "rev": "reviewer", "ann": "annotator", "ann2": "annotator"},
    )
    make_user(session, "stranger")
    import_corpus(session, project)
    by_id = {s.external_id: s for s in session.scalars(select(Statement))}
    ann, ann2 = find_user(session, "ann"), find_user(session, "ann2")
    assign_statement(session, project, by_id["s1"], ann)
    assign_statement(session, project, by_id["s2"], ann)
    assign_statement(session, project, by_id["s2"], ann2)
    iran = Actor(project_id=project.id, key="iran", name="Iran")
    session.add(iran)
    session.flush()
    label = session.scalar(
        select(Label).where(Label.project_id == project.id, Label.key == "claim")
    )
    session.add(
        Stance(statement_id=by_id["s2"].id, annotator_id=ann2.id, start=0, end=3, text="Die",
               label_id=label.id, target_id=iran.id)
    )  # fmt: skip
    session.commit()
    return project


def names(session, project, own=None, **kw):
    return [r.external_id for r in browse(session, project, Filters(**kw), own=own).rows]


def test_filters(session, project):
    ann2 = find_user(session, "ann2")
    label = session.scalar(select(Label.id).where(Label.key == "claim"))
    iran = session.scalar(select(Actor.id).where(Actor.key == "iran"))
    assert names(session, project) == ["s1", "s2", "s3", "s4", "s5"]
    assert names(session, project, state="unassigned") == ["s3", "s4", "s5"]
    assert names(session, project, state="new") == ["s1", "s2"]
    assert names(session, project, annotator_id=ann2.id) == ["s2"]
    assert names(session, project, label_id=label) == ["s2"]
    assert names(session, project, target_id=iran) == ["s2"]
    assert names(session, project, organization="RCIT") == ["s1", "s3"]
    assert names(session, project, date_from="2023", date_to="2023") == ["s2"]
    assert names(session, project, date_from="2024-01-01") == ["s1", "s5"]
    assert names(session, project, review="reviewed") == []
    assert names(session, project, review="unreviewed", q="strikes") == ["s1", "s5"]


def test_sorts(session, project):
    assert names(session, project, sort="-id") == ["s5", "s4", "s3", "s2", "s1"]
    assert names(session, project, sort="date") == ["s4", "s3", "s2", "s1", "s5"]
    assert names(session, project, sort="-date") == ["s5", "s1", "s2", "s3", "s4"]


@pytest.mark.parametrize("sort", list(browser.SORTS))
def test_keyset_pages_walk_every_statement_once(session, project, monkeypatch, sort):
    expected = names(session, project, sort=sort)
    monkeypatch.setattr(browser, "PAGE_SIZE", 2)
    seen, after = [], ""
    for _ in range(5):
        page = browse(session, project, Filters(sort=sort, after=after), own=None)
        seen += [r.external_id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected and len(expected) == 5


@pytest.mark.parametrize(
    "after", ["999999", "abc", "-1", "1e9", "9" * 40, ",", "x,1", "٣", "2024,99999999999"]
)
def test_bad_or_past_cursors_give_an_empty_page(session, project, after):
    assert browse(session, project, Filters(after=after), own=None).rows == []
    assert browse(session, project, Filters(after=after, sort="date"), own=None).rows == []


def test_annotator_sees_own_queue_only(session, project):
    ann, ann2 = find_user(session, "ann"), find_user(session, "ann2")
    label = session.scalar(select(Label.id).where(Label.key == "claim"))
    assert names(session, project, own=ann) == ["s1", "s2"]
    assert names(session, project, own=ann, annotator_id=ann2.id) == ["s1", "s2"]  # ignored
    assert names(session, project, own=ann, label_id=label) == []  # ann2's stance is not theirs
    assert names(session, project, own=ann2, label_id=label) == ["s2"]
    assert names(session, project, own=ann, q="strikes") == ["s1"]


def test_lead_page_lists_and_searches(session, project, login):
    client = login("boss")
    body = client.get(URL + "?q=strikes").get_data(True)
    assert "Teheran speaks" in body and "Party line" in body and "Berlin" not in body
    body = client.get(URL + "?target=Iran").get_data(True)
    assert "Berlin" in body and "Teheran speaks" not in body
    response = client.get(URL + "?target=nobody")
    assert response.status_code == 200 and "No actor “nobody”" in response.get_data(True)


@pytest.mark.parametrize(
    "query",
    ["?q=%22", "?q=NEAR(a", "?after=zzz", "?after=99999999999999999999", "?annotator=abc",
     "?annotator=99999999999999", "?sort=evil", "?state=evil&review=evil", "?from=%27&to=%22",
     "?label=-1", "?q=" + "x" * 3000, "?sort=date&after=,,,"],
)  # fmt: skip
def test_hostile_arguments_never_500(session, project, login, query):
    response = login("boss").get(URL + query)
    assert response.status_code == 200


def test_annotator_page_shows_own_statements(session, project, login):
    body = login("ann").get(URL).get_data(True)
    assert "My statements" in body and "Teheran speaks" in body and "Arabic report" not in body
    assert 'name="annotator"' not in body


def test_reviewer_sees_all(session, project, login):
    body = login("rev").get(URL).get_data(True)
    assert "Arabic report" in body


def test_strangers_get_404(session, project, login):
    assert login("stranger").get(URL).status_code == 404


def test_next_link_keeps_the_filters(session, project, login, monkeypatch):
    monkeypatch.setattr(browser, "PAGE_SIZE", 1)
    body = login("boss").get(URL + "?q=strikes&sort=-id").get_data(True)
    assert "after=5" in body and "q=strikes" in body and "Party line" in body


def test_queue_pages_by_keyset_with_progress_over_the_whole_queue(session, project):
    from annotator.projects.queue import list_queue

    ann = find_user(session, "ann")
    first = list_queue(session, project, ann, limit=1)
    assert [i.external_id for i in first.items] == ["s1"] and first.progress.total == 2
    second = list_queue(session, project, ann, after=first.next_after, limit=1)
    assert [i.external_id for i in second.items] == ["s2"] and second.next_after is None
    assert list_queue(session, project, ann, after=10**6).items == []


@pytest.mark.parametrize("after", ["1", "999999", "-5", "abc", "9" * 30])
def test_queue_page_after_never_500(session, project, login, after):
    response = login("ann").get(f"/p/p/?after={after}")
    assert response.status_code == 200 and "statements finished" in response.get_data(True)
