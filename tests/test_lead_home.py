"""The lead's home: an overview, not an empty queue; linked Progress titles; assign after import."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from annotator.accounts.users import find_user
from annotator.actors.registry import propose_actor
from annotator.models import Assignment
from annotator.projects.home import lead_home

from .conftest import csrf_from
from .test_review_helpers import done, mark, setup


def _assignments(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Assignment))


def test_lead_lands_on_an_overview(app, session, client, login):
    project, (s0, s1) = setup(session, statements=2)
    mark(session, project, s0, "ann1", "Iran condemns Israel")
    done(session, project, s0, "ann1", "ann2")  # s0 ready for review; s1 not
    propose_actor(session, project, find_user(session, "ann1"), "Mullah regime")
    session.commit()
    login("boss")
    html = client.get("/p/rev/").get_data(as_text=True)
    assert 'id="lead-home"' in html and "My queue" not in html
    assert "2 statements;" in html and "2 of 4 assignments finished" in html
    assert "1 statement ready for review" in html
    assert "1 open proposal: Mullah regime" in html
    assert "by the command line:" in html and "2 imported, 0 skipped" in html


def test_annotators_still_see_their_queue(app, session, client, login):
    setup(session)
    login("ann1")
    html = client.get("/p/rev/").get_data(as_text=True)
    assert "My queue" in html and 'id="lead-home"' not in html


def test_backlog_leaves_out_adjudicated_and_unfinished_statements(app, session):
    project, (s0, s1, s2) = setup(session, statements=3)
    done(session, project, s0, "ann1", "ann2")
    done(session, project, s1, "ann1", "ann2")
    done(session, project, s2, "ann1")
    assert lead_home(session, project).backlog == 2
    from annotator.models import GoldDecision

    session.add(GoldDecision(statement_id=s1.id, decision="accept"))
    session.commit()
    assert lead_home(session, project).backlog == 1


def test_progress_titles_link_to_the_statement(app, session, client, login):
    _, (st,) = setup(session)
    login("boss")
    html = client.get("/p/rev/progress").get_data(as_text=True)
    assert f'href="/p/rev/review/s/{st.id}">s0</a>' in html
    assert "1 statement, 0 stances by annotators." in html


def _upload(
    client, token, text=b'{"id": "n1", "text": "New one."}\n{"id": "n2", "text": "Two."}\n'
):
    data = {"csrf_token": token, "files": [(io.BytesIO(text), "s.jsonl")]}
    return client.post("/p/rev/import/", data=data, content_type="multipart/form-data")


def test_import_says_what_needs_assigning_and_assigns_it(app, session, client, login):
    setup(session)  # one statement, assigned to ann1 and ann2 (N = 2 by default)
    login("boss")
    html = _upload(client, csrf_from(client.get("/p/rev/import/"))).get_data(as_text=True)
    assert "Imported 2 statements" in html
    assert "2 statements still need assigning" in html and "Assign them now" in html
    before = _assignments(session)
    token = csrf_from(client.get("/p/rev/import/"))
    response = client.post("/p/rev/assignments", data={"csrf_token": token})
    assert response.status_code == 303 and _assignments(session) == before + 4
    html = _upload(client, token, b'{"id": "n1", "text": "New one."}\n').get_data(as_text=True)
    assert "Every statement has its annotators." in html and "Assign them now" not in html
    home = client.get("/p/rev/").get_data(as_text=True)
    assert 'id="assign-now"' not in home and "2 imported, 0 skipped" in home


def test_the_assign_button_needs_csrf_and_the_lead_role(app, session, client, login):
    setup(session)
    login("boss")
    _upload(client, csrf_from(client.get("/p/rev/import/")))
    before = _assignments(session)
    assert client.post("/p/rev/assignments", data={}).status_code == 400
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})
    login("rev")
    token = csrf_from(client.get("/p/rev/review/"))
    assert client.post("/p/rev/assignments", data={"csrf_token": token}).status_code == 403
    assert _assignments(session) == before


def test_lead_home_offers_the_assign_button(app, session, client, login):
    setup(session)
    login("boss")
    _upload(client, csrf_from(client.get("/p/rev/import/")))
    html = client.get("/p/rev/").get_data(as_text=True)
    assert 'id="assign-now"' in html and 'action="/p/rev/assignments"' in html
    assert "2 imported, 0 skipped (s.jsonl)" in html
